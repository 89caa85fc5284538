//! Reading a posted JSON-RPC message, the same way on both transports: a body that is not
//! JSON is a parse error (-32700), JSON that is not an MCP message an invalid request
//! (-32600), both as `400` with a JSON-RPC error body; too large a body is `413`.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
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

/// Whether `message` is an `initialize` request (the only one that opens a session).
fn is_initialize(message: &ClientJsonRpcMessage) -> bool {
    matches!(
        message,
        ClientJsonRpcMessage::Request(request)
            if matches!(request.request, rmcp::model::ClientRequest::InitializeRequest(_))
    )
}

/// The protocol a bare JSON-RPC request is answered in.
const STATELESS_PROTOCOL: &str = "2026-07-28";

/// A request with neither a session nor a protocol version (a script or `curl` posting plain
/// JSON-RPC, as many servers' docs show) would be refused for want of a session. It is
/// answered as a stateless 2026-07-28 request instead: the headers and `_meta` fields that
/// protocol asks of a client are filled in (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`,
/// the protocol version and empty client capabilities). `initialize`, notifications and
/// requests of real clients (which send a session or a version) pass unchanged.
fn as_stateless_if_bare(headers: &mut HeaderMap, bytes: Bytes) -> Bytes {
    if headers.contains_key("mcp-session-id") || headers.contains_key("mcp-protocol-version") {
        return bytes;
    }
    let Ok(serde_json::Value::Object(mut message)) = serde_json::from_slice(&bytes) else {
        return bytes;
    };
    let Some(method) = message
        .get("method")
        .and_then(|m| m.as_str())
        .map(str::to_owned)
    else {
        return bytes;
    };
    if method == "initialize" || !message.contains_key("id") {
        return bytes;
    }
    let params = message.entry("params").or_insert_with(|| json!({}));
    let Some(params) = params.as_object_mut() else {
        return bytes;
    };
    let name_key = match method.as_str() {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" | "resources/subscribe" | "resources/unsubscribe" => Some("uri"),
        _ => None,
    };
    let name = name_key
        .and_then(|key| params.get(key))
        .and_then(|v| v.as_str());
    let header_safe = |text: &str| {
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_graphic()) && text.len() <= 1024
    };
    if let Some(name) = name.filter(|n| header_safe(n))
        && let Ok(value) = HeaderValue::from_str(name)
    {
        headers.insert("mcp-name", value);
    }
    let Ok(method_header) = HeaderValue::from_str(&method) else {
        return bytes;
    };
    headers.insert("mcp-method", method_header);
    headers.insert(
        "mcp-protocol-version",
        HeaderValue::from_static(STATELESS_PROTOCOL),
    );
    let meta = params.entry("_meta").or_insert_with(|| json!({}));
    if let Some(meta) = meta.as_object_mut() {
        meta.entry("io.modelcontextprotocol/protocolVersion")
            .or_insert_with(|| json!(STATELESS_PROTOCOL));
        meta.entry("io.modelcontextprotocol/clientCapabilities")
            .or_insert_with(|| json!({}));
    }
    match serde_json::to_vec(&message) {
        Ok(rewritten) => Bytes::from(rewritten),
        Err(_) => bytes,
    }
}

/// Whether a POST's `Accept` lets it have a JSON answer: no header, `*/*`, `application/*` or
/// `application/json` among the media types.
fn accepts_json(headers: &HeaderMap) -> bool {
    let mut values = headers.get_all(header::ACCEPT).iter().peekable();
    if values.peek().is_none() {
        return true;
    }
    values
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|item| {
            item.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .any(|media| matches!(media.as_str(), "*/*" | "application/*" | "application/json"))
}

/// Middleware on the streamable HTTP path: refuse a POST whose body is not a JSON-RPC
/// message before it reaches rmcp (which would answer `415`), and one that accepts no JSON
/// (`406`, naming the header to send); pass the rest on.
pub(super) async fn check_post(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    match accepts_json(&parts.headers) {
        // Answers are JSON (`json_response`): a client that takes JSON, or says nothing (curl
        // as other servers' docs show it), is served as if it had sent the header the
        // transport asks for.
        true => {
            parts.headers.insert(
                header::ACCEPT,
                HeaderValue::from_static("application/json, text/event-stream"),
            );
        }
        false => {
            let body = json!({
                "error": "this endpoint answers application/json: send `Accept: application/json, text/event-stream` (or no Accept header)"
            });
            return (StatusCode::NOT_ACCEPTABLE, axum::Json(body)).into_response();
        }
    }
    match read_message(body, state.shared.config.max_body_bytes).await {
        Ok((message, bytes)) => {
            // The body is a JSON-RPC message whatever a script labelled it (`curl -d` says
            // form-urlencoded). Not so for a browser (it sends an Origin): a POST it may send
            // without a CORS preflight must not pass as JSON, or any page could call tools.
            if !parts.headers.contains_key(header::ORIGIN) {
                parts.headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
            }
            if is_initialize(&message) {
                parts.extensions.insert(super::sessions::OpensSession);
            }
            let bytes = as_stateless_if_bare(&mut parts.headers, bytes);
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(response) => response,
    }
}
