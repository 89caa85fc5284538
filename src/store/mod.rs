//! SQLite persistence: the connection pool, schema migrations and one transaction type whose
//! methods are the only SQL in the crate.
//!
//! Every mutation runs in one `BEGIN IMMEDIATE` transaction ([`Store::write`]); reads run in a
//! deferred one ([`Store::read`]) so they see one consistent snapshot. Connections use WAL,
//! foreign keys, a busy timeout and `synchronous=FULL`, so a finalized invoice survives power loss.
//! Neighbours: `engine.rs` calls in here; `domain/` provides the types stored.

mod archive;
mod customers;
mod documents;
mod events;
mod maintenance;
mod open;
mod seller;
mod series;

use std::path::{Path, PathBuf};
use std::time::Duration;

use r2d2::{Pool, PooledConnection};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{ErrorCode as SqliteCode, TransactionBehavior};

use crate::error::{Error, Result};

pub use archive::ArchivedPdf;
pub use documents::{NewDocumentRow, PaymentRow};
pub use events::Event;
pub use maintenance::integrity_of_file;
pub use open::SCHEMA_VERSION;
pub use series::Series;

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
pub struct Tx<'c> {
    conn: &'c rusqlite::Transaction<'c>,
}

impl Store {
    /// Open (creating if needed) and migrate the database at `path`. A file that is not an
    /// invoicer database, or one written by a newer version, is refused and left untouched.
    pub fn open(path: &Path) -> Result<Store> {
        open::prepare(path)?;
        let manager = SqliteConnectionManager::file(path).with_init(|conn| {
            conn.busy_timeout(BUSY_TIMEOUT)?;
            conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")
        });
        let pool = Pool::builder()
            .max_size(16)
            .min_idle(Some(0))
            .connection_timeout(BUSY_TIMEOUT)
            .build(manager)
            .map_err(|e| Error::storage(format!("cannot open {}: {e}", path.display())))?;
        Ok(Store {
            pool,
            path: path.to_path_buf(),
            read_only: false,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
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

    /// Run `f` in one `BEGIN IMMEDIATE` transaction; commit if it returns `Ok`, roll back otherwise.
    /// A read-only store refuses before opening the transaction.
    pub fn write<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        if self.read_only {
            return Err(Error::read_only(
                "this server is read-only: reads and renders work, changes are refused",
            ));
        }
        self.transaction(TransactionBehavior::Immediate, f)
    }

    /// Run `f` in a read transaction (one consistent snapshot).
    pub fn read<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        self.transaction(TransactionBehavior::Deferred, f)
    }

    fn transaction<T>(
        &self,
        behavior: TransactionBehavior,
        f: impl FnOnce(&Tx<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.connection()?;
        let tx = conn
            .transaction_with_behavior(behavior)
            .map_err(sql_error)?;
        let value = f(&Tx { conn: &tx })?;
        tx.commit().map_err(sql_error)?;
        Ok(value)
    }
}

/// Translate a SQLite error where it arises: unique violations are conflicts, trigger refusals
/// keep their message, a busy database says so.
pub(crate) fn sql_error(err: rusqlite::Error) -> Error {
    if let rusqlite::Error::SqliteFailure(failure, message) = &err {
        let message = message.clone().unwrap_or_else(|| failure.to_string());
        match failure.code {
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
                return Error::storage(format!("the database is read-only: {message}"));
            }
            _ => {}
        }
    }
    Error::storage(format!("database error: {err}"))
}

/// Current time as stored: RFC 3339 UTC with milliseconds.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Parse a stored timestamp.
pub(crate) fn parse_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| Error::storage(format!("corrupt timestamp '{text}' in the database: {e}")))
}

/// Parse a stored date.
pub(crate) fn parse_date(text: &str) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| Error::storage(format!("corrupt date '{text}' in the database: {e}")))
}

/// Parse a stored decimal.
pub(crate) fn parse_decimal(text: &str) -> Result<rust_decimal::Decimal> {
    text.parse()
        .map_err(|e| Error::storage(format!("corrupt amount '{text}' in the database: {e}")))
}

/// Parse stored JSON.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| Error::storage(format!("corrupt JSON in the database: {e}")))
}

/// Serialize for storage.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::internal(format!("cannot serialize: {e}")))
}
