//! Opening a database file: refuse foreign or newer files before anything is written (not
//! even the journal mode), switch on WAL, apply the embedded refinery migrations from
//! `migrations/`, and start the hash chain of a file upgraded from before schema v4. Read-only
//! opening never writes: it checks the file and refuses a schema other than this build's.

use std::path::Path;
use std::thread::sleep;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use super::{BUSY_TIMEOUT, sql_error};
use crate::error::{Error, Result};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// `PRAGMA application_id` of invoicer databases ("INVC").
const APPLICATION_ID: i32 = 0x494E_5643;

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: i32 = 9;

impl super::Tx<'_> {
    /// The schema version of the open database (its newest applied migration).
    pub fn schema_version(&self) -> Result<i32> {
        schema_version(self.conn)
    }
}

/// The newest applied migration, 0 for a file without any.
fn schema_version(conn: &Connection) -> Result<i32> {
    let has_history: bool = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history'",
            [],
            |_| Ok(true),
        )
        .optional()
        .map_err(sql_error)?
        .unwrap_or(false);
    if !has_history {
        return Ok(0);
    }
    conn.query_row(
        "SELECT max(version) AS version FROM refinery_schema_history",
        [],
        |row| row.get::<_, Option<i32>>("version"),
    )
    .map_err(sql_error)
    .map(|version| version.unwrap_or(0))
}

/// Check the file, enable WAL, bring the schema up to date and start the hash chain. Returns
/// whether the file is in WAL mode (SQLite keeps the old mode where WAL cannot work).
pub(super) fn prepare(path: &Path, now: DateTime<Utc>) -> Result<bool> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
        && !parent.is_dir()
    {
        return Err(Error::storage(format!(
            "cannot create {}: the directory {} does not exist",
            path.display(),
            parent.display()
        )));
    }
    // A file that is there is looked at read-only first: nothing is written to a file that is
    // not ours or is newer than this build, not even the journal mode.
    if path.metadata().is_ok_and(|m| m.len() > 0) {
        let conn = inspect(path)?;
        claim(&conn, path, false)?;
        refuse_newer(&conn, path)?;
    }
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
    )
    .map_err(|e| cannot_open(path, &e))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
    claim(&conn, path, true)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(|e| cannot_write(path, e))?;
    refuse_newer(&conn, path)?;
    migrate(&mut conn, path)?;
    start_chain(&mut conn, now)?;
    Ok(mode.eq_ignore_ascii_case("wal"))
}

/// Check a file for read-only use: it must exist, be ours, and have this build's schema.
/// Returns what to hand SQLite to open it ([`read_only_name`]).
pub(super) fn check_read_only(path: &Path) -> Result<String> {
    if !path.is_file() {
        return Err(Error::storage(format!(
            "{} does not exist; read-only mode never creates a database",
            path.display()
        )));
    }
    let conn = inspect(path)?;
    claim(&conn, path, false)?;
    refuse_newer(&conn, path)?;
    let version = schema_version(&conn)?;
    if version < SCHEMA_VERSION {
        return Err(Error::storage(format!(
            "{} has schema version {version}, older than this build's {SCHEMA_VERSION}; read-only mode never upgrades a file: upgrade it once with `invoicer --db {} check --repair` (the release that wrote it can no longer open it then), or serve it with that release",
            path.display(),
            path.display()
        )));
    }
    read_only_name(path)
}

/// A read-only connection for looking at a file before anything is written to it.
fn inspect(path: &Path) -> Result<Connection> {
    open_read_only(&read_only_name(path)?, path)
}

fn open_read_only(name: &str, path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        name,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| cannot_open(path, &e))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
    Ok(conn)
}

/// What to hand SQLite to read `path` without writing anything: the path itself, or, for a
/// WAL database in a directory nobody may write (a read-only mount), an `immutable` URI. A
/// reader of a WAL database needs its shared-memory file `-shm`; where that cannot be made and
/// there is no `-wal` file with data, no other process can be writing the file either, so
/// reading it as immutable is safe.
pub(super) fn read_only_name(path: &Path) -> Result<String> {
    let probe = |name: &str| -> rusqlite::Result<()> {
        let conn = Connection::open_with_flags(
            name,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.query_row("SELECT count(*) AS n FROM sqlite_master", [], |row| {
            row.get::<_, i64>("n")
        })
        .map(|_| ())
    };
    let plain = path.to_string_lossy().to_string();
    let failed = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => Error::storage(format!(
            "{} is not an invoicer database (not a SQLite file); refusing to touch it",
            path.display()
        )),
        _ => cannot_open(path, &e),
    };
    match probe(&uri_of(path, false)) {
        Ok(()) => Ok(plain),
        Err(e)
            if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen)
            ) && !has_wal_data(path) =>
        {
            let immutable = uri_of(path, true);
            probe(&immutable).map_err(failed)?;
            Ok(immutable)
        }
        Err(e) => Err(failed(e)),
    }
}

/// Whether `path` has a write-ahead log holding data not yet in the file.
fn has_wal_data(path: &Path) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(wal).is_ok_and(|m| m.len() > 0)
}

/// `file:` URI of `path` (`%`, `?` and `#` escaped), read-only, immutable when asked.
fn uri_of(path: &Path, immutable: bool) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut uri = String::from("file:");
    for c in absolute.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' => uri.push_str(&format!("%{:02X}", c as u32)),
            c => uri.push(c),
        }
    }
    uri.push_str("?mode=ro");
    if immutable {
        uri.push_str("&immutable=1");
    }
    uri
}

