//! The audit trail's types: which front end acted ([`Source`]) and one recorded transition
//! ([`Event`]). The store appends events in the transaction of the change they record.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::lifecycle::Verb;
use crate::error::{Error, Result};

/// Which front end asked; recorded with every event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The library used directly.
    Api,
    /// The command line.
    Cli,
    /// An MCP client.
    Mcp,
    /// Plain HTTP routes.
    Http,
    /// The web app.
    Web,
}

impl Source {
    /// The name stored in events.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Api => "api",
            Source::Cli => "cli",
            Source::Mcp => "mcp",
            Source::Http => "http",
            Source::Web => "web",
        }
    }

    /// Parse a stored name.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "api" => Ok(Source::Api),
            "cli" => Ok(Source::Cli),
            "mcp" => Ok(Source::Mcp),
            "http" => Ok(Source::Http),
            "web" => Ok(Source::Web),
            other => Err(Error::validation(
                "source",
                format!("'{other}' is not a source (api, cli, mcp, http)"),
            )),
        }
    }
}

/// One recorded transition.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Event {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What was done (`create`, `finalize`, `pay`, …).
    pub verb: Verb,
    /// Which front end did it.
    pub source: Source,
    /// Why, when the caller said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Details: number assigned, amount paid, … (an object).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<serde_json::Map<String, serde_json::Value>>")]
    pub data: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_round_trip() {
        for source in [
            Source::Api,
            Source::Cli,
            Source::Mcp,
            Source::Http,
            Source::Web,
        ] {
            assert_eq!(Source::parse(source.as_str()), Ok(source));
        }
        assert!(Source::parse("browser").is_err());
    }
}
