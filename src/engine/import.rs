//! Engine verb that imports an e-invoice (UBL, CII, or a Factur-X PDF): as a draft to issue
//! anew, or, for migrating an archive, as an issued document that keeps its number in an
//! external series (one that gives no numbers, outside the gapless check).

use serde::Serialize;
use serde_json::json;

use super::Engine;
use super::drafts::validate_with;
use crate::domain::document::{Document, DocumentKind};
use crate::domain::lifecycle::Verb;
use crate::einvoice::import::{self, Syntax, reader::Unread};
use crate::error::{Error, Result};
use crate::store::NewDocumentRow;

/// What an import made, and what it could not carry.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ImportReport {
    /// The syntax the file was in.
    pub syntax: Syntax,
    /// Its guideline (BT-24).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guideline: Option<String>,
    /// Its number (BT-1).
    pub number: String,
    /// What the document model cannot carry, by XPath; empty when lossless.
    pub unsupported: Vec<Unread>,
    /// Stated totals the engine computes differently.
    pub differences: Vec<String>,
    /// Terms a draft does not keep.
    pub not_kept: Vec<String>,
}

/// An imported document and its report.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Imported {
    /// The document made.
    pub document: Document,
    /// What the import could not carry.
    pub import: ImportReport,
}

impl Engine {
    /// Import an e-invoice. Without `issued_series` it becomes a draft (its number, issue and
    /// due date are left for finalization). With it, it is stored as issued (open) in that
    /// series, created as external when new, with its own number and dates.
    pub fn import_einvoice(&self, bytes: &[u8], issued_series: Option<&str>) -> Result<Imported> {
        let read = import::read(bytes)?;
        let mut input = read.invoice.clone();
        let mut not_kept = Vec::new();
        let document = match issued_series {
            None => {
                not_kept.push(format!(
                    "BT-1 number {}: a draft is numbered when it is finalized",
                    read.number
                ));
                if let Some(day) = input.issue_date.take() {
                    not_kept.push(format!(
                        "BT-2 issue date {day}: a draft is dated when it is finalized"
                    ));
                }
                if let Some(day) = input.due_date.take() {
                    not_kept.push(format!(
                        "BT-9 due date {day}: set at finalization from the payment days, or give due_date"
                    ));
                }
                // The writers put the number into BT-83 when no reference was given.
                if let Some(payment) = input.payment.as_mut()
                    && payment.reference.as_deref() == Some(read.number.as_str())
                {
                    payment.reference = None;
                    not_kept.push(format!(
                        "BT-83 remittance {}: a draft's default is its own number",
                        read.number
                    ));
                }
                self.create_invoice_draft(input)?
            }
            Some(series) => self.import_issued(&read, input, series)?,
        };
        let nets: Vec<_> = document
            .content
            .lines
            .iter()
            .map(|l| l.net_amount)
            .collect();
        let differences = read.differences(&document.content.totals, &nets);
        Ok(Imported {
            document,
            import: ImportReport {
                syntax: read.syntax,
                guideline: read.guideline.clone(),
                number: read.number.clone(),
                unsupported: read.unread.clone(),
                differences,
                not_kept,
            },
        })
    }

    fn import_issued(
        &self,
        read: &import::Imported,
        mut input: crate::domain::document::NewInvoice,
        series_name: &str,
    ) -> Result<Document> {
        let kind = DocumentKind::of_type_code(input.type_code);
        let number = read.number.trim().to_string();
        if number.is_empty() || number.chars().count() > 200 {
            return Err(Error::validation(
                "file",
                "the document's number (BT-1) must be 1 to 200 characters",
            ));
        }
        if input.issue_date.is_none() {
            return Err(Error::validation(
                "file",
                "the document has no issue date (BT-2); an issued document needs one",
            ));
        }
        self.write(|tx| {
            if let Some(id) = tx.document_id_by_number(&number)? {
                return Err(Error::conflict(format!(
                    "a document numbered '{number}' exists already (id {id}); it was imported before, or the number is one of this database's own"
                ))
                .with_field("file"));
            }
            let series = tx.external_series(series_name, kind)?;
            if !series.external {
                return Err(Error::validation(
                    "series",
                    format!(
                        "series '{series_name}' gives numbers of its own; imported documents keep theirs in a series of their own: name a new one"
                    ),
                ));
            }
            if series.kind != kind {
                return Err(Error::validation(
                    "series",
                    format!(
                        "series '{series_name}' holds {}s, the file is a {}",
                        series.kind.as_str(),
                        kind.as_str()
                    ),
                ));
            }
            input.series = Some(series_name.to_string());
            let fingerprint = input.fingerprint();
            let content = validate_with(tx, input, kind, series_name, true)?;
            content.check_finalizable()?;
            // An issued document is what was sent: totals the engine would compute otherwise
            // would make it another document.
            let nets: Vec<_> = content.lines.iter().map(|l| l.net_amount).collect();
            let differences = read.differences(&content.totals, &nets);
            if !differences.is_empty() {
                return Err(Error::validation(
                    "file",
                    format!(
                        "the engine computes other totals than the file states, so it cannot be stored as issued: {}; import it as a draft to correct it",
                        differences.join("; ")
                    ),
                ));
            }
            let id = tx.insert_document(&NewDocumentRow {
                kind,
                content: &content,
                corrects_id: None,
                idempotency_key: None,
                fingerprint: &fingerprint,
            })?;
            tx.append_event(
                id,
                Verb::Create,
                self.source,
                None,
                Some(&json!({ "imported": read.syntax })),
            )?;
            tx.mark_finalized(id, &number)?;
            tx.append_event(
                id,
                Verb::Finalize,
                self.source,
                None,
                Some(&json!({ "number": number, "imported": true })),
            )?;
            tx.document(id)
        })
    }
}
