//! Reading a posted JSON-RPC message, the same way on both transports: a body that is not
//! JSON is a parse error (-32700), JSON that is not an MCP message an invalid request
//! (-32600), both as `400` with a JSON-RPC error body; too large a body is `413`.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::model::ClientJsonRpcMessage;
use serde_json::json;

use super::AppState;

/// Read the body of `request` (at most `limit` bytes) and parse it as one client message.
pub(super) async fn read_message(
    body: Body,
    limit: usize,
) -> Result<(ClientJsonRpcMessage, Bytes), Response> {
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            axum::Json(json!({ "error": format!("the message is larger than {limit} bytes") })),
        )
            .into_response()
    })?;
    match serde_json::from_slice(&bytes) {
        Ok(message) => Ok((message, bytes)),
        Err(error) => Err(rpc_error(&bytes, &error)),
    }
}

fn rpc_error(bytes: &[u8], error: &serde_json::Error) -> Response {
    let (code, what) = match serde_json::from_slice::<serde_json::Value>(bytes) {
        Err(_) => (-32700, "Parse error"),
        Ok(_) => (-32600, "Invalid Request"),
    };
    let body = json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": code, "message": format!("{what}: {error}") },
    });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// Middleware on the streamable HTTP path: refuse a POST whose body is not a JSON-RPC
/// message before it reaches rmcp (which would answer `415`), pass the rest on unchanged.
pub(super) async fn check_post(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    match read_message(body, state.shared.config.max_body_bytes).await {
        Ok((_, bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(response) => response,
    }
}
