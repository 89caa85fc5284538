//! Number series: format templates such as `RE-{YYYY}{MM}-{counter:05}` and reset policies.
//!
//! Pure functions only; the store keeps the counters and assigns numbers inside the finalize
//! transaction, so drafts never consume numbers and there are no gaps.

use std::fmt::Write;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::document::DocumentKind;
use crate::error::{Error, Result};

/// When the counter of a series starts again at 1, judged by the issue date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ResetPolicy {
    /// One counter forever.
    Never,
    /// A counter per calendar year of the issue date.
    Yearly,
    /// A counter per calendar month of the issue date.
    Monthly,
}

impl ResetPolicy {
    /// The stored name: `never`, `yearly`, `monthly`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResetPolicy::Never => "never",
            ResetPolicy::Yearly => "yearly",
            ResetPolicy::Monthly => "monthly",
        }
    }

    /// Parse a stored or user-given name.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "never" => Ok(ResetPolicy::Never),
            "yearly" => Ok(ResetPolicy::Yearly),
            "monthly" => Ok(ResetPolicy::Monthly),
            other => Err(Error::validation(
                "reset",
                format!("'{other}' is not a reset policy (never, yearly or monthly)"),
            )),
        }
    }

    /// The key of the counter period an issue date falls in: `""`, `"2026"` or `"2026-05"`.
    pub fn period(self, issue_date: NaiveDate) -> String {
        match self {
            ResetPolicy::Never => String::new(),
            ResetPolicy::Yearly => format!("{:04}", issue_date.year()),
            ResetPolicy::Monthly => format!("{:04}-{:02}", issue_date.year(), issue_date.month()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(String),
    Year4,
    Year2,
    Month,
    Counter { width: usize },
}

/// A parsed number format. Tokens: `{YYYY}`, `{YY}`, `{MM}`, `{counter}`, `{counter:N}` (zero
/// padded to N digits, N ≤ 12); everything else is literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFormat {
    tokens: Vec<Token>,
}

impl NumberFormat {
    /// Parse and check a format against the reset policy it is used with: a counter is required,
    /// and a yearly (monthly) reset needs the year (and month) in the number, or numbers repeat.
    pub fn parse(format: &str, reset: ResetPolicy) -> Result<Self> {
        let invalid = |rule: String| Error::validation("format", rule);
        if format.is_empty() || format.chars().count() > 64 {
            return Err(invalid("must be 1 to 64 characters".into()));
        }
        let mut tokens = Vec::new();
        let mut rest = format;
        while let Some(open) = rest.find(['{', '}']) {
            if rest[open..].starts_with('}') {
                return Err(invalid(format!("has a '}}' without '{{' in '{format}'")));
            }
            if open > 0 {
                tokens.push(Token::Literal(rest[..open].to_string()));
            }
            let close = rest[open..]
                .find('}')
                .map(|c| open + c)
                .ok_or_else(|| invalid(format!("has an unclosed '{{' in '{format}'")))?;
            let name = &rest[open + 1..close];
            tokens.push(match name {
                "YYYY" => Token::Year4,
                "YY" => Token::Year2,
                "MM" => Token::Month,
                "counter" => Token::Counter { width: 1 },
                _ => match name.strip_prefix("counter:").map(str::parse::<usize>) {
                    Some(Ok(width)) if (1..=12).contains(&width) => Token::Counter { width },
                    _ => {
                        return Err(invalid(format!(
                            "has an unknown token '{{{name}}}' (use {{YYYY}}, {{YY}}, {{MM}}, {{counter}} or {{counter:N}})"
                        )));
                    }
                },
            });
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            tokens.push(Token::Literal(rest.to_string()));
        }
        for token in &tokens {
            if let Token::Literal(text) = token
                && text
                    .chars()
                    .any(|c| c.is_control() || c == '/' || c == '\\')
            {
                return Err(invalid(
                    "literal text must not contain control characters or slashes".into(),
                ));
            }
        }
        let has = |wanted: fn(&Token) -> bool| tokens.iter().any(wanted);
        let counters = tokens
            .iter()
            .filter(|t| matches!(t, Token::Counter { .. }))
            .count();
        if counters != 1 {
            return Err(invalid(format!(
                "needs exactly one {{counter}} or {{counter:N}} token, '{format}' has {counters}"
            )));
        }
        let has_year = has(|t| matches!(t, Token::Year4 | Token::Year2));
        let has_month = has(|t| matches!(t, Token::Month));
        match reset {
            ResetPolicy::Yearly if !has_year => Err(invalid(format!(
                "must contain {{YYYY}} or {{YY}} with a yearly reset, or numbers repeat: '{format}'"
            ))),
            ResetPolicy::Monthly if !(has_year && has_month) => Err(invalid(format!(
                "must contain the year and {{MM}} with a monthly reset, or numbers repeat: '{format}'"
            ))),
            _ => Ok(NumberFormat { tokens }),
        }
    }

    /// The number for `counter` issued on `issue_date`.
    pub fn render(&self, issue_date: NaiveDate, counter: u64) -> String {
        let mut out = String::new();
        for token in &self.tokens {
            // Writing to a String cannot fail.
            let _ = match token {
                Token::Literal(text) => write!(out, "{text}"),
                Token::Year4 => write!(out, "{:04}", issue_date.year()),
                Token::Year2 => write!(out, "{:02}", issue_date.year().rem_euclid(100)),
                Token::Month => write!(out, "{:02}", issue_date.month()),
                Token::Counter { width } => write!(out, "{counter:0width$}"),
            };
        }
        out
    }
}

/// A stored number series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Series {
    /// Series name, e.g. `invoices`.
    pub name: String,
    /// Which documents it numbers.
    pub kind: DocumentKind,
    /// Number format, e.g. `{YYYY}-{counter:04}`.
    pub format: String,
    /// When the counter restarts.
    pub reset: ResetPolicy,
    /// Issue date of the last number given; later ones may not be earlier.
    pub last_issue_date: Option<NaiveDate>,
    /// Holds imported documents that keep the numbers another system gave them: it gives no
    /// numbers itself, takes no drafts and is outside the gapless check.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub external: bool,
}