fn cannot_open(path: &Path, error: &rusqlite::Error) -> Error {
    let hint = match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::PermissionDenied) => {
            permission_hint(path)
        }
        _ => String::new(),
    };
    Error::storage(format!("cannot open {}: {error}{hint}", path.display()))
}

/// Why a file or its directory cannot be opened, when it is permissions, and what to do.
fn permission_hint(path: &Path) -> String {
    let directory = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let probe = directory.join(format!(".invoicer-write-test-{}", std::process::id()));
    let writable = match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            true
        }
        Err(e) => e.kind() != std::io::ErrorKind::PermissionDenied,
    };
    let who = crate::error::process_user();
    if !writable {
        format!(
            "; permission denied: the directory {} is not writable by the user invoicer runs as ({who}). Make it so: `chown -R 65532:65532 DIR` for the Docker image's user, or run as the directory's owner",
            directory.display()
        )
    } else {
        format!(
            "; check that the file is readable and writable by the user invoicer runs as ({who})"
        )
    }
}

fn cannot_write(path: &Path, error: rusqlite::Error) -> Error {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen) => {
            Error::storage(format!(
                "cannot write {}: {error} (permission denied: the file and its directory must be writable by the user invoicer runs as; use --read-only to serve a file you may not write)",
                path.display()
            ))
        }
        _ => sql_error(error),
    }
}

/// Make sure the file is ours: an empty file or database is claimed, one of ours passes,
/// anything else is refused without being touched.
fn claim(conn: &Connection, path: &Path, write: bool) -> Result<()> {
    let not_ours = |why: String| {
        Error::storage(format!(
            "{} is not an invoicer database ({why}); refusing to touch it",
            path.display()
        ))
    };
    let application_id: i32 = conn
        .query_row("PRAGMA application_id", [], |row| row.get("application_id"))
        .map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => not_ours("not a SQLite file".into()),
            _ => sql_error(e),
        })?;
    if application_id == APPLICATION_ID {
        return Ok(());
    }
    if application_id != 0 {
        return Err(not_ours(format!(
            "it belongs to another application, id {application_id:#x}"
        )));
    }
    let objects: i64 = conn
        .query_row("SELECT count(*) AS n FROM sqlite_master", [], |row| {
            row.get("n")
        })
        .map_err(sql_error)?;
    if objects > 0 {
        return Err(not_ours(format!(
            "it already holds {objects} tables or indexes of another application"
        )));
    }
    if !write {
        return Ok(());
    }
    conn.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}"))
        .map_err(|e| cannot_write(path, e))
}

/// Refuse a database whose schema is newer than this build: never run old code on new data.
fn refuse_newer(conn: &Connection, path: &Path) -> Result<()> {
    match schema_version(conn)? {
        version if version > SCHEMA_VERSION => Err(Error::storage(format!(
            "{} was written by a newer invoicer (schema version {version}, this build knows up to {SCHEMA_VERSION}); upgrade invoicer to open it",
            path.display()
        ))),
        _ => Ok(()),
    }
}

/// Apply pending migrations. Two processes opening a new file at once may race; the loser
/// retries once the winner is done.
fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let mut attempt = 0;
    loop {
        match embedded::migrations::runner().set_grouped(true).run(conn) {
            Ok(_) => return Ok(()),
            Err(_) if attempt < 20 => {
                attempt += 1;
                sleep(Duration::from_millis(50 * attempt));
            }
            Err(e) => {
                return Err(Error::storage(format!(
                    "cannot migrate {}: {e}",
                    path.display()
                )));
            }
        }
    }
}

/// Link the rows of a file upgraded from before schema v4 into the hash chain, in one
/// transaction (nothing to do once done, or for a new file).
/// Also make the link key when the file has none (see `links.rs`).
fn start_chain(conn: &mut Connection, now: DateTime<Utc>) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql_error)?;
    let store_tx = super::Tx {
        conn: &tx,
        now,
        stamp: super::stamp(now),
        today: std::cell::OnceCell::new(),
    };
    store_tx.start_chain()?;
    if store_tx.link_key()?.is_none() {
        store_tx.ensure_link_key(&super::links::new_link_key()?)?;
    }
    tx.commit().map_err(sql_error)
}

/// The triggers a database of this build has, with their SQL, as the embedded migrations
/// make them on an empty database.
pub fn expected_triggers() -> Result<Vec<(String, String)>> {
    let mut conn = Connection::open_in_memory().map_err(sql_error)?;
    embedded::migrations::runner()
        .set_grouped(true)
        .run(&mut conn)
        .map_err(|e| Error::internal(format!("the embedded migrations fail: {e}")))?;
    triggers(&conn)
}

/// Name and SQL of every trigger in `conn`'s database, by name.
pub(super) fn triggers(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        .map_err(sql_error)?;
    let rows = stmt
        .query_map([], |row| Ok((row.get("name")?, row.get("sql")?)))
        .map_err(sql_error)?;
    rows.map(|r| r.map_err(sql_error)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_migrations_end_at_schema_version() {
        let newest = embedded::migrations::runner()
            .get_migrations()
            .iter()
            .map(|m| m.version())
            .max();
        assert_eq!(newest, Some(SCHEMA_VERSION));
    }
}
