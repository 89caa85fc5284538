//! The document status machine (Stripe's model with EU rules) and the verbs that move it.
//!
//! ```text
//! draft ──finalize──► open ──pay (full)──► paid
//!   │ delete           │ ──void──────────► void
//!   ▼                  │ ──mark_uncollectible──► uncollectible ──pay──► paid
//! (gone, no number)    └ partial payment keeps it open           └─void──► void
//! ```
//! "Overdue" is derived (open and due date passed), never stored.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Where a document stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Editable, deletable, has no number.
    Draft,
    /// Finalized and numbered; money is owed.
    Open,
    /// Settled in full (by payments or credit notes). Final.
    Paid,
    /// Cancelled after finalization. Final.
    Void,
    /// Not expected to be paid; can still be paid or voided.
    Uncollectible,
}

impl Status {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Open => "open",
            Status::Paid => "paid",
            Status::Void => "void",
            Status::Uncollectible => "uncollectible",
        }
    }

    /// Parse a stored or user-given name.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "draft" => Ok(Status::Draft),
            "open" => Ok(Status::Open),
            "paid" => Ok(Status::Paid),
            "void" => Ok(Status::Void),
            "uncollectible" => Ok(Status::Uncollectible),
            other => Err(Error::validation(
                "status",
                format!("'{other}' is not a status (draft, open, paid, void, uncollectible)"),
            )),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something done to a document; each one is recorded as an audit event under this name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verb {
    /// A draft was created.
    Create,
    /// A draft was edited.
    Update,
    /// A draft was deleted.
    Delete,
    /// A draft got its number and became open.
    Finalize,
    /// A payment was recorded.
    Pay,
    /// A finalized document was cancelled.
    Void,
    /// An open invoice was written off.
    MarkUncollectible,
    /// A finalized credit note reduced this invoice's amount due.
    Credit,
}

impl Verb {
    /// The event name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Create => "create",
            Verb::Update => "update",
            Verb::Delete => "delete",
            Verb::Finalize => "finalize",
            Verb::Pay => "pay",
            Verb::Void => "void",
            Verb::MarkUncollectible => "mark_uncollectible",
            Verb::Credit => "credit",
        }
    }

    /// Parse a stored name.
    pub fn parse(name: &str) -> Result<Self> {
        const ALL: [Verb; 8] = [
            Verb::Create,
            Verb::Update,
            Verb::Delete,
            Verb::Finalize,
            Verb::Pay,
            Verb::Void,
            Verb::MarkUncollectible,
            Verb::Credit,
        ];
        ALL.into_iter()
            .find(|verb| verb.as_str() == name)
            .ok_or_else(|| Error::validation("verb", format!("'{name}' is not a verb")))
    }

    /// Check that this verb may be applied in `status`, with a message that says what is allowed.
    pub fn check(self, status: Status) -> Result<()> {
        let allowed: &[Status] = match self {
            Verb::Create => &[],
            Verb::Update | Verb::Delete | Verb::Finalize => &[Status::Draft],
            Verb::Pay | Verb::Void => &[Status::Open, Status::Uncollectible],
            Verb::MarkUncollectible => &[Status::Open],
            Verb::Credit => &[Status::Open, Status::Paid, Status::Uncollectible],
        };
        if allowed.contains(&status) {
            return Ok(());
        }
        let allowed_names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
        let hint = match status {
            Status::Paid | Status::Void => " (paid and void documents are final)",
            Status::Open | Status::Uncollectible
                if self == Verb::Update || self == Verb::Delete =>
            {
                " (finalized documents never change; issue a credit note instead)"
            }
            _ => "",
        };
        Err(Error::invalid_status(format!(
            "cannot {} a document in status {status}: allowed only in {}{hint}",
            self.as_str().replace('_', " "),
            allowed_names.join(" or ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_machine() {
        use Status::*;
        let table = [
            (Verb::Finalize, Draft, true),
            (Verb::Finalize, Open, false),
            (Verb::Update, Draft, true),
            (Verb::Update, Open, false),
            (Verb::Delete, Paid, false),
            (Verb::Pay, Open, true),
            (Verb::Pay, Uncollectible, true),
            (Verb::Pay, Draft, false),
            (Verb::Pay, Paid, false),
            (Verb::Void, Open, true),
            (Verb::Void, Uncollectible, true),
            (Verb::Void, Paid, false),
            (Verb::Void, Void, false),
            (Verb::MarkUncollectible, Open, true),
            (Verb::MarkUncollectible, Uncollectible, false),
            (Verb::MarkUncollectible, Draft, false),
            (Verb::Credit, Paid, true),
            (Verb::Credit, Draft, false),
            (Verb::Credit, Void, false),
        ];
        for (verb, status, ok) in table {
            assert_eq!(verb.check(status).is_ok(), ok, "{verb:?} in {status}");
        }
    }

    #[test]
    fn refusals_say_what_is_allowed() {
        let err = Verb::Update.check(Status::Open).unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::InvalidStatus);
        assert!(err.message.contains("credit note"), "{}", err.message);
        let err = Verb::Void.check(Status::Paid).unwrap_err();
        assert!(err.message.contains("final"), "{}", err.message);
    }
}
