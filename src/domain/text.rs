//! Checks for free-text input: trimmed, no control characters, bounded length.

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
    if let Some(c) = trimmed
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return Err(Error::validation(
            field,
            format!(
                "must not contain control characters, found U+{:04X}",
                c as u32
            ),
        ));
    }
    Ok(trimmed.to_string())
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
    fn limits_and_control_characters() {
        assert_eq!(check_required("f", "  a ", 5).unwrap(), "a");
        assert!(check_required("f", "   ", 5).is_err());
        let err = check_required("f", &"x".repeat(6), 5).unwrap_err();
        assert!(err.message.contains("at most 5"));
        assert!(check_required("f", "a\u{0}b", 5).is_err());
        assert_eq!(check_optional("f", Some(" ".into()), 5).unwrap(), None);
    }
}
