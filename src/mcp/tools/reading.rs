//! Tools that read: one document, lists, the audit trail, and the PDF.

use base64::Engine as _;
use rmcp::model::{ContentBlock, Resource, ResourceContents};
use schemars::JsonSchema;
use serde::Serialize;

use super::{ById, Effect, Reply, ToolSpec, describe};
use crate::domain::audit::Event;
use crate::domain::document::Document;
use crate::domain::listing::{ListFilter, Page};
use crate::einvoice::Target;
use crate::engine::Engine;

/// MIME type of the PDFs.
pub const PDF_MIME: &str = "application/pdf";

/// Largest PDF embedded in a tool result. Base64 makes it a third larger, and clients cap one
/// message (the Python SDK at 1 MiB per SSE event); bigger PDFs (long invoices, ~20 pages and
/// up) come as a resource link and the download URL instead.
pub const MAX_EMBEDDED_PDF_BYTES: usize = 640 * 1024;

pub(super) fn tools() -> Vec<ToolSpec> {
    vec![
        ToolSpec::new::<ById, Document>(
            "get_invoice",
            "Get invoice",
            "One invoice or credit note by id or number, with its lines, VAT breakdown, totals, \
             status, amount paid and amount due.",
            Effect::Reads,
            |cx, input| {
                let mut document = cx.engine.get_invoice(&input.id.0)?;
                let mut summary = describe(&document);
                // Attached files (up to 2 MiB) would fill a model's context: their content is
                // left out here; the e-invoice exports and the CLI carry it.
                let mut left_out = 0;
                for attachment in &mut document.content.invoice.attachments {
                    if attachment.content_base64.take().is_some() {
                        left_out += 1;
                    }
                }
                if left_out > 0 {
                    summary.push_str(&format!(
                        "; the content of {left_out} attached file(s) is left out (export_einvoice carries it)"
                    ));
                }
                Ok((document, summary))
            },
        ),
        ToolSpec::new::<ListFilter, Page>(
            "list_invoices",
            "List invoices",
            "Invoices and credit notes, newest first, narrowed by the fields given. A page holds \
             `limit` documents (default 50); pass `next_cursor` as `cursor` for the next.",
            Effect::Reads,
            |cx, filter| {
                let page = cx.engine.list_invoices(&filter)?;
                // One line per document, so a client that shows only text has the list too.
                let mut summary = format!("{} document(s)", page.items.len());
                for item in &page.items {
                    let name = match &item.number {
                        Some(number) => number.clone(),
                        None => format!("draft {}", item.id),
                    };
                    summary.push_str(&format!(
                        "\n{name} ({}{}) {}: total {} {currency}, due {} {currency}",
                        item.status.as_str(),
                        if item.overdue { ", overdue" } else { "" },
                        item.buyer_name,
                        item.total_gross,
                        item.amount_due,
                        currency = item.currency,
                    ));
                }
                if let Some(cursor) = &page.next_cursor {
                    summary.push_str(&format!("; more with cursor \"{cursor}\""));
                }
                Ok((page, summary))
            },
        ),
        ToolSpec::new::<ById, History>(
            "get_invoice_history",
            "Invoice history",
            "A document's audit trail: every change with time, verb (create, update, \
             finalize, pay, void, …), the front end that made it and the reason given.",
            Effect::Reads,
            |cx, input| {
                let events = cx.engine.get_invoice_history(&input.id.0)?;
                let summary = format!("{} event(s)", events.len());
                Ok((History { events }, summary))
            },
        ),
        ToolSpec::with_reply::<ById, RenderedPdfInfo>(
            "render_invoice_pdf",
            "Render invoice PDF",
            "The PDF of an invoice or credit note, embedded (up to 640 KiB, else linked as \
             invoice://{id}/pdf) and, over HTTP, as a download URL. A finalized document's PDF \
             is the one archived when it was issued; a draft's carries a DRAFT watermark.",
            Effect::Reads,
            |cx, input: ById| {
                let document = cx.engine.get_invoice(&input.id.0)?;
                cx.progress.report(0, 1, "rendering the PDF");
                let rendered = cx.engine.render_invoice_pdf(&input.id.0)?;
                let info = RenderedPdfInfo {
                    id: document.id,
                    number: document.number.clone(),
                    file_name: document.pdf_file_name(),
                    size_bytes: rendered.pdf.len() as u64,
                    pages: rendered.pages,
                    sha256: rendered.sha256.clone(),
                    download_url: cx
                        .download_base
                        .map(|base| {
                            download_url(cx.engine, base, &format!("{}.pdf", document.id), None)
                        })
                        .transpose()?,
                    embedded: rendered.pdf.len() <= MAX_EMBEDDED_PDF_BYTES,
                    warnings: rendered.warnings.clone(),
                };
                let mut summary = format!(
                    "PDF of {}: {} page(s), {} bytes",
                    info.number.as_deref().unwrap_or("the draft"),
                    info.pages,
                    info.size_bytes
                );
                if let Some(url) = &info.download_url {
                    summary.push_str(&format!(", download: {url}"));
                }
                if !info.embedded {
                    summary.push_str(&format!(
                        "; too large to embed, read the resource {}",
                        pdf_uri(document.id)
                    ));
                }
                let mut reply = Reply::new(&info, summary)?;
                if info.embedded {
                    let blob = base64::engine::general_purpose::STANDARD.encode(&rendered.pdf);
                    reply.attachments.push(ContentBlock::resource(
                        ResourceContents::blob(blob, pdf_uri(document.id)).with_mime_type(PDF_MIME),
                    ));
                }
                reply.attachments.push(ContentBlock::resource_link(
                    Resource::new(pdf_uri(document.id), info.file_name.clone())
                        .with_mime_type(PDF_MIME)
                        .with_size(info.size_bytes),
                ));
                Ok(reply)
            },
        ),
        ToolSpec::with_reply::<ExportArgs, ExportedInfo>(
            "export_einvoice",
            "Export e-invoice",
            "The e-invoice of a finalized document: `facturx` (PDF/A-3 with the CII XML inside), \
             `facturx-xml`, `xrechnung-cii`/`xrechnung-ubl` (German public buyers: \
             buyer_reference, both e-mails, seller phone), `peppol-ubl` (both parties an EU VAT \
             ID). Embedded, and over HTTP a download URL. Missing data: VALIDATION_ERROR naming \
             the field.",
            Effect::Reads,
            |cx, input: ExportArgs| {
                let target = Target::parse(&input.format, input.profile.as_deref())?;
                let document = cx.engine.get_invoice(&input.id.0)?;
                cx.progress
                    .report(0, 1, format!("making the {} e-invoice", target.as_str()));
                let exported = cx.engine.export_einvoice(&input.id.0, target)?;
                let uri = einvoice_uri(document.id, target);
                let embedded = exported.bytes.len() <= MAX_EMBEDDED_PDF_BYTES;
                let info = ExportedInfo {
                    id: document.id,
                    number: document.number.clone(),
                    format: target.as_str().to_string(),
                    file_name: exported.file_name.clone(),
                    mime_type: exported.mime_type.to_string(),
                    size_bytes: exported.bytes.len() as u64,
                    sha256: crate::domain::digest::sha256_hex(&exported.bytes),
                    download_url: cx
                        .download_base
                        .map(|base| {
                            let (file, profile) = download_file(document.id, target);
                            download_url(cx.engine, base, &file, profile)
                        })
                        .transpose()?,
                    embedded,
                };
                let mut summary = format!(
                    "{} of {}: {} bytes",
                    info.format,
                    info.number.as_deref().unwrap_or("?"),
                    info.size_bytes
                );
                if let Some(url) = &info.download_url {
                    summary.push_str(&format!(", download: {url}"));
                }
                let contents = if !embedded {
                    None
                } else if exported.mime_type == PDF_MIME {
                    let blob = base64::engine::general_purpose::STANDARD.encode(&exported.bytes);
                    Some(ResourceContents::blob(blob, uri.clone()).with_mime_type(PDF_MIME))
                } else {
                    let text = String::from_utf8(exported.bytes.clone())
                        .map_err(|_| crate::error::Error::internal("the XML is not UTF-8"))?;
                    Some(
                        ResourceContents::text(text, uri.clone())
                            .with_mime_type(exported.mime_type),
                    )
                };
                let mut reply = Reply::new(&info, summary)?;
                if let Some(contents) = contents {
                    reply.attachments.push(ContentBlock::resource(contents));
                }
                reply.attachments.push(ContentBlock::resource_link(
                    Resource::new(uri, info.file_name.clone())
                        .with_mime_type(exported.mime_type)
                        .with_size(info.size_bytes),
                ));
                Ok(reply)
            },
        ),
    ]
}

