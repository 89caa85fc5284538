//! Typst diagnostics as messages a template author can act on: `file:line:column: message`,
//! followed by Typst's hints. Errors become [`ErrorCode::RenderError`](crate::ErrorCode).
//! Typst draws characters no font covers as blank boxes without a word; [`missing_glyphs`]
//! finds them in the laid-out pages and reports each as a warning.

use std::collections::BTreeMap;

use typst::World;
use typst::WorldExt;
use typst::diag::SourceDiagnostic;
use typst::layout::{Frame, FrameItem};
use typst::syntax::{DiagSpan, Span};
use typst_layout::PagedDocument;

use crate::error::Error;

/// Most diagnostics quoted in one error.
const MAX_QUOTED: usize = 5;

/// Each diagnostic as one line with its template position.
pub fn describe(world: &dyn World, diagnostics: &[SourceDiagnostic]) -> Vec<String> {
    diagnostics.iter().map(|d| one(world, d)).collect()
}

/// The error for a failed compilation or export.
pub fn error(world: &dyn World, diagnostics: &[SourceDiagnostic]) -> Error {
    let mut lines = describe(world, diagnostics);
    lines.dedup();
    let more = lines.len().saturating_sub(MAX_QUOTED);
    lines.truncate(MAX_QUOTED);
    let mut message = lines.join("; ");
    if more > 0 {
        message.push_str(&format!(" (and {more} more)"));
    }
    if message.is_empty() {
        message = "the template failed without a diagnostic".to_string();
    }
    Error::render(message)
}

fn one(world: &dyn World, diagnostic: &SourceDiagnostic) -> String {
    let mut text = match position(world, diagnostic.span) {
        Some(position) => format!("{position}: {}", diagnostic.message),
        None => diagnostic.message.to_string(),
    };
    // Typst's CLI hints (its `--root` flag) do not apply to invoicer.
    for hint in diagnostic.hints.iter().filter(|h| !h.v.contains("--root")) {
        text.push_str(&format!(" (hint: {})", hint.v));
    }
    text
}

/// A warning for each piece of text with characters that no embedded font has a glyph for.
pub fn missing_glyphs(world: &dyn World, document: &PagedDocument) -> Vec<String> {
    let mut missing: BTreeMap<String, (String, Span)> = BTreeMap::new();
    for page in document.pages() {
        collect_missing(&page.frame, &mut missing);
    }
    missing
        .into_iter()
        .map(|(chars, (context, span))| {
            let codes: Vec<String> = chars
                .chars()
                .map(|c| format!("U+{:04X}", c as u32))
                .collect();
            let message = format!(
                "no embedded font has a glyph for {chars:?} ({}) in {context:?}; it prints as blank boxes",
                codes.join(" ")
            );
            match position(world, DiagSpan::from(span)) {
                Some(position) => format!("{position}: {message}"),
                None => message,
            }
        })
        .collect()
}

fn collect_missing(frame: &Frame, missing: &mut BTreeMap<String, (String, Span)>) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => collect_missing(&group.frame, missing),
            FrameItem::Text(text) => {
                let mut chars = String::new();
                let mut span = Span::detached();
                for glyph in text.glyphs.iter().filter(|g| g.id == 0) {
                    for c in text.text.get(glyph.range()).unwrap_or_default().chars() {
                        if !c.is_whitespace() && !chars.contains(c) {
                            chars.push(c);
                        }
                    }
                    span = glyph.span.0;
                }
                if !chars.is_empty() && missing.len() < MAX_QUOTED {
                    let context: String = text.text.chars().take(60).collect();
                    missing.entry(chars).or_insert((context, span));
                }
            }
            _ => {}
        }
    }
}

fn position(world: &dyn World, span: DiagSpan) -> Option<String> {
    let id = span.id()?;
    let path = id.vpath().get_with_slash().to_string();
    let Some(range) = world.range(span) else {
        return Some(path);
    };
    let Ok(source) = world.source(id) else {
        return Some(path);
    };
    match source.lines().byte_to_line_column(range.start) {
        Some((line, column)) => Some(format!("{path}:{}:{}", line + 1, column + 1)),
        None => Some(path),
    }
}
