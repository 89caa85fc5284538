//! The audit trail: one appended row per transition (time, verb, source, reason).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Tx, now, parse_json, parse_time, sql_error};
use crate::domain::lifecycle::Verb;
use crate::error::Result;

/// One recorded transition.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Event {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What was done (`create`, `finalize`, `pay`, …).
    pub verb: String,
    /// Which front end did it (`cli`, `mcp`, `http`, `api`).
    pub source: String,
    /// Why, when the caller said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Details: the number assigned, the amount paid, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

impl Tx<'_> {
    /// Append an event to a document's trail.
    pub fn append_event(
        &self,
        document_id: i64,
        verb: Verb,
        source: &str,
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
                    now(),
                    verb.as_str(),
                    source,
                    reason,
                    data.map(|d| d.to_string()),
                ))
            })
            .map_err(sql_error)?;
        Ok(())
    }

    /// A document's trail, oldest first.
    pub fn events(&self, document_id: i64) -> Result<Vec<Event>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT at, verb, source, reason, data FROM events WHERE document_id = ?1 ORDER BY id",
            )
            .map_err(sql_error)?;
        let rows = stmt
            .query_map([document_id], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, Option<String>>(4)?,
                ))
            })
            .map_err(sql_error)?;
        rows.map(|row| {
            let (at, verb, source, reason, data) = row.map_err(sql_error)?;
            Ok(Event {
                at: parse_time(&at)?,
                verb,
                source,
                reason,
                data: data.as_deref().map(parse_json).transpose()?,
            })
        })
        .collect()
    }
}