/// The file below `/invoices/` of a document's e-invoice, and its `profile` parameter.
fn download_file(id: i64, target: Target) -> (String, Option<&'static str>) {
    match target {
        Target::FacturXPdf(crate::einvoice::Profile::En16931) => {
            (format!("{id}.facturx.pdf"), None)
        }
        Target::FacturXPdf(profile) => (format!("{id}.facturx.pdf"), Some(profile.as_str())),
        Target::Xml(format) => (format!("{id}.{}.xml", format.as_str()), None),
    }
}

/// The download URL of `file` below `{base}/invoices/`: signed, so that it opens in a browser
/// without a token until it expires; plain (the token is needed) in a file without a link key.
fn download_url(
    engine: &Engine,
    base: &str,
    file: &str,
    profile: Option<&str>,
) -> crate::error::Result<String> {
    Ok(match engine.signed_download_url(base, file, profile)? {
        Some(url) => url,
        None => match profile {
            Some(profile) => format!("{base}/invoices/{file}?profile={profile}"),
            None => format!("{base}/invoices/{file}"),
        },
    })
}

/// The resource URI of a document's e-invoice.
pub fn einvoice_uri(id: i64, target: Target) -> String {
    match target {
        Target::FacturXPdf(profile) => {
            format!(
                "invoice://{id}/einvoice/facturx?profile={}",
                profile.as_str()
            )
        }
        Target::Xml(format) => format!("invoice://{id}/einvoice/{}", format.as_str()),
    }
}

