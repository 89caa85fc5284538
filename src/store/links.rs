//! The key that signs download links (`domain::links`): one row, made on the first writable
//! open, replaced to revoke every link signed before.

use rusqlite::OptionalExtension;

use super::{Tx, sql_error};
use crate::domain::links::KEY_BYTES;
use crate::error::{Error, Result};

impl Tx<'_> {
    /// The link key, `None` in a file no writable open has seen since schema v7.
    pub fn link_key(&self) -> Result<Option<Vec<u8>>> {
        self.conn
            .prepare_cached("SELECT key FROM link_key WHERE id = 1")
            .and_then(|mut stmt| stmt.query_row([], |row| row.get("key")).optional())
            .map_err(sql_error)
    }

    /// Store `key` as the link key unless there is one.
    pub fn ensure_link_key(&self, key: &[u8; KEY_BYTES]) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO link_key (id, key, created_at) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO NOTHING",
            )
            .and_then(|mut stmt| stmt.execute((&key[..], self.stamp())))
            .map_err(sql_error)?;
        Ok(())
    }

    /// Replace the link key with `key`: every link signed before stops working.
    pub fn replace_link_key(&self, key: &[u8; KEY_BYTES]) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO link_key (id, key, created_at) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET key = excluded.key, created_at = excluded.created_at",
            )
            .and_then(|mut stmt| stmt.execute((&key[..], self.stamp())))
            .map_err(sql_error)?;
        Ok(())
    }
}

/// A new random link key from the operating system.
pub fn new_link_key() -> Result<[u8; KEY_BYTES]> {
    let mut key = [0u8; KEY_BYTES];
    getrandom::fill(&mut key)
        .map_err(|e| Error::internal(format!("no randomness for a link key: {e}")))?;
    Ok(key)
}
