//! How engine errors reach an MCP client: as a tool result with `isError: true` whose body is
//! `{code, message, field}` with the engine's stable codes, so a model can read what to fix.
//! Protocol errors (unknown tool, malformed request) are JSON-RPC errors, made in `mod.rs`.

use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::json;

use crate::error::Error;

/// The tool result of a failed call.
pub fn tool_error(error: &Error) -> CallToolResult {
    let body = json!({
        "code": error.code.as_str(),
        "message": error.message,
        "field": error.field,
    });
    let mut result = CallToolResult::error(vec![ContentBlock::text(error.to_string())]);
    result.structured_content = Some(body);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_code_message_and_field() {
        let err = Error::validation("lines[0].quantity", "must be greater than 0");
        let result = tool_error(&err);
        assert_eq!(result.is_error, Some(true));
        assert_eq!(
            result.structured_content,
            Some(json!({
                "code": "VALIDATION_ERROR",
                "message": "must be greater than 0",
                "field": "lines[0].quantity"
            }))
        );
    }
}
