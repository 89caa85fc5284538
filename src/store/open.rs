//! Opening a database file: refuse foreign or newer files, switch on WAL and apply the embedded
//! refinery migrations from `migrations/`.

use std::path::Path;
use std::thread::sleep;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::{BUSY_TIMEOUT, sql_error};
use crate::error::{Error, Result};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// `PRAGMA application_id` of invoicer databases ("INVC").
const APPLICATION_ID: i32 = 0x494E_5643;

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: i32 = 3;

impl super::Tx<'_> {
    /// The schema version of the open database (its newest applied migration).
    pub fn schema_version(&self) -> Result<i32> {
        self.conn
            .query_row(
                "SELECT max(version) FROM refinery_schema_history",
                [],
                |row| row.get::<_, Option<i32>>(0),
            )
            .map_err(sql_error)
            .map(|version| version.unwrap_or(0))
    }
}

/// Check the file, enable WAL and bring the schema up to date.
pub(super) fn prepare(path: &Path) -> Result<()> {
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
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
    )
    .map_err(|e| Error::storage(format!("cannot open {}: {e}", path.display())))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
    claim(&conn, path)?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .map_err(sql_error)?;
    refuse_newer(&conn, path)?;
    migrate(&mut conn, path)
}

/// Make sure the file is ours: an empty file or database is claimed, one of ours passes,
/// anything else is refused without being touched.
fn claim(conn: &Connection, path: &Path) -> Result<()> {
    let not_ours = |why: String| {
        Error::storage(format!(
            "{} is not an invoicer database ({why}); refusing to touch it",
            path.display()
        ))
    };
    let application_id: i32 = conn
        .query_row("PRAGMA application_id", [], |row| row.get(0))
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
        .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))
        .map_err(sql_error)?;
    if objects > 0 {
        return Err(not_ours(format!(
            "it already holds {objects} tables or indexes of another application"
        )));
    }
    conn.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}"))
        .map_err(sql_error)
}

/// Refuse a database whose schema is newer than this build: never run old code on new data.
fn refuse_newer(conn: &Connection, path: &Path) -> Result<()> {
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
        return Ok(());
    }
    let newest: Option<i32> = conn
        .query_row(
            "SELECT max(version) FROM refinery_schema_history",
            [],
            |row| row.get(0),
        )
        .map_err(sql_error)?;
    match newest {
        Some(version) if version > SCHEMA_VERSION => Err(Error::storage(format!(
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
