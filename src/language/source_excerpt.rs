//! `SourceExcerpt`: the few lines of a lab file one diagnostic shows, as miette source code.
//!
//! miette prints every line of a diagnostic's context whole, and finds it by scanning the
//! file from the top. A generated lab with a 2 MB line would print 2 MB per diagnostic, and
//! a 15 MB lab would be scanned twice per diagnostic. An excerpt holds only the lines shown
//! (found through a `LineIndex`): the span's lines and one either side, as miette would show
//! them. A line longer than `WHOLE_COLUMNS` characters is cut: when the span is on it, the
//! span's first line alone is shown, as a window of `EXCERPT_COLUMNS` characters around the
//! span; a context line keeps its first `EXCERPT_COLUMNS` characters. `…` marks each cut.
//! Rendering itself stays miette's; `report` picks what is rendered.

use crate::language::line_index::LineIndex;
use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// The widest line shown whole.
pub const WHOLE_COLUMNS: usize = 240;
/// How much of a longer line is shown: a window this wide.
pub const EXCERPT_COLUMNS: usize = 120;
/// Characters of a cut line kept before the span starts.
const LEAD_COLUMNS: usize = 40;
const ELLIPSIS: &str = "…";

pub struct SourceExcerpt {
    name: String,
    data: String,
    /// File offset that `data[0]` stands for (before a leading `…`, it is shifted back by
    /// the ellipsis' length so that the file's text after it keeps its offsets).
    offset: usize,
    /// 0-based line of the first line in `data`.
    line: usize,
    /// `Some(byte column of the span)` when `data` is one cut line.
    window_column: Option<usize>,
}

impl SourceExcerpt {
    /// The excerpt for `span` and the span to underline in it (shortened to the window when
    /// the line is cut).
    pub fn new(name: &str, lines: &LineIndex<'_>, span: SourceSpan) -> (SourceExcerpt, SourceSpan) {
        let text = lines.text();
        let start = span.offset().min(text.len());
        let end = (span.offset() + span.len()).clamp(start, text.len());
        let first = lines.line_of(start);
        let last = lines.line_of(end.saturating_sub(1).max(start));
        let from = first.saturating_sub(1);
        let to = (last + 1).min(lines.line_count() - 1);
        let too_long = |line: usize| {
            let (a, b) = lines.line_range(line);
            b - a > WHOLE_COLUMNS && text[a..b].chars().count() > WHOLE_COLUMNS
        };
        if !(first..=last).any(too_long) {
            // The span's lines whole, a long context line cut after its first columns.
            let mut data = String::new();
            let mut before = 0;
            for line in from..=to {
                if line == first {
                    before = data.len();
                }
                let (a, b) = lines.line_range(line);
                // Only context lines can be too long here.
                if too_long(line) {
                    let cut = text[a..b]
                        .char_indices()
                        .nth(EXCERPT_COLUMNS)
                        .map_or(b, |(i, _)| a + i);
                    data.push_str(&text[a..cut]);
                    data.push_str(ELLIPSIS);
                    data.push_str(&text[b..lines.line_end_with_newline(line)]);
                } else {
                    data.push_str(&text[a..lines.line_end_with_newline(line)]);
                }
            }
            let excerpt = SourceExcerpt {
                name: name.to_string(),
                data,
                offset: lines.line_range(first).0 - before,
                line: from,
                window_column: None,
            };
            return (excerpt, SourceSpan::from((start, end - start)));
        }
        let (line_start, line_end) = lines.line_range(first);
        let line_text = &text[line_start..line_end];
        let at = start - line_start;
        let mut from_byte = line_text[..at]
            .char_indices()
            .rev()
            .take(LEAD_COLUMNS)
            .last()
            .map_or(at, |(i, _)| i);
        let mut to_byte = line_text[from_byte..]
            .char_indices()
            .nth(EXCERPT_COLUMNS)
            .map_or(line_text.len(), |(i, _)| from_byte + i);
        if to_byte == line_text.len() {
            // Near the end of the line: fill the window from the left.
            from_byte = line_text
                .char_indices()
                .rev()
                .take(EXCERPT_COLUMNS)
                .last()
                .map_or(0, |(i, _)| i)
                .min(from_byte);
            to_byte = line_text.len();
        }
        if from_byte < ELLIPSIS.len() {
            from_byte = 0;
        }
        let mut data = String::new();
        if from_byte > 0 {
            data.push_str(ELLIPSIS);
        }
        data.push_str(&line_text[from_byte..to_byte]);
        if to_byte < line_text.len() {
            data.push_str(ELLIPSIS);
        }
        let lead = if from_byte > 0 { ELLIPSIS.len() } else { 0 };
        let excerpt = SourceExcerpt {
            name: name.to_string(),
            data,
            offset: line_start + from_byte - lead,
            line: first,
            window_column: Some(at),
        };
        let shown_end = end.min(line_start + to_byte);
        (excerpt, SourceSpan::from((start, shown_end - start)))
    }

