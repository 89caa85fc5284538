//! MCP resources: every document as `invoice://{id}` (its JSON), `invoice://{id}/pdf` (its PDF,
//! base64) and `invoice://{id}/einvoice/{format}` (its e-invoice; `?profile=` for `facturx`).
//! They are listed as resource templates; `resources/list` shows the newest documents. A
//! document may also be named by its number: `invoice://2026-0001/pdf`.

use base64::Engine as _;
use rmcp::ErrorData as McpError;
use rmcp::model::{ReadResourceResult, Resource, ResourceContents, ResourceTemplate};
use serde_json::json;

use super::tools::reading::{PDF_MIME, einvoice_uri, pdf_uri};
use crate::domain::listing::ListFilter;
use crate::einvoice::Target;
use crate::engine::{DocumentKey, Engine};
use crate::error::{Error, ErrorCode, Result};

const SCHEME: &str = "invoice://";
const JSON_MIME: &str = "application/json";
/// How many documents `resources/list` shows.
const LISTED: u32 = 50;

/// The two resource templates.
pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new("invoice://{id}", "invoice")
            .with_title("Invoice or credit note (JSON)")
            .with_description("A document by id or number, as get_invoice returns it.")
            .with_mime_type(JSON_MIME),
        ResourceTemplate::new("invoice://{id}/pdf", "invoice-pdf")
            .with_title("Invoice or credit note (PDF)")
            .with_description("The PDF of a document by id or number, base64.")
            .with_mime_type(PDF_MIME),
        ResourceTemplate::new("invoice://{id}/einvoice/{format}", "invoice-einvoice")
            .with_title("E-invoice of a finalized document")
            .with_description(
                "format: facturx (PDF, ?profile=en16931|extended|xrechnung), facturx-xml, \
                 facturx-extended-xml, xrechnung-cii, xrechnung-ubl, peppol-ubl.",
            ),
    ]
}

/// The newest documents as resources.
pub fn recent(engine: &Engine) -> Result<Vec<Resource>> {
    let page = engine.list_invoices(&ListFilter {
        limit: Some(LISTED),
        ..ListFilter::default()
    })?;
    Ok(page
        .items
        .into_iter()
        .map(|item| {
            let name = match &item.number {
                Some(number) => number.clone(),
                None => format!("draft {}", item.id),
            };
            Resource::new(format!("{SCHEME}{}", item.id), name)
                .with_description(format!(
                    "{} {} for {}",
                    item.kind.as_str(),
                    item.status.as_str(),
                    item.buyer_name
                ))
                .with_mime_type(JSON_MIME)
        })
        .collect())
}

/// Read `invoice://{id}` or `invoice://{id}/pdf`.
pub fn read(engine: &Engine, uri: &str) -> Result<ReadResourceResult, McpError> {
    let Some(rest) = uri.strip_prefix(SCHEME) else {
        return Err(McpError::invalid_params(
            format!("'{uri}' is not an invoice:// resource"),
            None,
        ));
    };
    if let Some((key, target)) = rest.split_once("/einvoice/") {
        return read_einvoice(engine, key, target);
    }
    let (key, pdf) = match rest.strip_suffix("/pdf") {
        Some(key) => (key, true),
        None => (rest, false),
    };
    let key = DocumentKey::parse(key).map_err(protocol_error)?;
    let document = engine.get_invoice(&key).map_err(protocol_error)?;
    let contents = if pdf {
        let rendered = engine.render_invoice_pdf(&key).map_err(protocol_error)?;
        let blob = base64::engine::general_purpose::STANDARD.encode(&rendered.pdf);
        ResourceContents::blob(blob, pdf_uri(document.id)).with_mime_type(PDF_MIME)
    } else {
        let text = serde_json::to_string_pretty(&document)
            .map_err(|e| McpError::internal_error(e.to_string(), None))?;
        ResourceContents::text(text, format!("{SCHEME}{}", document.id)).with_mime_type(JSON_MIME)
    };
    Ok(ReadResourceResult::new(vec![contents]))
}

/// `invoice://{id}/einvoice/{format}[?profile=…]`.
fn read_einvoice(engine: &Engine, key: &str, target: &str) -> Result<ReadResourceResult, McpError> {
    let (format, profile) = match target.split_once("?profile=") {
        Some((format, profile)) => (format, Some(profile)),
        None => (target, None),
    };
    let target = Target::parse(format, profile).map_err(protocol_error)?;
    let key = DocumentKey::parse(key).map_err(protocol_error)?;
    let id = engine.document_id(&key).map_err(protocol_error)?;
    let exported = engine
        .export_einvoice(&key, target)
        .map_err(protocol_error)?;
    let uri = einvoice_uri(id, target);
    let contents = if exported.mime_type == PDF_MIME {
        let blob = base64::engine::general_purpose::STANDARD.encode(&exported.bytes);
        ResourceContents::blob(blob, uri).with_mime_type(PDF_MIME)
    } else {
        let text = String::from_utf8(exported.bytes)
            .map_err(|_| McpError::internal_error("the XML is not UTF-8", None))?;
        ResourceContents::text(text, uri).with_mime_type(exported.mime_type)
    };
    Ok(ReadResourceResult::new(vec![contents]))
}

/// An engine error as a JSON-RPC error (resources have no `isError` results); the data carries
/// the same `{code, message, field}` as a tool error.
pub fn protocol_error(error: Error) -> McpError {
    let data = Some(json!({
        "code": error.code.as_str(),
        "message": error.message,
        "field": error.field,
    }));
    let message = error.to_string();
    match error.code {
        ErrorCode::NotFound => McpError::resource_not_found(message, data),
        ErrorCode::ValidationError => McpError::invalid_params(message, data),
        _ => McpError::internal_error(message, data),
    }
}
