//! The engine's clock: the one place the current time is read. A verb reads it once and hands
//! the instant down; the store and the domain never read a clock. Tests and reproducible runs
//! pin it with [`Clock::fixed`].

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

/// Where the engine gets "now" from.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(Arc::new(Utc::now))
    }

    /// A clock that always says `at`.
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock(Arc::new(move || at))
    }

    /// A clock pinned to an RFC 3339 instant such as `2026-11-21T09:00:00Z`; `field` names
    /// where the text came from.
    pub fn parse_fixed(field: &str, text: &str) -> Result<Clock> {
        DateTime::parse_from_rfc3339(text.trim())
            .map(|at| Clock::fixed(at.with_timezone(&Utc)))
            .map_err(|e| {
                Error::validation(
                    field,
                    format!("must be an RFC 3339 instant like 2026-11-21T09:00:00Z: {e}"),
                )
            })
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}
