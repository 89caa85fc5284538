//! SQLite persistence: the connection pool, schema migrations and one transaction type whose
//! methods are the only SQL in the crate.
//!
//! Every mutation runs in one `BEGIN IMMEDIATE` transaction ([`Store::write`]); reads run in a
//! deferred one ([`Store::read`]) so they see one consistent snapshot. Connections use WAL,
//! foreign keys, a busy timeout and `synchronous=FULL`, so a finalized invoice survives power loss.
//! Neighbours: `engine.rs` calls in here; `domain/` provides the types stored.

mod archive;
mod chain;
mod columns;
mod customers;
mod documents;
mod events;
mod maintenance;
mod open;
mod seller;
mod series;

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
pub use maintenance::integrity_of_file;
pub use open::{SCHEMA_VERSION, expected_triggers};

/// How long a connection waits for another writer before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A pool of connections to one invoicer database file.
#[derive(Clone)]
pub struct Store {
    pool: Pool<SqliteConnectionManager>,
    path: PathBuf,
    read_only: bool,
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
        open::prepare(path, now)?;
        let manager = SqliteConnectionManager::file(path).with_init(|conn| {
            conn.busy_timeout(BUSY_TIMEOUT)?;
            conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")
        });
        Self::pooled(path, manager, false)
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
            .with_init(|conn| conn.busy_timeout(BUSY_TIMEOUT));
        Self::pooled(path, manager, true)
    }

    fn pooled(path: &Path, manager: SqliteConnectionManager, read_only: bool) -> Result<Store> {
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
