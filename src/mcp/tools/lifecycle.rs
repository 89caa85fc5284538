//! Tools that move a document through its lifecycle: finalize, pay, void, mark uncollectible,
//! and correct with a credit note.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ById, ByIdWithReason, DocumentArg, Effect, Receipt, ToolSpec, describe};
use crate::domain::credit_note::{CreditLine, NewCreditNote};
use crate::domain::payment::NewPayment;
use crate::engine::ArchiveStatus;

pub(super) fn tools() -> Vec<ToolSpec> {
    vec![
        ToolSpec::new::<ById, FinalizedReceipt>(
            "finalize_invoice",
            "Finalize invoice",
            "Issue a draft: assign the next gapless number of its series, fix the issue and due \
             dates, and archive the PDF. From then on the document cannot change; it is open until \
             paid, voided or marked uncollectible. Fails with a field-level error when the seller \
             or buyer data an EU invoice needs is missing.",
            Effect::Writes,
            |cx, input| {
                let id = input.id.id(cx.engine)?;
                cx.progress
                    .report(0, 1, "numbering, rendering and archiving the PDF");
                let finalized = cx.engine.finalize_invoice(id)?;
                let mut summary = format!("Finalized {}", describe(&finalized.document));
                for problem in &finalized.archive.problems {
                    summary.push_str(&format!(". Note: {problem}"));
                }
                let receipt = FinalizedReceipt {
                    receipt: Receipt::of(&finalized.document),
                    archive: finalized.archive,
                };
                Ok((receipt, summary))
            },
        ),
        ToolSpec::new::<PaymentArgs, Receipt>(
            "record_payment",
            "Record payment",
            "Record money received for an open invoice (or refunded for a credit note); without \
             an amount, the whole amount due. When nothing is due any more the document is paid. \
             Overpayments are refused.",
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
                Ok((Receipt::of(&document), summary))
            },
        ),
        ToolSpec::new::<ByIdWithReason, Receipt>(
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
                Ok((Receipt::of(&document), summary))
            },
        ),
        ToolSpec::new::<ByIdWithReason, Receipt>(
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
                Ok((Receipt::of(&document), summary))
            },
        ),
        ToolSpec::new::<CreditNoteArgs, Receipt>(
            "create_credit_note",
            "Create credit note",
            "Create a draft credit note correcting a finalized invoice (all lines, or those named \
             in `lines`). Once finalized with finalize_invoice it reduces the invoice's amount \
             due.",
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
                Ok((Receipt::of(&document), summary))
            },
        ),
    ]
}

/// Result of `finalize_invoice`: the receipt and what was archived with it.
#[derive(Debug, Serialize, JsonSchema)]
struct FinalizedReceipt {
    #[serde(flatten)]
    receipt: Receipt,
    archive: ArchiveStatus,
}

/// Arguments of `record_payment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PaymentArgs {
    /// Id (12) or number ("2026-0001").
    id: DocumentArg,
    /// Amount received ("119.00"); default the whole amount due.
    #[serde(default)]
    amount: Option<Decimal>,
    /// Day the money arrived; default today.
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
    /// The finalized invoice to correct: id (12) or number ("2026-0001").
    invoice: DocumentArg,
    /// Lines to credit by position, each with an optional quantity; all lines in full when absent.
    #[serde(default)]
    lines: Option<Vec<CreditLine>>,
    /// Why the invoice is corrected; printed on the credit note.
    #[serde(default)]
    reason: Option<String>,
    /// Issue date; default the day of finalization.
    #[serde(default)]
    issue_date: Option<NaiveDate>,
    /// Free text printed on the credit note.
    #[serde(default)]
    notes: Option<String>,
    /// Number series for credit notes; default `credit-notes`.
    #[serde(default)]
    series: Option<String>,
}
