//! The audit trail: one appended row per transition (time, verb, source, reason), each linked
//! into the hash chain in the same transaction.

use super::columns::Json;
use super::{Tx, sql_error};
use crate::domain::audit::{Event, Source};
use crate::domain::lifecycle::Verb;
use crate::error::Result;

impl Tx<'_> {
    /// Append an event to a document's trail.
    pub fn append_event(
        &self,
        document_id: i64,
        verb: Verb,
        source: Source,
        reason: Option<&str>,
        data: Option<&serde_json::Value>,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO events (document_id, at, verb, source, reason, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut stmt| {
                stmt.execute((
                    document_id,
                    self.stamp(),
                    verb,
                    source,
                    reason,
                    data.map(Json),
                ))
            })
            .map_err(sql_error)?;
        self.chain_event(self.conn.last_insert_rowid())
    }

    /// A document's trail, oldest first.
    pub fn events(&self, document_id: i64) -> Result<Vec<Event>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT * FROM events WHERE document_id = ?1 ORDER BY id")
            .map_err(sql_error)?;
        let rows = stmt
            .query_map([document_id], |row| {
                Ok(Event {
                    at: row.get("at")?,
                    verb: row.get("verb")?,
                    source: row.get("source")?,
                    reason: row.get("reason")?,
                    data: row
                        .get::<_, Option<Json<serde_json::Value>>>("data")?
                        .map(|d| d.0),
                })
            })
            .map_err(sql_error)?;
        rows.map(|row| row.map_err(sql_error)).collect()
    }
}
