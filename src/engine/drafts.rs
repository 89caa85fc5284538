//! Engine verbs on drafts (create, update, delete) and reads (get, list, history).

use serde_json::json;

use super::{DocumentKey, Engine, kind_and_series, resolve, series_for};
use crate::domain::audit::Event;
use crate::domain::document::{Defaults, Document, DocumentKind, NewInvoice};
use crate::domain::lifecycle::Verb;
use crate::domain::listing::{ListFilter, Page};
use crate::domain::patch::merge_patch;
use crate::domain::text::{check_chars, check_optional};
use crate::error::{Error, Result, from_json_value};
use crate::store::{NewDocumentRow, Tx};

impl Engine {
    /// Create a draft invoice, or with type code 381 a standalone credit note (one that
    /// corrects an invoice issued elsewhere, named in `preceding_invoices`). With an `idempotency_key` or `external_id` already used, the same
    /// payload returns the existing document and a different one is a conflict.
    pub fn create_invoice_draft(&self, input: NewInvoice) -> Result<Document> {
        let fingerprint = input.fingerprint();
        self.write(|tx| {
            let key = input.idempotency_key.as_deref().map(str::trim);
            if let Some(key) = key {
                if key.is_empty() || key.len() > 200 {
                    return Err(Error::validation(
                        "idempotency_key",
                        "must be 1 to 200 characters",
                    ));
                }
                check_chars("idempotency_key", key)?;
            }
            let external_id = input.external_id.as_deref().map(str::trim);
            if (key.is_some() || external_id.is_some())
                && let Some((id, stored)) = tx.document_by_request_key(key, external_id)?
            {
                if stored == fingerprint {
                    return tx.document(id);
                }
                let which = if key.is_some() {
                    "idempotency_key"
                } else {
                    "external_id"
                };
                return Err(Error::conflict(format!(
                    "{which} was already used for document {id} with a different payload"
                ))
                .with_field(which));
            }
            let (kind, series) = kind_and_series(&input);
            let content = validate_draft(tx, input.clone(), kind, series)?;
            series_for(tx, content.series(), kind)?;
            let id = tx.insert_document(&NewDocumentRow {
                kind,
                content: &content,
                corrects_id: None,
                idempotency_key: key,
                fingerprint: &fingerprint,
            })?;
            tx.append_event(id, Verb::Create, self.source, None, None)?;
            tx.document(id)
        })
    }

    /// Change a draft with a JSON merge patch (RFC 7396): send only the fields that change;
    /// `lines` replaces all lines; `null` removes a field.
    pub fn update_invoice_draft(&self, id: i64, patch: serde_json::Value) -> Result<Document> {
        let serde_json::Value::Object(fields) = &patch else {
            return Err(Error::validation(
                "patch",
                "must be a JSON object with the fields to change",
            ));
        };
        if fields.contains_key("idempotency_key") {
            return Err(Error::validation(
                "idempotency_key",
                "only applies to create; it cannot be patched",
            ));
        }
        let changed: Vec<String> = fields.keys().cloned().collect();
        let customer_changed = fields.contains_key("customer_id") && !fields.contains_key("buyer");
        self.write(|tx| {
            let document = tx.document(id)?;
            Verb::Update.check(document.status)?;
            let mut value = serde_json::to_value(document.content.to_input())
                .map_err(|e| Error::internal(format!("cannot serialize draft: {e}")))?;
            merge_patch(&mut value, &patch);
            let mut input: NewInvoice = from_json_value(value)?;
            if customer_changed {
                // A new customer without a new buyer: copy the customer's data as the buyer.
                input.buyer = None;
            }
            let content = validate_draft(tx, input, document.kind, document.content.series())?;
            series_for(tx, content.series(), document.kind)?;
            tx.update_draft(id, &content, true)?;
            tx.append_event(
                id,
                Verb::Update,
                self.source,
                None,
                Some(&json!({ "fields": changed })),
            )?;
            tx.document(id)
        })
    }

    /// Delete a draft. It never had a number, so nothing leaves a gap; the audit trail keeps a
    /// `delete` event.
    pub fn delete_invoice_draft(&self, id: i64, reason: Option<&str>) -> Result<()> {
        let reason = check_reason(reason)?;
        self.write(|tx| {
            let document = tx.document(id)?;
            Verb::Delete.check(document.status)?;
            tx.delete_draft(id)?;
            tx.append_event(id, Verb::Delete, self.source, reason.as_deref(), None)
        })
    }

    /// One document by id or number.
    pub fn get_invoice(&self, key: &DocumentKey) -> Result<Document> {
        self.read(|tx| {
            let id = resolve(tx, key)?;
            tx.document(id)
        })
    }

    /// A page of documents, newest first.
    pub fn list_invoices(&self, filter: &ListFilter) -> Result<Page> {
        filter.check()?;
        self.read(|tx| tx.list_documents(filter))
    }

    /// A document's audit trail, oldest first.
    pub fn get_invoice_history(&self, key: &DocumentKey) -> Result<Vec<Event>> {
        self.read(|tx| {
            let id = resolve(tx, key)?;
            let events = tx.events(id)?;
            if events.is_empty() {
                return Err(Error::not_found(format!("no document with id {id}")));
            }
            Ok(events)
        })
    }
}

/// Validate draft input with the defaults the store provides: the seller profile and the
/// customer named by `customer_id`.
pub(super) fn validate_draft(
    tx: &Tx<'_>,
    input: NewInvoice,
    kind: DocumentKind,
    default_series: &str,
) -> Result<crate::domain::document::DocumentContent> {
    validate_with(tx, input, kind, default_series, false)
}

/// [`validate_draft`], for an issued document imported from an archive when `imported`.
pub(super) fn validate_with(
    tx: &Tx<'_>,
    input: NewInvoice,
    kind: DocumentKind,
    default_series: &str,
    imported: bool,
) -> Result<crate::domain::document::DocumentContent> {
    let profile = tx.seller_profile()?;
    let customer = match input.customer_id {
        Some(id) => Some(
            tx.customer(id)
                .map_err(|e| Error::validation("customer_id", e.message))?,
        ),
        None => None,
    };
    input.validate(Defaults {
        profile: profile.as_ref(),
        customer: customer.as_ref(),
        series: default_series,
        today: tx.today()?,
        kind: Some(kind),
        imported,
    })
}

/// A reason given for the audit trail: at most 500 characters of printable text.
pub(super) fn check_reason(reason: Option<&str>) -> Result<Option<String>> {
    check_optional("reason", reason.map(str::to_string), 500)
}
