//! Plain HTTP routes beside MCP: `GET /health` (no auth: version, database, open sessions)
//! and `GET /invoices/{id}.pdf`, the download behind `render_invoice_pdf`'s link.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;
use crate::engine::{DocumentKey, Source};
use crate::error::{Error, ErrorCode};

/// `GET /health`: 200 when the database answers, 503 otherwise.
pub(super) async fn health(State(state): State<AppState>) -> Response {
    let engine = state.shared.server.engine().clone();
    let database = tokio::task::spawn_blocking(move || engine.check_database())
        .await
        .unwrap_or_else(|e| Err(Error::internal(e.to_string())));
    let (streamable, sse) = state.shared.sessions.counts().await;
    let (status, database) = match database {
        Ok(version) => (
            StatusCode::OK,
            json!({ "ok": true, "schema_version": version }),
        ),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "ok": false, "error": e.to_string() }),
        ),
    };
    let body = json!({
        "status": if status == StatusCode::OK { "ok" } else { "error" },
        "version": env!("CARGO_PKG_VERSION"),
        "read_only": state.shared.server.is_read_only(),
        "database": database,
        "sessions": { "streamable_http": streamable, "sse": sse },
        "tool_calls_in_flight": state.shared.server.calls_in_flight(),
    });
    (status, axum::Json(body)).into_response()
}

/// `GET /invoices/{id}.pdf` (id or number): the same PDF `render_invoice_pdf` returns.
pub(super) async fn invoice_pdf(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Response {
    let Some(key) = file.strip_suffix(".pdf") else {
        return error_response(&Error::not_found("PDFs are at /invoices/{id}.pdf"));
    };
    let key = match DocumentKey::parse(key) {
        Ok(key) => key,
        Err(e) => return error_response(&e),
    };
    let engine = state.shared.server.engine().with_source(Source::Http);
    let rendered = tokio::task::spawn_blocking(move || {
        let document = engine.get_invoice(&key)?;
        let pdf = engine.render_invoice_pdf(&key)?;
        Ok::<_, Error>((document.pdf_file_name(), pdf))
    })
    .await
    .unwrap_or_else(|e| Err(Error::internal(e.to_string())));
    match rendered {
        Ok((file_name, pdf)) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{file_name}\""),
                ),
                (header::ETAG, format!("\"{}\"", pdf.sha256)),
            ],
            pdf.pdf,
        )
            .into_response(),
        Err(e) => error_response(&e),
    }
}

/// An engine error as JSON `{code, message, field}` with a fitting status.
fn error_response(error: &Error) -> Response {
    let status = match error.code {
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::ValidationError => StatusCode::BAD_REQUEST,
        ErrorCode::InvalidStatus | ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::ReadOnly => StatusCode::FORBIDDEN,
        ErrorCode::StorageError | ErrorCode::RenderError | ErrorCode::Internal => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    (status, axum::Json(error)).into_response()
}