    #[cfg(test)]
    fn data(&self) -> &str {
        &self.data
    }
}

impl SourceCode for SourceExcerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        if let Some(column) = self.window_column {
            let contents = MietteSpanContents::new_named(
                self.name.clone(),
                self.data.as_bytes(),
                SourceSpan::from((self.offset, self.data.len())),
                self.line,
                if context_lines_before == 0 { column } else { 0 },
                1,
            );
            return Ok(Box::new(contents));
        }
        // The lines miette would pick from the whole file, picked from the lines kept.
        let local = span
            .offset()
            .checked_sub(self.offset)
            .ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::from((local, span.len()));
        let inner =
            self.data
                .as_bytes()
                .read_span(&local, context_lines_before, context_lines_after)?;
        let contents = MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::from((inner.span().offset() + self.offset, inner.span().len())),
            inner.line() + self.line,
            inner.column(),
            inner.line_count(),
        );
        Ok(Box::new(contents))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lines_are_kept_whole_with_a_line_either_side() {
        let text = "a 1\nb 2\nc 3\nd 4\n";
        let index = LineIndex::new(text);
        let (excerpt, span) = SourceExcerpt::new("f", &index, SourceSpan::from((8, 1)));
        assert_eq!(excerpt.data(), "b 2\nc 3\nd 4\n");
        assert_eq!(span, SourceSpan::from((8, 1)));
        let contents = excerpt.read_span(&span, 1, 1).expect("in the excerpt");
        assert_eq!(contents.line(), 1);
        assert_eq!(contents.span().offset(), 4);
        assert_eq!(contents.data(), b"b 2\nc 3\nd 4\n");
    }

    #[test]
    fn a_long_context_line_keeps_its_start() {
        let long = format!("image \"i\" url=\"{}\"", "u".repeat(300));
        let text = format!("{long}\nnode \"a\"\n");
        let index = LineIndex::new(&text);
        let at = long.len() + 1 + 5;
        let (excerpt, span) = SourceExcerpt::new("f", &index, SourceSpan::from((at, 3)));
        let cut: String = long.chars().take(EXCERPT_COLUMNS).collect();
        assert_eq!(excerpt.data(), format!("{cut}…\nnode \"a\"\n"));
        let contents = excerpt.read_span(&span, 1, 1).expect("in the excerpt");
        assert_eq!(contents.line(), 0);
        // `"a"` sits at its file offset in the excerpt's coordinates.
        let local = at - excerpt.offset;
        assert_eq!(&excerpt.data()[local..local + 3], "\"a\"");
    }

    #[test]
    fn a_long_line_is_cut_to_a_window_around_the_span() {
        let line = (0..2000)
            .map(|i| format!("p{i}=1"))
            .collect::<Vec<_>>()
            .join(" ");
        let text = format!("lab \"x\"\nnode \"a\" {line}\n");
        let index = LineIndex::new(&text);
        let at = text.find("p1000=").expect("there");
        let (excerpt, span) = SourceExcerpt::new("f", &index, SourceSpan::from((at, 5)));
        let data = excerpt.data();
        assert!(data.starts_with('…') && data.ends_with('…'), "{data}");
        assert_eq!(data.chars().count(), EXCERPT_COLUMNS + 2);
        // The span's text sits at its file offset in the excerpt's coordinates.
        let local = at - excerpt.offset;
        assert_eq!(&data[local..local + 5], "p1000");
        assert_eq!(span, SourceSpan::from((at, 5)));
        let primary = excerpt.read_span(&span, 0, 0).expect("in the excerpt");
        assert_eq!(primary.line(), 1);
        assert_eq!(primary.column(), at - 8);
    }

    #[test]
    fn a_span_running_past_the_window_is_shortened() {
        let text = format!("node \"a\" {}\n", "x".repeat(500));
        let index = LineIndex::new(&text);
        let (excerpt, span) = SourceExcerpt::new("f", &index, SourceSpan::from((0, text.len())));
        assert!(excerpt.data().starts_with("node \"a\" x") && excerpt.data().ends_with('…'));
        assert_eq!(span.offset(), 0);
        assert!(span.len() <= EXCERPT_COLUMNS * 4);
    }
}
