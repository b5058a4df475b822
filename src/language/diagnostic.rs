//! `Diagnostic`: one problem found in a lab file, and `Diagnostics`, the list a pass collects.
//!
//! The loader and the resolver never stop at the first problem: they push a `Diagnostic`
//! (message, span, label, help) and carry on, so one `vlab validate` shows everything.
//! Rendering (miette graphical, JSON) lives in `report.rs`; this module only holds data.

use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::line_index::{LineIndex, floor_char_boundary};
use miette::{LabeledSpan, SourceSpan};
use serde::Serialize;
use std::fmt;

/// One problem in the lab file, pointing at the text that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable machine-readable kind, e.g. `unknown-reference`.
    pub code: DiagnosticCode,
    pub message: String,
    pub span: SourceSpan,
    /// Short text shown under the underline.
    pub label: Option<String>,
    /// A hint on how to fix it ("did you mean `web`?").
    pub help: Option<String>,
}

/// Message, label and help quote the lab's text, which may hold any character: they are
/// kept printable (`crate::printable`), so no escape sequence reaches a terminal.
impl Diagnostic {
    pub fn new(code: DiagnosticCode, span: SourceSpan, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: printable(message.into()),
            span,
            label: None,
            help: None,
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(printable(label.into()));
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(printable(help.into()));
        self
    }

    /// Sets the help line only when there is one to give.
    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        if let Some(help) = help {
            self = self.help(help);
        }
        self
    }
}

fn printable(text: String) -> String {
    match crate::printable::printable(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(escaped) => escaped,
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!("vlab::{}", self.code)))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = LabeledSpan::new_with_span(self.label.clone(), self.span);
        Some(Box::new(std::iter::once(label)))
    }
}

/// The problems found by one pass, in the order they were found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// Orders by position in the file so output reads top to bottom; stable for equal offsets.
    pub fn sort(&mut self) {
        self.items.sort_by_key(|d| d.span.offset());
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(items: Vec<Diagnostic>) -> Self {
        Diagnostics { items }
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// A diagnostic located in its file, for JSON output and tests.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Located {
    pub code: DiagnosticCode,
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub help: Option<String>,
}

/// 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

impl Diagnostic {
    pub fn locate(&self, file: &str, text: &str) -> Located {
        self.locate_in(file, &LineIndex::new(text))
    }

    /// Like `locate`, with the file's lines indexed once for many diagnostics.
    pub fn locate_in(&self, file: &str, lines: &LineIndex<'_>) -> Located {
        let (line, column) = lines.line_col(self.span.offset());
        Located {
            code: self.code,
            message: self.message.clone(),
            file: file.to_string(),
            line,
            column,
            help: self.help.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 8), (3, 1));
        assert_eq!(line_col(text, 7), (2, 4));
        assert_eq!(line_col(text, 999), (3, 2));
    }
}
