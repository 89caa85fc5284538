//! How engine errors reach an MCP client: as a tool result with `isError: true` whose one text
//! block is the JSON `{"code", "message", "field"}` with the engine's stable codes, so a model
//! can read what to fix. The body is text, not `structuredContent`: clients check structured
//! content against the tool's output schema (the TypeScript SDK 1.x throws when it does not
//! match), and the error is not the tool's result. `field` is left out when no field is to
//! blame. Protocol errors (unknown tool, malformed request) are JSON-RPC errors, made in
//! `mod.rs`.

use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::json;

use crate::error::Error;

/// The tool result of a failed call.
pub fn tool_error(error: &Error) -> CallToolResult {
    let mut body = json!({
        "code": error.code.as_str(),
        "message": error.message,
    });
    if let Some(field) = &error.field {
        body["field"] = json!(field);
    }
    CallToolResult::error(vec![ContentBlock::text(body.to_string())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_code_message_and_field() {
        let err = Error::validation("lines[0].quantity", "must be greater than 0");
        let result = tool_error(&err);
        assert_eq!(result.is_error, Some(true));
        assert_eq!(result.structured_content, None);
        assert_eq!(result.content.len(), 1);
        let text = result.content[0].as_text().map(|t| t.text.clone());
        let body: serde_json::Value = serde_json::from_str(&text.unwrap_or_default()).unwrap();
        assert_eq!(
            body,
            json!({
                "code": "VALIDATION_ERROR",
                "message": "must be greater than 0",
                "field": "lines[0].quantity"
            })
        );
        let without_field = tool_error(&Error::not_found("no invoice 7"));
        let text = without_field.content[0].as_text().map(|t| t.text.clone());
        let body: serde_json::Value = serde_json::from_str(&text.unwrap_or_default()).unwrap();
        assert_eq!(
            body,
            json!({"code": "NOT_FOUND", "message": "no invoice 7"})
        );
    }
}
