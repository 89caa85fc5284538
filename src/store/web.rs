//! The web app's rows: signed-in sessions and one-time sign-in links, by the SHA-256 of their
//! token only; and the access trail (sign-ins, consents, token grants).

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::Serialize;

use super::columns::Json;
use super::{Tx, sql_error};
use crate::domain::audit::Source;
use crate::error::Result;

// Timestamps are bound as `DateTime<Utc>` throughout, so they compare as text in one format.

/// A stored session or sign-in link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSessionRow {
    /// `session` or `login_link`.
    pub kind: String,
    /// The session's CSRF token (forms carry it back).
    pub csrf: String,
    /// When it was last used.
    pub last_seen_at: DateTime<Utc>,
    /// When it ends at the latest.
    pub expires_at: DateTime<Utc>,
}

impl Tx<'_> {
    /// Store a session or sign-in link.
    pub fn insert_web_session(
        &self,
        token_hash: &str,
        kind: &str,
        csrf: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO web_sessions (token_hash, kind, csrf, created_at, last_seen_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
            )
            .and_then(|mut stmt| stmt.execute((token_hash, kind, csrf, self.now, expires_at)))
            .map_err(sql_error)?;
        Ok(())
    }

    /// The session or link stored for `token_hash`.
    pub fn web_session(&self, token_hash: &str) -> Result<Option<WebSessionRow>> {
        self.conn
            .prepare_cached(
                "SELECT kind, csrf, last_seen_at, expires_at FROM web_sessions WHERE token_hash = ?1",
            )
            .and_then(|mut stmt| {
                stmt.query_row([token_hash], |row| {
                    Ok(WebSessionRow {
                        kind: row.get(0)?,
                        csrf: row.get(1)?,
                        last_seen_at: row.get(2)?,
                        expires_at: row.get(3)?,
                    })
                })
                .optional()
            })
            .map_err(sql_error)
    }

    /// Note that the session was used now.
    pub fn touch_web_session(&self, token_hash: &str) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE web_sessions SET last_seen_at = ?2 WHERE token_hash = ?1")
            .and_then(|mut stmt| stmt.execute((token_hash, self.now)))
            .map_err(sql_error)?;
        Ok(())
    }

    /// Delete one session or link; whether it was there.
    pub fn delete_web_session(&self, token_hash: &str) -> Result<bool> {
        self.conn
            .prepare_cached("DELETE FROM web_sessions WHERE token_hash = ?1")
            .and_then(|mut stmt| stmt.execute([token_hash]))
            .map(|n| n > 0)
            .map_err(sql_error)
    }

    /// Delete sessions and links that ended before `before` or were idle since `idle_since`.
    pub fn delete_ended_web_sessions(
        &self,
        before: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "DELETE FROM web_sessions WHERE expires_at < ?1 OR (kind = 'session' AND last_seen_at < ?2)",
            )
            .and_then(|mut stmt| stmt.execute((before, idle_since)))
            .map_err(sql_error)?;
        Ok(())
    }

    /// Delete the session used least recently (to make room at the cap).
    pub fn delete_least_recent_web_session(&self) -> Result<()> {
        self.conn
            .prepare_cached(
                "DELETE FROM web_sessions WHERE token_hash = (SELECT token_hash FROM web_sessions
                 WHERE kind = 'session' ORDER BY last_seen_at LIMIT 1)",
            )
            .and_then(|mut stmt| stmt.execute([]))
            .map_err(sql_error)?;
        Ok(())
    }

    /// Sign every browser out and void every sign-in link; how many sessions there were.
    pub fn delete_all_web_sessions(&self) -> Result<usize> {
        self.conn
            .prepare_cached("DELETE FROM web_sessions")
            .and_then(|mut stmt| stmt.execute([]))
            .map_err(sql_error)
    }

    /// How many sessions are stored.
    pub fn count_web_sessions(&self) -> Result<i64> {
        self.conn
            .prepare_cached("SELECT count(*) FROM web_sessions WHERE kind = 'session'")
            .and_then(|mut stmt| stmt.query_row([], |row| row.get(0)))
            .map_err(sql_error)
    }
}

/// A row of the access trail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccessEvent {
    /// When.
    pub at: DateTime<Utc>,
    /// What happened (`web_sign_in`, `sign_in_failed`, `oauth_consent`, …).
    pub kind: String,
    /// Which front end.
    pub source: String,
    /// Details (address, client, scope), an object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
}

/// Access events older than this are deleted when a new one is written.
const ACCESS_EVENT_DAYS: i64 = 366;

impl Tx<'_> {
    /// Append to the access trail (and forget what is older than a year).
    pub fn append_access_event(
        &self,
        kind: &str,
        source: Source,
        detail: &serde_json::Value,
    ) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM access_events WHERE at < ?1")
            .and_then(|mut stmt| {
                stmt.execute([self.now - chrono::Duration::days(ACCESS_EVENT_DAYS)])
            })
            .map_err(sql_error)?;
        self.conn
            .prepare_cached(
                "INSERT INTO access_events (at, kind, source, detail) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut stmt| stmt.execute((self.now, kind, source, Json(detail))))
            .map_err(sql_error)?;
        Ok(())
    }

    /// The newest `limit` access events, newest first.
    pub fn access_events(&self, limit: u32) -> Result<Vec<AccessEvent>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT at, kind, source, detail FROM access_events ORDER BY id DESC LIMIT ?1",
            )
            .map_err(sql_error)?;
        let rows = stmt
            .query_map([limit], |row| {
                Ok(AccessEvent {
                    at: row.get(0)?,
                    kind: row.get(1)?,
                    source: row.get(2)?,
                    detail: row
                        .get::<_, Option<Json<serde_json::Value>>>(3)?
                        .map(|j| j.0),
                })
            })
            .map_err(sql_error)?;
        rows.map(|row| row.map_err(sql_error)).collect()
    }
}
