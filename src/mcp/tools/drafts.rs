//! Tools for drafts: create, change and delete them, the example payload, the next number.

use base64::Engine as _;
use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{AnyObject, ByIdWithReason, DocumentArg, Effect, Receipt, Reply, ToolSpec, describe};
use crate::domain::document::NewInvoice;
use crate::domain::party::Language;
use crate::engine::NumberPreview;

pub(super) fn tools() -> Vec<ToolSpec> {
    vec![
        ToolSpec::new::<NewInvoice, Receipt>(
            "create_invoice_draft",
            "Create invoice draft",
            "Create a draft invoice (finalize_invoice numbers it). Needs buyer or customer_id, \
             and lines; the rest defaults to the seller profile. Dates YYYY-MM-DD, amounts \
             decimal strings (\"1500.00\"), VAT rates percent (\"19\"). Example: \
             get_invoice_template; idempotency_key makes retries safe.",
            Effect::Writes,
            |cx, input| {
                let document = cx.engine.create_invoice_draft(input)?;
                let summary = format!("Created {}", describe(&document));
                Ok((Receipt::of(&document), summary))
            },
        ),
        ToolSpec::new::<UpdateDraft, Receipt>(
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
                Ok((Receipt::of(&document), summary))
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
        ToolSpec::new::<ImportArgs, ImportedReceipt>(
            "import_einvoice",
            "Import e-invoice",
            "UBL/CII XML (`xml`) or Factur-X PDF (`base64`) to a draft; with issued_series, \
             issued with its own number. Reports by XPath what it cannot carry.",
            Effect::Writes,
            |cx, input: ImportArgs| {
                let bytes = match (input.xml, input.base64) {
                    (Some(xml), None) => xml.into_bytes(),
                    (None, Some(text)) => base64::engine::general_purpose::STANDARD
                        .decode(text.split_whitespace().collect::<String>())
                        .map_err(|e| {
                            crate::error::Error::validation("base64", format!("is not base64: {e}"))
                        })?,
                    _ => {
                        return Err(crate::error::Error::validation(
                            "xml",
                            "give the file as `xml` (text) or as `base64`, one of the two",
                        ));
                    }
                };
                let imported = cx
                    .engine
                    .import_einvoice(&bytes, input.issued_series.as_deref())?;
                let report = &imported.import;
                let summary = format!(
                    "Imported {} {} as {}; {} element(s) not carried, {} total(s) differ",
                    report.syntax.as_str(),
                    report.number,
                    describe(&imported.document),
                    report.unsupported.len(),
                    report.differences.len()
                );
                Ok((
                    ImportedReceipt {
                        receipt: Receipt::of(&imported.document),
                        import: imported.import,
                    },
                    summary,
                ))
            },
        ),
        ToolSpec::with_reply::<TemplateArgs, AnyObject>(
            "get_invoice_template",
            "Example invoice payload",
            "An example payload that create_invoice_draft accepts as it is, in German (de) or \
             English (en): buyer, dates, lines with units and VAT rates, payment terms. Use it to \
             learn the field names and formats.",
            Effect::Reads,
            |cx, input: TemplateArgs| {
                let language = input.language.unwrap_or_default();
                let example = cx.engine.get_invoice_template(language);
                Reply::new(
                    &example,
                    format!("Example invoice payload ({})", language.as_str()),
                )
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
    /// Id of the draft (12).
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
    /// Issue date assumed; default today.
    #[serde(default)]
    issue_date: Option<NaiveDate>,
}

/// Arguments of `import_einvoice`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ImportArgs {
    /// The XML as text.
    #[serde(default)]
    xml: Option<String>,
    /// The file as base64 (a PDF).
    #[serde(default)]
    base64: Option<String>,
    /// Store as issued in this series.
    #[serde(default)]
    issued_series: Option<String>,
}

/// Result of `import_einvoice`.
#[derive(Debug, Serialize, JsonSchema)]
struct ImportedReceipt {
    #[serde(flatten)]
    receipt: Receipt,
    /// What could not be carried.
    import: crate::engine::ImportReport,
}
