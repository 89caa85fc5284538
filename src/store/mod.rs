//! SQLite persistence: the connection pool, schema migrations and one transaction type whose
//! methods are the only SQL in the crate.
//!
//! Every mutation runs in one `BEGIN IMMEDIATE` transaction ([`Store::write`]); reads run in a
//! deferred one ([`Store::read`]) so they see one consistent snapshot. Connections use WAL,
//! foreign keys, a busy timeout and `synchronous=FULL`, so a finalized invoice survives power loss.
//! A verb made of two write transactions (finalization: the number, then the archived files)
//! commits the first with [`Store::write_unsynced`]: the second commit's sync, or
//! [`Store::sync`], makes both durable before the verb answers, with one sync to disk instead
//! of two.
//! Neighbours: `engine.rs` calls in here; `domain/` provides the types stored.

mod archive;
mod chain;
mod columns;
mod customers;
mod documents;
mod events;
mod links;
mod maintenance;
mod oauth;
mod open;
mod seller;
mod series;
mod web;

use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use r2d2::{Pool, PooledConnection};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{ErrorCode as SqliteCode, OpenFlags, TransactionBehavior};

use crate::error::{Error, Result};

pub use archive::ArchivedPdf;
pub use chain::{ChainBreak, ChainReport};
pub use documents::{NewDocumentRow, PaymentRow};
pub use links::new_link_key;
pub use maintenance::integrity_of_file;
pub use oauth::{ClientRow, GrantRow};
pub use open::{SCHEMA_VERSION, expected_triggers};
pub use web::AccessEvent;

/// How long a connection waits for another writer before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Prepared statements each connection keeps. The store has about 40 distinct statements and a
/// finalization alone runs over 20; with rusqlite's default of 16 the cache thrashed and a third
/// of a finalization's database time went to compiling SQL again.
const STATEMENT_CACHE: usize = 128;

/// A pool of connections to one invoicer database file.
#[derive(Clone)]
pub struct Store {
    pool: Pool<SqliteConnectionManager>,
    path: PathBuf,
    read_only: bool,
    /// Whether the file is in WAL mode, where a commit's sync is a sync of the `-wal` file.
    wal: bool,
}

/// One open transaction; its methods (spread over the files of this module) run the SQL.
///
/// It carries the instant of the verb it serves, read from the engine's clock once: every
/// timestamp the transaction writes is that instant, and "today" is its date in the seller's
/// time zone. The store itself never reads a clock.
pub struct Tx<'c> {
    conn: &'c rusqlite::Transaction<'c>,
    now: DateTime<Utc>,
    stamp: String,
    today: OnceCell<NaiveDate>,
}

impl Store {
    /// Open (creating and migrating if needed) the database at `path`. A file that is not an
    /// invoicer database, or one written by a newer version, is refused and left untouched.
    /// `now` dates what opening writes (the start of the hash chain of an upgraded file).
    pub fn open(path: &Path, now: DateTime<Utc>) -> Result<Store> {
        let wal = open::prepare(path, now)?;
        let manager = SqliteConnectionManager::file(path).with_init(|conn| {
            conn.busy_timeout(BUSY_TIMEOUT)?;
            conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
            conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")
        });
        Self::pooled(path, manager, false, wal)
    }

