//! Stored customers: reusable buyers.

use rusqlite::{OptionalExtension, Row};

use super::{Tx, now, parse_json, parse_time, sql_error, to_json};
use crate::domain::party::{Customer, Party};
use crate::error::{Error, Result};

fn customer_from_row(row: &Row<'_>) -> rusqlite::Result<(i64, String, String, String)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn build(fields: (i64, String, String, String)) -> Result<Customer> {
    let (id, data, created_at, updated_at) = fields;
    Ok(Customer {
        id,
        party: parse_json(&data)?,
        created_at: parse_time(&created_at)?,
        updated_at: parse_time(&updated_at)?,
    })
}

impl Tx<'_> {
    /// One customer by id.
    pub fn customer(&self, id: i64) -> Result<Customer> {
        let fields = self
            .conn
            .prepare_cached("SELECT id, data, created_at, updated_at FROM customers WHERE id = ?1")
            .and_then(|mut stmt| stmt.query_row([id], customer_from_row).optional())
            .map_err(sql_error)?
            .ok_or_else(|| Error::not_found(format!("no customer with id {id}")))?;
        build(fields)
    }

    /// Add a customer; returns its id.
    pub fn insert_customer(&self, party: &Party) -> Result<i64> {
        let at = now();
        self.conn
            .execute(
                "INSERT INTO customers (name, data, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                (&party.name, to_json(party)?, &at),
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
                (id, &party.name, to_json(party)?, now()),
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
                "SELECT id, data, created_at, updated_at FROM customers
                 WHERE name LIKE ?1 ESCAPE '\\' ORDER BY name COLLATE NOCASE, id LIMIT ?2",
            )
            .map_err(sql_error)?;
        let rows = stmt
            .query_map((pattern, limit), customer_from_row)
            .map_err(sql_error)?;
        rows.map(|r| r.map_err(sql_error).and_then(build)).collect()
    }
}

/// Escape `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub(super) fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
