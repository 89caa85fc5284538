//! `invoicer invoice …`: drafts, lifecycle verbs, reads and lists of invoices and credit notes.
//! A document is named by its id (digits) or its number.

use chrono::NaiveDate;
use clap::Subcommand;
use rust_decimal::Decimal;
use serde_json::json;

use super::{print_json, print_line, read_json};
use crate::domain::credit_note::{CreditLine, NewCreditNote};
use crate::domain::document::{DocumentKind, NewInvoice};
use crate::domain::lifecycle::Status;
use crate::domain::listing::ListFilter;
use crate::domain::party::Language;
use crate::domain::payment::NewPayment;
use crate::engine::{DocumentKey, Engine};
use crate::error::{Error, Result, from_json_value};

/// Invoice commands.
#[derive(Debug, Subcommand)]
pub enum InvoiceCommand {
    /// Print an example draft that `create` accepts as it is.
    Template {
        /// Language of the example: de or en.
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Create a draft from JSON (see `invoice template`).
    Create {
        /// JSON file, or - for stdin.
        #[arg(long, short)]
        file: String,
    },
    /// Change a draft with a JSON merge patch: only the fields that change.
    Update {
        /// Draft id.
        id: String,
        /// JSON file, or - for stdin.
        #[arg(long, short)]
        file: String,
    },
    /// Delete a draft (finalized documents are never deleted).
    Delete {
        /// Draft id.
        id: String,
        /// Why, for the audit trail.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Finalize drafts: assign the next number and make them open. With several ids, each is
    /// finalized in its own transaction and reported as one JSON line; the first error stops.
    Finalize {
        /// Draft ids.
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Record a payment (default: the whole amount due).
    Pay {
        /// Document id or number.
        id: String,
        /// Amount received, e.g. 119.00.
        #[arg(long)]
        amount: Option<Decimal>,
        /// Day received (YYYY-MM-DD), default today.
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Transfer, card, cash, …
        #[arg(long)]
        method: Option<String>,
        /// Bank reference.
        #[arg(long)]
        reference: Option<String>,
    },
    /// Void an open or uncollectible document without payments.
    Void {
        /// Document id or number.
        id: String,
        /// Why, for the audit trail.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Mark an open invoice as uncollectible.
    Uncollectible {
        /// Document id or number.
        id: String,
        /// Why, for the audit trail.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Create a draft credit note for an invoice (all lines, or the ones named).
    CreditNote {
        /// Invoice id or number.
        invoice: String,
        /// A line to credit: POSITION or POSITION:QUANTITY; repeat for more lines.
        #[arg(long = "line")]
        lines: Vec<String>,
        /// Why the invoice is corrected.
        #[arg(long)]
        reason: Option<String>,
        /// Issue date (YYYY-MM-DD), default the day of finalization.
        #[arg(long)]
        issue_date: Option<NaiveDate>,
    },
    /// Show one document.
    Show {
        /// Document id or number.
        id: String,
    },
    /// List documents, newest first.
    List {
        /// draft, open, paid, void or uncollectible.
        #[arg(long)]
        status: Option<String>,
        /// invoice or credit_note.
        #[arg(long)]
        kind: Option<String>,
        /// Only this customer id.
        #[arg(long)]
        customer: Option<i64>,
        /// Issue date from (YYYY-MM-DD).
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Issue date to (YYYY-MM-DD).
        #[arg(long)]
        to: Option<NaiveDate>,
        /// Only open documents past their due date.
        #[arg(long)]
        overdue: bool,
        /// Text in number, buyer name or external id.
        #[arg(long)]
        query: Option<String>,
        /// Page size (1 to 500, default 50).
        #[arg(long)]
        limit: Option<u32>,
        /// `next_cursor` of the previous page.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Show a document's audit trail.
    History {
        /// Document id or number.
        id: String,
    },
    /// Preview the next number of a series; consumes nothing.
    NextNumber {
        /// Series name (default: invoices).
        #[arg(long)]
        series: Option<String>,
        /// Issue date (default today).
        #[arg(long)]
        date: Option<NaiveDate>,
    },
}

/// A document id: digits are used as they are, anything else is looked up as a number.
fn id_of(engine: &Engine, text: &str) -> Result<i64> {
    engine.document_id(&DocumentKey::parse(text)?)
}

pub(super) fn run(engine: &Engine, command: InvoiceCommand) -> Result<()> {
    match command {
        InvoiceCommand::Template { lang } => {
            print_json(&engine.get_invoice_template(Language::parse(&lang)?))
        }
        InvoiceCommand::Create { file } => {
            let input: NewInvoice = from_json_value(read_json(&file)?)?;
            print_json(&engine.create_invoice_draft(input)?)
        }
        InvoiceCommand::Update { id, file } => {
            let id = id_of(engine, &id)?;
            print_json(&engine.update_invoice_draft(id, read_json(&file)?)?)
        }
        InvoiceCommand::Delete { id, reason } => {
            let id = id_of(engine, &id)?;
            engine.delete_invoice_draft(id, reason.as_deref())?;
            print_json(&json!({ "id": id, "deleted": true }))
        }
        InvoiceCommand::Finalize { ids } => finalize(engine, &ids),
        InvoiceCommand::Pay {
            id,
            amount,
            date,
            method,
            reference,
        } => {
            let id = id_of(engine, &id)?;
            let payment = NewPayment {
                amount,
                date,
                method,
                reference,
            };
            print_json(&engine.record_payment(id, payment)?)
        }
        InvoiceCommand::Void { id, reason } => {
            let id = id_of(engine, &id)?;
            print_json(&engine.void_invoice(id, reason.as_deref())?)
        }
        InvoiceCommand::Uncollectible { id, reason } => {
            let id = id_of(engine, &id)?;
            print_json(&engine.mark_invoice_uncollectible(id, reason.as_deref())?)
        }
        InvoiceCommand::CreditNote {
            invoice,
            lines,
            reason,
            issue_date,
        } => {
            let lines = if lines.is_empty() {
                None
            } else {
                Some(
                    lines
                        .iter()
                        .map(|l| parse_credit_line(l))
                        .collect::<Result<_>>()?,
                )
            };
            let request = NewCreditNote {
                invoice,
                lines,
                reason,
                issue_date,
                ..NewCreditNote::default()
            };
            print_json(&engine.create_credit_note(request)?)
        }
        InvoiceCommand::Show { id } => print_json(&engine.get_invoice(&DocumentKey::parse(&id)?)?),
        InvoiceCommand::List {
            status,
            kind,
            customer,
            from,
            to,
            overdue,
            query,
            limit,
            cursor,
        } => {
            let filter = ListFilter {
                status: status.as_deref().map(Status::parse).transpose()?,
                kind: kind.as_deref().map(DocumentKind::parse).transpose()?,
                customer_id: customer,
                from,
                to,
                overdue,
                query,
                limit,
                cursor,
            };
            print_json(&engine.list_invoices(&filter)?)
        }
        InvoiceCommand::History { id } => {
            print_json(&engine.get_invoice_history(&DocumentKey::parse(&id)?)?)
        }
        InvoiceCommand::NextNumber { series, date } => {
            print_json(&engine.preview_next_number(series.as_deref(), date)?)
        }
    }
}

fn finalize(engine: &Engine, ids: &[String]) -> Result<()> {
    for id in ids {
        let id = id_of(engine, id)?;
        let finalized = engine.finalize_invoice(id)?;
        // Finalized, with a file still to make: the number stands, so this is a warning.
        for problem in &finalized.archive.problems {
            eprintln!(
                "warning: {}: {problem}",
                finalized.document.number.as_deref().unwrap_or("?")
            );
        }
        if ids.len() == 1 {
            return print_json(&finalized);
        }
        let document = &finalized.document;
        print_line(
            &json!({ "id": document.id, "number": document.number, "status": document.status,
                     "archive": finalized.archive })
            .to_string(),
        )?;
    }
    Ok(())
}

/// `3` or `3:1.5`: a line position and optionally the quantity to credit.
fn parse_credit_line(text: &str) -> Result<CreditLine> {
    let bad = || {
        Error::validation(
            "line",
            format!("'{text}' is not POSITION or POSITION:QUANTITY, e.g. 2 or 2:1.5"),
        )
    };
    let (position, quantity) = match text.split_once(':') {
        Some((p, q)) => (p, Some(q.trim().parse::<Decimal>().map_err(|_| bad())?)),
        None => (text, None),
    };
    Ok(CreditLine {
        position: position.trim().parse().map_err(|_| bad())?,
        quantity,
    })
}
