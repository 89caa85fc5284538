//! Checks for free-text input: trimmed, bounded length, and only characters every output can
//! carry: no control characters but line breaks and tabs, and nothing XML 1.0 forbids
//! (U+FFFE, U+FFFF), so a text that is accepted can always be printed and written as an
//! e-invoice.

use crate::error::{Error, Result};

/// `parent.name`, or just `name` when there is no parent.
pub fn join_path(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

/// A required text: trimmed, non-empty, at most `max` characters, no control characters but
/// line breaks and tabs.
pub fn check_required(field: &str, value: &str, max: usize) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    let length = trimmed.chars().count();
    if length > max {
        return Err(Error::validation(
            field,
            format!("must be at most {max} characters, got {length}"),
        ));
    }
    check_chars(field, trimmed)?;
    Ok(trimmed.to_string())
}

/// Longest text a list may search for.
pub const MAX_QUERY_CHARS: usize = 200;

/// A search text of a list: printable characters, at most [`MAX_QUERY_CHARS`].
pub fn check_query(field: &str, query: &str) -> Result<()> {
    let length = query.chars().count();
    if length > MAX_QUERY_CHARS {
        return Err(Error::validation(
            field,
            format!("must be at most {MAX_QUERY_CHARS} characters, got {length}"),
        ));
    }
    check_chars(field, query)
}

/// Whether XML 1.0 allows `c` in text (its `Char` production; Rust strings hold no surrogates).
pub fn xml_allows(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Refuse characters that could not be printed or written as XML: control characters but line
/// breaks and tabs, and what XML 1.0 forbids. The message names the character.
pub fn check_chars(field: &str, text: &str) -> Result<()> {
    let bad = text
        .chars()
        .find(|&c| !xml_allows(c) || (c.is_control() && !matches!(c, '\n' | '\t' | '\r')));
    match bad {
        None => Ok(()),
        Some(c) => Err(Error::validation(
            field,
            format!(
                "must not contain U+{:04X} (control characters and characters XML 1.0 forbids cannot be printed or sent as an e-invoice)",
                c as u32
            ),
        )),
    }
}

/// An optional text: like [`check_required`], with empty or blank meaning absent.
pub fn check_optional(field: &str, value: Option<String>, max: usize) -> Result<Option<String>> {
    match value {
        Some(v) if !v.trim().is_empty() => check_required(field, &v, max).map(Some),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_texts_are_bounded() {
        assert!(check_query("query", &"a".repeat(MAX_QUERY_CHARS)).is_ok());
        let err = check_query("query", &"a".repeat(MAX_QUERY_CHARS + 1)).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("query"));
        assert!(err.message.contains("at most 200"), "{}", err.message);
        assert!(check_query("query", "a\u{FFFF}").is_err());
    }

    #[test]
    fn limits_and_control_characters() {
        assert_eq!(check_required("f", "  a ", 5).unwrap(), "a");
        assert!(check_required("f", "   ", 5).is_err());
        let err = check_required("f", &"x".repeat(6), 5).unwrap_err();
        assert!(err.message.contains("at most 5"));
        assert!(check_required("f", "a\u{0}b", 5).is_err());
        for bad in ['\u{FFFE}', '\u{FFFF}', '\u{1}', '\u{7F}', '\u{85}'] {
            let err = check_required("buyer.name", &format!("a{bad}b"), 5).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("buyer.name"));
            assert!(
                err.message.contains(&format!("U+{:04X}", bad as u32)),
                "{}",
                err.message
            );
        }
        assert!(check_required("f", "a\tb\nc", 9).is_ok());
        assert!(check_required("f", "€ 😀 \u{E000}", 9).is_ok());
        assert_eq!(check_optional("f", Some(" ".into()), 5).unwrap(), None);
    }
}
