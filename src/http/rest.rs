//! The tools for clients that do not speak MCP (automation platforms' HTTP steps, GPT actions,
//! scripts): a small REST face generated from the same tool specs as `tools/list`.
//!
//! - `GET /tools`: the tools, as `tools/list` shows them;
//! - `POST /tools/{name}`: the arguments as the JSON body; the tool's structured result, or
//!   `{code, message, field}` with a fitting status (400, 403, 404, 409, 500);
//! - `GET /openapi.json`: OpenAPI 3.1, one operation per tool, its schemas the tools' own
//!   (with their shared definitions written in place, as OpenAPI resolves `$ref` against the
//!   whole document).
//!
//! The routes sit behind the same guard (token, Host, Origin), rate limits and body limit as
//! MCP, list only the reading tools on a read-only server, and run each call through
//! [`InvoiceServer::run_tool`], so a call is logged and audited (source `http`) like a tool
//! call.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::AppState;
use crate::engine::Source;
use crate::error::{Error, ErrorCode};
use crate::mcp::InvoiceServer;
use crate::mcp::schema::inline_all_definitions;

/// `GET /tools`.
pub(super) async fn list(
    State(state): State<AppState>,
    access: Option<axum::Extension<crate::mcp::Access>>,
) -> Response {
    let tools: Vec<Value> = state
        .shared
        .server
        .tools_for(access.map_or(crate::mcp::Access::ReadOnly, |a| a.0))
        .filter_map(|spec| serde_json::to_value(&spec.tool).ok())
        .collect();
    axum::Json(json!({ "tools": tools })).into_response()
}

/// `POST /tools/{name}`.
pub(super) async fn call(
    State(state): State<AppState>,
    Path(name): Path<String>,
    access: Option<axum::Extension<crate::mcp::Access>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    // A browser page may POST form or text bodies without a CORS preflight; only JSON, which
    // needs one, is taken from a page (it sends an Origin). Scripts may omit the type.
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    if headers.contains_key(header::ORIGIN) && !json_type {
        return error_response(&Error::validation(
            "Content-Type",
            "send the arguments as Content-Type: application/json",
        ));
    }
    let arguments = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(value @ Value::Object(_)) => value,
            Ok(_) => {
                return error_response(&Error::validation(
                    "body",
                    "the arguments must be a JSON object, e.g. {\"id\": 12}",
                ));
            }
            Err(e) => {
                return error_response(&Error::validation(
                    "body",
                    format!("the body is not JSON: {e}"),
                ));
            }
        }
    };
    let server = &state.shared.server;
    let base = server.download_base_for(&headers);
    let progress = crate::mcp::tools::Progress::default();
    match server
        .run_tool(
            &name,
            arguments,
            base,
            Source::Http,
            progress,
            access.map_or(crate::mcp::Access::ReadOnly, |a| a.0),
        )
        .await
    {
        None => error_response(&Error::not_found(format!(
            "no tool '{name}': GET /tools lists them"
        ))),
        Some(Err(e)) => error_response(&e),
        Some(Ok(reply)) => axum::Json(reply.structured).into_response(),
    }
}

/// `GET /openapi.json`.
pub(super) async fn openapi(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let server = &state.shared.server;
    let base = server.download_base_for(&headers).unwrap_or_default();
    let with_token = state.shared.config.token.is_some();
    axum::Json(document(server, &base, with_token)).into_response()
}

/// The OpenAPI 3.1 document of `server`'s tools at `base`.
pub fn document(server: &InvoiceServer, base: &str, with_token: bool) -> Value {
    let error = json!({ "$ref": "#/components/schemas/Error" });
    let failure = |what: &str| json!({ "description": what, "content": { "application/json": { "schema": error } } });
    let mut paths = Map::new();
    paths.insert(
        "/tools".into(),
        json!({ "get": {
            "operationId": "list_tools",
            "summary": "List the tools",
            "responses": { "200": { "description": "The tools, as MCP's tools/list shows them",
                "content": { "application/json": { "schema": { "type": "object" } } } } }
        } }),
    );
    for spec in server.tools() {
        let tool = &spec.tool;
        let input = inline_all_definitions(Value::Object((*tool.input_schema).clone()));
        let output = tool
            .output_schema
            .as_ref()
            .map(|schema| inline_all_definitions(Value::Object((**schema).clone())))
            .unwrap_or_else(|| json!({ "type": "object" }));
        let operation = json!({
            "operationId": tool.name,
            "summary": tool.title.clone().unwrap_or_else(|| tool.name.to_string()),
            "description": tool.description,
            "requestBody": { "required": true,
                "content": { "application/json": { "schema": input } } },
            "responses": {
                "200": { "description": "The result",
                    "content": { "application/json": { "schema": output } } },
                "400": failure("A field is invalid: VALIDATION_ERROR names it"),
                "403": failure("READ_ONLY: the server only reads"),
                "404": failure("NOT_FOUND: no such document, customer or tool"),
                "409": failure("INVALID_STATUS or CONFLICT: not in this state"),
                "500": failure("STORAGE_ERROR, RENDER_ERROR or INTERNAL"),
            },
        });
        paths.insert(
            format!("/tools/{}", tool.name),
            json!({ "post": operation }),
        );
    }
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "invoicer",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Invoices with gapless numbering, PDFs and e-invoices: the MCP tools of invoicer as plain HTTP operations. Amounts are decimal strings, dates YYYY-MM-DD.",
        },
        "paths": paths,
        "components": { "schemas": { "Error": {
            "type": "object",
            "properties": {
                "code": { "type": "string", "enum": ErrorCode::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>() },
                "message": { "type": "string" },
                "field": { "type": "string" },
            },
            "required": ["code", "message"],
        } } },
    });
    if !base.is_empty() {
        document["servers"] = json!([{ "url": base }]);
    }
    if with_token {
        document["components"]["securitySchemes"] =
            json!({ "bearer": { "type": "http", "scheme": "bearer" } });
        document["security"] = json!([{ "bearer": [] }]);
    }
    document
}

/// An engine error as `{code, message, field}` with a fitting status.
pub(super) fn error_response(error: &Error) -> Response {
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
