//! Stored customers: reusable buyers.

use rusqlite::{OptionalExtension, Row};

use super::columns::Json;
use super::{Tx, sql_error};
use crate::domain::party::{Customer, Party};
use crate::error::{Error, Result};

fn customer(row: &Row<'_>) -> rusqlite::Result<Customer> {
    Ok(Customer {
        id: row.get("id")?,
        party: row.get::<_, Json<Party>>("data")?.0,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

impl Tx<'_> {
    /// One customer by id.
    pub fn customer(&self, id: i64) -> Result<Customer> {
        self.conn
            .prepare_cached("SELECT * FROM customers WHERE id = ?1")
            .and_then(|mut stmt| stmt.query_row([id], customer).optional())
            .map_err(sql_error)?
            .ok_or_else(|| Error::not_found(format!("no customer with id {id}")))
    }

    /// Add a customer; returns its id.
    pub fn insert_customer(&self, party: &Party) -> Result<i64> {
        self.conn
            .execute(
                "INSERT INTO customers (name, data, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                (&party.name, Json(party), self.stamp()),
            )
            .map_err(sql_error)?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Replace a customer's data.
    pub fn update_customer(&self, id: i64, party: &Party) -> Result<()> {
        let changed = self
            .conn
            .execute(
                "UPDATE customers SET name = ?2, data = ?3, updated_at = ?4 WHERE id = ?1",
                (id, &party.name, Json(party), self.stamp()),
            )
            .map_err(sql_error)?;
        if changed == 0 {
            return Err(Error::not_found(format!("no customer with id {id}")));
        }
        Ok(())
    }

    /// Customers by name, optionally those whose name contains `query`.
    pub fn customers(&self, query: Option<&str>, limit: u32) -> Result<Vec<Customer>> {
        let pattern = format!("%{}%", like_escape(query.unwrap_or("")));
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT * FROM customers
                 WHERE name LIKE ?1 ESCAPE '\\' ORDER BY name COLLATE NOCASE, id LIMIT ?2",
            )
            .map_err(sql_error)?;
        let rows = stmt
            .query_map((pattern, limit), customer)
            .map_err(sql_error)?;
        rows.map(|r| r.map_err(sql_error)).collect()
    }
}

/// Escape `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub(super) fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
