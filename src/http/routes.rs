//! Plain HTTP routes beside MCP: `GET /health` (no auth: version, database, integrity, open
//! sessions)
//! and `GET /invoices/{file}`, the downloads behind the links of `render_invoice_pdf`
//! (`{id}.pdf`) and `export_einvoice` (`{id}.facturx.pdf`, `{id}.{format}.xml`).

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;
use super::rest::error_response;
use crate::domain::digest::sha256_hex;
use crate::einvoice::Target;
use crate::engine::{DocumentKey, Engine, Source};
use crate::error::Error;

/// `GET /health`: 200 when the database answers and the record passed the integrity check at
/// start; 503 with `degraded` and the reasons when it did not (or SQLite has since reported a
/// damaged file), or `error` when the database does not answer.
pub(super) async fn health(State(state): State<AppState>) -> Response {
    let engine = state.shared.server.engine().clone();
    let database = super::blocking(move || engine.check_database()).await;
    let (streamable, sse) = state.shared.sessions.counts().await;
    let mut problems = state.shared.integrity.problems.clone();
    if state.shared.server.engine().damaged_file_seen() {
        problems.push("SQLite reported a damaged database file since the start".into());
    }
    let (status, database) = match database {
        Ok(version) => (
            if problems.is_empty() {
                "ok"
            } else {
                "degraded"
            },
            json!({ "ok": true, "schema_version": version }),
        ),
        Err(e) => ("error", json!({ "ok": false, "error": e.to_string() })),
    };
    let mut body = json!({
        "status": status,
        "version": env!("CARGO_PKG_VERSION"),
        "read_only": state.shared.server.is_read_only(),
        "database": database,
        "integrity": {
            "chain_links": state.shared.integrity.chain_links,
            "chain_head": state.shared.integrity.chain_head,
        },
        "sessions": { "streamable_http": streamable, "sse": sse },
        "connections": state.shared.connections.count(),
        "tool_calls_in_flight": state.shared.server.calls_in_flight(),
    });
    if !problems.is_empty() {
        body["problems"] = json!(problems);
    }
    let code = if status == "ok" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, axum::Json(body)).into_response()
}

/// What `/invoices/{file}` names.
pub(super) enum Download {
    /// `{id}.pdf`: the PDF.
    Pdf(DocumentKey),
    /// `{id}.facturx.pdf` (`?profile=`) or `{id}.{format}.xml`: the e-invoice.
    EInvoice(DocumentKey, Target),
}

fn download_of(file: &str, profile: Option<&str>) -> Result<Download, Error> {
    let not_found = || {
        Error::not_found(
            "downloads are /invoices/{id}.pdf, /invoices/{id}.facturx.pdf and /invoices/{id}.{format}.xml",
        )
    };
    if let Some(key) = file.strip_suffix(".facturx.pdf") {
        let target = Target::parse("facturx", profile)?;
        return Ok(Download::EInvoice(DocumentKey::parse(key)?, target));
    }
    if let Some(key) = file.strip_suffix(".pdf") {
        return Ok(Download::Pdf(DocumentKey::parse(key)?));
    }
    let (key, format) = file
        .strip_suffix(".xml")
        .and_then(|stem| stem.rsplit_once('.'))
        .ok_or_else(not_found)?;
    Ok(Download::EInvoice(
        DocumentKey::parse(key)?,
        Target::parse(format, None)?,
    ))
}

/// A file to download: its name, MIME type and bytes (the PDF rendered, or the e-invoice
/// made, as the tools make them). Engine work: call it on the blocking pool.
pub(super) fn make_file(
    engine: &Engine,
    download: Download,
) -> Result<(String, &'static str, Vec<u8>), Error> {
    match download {
        Download::Pdf(key) => {
            let name = engine.get_invoice(&key)?.pdf_file_name();
            let pdf = engine.render_invoice_pdf(&key)?;
            Ok((name, "application/pdf", pdf.pdf))
        }
        Download::EInvoice(key, target) => {
            let file = engine.export_einvoice(&key, target)?;
            Ok((file.file_name, file.mime_type, file.bytes))
        }
    }
}

/// Query of the download route.
#[derive(Debug, serde::Deserialize)]
pub(super) struct DownloadQuery {
    profile: Option<String>,
}

/// `GET /invoices/{file}` (by id or number): the PDF `render_invoice_pdf` returns, or an
/// e-invoice as `export_einvoice` makes it.
pub(super) async fn invoice_file(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(query): Query<DownloadQuery>,
) -> Response {
    let download = match download_of(&file, query.profile.as_deref()) {
        Ok(download) => download,
        Err(e) => return error_response(&e),
    };
    let engine = state.shared.server.engine().with_source(Source::Http);
    let made = super::blocking(move || make_file(&engine, download)).await;
    match made {
        Ok((file_name, mime_type, bytes)) => (
            [
                (header::CONTENT_TYPE, mime_type.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{file_name}\""),
                ),
                (header::ETAG, format!("\"{}\"", sha256_hex(&bytes))),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => error_response(&e),
    }
}

/// `/.well-known/*`: with OAuth the protected-resource metadata (RFC 9728), else nothing.
pub(super) async fn well_known(
    State(state): State<AppState>,
    Path(rest): Path<String>,
) -> Response {
    let oauth = state.shared.oauth_config();
    if let Some(config) = oauth {
        if state.shared.auth_server.is_some() && rest == "oauth-authorization-server" {
            return axum::Json(super::authserver::metadata(config)).into_response();
        }
        // RFC 9728: at the well-known prefix, alone or followed by the resource's path.
        let wanted = config.resource_metadata_url();
        let resource_path = wanted
            .split_once("/.well-known/")
            .map_or("", |(_, path)| path);
        if rest == resource_path || rest == "oauth-protected-resource" {
            return axum::Json(config.resource_metadata()).into_response();
        }
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "error": format!("not found: the protected-resource metadata is at {wanted}; the authorization server is {}", config.issuer) })),
        )
            .into_response();
    }
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({ "error": "not found: this server publishes no /.well-known documents (it takes a bearer token, not OAuth)" })),
    )
        .into_response()
}