/// The resource URI of a document's PDF.
pub fn pdf_uri(id: i64) -> String {
    format!("invoice://{id}/pdf")
}

/// Arguments of `export_einvoice`.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ExportArgs {
    /// Id (12) or number ("2026-0001") of a finalized document.
    id: super::DocumentArg,
    /// The format.
    #[schemars(extend("enum" = ["facturx", "facturx-xml", "facturx-extended-xml", "xrechnung-cii", "xrechnung-ubl", "peppol-ubl"]))]
    format: String,
    /// Only for facturx: en16931 (default), extended or xrechnung.
    #[serde(default)]
    profile: Option<String>,
}

/// Result of `export_einvoice`; the file itself is the embedded resource.
#[derive(Debug, Serialize, JsonSchema)]
struct ExportedInfo {
    /// Document id.
    id: i64,
    /// Document number.
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<String>,
    /// The format asked for.
    format: String,
    /// Suggested file name.
    file_name: String,
    /// application/pdf or application/xml.
    mime_type: String,
    /// Size of the file.
    size_bytes: u64,
    /// SHA-256 of the file, hex.
    sha256: String,
    /// Download URL, signed: opens in a browser until it expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    download_url: Option<String>,
    /// Whether the file is embedded in this result (up to 640 KiB); otherwise it is linked.
    embedded: bool,
}

/// Result of `get_invoice_history`.
#[derive(Debug, Serialize, JsonSchema)]
struct History {
    /// Oldest first.
    events: Vec<Event>,
}

/// Result of `render_invoice_pdf`; the PDF itself is the embedded resource.
#[derive(Debug, Serialize, JsonSchema)]
struct RenderedPdfInfo {
    /// Document id.
    id: i64,
    /// Document number; absent for drafts.
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<String>,
    /// Suggested file name.
    file_name: String,
    /// Size of the PDF.
    size_bytes: u64,
    /// Number of pages.
    pages: usize,
    /// SHA-256 of the PDF, hex.
    sha256: String,
    /// Download URL, signed: opens in a browser until it expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    download_url: Option<String>,
    /// Whether the PDF is embedded in this result (up to 640 KiB); otherwise it is linked.
    embedded: bool,
    /// Render warnings, e.g. characters no embedded font has.
    warnings: Vec<String>,
}