    /// Open the database at `path` for reading only: SQLite opens the file read-only (it may
    /// sit on a read-only mount), nothing is migrated, and every write is refused. A file whose
    /// schema is older or newer than this build's is refused with what to do.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let name = open::check_read_only(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let manager = SqliteConnectionManager::file(name)
            .with_flags(flags)
            .with_init(|conn| {
                conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
                conn.busy_timeout(BUSY_TIMEOUT)
            });
        Self::pooled(path, manager, true, false)
    }

    fn pooled(
        path: &Path,
        manager: SqliteConnectionManager,
        read_only: bool,
        wal: bool,
    ) -> Result<Store> {
        let pool = Pool::builder()
            .max_size(16)
            .min_idle(Some(0))
            .connection_timeout(BUSY_TIMEOUT)
            .build(manager)
            .map_err(|e| Error::storage(format!("cannot open {}: {e}", path.display())))?;
        Ok(Store {
            pool,
            path: path.to_path_buf(),
            read_only,
            wal,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether every write is refused.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    fn connection(&self) -> Result<PooledConnection<SqliteConnectionManager>> {
        self.pool.get().map_err(|e| {
            Error::storage(format!(
                "no database connection for {}: {e}",
                self.path.display()
            ))
        })
    }

    /// The same store, refusing every write with [`ErrorCode::ReadOnly`](crate::ErrorCode).
    pub fn read_only(&self) -> Store {
        Store {
            read_only: true,
            ..self.clone()
        }
    }

    /// Run `f` in one `BEGIN IMMEDIATE` transaction at the instant `now`; commit if it returns
    /// `Ok`, roll back otherwise. A read-only store refuses before opening the transaction.
    pub fn write<T>(&self, now: DateTime<Utc>, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        if self.read_only {
            return Err(Error::read_only(
                "this server is read-only: reads and renders work, changes are refused",
            ));
        }
        self.transaction(TransactionBehavior::Immediate, now, f)
    }

    /// [`Store::write`] whose commit is not synced to disk: it is durable once a later commit
    /// syncs (every [`Store::write`] does) or [`Store::sync`] runs, and the caller must see
    /// that one of them follows before it reports the change. Other connections see the
    /// commit at once. Without WAL (SQLite keeps another journal mode where WAL cannot work)
    /// this is [`Store::write`].
    pub fn write_unsynced<T>(
        &self,
        now: DateTime<Utc>,
        f: impl FnOnce(&Tx<'_>) -> Result<T>,
    ) -> Result<T> {
        if !self.wal {
            return self.write(now, f);
        }
        if self.read_only {
            return Err(Error::read_only(
                "this server is read-only: reads and renders work, changes are refused",
            ));
        }
        let conn = self.connection()?;
        let mut unsynced = Unsynced::new(conn)?;
        run_transaction(&mut unsynced.0, TransactionBehavior::Immediate, now, f)
    }

    /// Sync the write-ahead log to disk: every transaction committed before is then durable,
    /// those of [`Store::write_unsynced`] included. (In WAL mode a commit's durability is the
    /// `-wal` file's, which SQLite syncs at each commit under `synchronous=FULL`.)
    pub fn sync(&self) -> Result<()> {
        if !self.wal {
            return Ok(());
        }
        let mut wal = self.path.as_os_str().to_owned();
        wal.push("-wal");
        let wal = PathBuf::from(wal);
        // The log may have been made by that very commit: its directory entry is synced too.
        let directory = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        for path in [&wal, &directory] {
            std::fs::File::open(path)
                .and_then(|file| file.sync_all())
                .map_err(|e| {
                    Error::storage(format!("cannot sync {} to disk: {e}", path.display()))
                })?;
        }
        Ok(())
    }

    /// Run `f` in a read transaction (one consistent snapshot) at the instant `now`.
    pub fn read<T>(&self, now: DateTime<Utc>, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        self.transaction(TransactionBehavior::Deferred, now, f)
    }

    fn transaction<T>(
        &self,
        behavior: TransactionBehavior,
        now: DateTime<Utc>,
        f: impl FnOnce(&Tx<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.connection()?;
        run_transaction(&mut conn, behavior, now, f)
    }
}

/// Run `f` in one transaction on `conn`: commit if it returns `Ok`, roll back otherwise.
fn run_transaction<T>(
    conn: &mut rusqlite::Connection,
    behavior: TransactionBehavior,
    now: DateTime<Utc>,
    f: impl FnOnce(&Tx<'_>) -> Result<T>,
) -> Result<T> {
    let tx = conn
        .transaction_with_behavior(behavior)
        .map_err(sql_error)?;
    let value = f(&Tx {
        conn: &tx,
        now,
        stamp: stamp(now),
        today: OnceCell::new(),
    })?;
    tx.commit().map_err(sql_error)?;
    Ok(value)
}

/// A pooled connection whose commits are not synced (`synchronous=NORMAL`) until it is
/// dropped, which sets it back to `synchronous=FULL` before it returns to the pool.
struct Unsynced(PooledConnection<SqliteConnectionManager>);

impl Unsynced {
    fn new(conn: PooledConnection<SqliteConnectionManager>) -> Result<Unsynced> {
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql_error)?;
        Ok(Unsynced(conn))
    }
}

impl Drop for Unsynced {
    fn drop(&mut self) {
        if let Err(e) = self.0.pragma_update(None, "synchronous", "FULL") {
            // Setting a pragma does no I/O, so this is not expected; should it happen, this
            // connection's commits are durable only at the next synced commit of any connection.
            tracing::error!("cannot set synchronous=FULL on a pooled connection again: {e}");
        }
    }
}

impl Tx<'_> {
    /// The instant as stored in timestamp columns.
    fn stamp(&self) -> &str {
        &self.stamp
    }

    /// Today for the seller: the verb's instant in the seller profile's time zone (UTC when
    /// no profile is set). Worked out once per transaction.
    pub fn today(&self) -> Result<NaiveDate> {
        if let Some(today) = self.today.get() {
            return Ok(*today);
        }
        let zone = self
            .seller_profile()?
            .map_or_else(crate::domain::dates::Zone::utc, |p| p.zone());
        Ok(*self.today.get_or_init(|| zone.date_at(self.now)))
    }
}

/// Set once SQLite reported a damaged file to this process: `/health` says so from then on.
static CORRUPTION_SEEN: AtomicBool = AtomicBool::new(false);

/// Whether SQLite has reported a damaged database file (`SQLITE_CORRUPT`, `SQLITE_NOTADB`) to
/// any query of this process.
pub fn corruption_seen() -> bool {
    CORRUPTION_SEEN.load(Ordering::Relaxed)
}

/// Translate a SQLite error where it arises: unique violations are conflicts, trigger refusals
/// keep their message, a busy database says so, a damaged file is remembered.
pub(crate) fn sql_error(err: rusqlite::Error) -> Error {
    if let rusqlite::Error::SqliteFailure(failure, message) = &err {
        let message = message.clone().unwrap_or_else(|| failure.to_string());
        match failure.code {
            SqliteCode::DatabaseCorrupt | SqliteCode::NotADatabase => {
                CORRUPTION_SEEN.store(true, Ordering::Relaxed);
                return Error::storage(format!(
                    "the database file is damaged ({message}); stop writing, restore the newest backup, and run `invoicer check`"
                ));
            }
            SqliteCode::ConstraintViolation
                if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
            {
                return Error::conflict(format!("already exists: {message}"));
            }
            SqliteCode::ConstraintViolation
                if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_TRIGGER =>
            {
                return Error::invalid_status(format!("refused by the database: {message}"));
            }
            SqliteCode::DatabaseBusy | SqliteCode::DatabaseLocked => {
                return Error::storage(format!(
                    "the database stayed locked by another writer for {} s: {message}",
                    BUSY_TIMEOUT.as_secs()
                ));
            }
            SqliteCode::DiskFull => return Error::storage("the disk is full"),
            SqliteCode::ReadOnly => {
                return Error::storage(format!(
                    "the database cannot be written ({message}): the file and its directory must be writable by the user invoicer runs as; `invoicer check` and `serve --read-only` read a file they may not write"
                ));
            }
            _ => {}
        }
    }
    Error::storage(format!("database error: {err}"))
}

/// A timestamp as stored: RFC 3339 UTC with milliseconds.
fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An instant for the transactions of these tests (the store never reads a clock).
    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default()
    }

    fn synchronous(store: &Store) -> i64 {
        store
            .read(now(), |tx| {
                tx.conn
                    .pragma_query_value(None, "synchronous", |row| row.get(0))
                    .map_err(sql_error)
            })
            .unwrap()
    }

    #[test]
    fn an_unsynced_write_commits_and_hands_its_connection_back_synced() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("unsynced.db"), now()).unwrap();
        assert!(store.wal);
        assert_eq!(synchronous(&store), 2, "FULL on every pooled connection");
        let seen = store
            .write_unsynced(now(), |tx| {
                let during = tx
                    .conn
                    .pragma_query_value(None, "synchronous", |row| row.get::<_, i64>(0))
                    .map_err(sql_error)?;
                tx.conn
                    .execute("CREATE TABLE probe (x INTEGER)", [])
                    .map_err(sql_error)?;
                Ok(during)
            })
            .unwrap();
        assert_eq!(seen, 1, "NORMAL while the unsynced transaction runs");
        // The pool holds one connection, the one just used: it is FULL again.
        assert_eq!(store.pool.state().connections, 1);
        assert_eq!(synchronous(&store), 2);
        store.sync().unwrap();
        let tables: i64 = store
            .read(now(), |tx| {
                tx.conn
                    .query_row(
                        "SELECT count(*) FROM sqlite_schema WHERE name = 'probe'",
                        [],
                        |row| row.get(0),
                    )
                    .map_err(sql_error)
            })
            .unwrap();
        assert_eq!(tables, 1);
    }

    #[test]
    fn an_unsynced_write_on_a_read_only_store_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("ro.db"), now())
            .unwrap()
            .read_only();
        let refused = store.write_unsynced(now(), |_| Ok(())).unwrap_err();
        assert_eq!(refused.code, crate::ErrorCode::ReadOnly);
    }
}
