//! The one error type of the library, with stable machine-readable codes.
//!
//! Every layer translates its failures where they arise (the store turns "no rows" into
//! [`ErrorCode::NotFound`] and unique violations into [`ErrorCode::Conflict`], the domain names the
//! field and the rule it checked) and each front end maps the code once: the CLI to an exit code,
//! MCP to a tool error, HTTP to a status. The code strings are public API: a test pins them.

use std::fmt;

use serde::Serialize;

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure happened; the string form ([`ErrorCode::as_str`]) is stable API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The document, customer or series does not exist.
    NotFound,
    /// The input breaks a rule; `field` names where.
    ValidationError,
    /// The verb is not allowed in the document's current status.
    InvalidStatus,
    /// The input clashes with stored data (idempotency key reuse, duplicate number).
    Conflict,
    /// The database could not be opened, read or written.
    StorageError,
    /// A template failed to compile or export; the message names the template line.
    RenderError,
    /// The server runs read-only and the verb would change data.
    ReadOnly,
    /// A bug: something that should not happen did.
    Internal,
}

impl ErrorCode {
    /// Every code, in the order of the README's table.
    pub const ALL: [ErrorCode; 8] = [
        ErrorCode::NotFound,
        ErrorCode::ValidationError,
        ErrorCode::InvalidStatus,
        ErrorCode::Conflict,
        ErrorCode::StorageError,
        ErrorCode::RenderError,
        ErrorCode::ReadOnly,
        ErrorCode::Internal,
    ];

    /// The stable string form, e.g. `"VALIDATION_ERROR"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::ValidationError => "VALIDATION_ERROR",
            ErrorCode::InvalidStatus => "INVALID_STATUS",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::StorageError => "STORAGE_ERROR",
            ErrorCode::RenderError => "RENDER_ERROR",
            ErrorCode::ReadOnly => "READ_ONLY",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error with a stable code, a human message and, for validation errors, the field at fault
/// (a JSON path such as `lines[2].quantity`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct Error {
    /// The machine-readable category.
    pub code: ErrorCode,
    /// What went wrong and which rule was broken, in one sentence.
    pub message: String,
    /// The input field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}: {field}: {}", self.code, self.message),
            None => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

/// Longest message kept: messages quote input, and input can be huge.
const MAX_MESSAGE_CHARS: usize = 1000;

fn bounded(message: String) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message,
    }
}

impl Error {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: bounded(message.into()),
            field: None,
        }
    }

    /// A write was asked of a read-only engine.
    pub fn read_only(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::ReadOnly, message)
    }

    /// A rule about `field` was broken.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error {
            field: Some(bounded(field.into())),
            ..Error::new(ErrorCode::ValidationError, message)
        }
    }

    /// Something named does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::NotFound, message)
    }

    /// The verb is not allowed in the current status.
    pub fn invalid_status(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidStatus, message)
    }

    /// The input clashes with stored data.
    pub fn conflict(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Conflict, message)
    }

    /// The database failed.
    pub fn storage(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::StorageError, message)
    }

    /// An invariant was broken; this is a bug.
    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Internal, message)
    }

    /// A template failed; the message carries Typst's diagnostics with positions.
    pub fn render(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::RenderError, message).with_field("template")
    }

    /// Attach (or replace) the field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Prefix the field at fault, e.g. `quantity` becomes `lines[2].quantity`.
    pub fn in_field(mut self, prefix: &str) -> Self {
        self.field = Some(match self.field.take() {
            Some(inner) if inner.starts_with('[') => format!("{prefix}{inner}"),
            Some(inner) => format!("{prefix}.{inner}"),
            None => prefix.to_string(),
        });
        self
    }
}

/// Parse JSON into `T`, turning serde's complaint into a validation error that names the field
/// path (`lines[0].quantity`) and what was expected.
pub fn from_json_value<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let message = err.inner().to_string();
        let field = if path == "." {
            "input".to_string()
        } else {
            path
        };
        Error::validation(field, message)
    })
}

/// Who this process runs as, for messages about permissions: `uid N` (Linux), else `this user`.
pub(crate) fn process_user() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| {
                    ids.split_whitespace()
                        .nth(1)
                        .map(|uid| format!("uid {uid}"))
                })
        })
        .unwrap_or_else(|| "this user".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_input_quoted_in_a_message_is_cut() {
        let err = Error::validation(
            "currency",
            format!("'{}' is not a code", "X".repeat(10_000_000)),
        );
        assert!(err.message.chars().count() <= MAX_MESSAGE_CHARS + 1);
        assert!(err.message.ends_with('…'));
    }

    #[test]
    fn display_names_code_field_and_rule() {
        let err = Error::validation("lines[0].quantity", "must be greater than 0");
        assert_eq!(
            err.to_string(),
            "VALIDATION_ERROR: lines[0].quantity: must be greater than 0"
        );
    }
}
