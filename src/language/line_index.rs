//! `LineIndex`: the line starts of a lab file, found once, so that turning many byte offsets
//! into lines and columns costs a search each instead of a scan from the top of the file.
//!
//! Lines end at `\n` (a `\r` before it belongs to the line). Columns count characters.
//! Used by `report` (excerpts, `--json` positions); collecting diagnostics is elsewhere.

use std::cell::Cell;

pub struct LineIndex<'t> {
    text: &'t str,
    /// Byte offset of the first character of each line; `starts[0]` is 0.
    starts: Vec<usize>,
    /// The last offset located, its line and column: offsets come in file order, so the
    /// column of the next one on the same line is counted from there, not from the line start
    /// (a 2 MB line with 200,000 diagnostics stays linear).
    last: Cell<(usize, usize, usize)>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> LineIndex<'t> {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex {
            text,
            starts,
            last: Cell::new((0, 0, 1)),
        }
    }

    pub fn text(&self) -> &'t str {
        self.text
    }

    /// The 0-based line holding byte `offset` (clamped to the text).
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// Byte range of 0-based `line`, without its `\n`.
    pub fn line_range(&self, line: usize) -> (usize, usize) {
        let start = self.starts[line];
        let end = self
            .starts
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1);
        (start, end)
    }

    /// Byte offset just past `line`'s `\n` (or the end of the text).
    pub fn line_end_with_newline(&self, line: usize) -> usize {
        self.starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len())
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self.line_of(offset);
        let (last_offset, last_line, last_column) = self.last.get();
        let column = if last_line == line + 1 && last_offset <= offset {
            last_column + self.text[last_offset..offset].chars().count()
        } else {
            self.text[self.starts[line]..offset].chars().count() + 1
        };
        self.last.set((offset, line + 1, column));
        (line + 1, column)
    }
}

pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let text = "ab\ncdé\nf";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(0), (1, 1));
        assert_eq!(index.line_col(3), (2, 1));
        assert_eq!(index.line_col(8), (3, 1));
        assert_eq!(index.line_col(7), (2, 4));
        assert_eq!(index.line_col(999), (3, 2));
        assert_eq!(index.line_col(6), (2, 3), "inside `é`: its start");
        assert_eq!(index.line_range(1), (3, 7));
        assert_eq!(index.line_end_with_newline(1), 8);
        assert_eq!(index.line_range(2), (8, 9));
        assert_eq!(index.line_count(), 3);
    }

    #[test]
    fn offsets_in_order_along_one_line_count_on() {
        let text = format!("x\n{}", "é".repeat(1000));
        let index = LineIndex::new(&text);
        for i in 0..1000 {
            assert_eq!(index.line_col(2 + 2 * i), (2, i + 1));
        }
        assert_eq!(index.line_col(0), (1, 1), "going back starts over");
        assert_eq!(index.line_col(4), (2, 2));
    }
}
