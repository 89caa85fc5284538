//! Tools for drafts: create, change and delete them, the example payload, the next number.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ByIdWithReason, DocumentArg, Effect, ToolSpec, describe};
use crate::domain::document::{Document, NewInvoice};
use crate::domain::party::Language;
use crate::engine::NumberPreview;

pub(super) fn tools() -> Vec<ToolSpec> {
    vec![
        ToolSpec::new::<NewInvoice, Document>(
            "create_invoice_draft",
            "Create invoice draft",
            "Create a draft invoice. Give the buyer (or customer_id of a stored customer) and at \
             least one line; the seller, currency, language and bank details default to the seller \
             profile. Dates are ISO 8601 (YYYY-MM-DD), amounts and quantities decimal strings \
             (\"1500.00\"), VAT rates in percent (\"19\"). A draft has no number yet: call \
             finalize_invoice to issue it. get_invoice_template shows a complete example. Pass an \
             idempotency_key to make retries safe.",
            Effect::Writes,
            |cx, input| {
                let document = cx.engine.create_invoice_draft(input)?;
                let summary = format!("Created {}", describe(&document));
                Ok((document, summary))
            },
        ),
        ToolSpec::new::<UpdateDraft, Document>(
            "update_invoice_draft",
            "Update invoice draft",
            "Change a draft with a JSON merge patch: send only the fields that change, null removes \
             a field, and `lines` (an array) replaces all lines. Field names and formats are those \
             of create_invoice_draft. Finalized documents cannot change: correct them with \
             create_credit_note.",
            Effect::WritesIdempotent,
            |cx, input| {
                let id = input.id.id(cx.engine)?;
                let document = cx
                    .engine
                    .update_invoice_draft(id, serde_json::Value::Object(input.patch))?;
                let summary = format!("Updated {}", describe(&document));
                Ok((document, summary))
            },
        ),
        ToolSpec::new::<ByIdWithReason, Deleted>(
            "delete_invoice_draft",
            "Delete invoice draft",
            "Delete a draft for good. Only drafts can be deleted; a finalized invoice is voided \
             (void_invoice) or corrected with a credit note instead.",
            Effect::Destroys,
            |cx, input| {
                let id = input.id.id(cx.engine)?;
                cx.engine
                    .delete_invoice_draft(id, input.reason.as_deref())?;
                Ok((Deleted { id, deleted: true }, format!("Deleted draft {id}")))
            },
        ),
        ToolSpec::new::<TemplateArgs, NewInvoice>(
            "get_invoice_template",
            "Example invoice payload",
            "An example payload that create_invoice_draft accepts as it is, in German (de) or \
             English (en): buyer, dates, lines with units and VAT rates, payment terms. Use it to \
             learn the field names and formats.",
            Effect::Reads,
            |cx, input| {
                let language = input.language.unwrap_or_default();
                let example = cx.engine.get_invoice_template(language);
                Ok((
                    example,
                    format!("Example invoice payload ({})", language.as_str()),
                ))
            },
        ),
        ToolSpec::new::<NextNumberArgs, NumberPreview>(
            "preview_next_number",
            "Preview next number",
            "The number the next finalization in a series would get, without using it up. \
             Numbers are gapless and assigned only by finalize_invoice.",
            Effect::Reads,
            |cx, input| {
                let preview = cx
                    .engine
                    .preview_next_number(input.series.as_deref(), input.issue_date)?;
                let summary = format!(
                    "Next number in '{}' on {}: {}",
                    preview.series, preview.issue_date, preview.number
                );
                Ok((preview, summary))
            },
        ),
    ]
}

/// Arguments of `update_invoice_draft`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct UpdateDraft {
    /// The draft: its id (e.g. 12).
    id: DocumentArg,
    /// JSON merge patch: the fields of create_invoice_draft that change; null removes one.
    patch: serde_json::Map<String, serde_json::Value>,
}

/// Result of `delete_invoice_draft`.
#[derive(Debug, Serialize, JsonSchema)]
struct Deleted {
    /// The id of the deleted draft.
    id: i64,
    /// Always true.
    deleted: bool,
}

/// Arguments of `get_invoice_template`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct TemplateArgs {
    /// Language of the example: `de` or `en` (default `en`).
    #[serde(default)]
    language: Option<Language>,
}

/// Arguments of `preview_next_number`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct NextNumberArgs {
    /// Series name; default `invoices` (credit notes: `credit-notes`).
    #[serde(default)]
    series: Option<String>,
    /// Issue date assumed, ISO 8601 (YYYY-MM-DD); default today.
    #[serde(default)]
    issue_date: Option<NaiveDate>,
}
