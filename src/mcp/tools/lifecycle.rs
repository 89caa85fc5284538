//! Tools that move a document through its lifecycle: finalize, pay, void, mark uncollectible,
//! and correct with a credit note.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{ById, ByIdWithReason, DocumentArg, Effect, ToolSpec, describe};
use crate::domain::credit_note::{CreditLine, NewCreditNote};
use crate::domain::document::Document;
use crate::domain::payment::NewPayment;
use crate::engine::Finalized;

pub(super) fn tools() -> Vec<ToolSpec> {
    vec![
        ToolSpec::new::<ById, Finalized>(
            "finalize_invoice",
            "Finalize invoice",
            "Issue a draft: assign the next gapless number of its series, fix the issue and due \
             dates, and archive the PDF. From then on the document cannot change; it is open until \
             paid, voided or marked uncollectible. Fails with a field-level error when the seller \
             or buyer data an EU invoice needs is missing.",
            Effect::Writes,
            |cx, input| {
                let id = input.id.id(cx.engine)?;
                let finalized = cx.engine.finalize_invoice(id)?;
                let mut summary = format!("Finalized {}", describe(&finalized.document));
                for problem in &finalized.archive.problems {
                    summary.push_str(&format!(". Note: {problem}"));
                }
                Ok((finalized, summary))
            },
        ),
        ToolSpec::new::<PaymentArgs, Document>(
            "record_payment",
            "Record payment",
            "Record money received for an open invoice (or refunded for a credit note). Without \
             an amount the whole amount due is paid. Amounts are decimal strings in the \
             document's currency (\"119.00\"); the date is ISO 8601 and defaults to today. When \
             nothing is due any more the document becomes paid. Overpayments are refused.",
            Effect::Writes,
            |cx, input| {
                let id = input.id.id(cx.engine)?;
                let payment = NewPayment {
                    amount: input.amount,
                    date: input.date,
                    method: input.method,
                    reference: input.reference,
                };
                let document = cx.engine.record_payment(id, payment)?;
                let summary = format!("Payment recorded: {}", describe(&document));
                Ok((document, summary))
            },
        ),
        ToolSpec::new::<ByIdWithReason, Document>(
            "void_invoice",
            "Void invoice",
            "Void an open or uncollectible document that has no payments: it stays in the books \
             with its number but is no longer owed. To correct an invoice that was sent, prefer \
             create_credit_note.",
            Effect::Destroys,
            |cx, input| {
                let id = input.id.id(cx.engine)?;
                let document = cx.engine.void_invoice(id, input.reason.as_deref())?;
                let summary = format!("Voided {}", describe(&document));
                Ok((document, summary))
            },
        ),
        ToolSpec::new::<ByIdWithReason, Document>(
            "mark_invoice_uncollectible",
            "Mark invoice uncollectible",
            "Mark an open invoice as uncollectible (bad debt). Payments can still be recorded \
             later; it can also be voided.",
            Effect::Writes,
            |cx, input| {
                let id = input.id.id(cx.engine)?;
                let document = cx
                    .engine
                    .mark_invoice_uncollectible(id, input.reason.as_deref())?;
                let summary = format!("Marked uncollectible: {}", describe(&document));
                Ok((document, summary))
            },
        ),
        ToolSpec::new::<CreditNoteArgs, Document>(
            "create_credit_note",
            "Create credit note",
            "Create a draft credit note that corrects a finalized invoice: all its lines, or the \
             positions named in `lines` (optionally with a smaller quantity). Finalize it with \
             finalize_invoice; it then reduces the invoice's amount due.",
            Effect::Writes,
            |cx, input| {
                let request = NewCreditNote {
                    invoice: match input.invoice.0 {
                        crate::engine::DocumentKey::Id(id) => id.to_string(),
                        crate::engine::DocumentKey::Number(number) => number,
                    },
                    lines: input.lines,
                    reason: input.reason,
                    issue_date: input.issue_date,
                    notes: input.notes,
                    series: input.series,
                };
                let document = cx.engine.create_credit_note(request)?;
                let summary = format!("Created {}", describe(&document));
                Ok((document, summary))
            },
        ),
    ]
}

/// Arguments of `record_payment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PaymentArgs {
    /// The document: its id (e.g. 12) or its number (e.g. "2026-0001").
    id: DocumentArg,
    /// Amount received as a decimal string, e.g. "119.00"; default the whole amount due.
    #[serde(default)]
    amount: Option<Decimal>,
    /// Day the money arrived, ISO 8601 (YYYY-MM-DD); default today.
    #[serde(default)]
    date: Option<NaiveDate>,
    /// Transfer, card, cash, …
    #[serde(default)]
    method: Option<String>,
    /// Bank reference of the transfer.
    #[serde(default)]
    reference: Option<String>,
}

/// Arguments of `create_credit_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CreditNoteArgs {
    /// The finalized invoice to correct: its id (e.g. 12) or number (e.g. "2026-0001").
    invoice: DocumentArg,
    /// Lines to credit by position, each with an optional quantity; all lines in full when absent.
    #[serde(default)]
    lines: Option<Vec<CreditLine>>,
    /// Why the invoice is corrected; printed on the credit note.
    #[serde(default)]
    reason: Option<String>,
    /// Issue date, ISO 8601; default the day of finalization.
    #[serde(default)]
    issue_date: Option<NaiveDate>,
    /// Free text printed on the credit note.
    #[serde(default)]
    notes: Option<String>,
    /// Number series for credit notes; default `credit-notes`.
    #[serde(default)]
    series: Option<String>,
}