/// A series as a client defines or changes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSeries {
    /// Name, letters, digits, `-` and `_`, 1 to 40 characters.
    pub name: String,
    /// Which documents it numbers; defaults to invoices. Fixed once the series exists.
    #[serde(default = "default_kind")]
    pub kind: DocumentKind,
    /// Number format, e.g. `RE-{YYYY}-{counter:05}`.
    pub format: String,
    /// Counter reset: never, yearly or monthly (by issue date).
    #[serde(default = "default_reset")]
    pub reset: ResetPolicy,
}

fn default_kind() -> DocumentKind {
    DocumentKind::Invoice
}

fn default_reset() -> ResetPolicy {
    ResetPolicy::Yearly
}

impl NewSeries {
    /// Check the name and that the format suits the reset policy.
    pub fn validate(self) -> Result<Self> {
        let name_ok = (1..=40).contains(&self.name.len())
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !name_ok {
            return Err(Error::validation(
                "name",
                format!(
                    "must be 1 to 40 letters, digits, '-' or '_', got '{}'",
                    self.name
                ),
            ));
        }
        NumberFormat::parse(&self.format, self.reset)?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn renders_the_default_formats() {
        let f = NumberFormat::parse("{YYYY}-{counter:04}", ResetPolicy::Yearly).unwrap();
        assert_eq!(f.render(date(2026, 3, 5), 7), "2026-0007");
        let f = NumberFormat::parse("RE-{YYYY}{MM}-{counter:05}", ResetPolicy::Monthly).unwrap();
        assert_eq!(f.render(date(2026, 3, 5), 42), "RE-202603-00042");
        let f = NumberFormat::parse("INV{YY}/{counter}", ResetPolicy::Yearly);
        assert!(f.is_err(), "slashes are rejected");
        let f = NumberFormat::parse("INV{YY}-{counter}", ResetPolicy::Yearly).unwrap();
        assert_eq!(f.render(date(2031, 1, 1), 12345), "INV31-12345");
    }

    #[test]
    fn counter_wider_than_padding_is_kept_whole() {
        let f = NumberFormat::parse("{counter:2}", ResetPolicy::Never).unwrap();
        assert_eq!(f.render(date(2026, 1, 1), 123), "123");
    }

    #[test]
    fn rejects_formats_that_would_repeat_or_are_malformed() {
        let cases = [
            ("{counter}", ResetPolicy::Yearly),
            ("{YYYY}-{counter}", ResetPolicy::Monthly),
            ("{YYYY}", ResetPolicy::Never),
            ("{YYYY}-{counter}-{counter}", ResetPolicy::Never),
            ("{YYYY-{counter}", ResetPolicy::Yearly),
            ("{YYYY}}-{counter}", ResetPolicy::Yearly),
            ("{DD}-{counter}", ResetPolicy::Never),
            ("{counter:0}", ResetPolicy::Never),
            ("", ResetPolicy::Never),
        ];
        for (format, reset) in cases {
            let err = NumberFormat::parse(format, reset).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("format"), "{format}");
        }
    }

    #[test]
    fn periods_follow_the_issue_date() {
        let d = date(2026, 11, 21);
        assert_eq!(ResetPolicy::Never.period(d), "");
        assert_eq!(ResetPolicy::Yearly.period(d), "2026");
        assert_eq!(ResetPolicy::Monthly.period(d), "2026-11");
    }
}
