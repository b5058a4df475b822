//! A fast pre-parse scan of KDL text: brace depth outside strings and comments.
//!
//! It serves two ends. (1) The KDL parser recurses once per child block, so a few thousand
//! nested braces overflow the stack: `Scan::too_deep` finds the first brace past `MAX_DEPTH`
//! (a lab needs four). (2) Large labs are parsed in parallel pieces: `Scan::boundaries` lists
//! the line starts at depth 0, where a top-level node may begin. The scan validates nothing
//! else: a malformed string or comment is left for the parser to report.

use miette::SourceSpan;

/// Far beyond any real lab (which needs four), far below what overflows the parser.
pub const MAX_DEPTH: usize = 64;

/// What one pass over the text found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// The first `{` that opens a block deeper than `MAX_DEPTH`; the scan stops there.
    pub too_deep: Option<SourceSpan>,
    /// Offsets just after a newline at depth 0, outside strings and comments.
    pub boundaries: Vec<usize>,
}

/// Scans `text` once.
pub fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let mut result = Scan::default();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                i += 1;
                if depth == 0 {
                    result.boundaries.push(i);
                }
            }
            b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    result.too_deep = Some(SourceSpan::from((i, 1)));
                    return result;
                }
                i += 1;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i = skip_past(bytes, i + 3, b"\"\"\"", true);
            }
            b'"' => i = skip_past(bytes, i + 1, b"\"", true),
            b'#' => i = skip_raw(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = skip_past(bytes, i + 2, b"\n", false),
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = skip_block_comment(bytes, i + 2),
            _ => i += 1,
        }
    }
    result
}

/// The span of the first `{` that opens a block deeper than `MAX_DEPTH`, if any.
pub fn too_deep(text: &str) -> Option<SourceSpan> {
    scan(text).too_deep
}

/// Index just after the next `end` at or after `i`; backslash escapes the next byte.
fn skip_past(bytes: &[u8], mut i: usize, end: &[u8], escapes: bool) -> usize {
    while i < bytes.len() {
        if escapes && bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes[i..].starts_with(end) {
            return i + end.len();
        }
        i += 1;
    }
    bytes.len()
}

/// Skips a raw string `#"..."#` (any number of `#`); a lone `#` (like `#true`) is one byte.
fn skip_raw(bytes: &[u8], start: usize) -> usize {
    let hashes = bytes[start..].iter().take_while(|b| **b == b'#').count();
    let quote = start + hashes;
    if bytes.get(quote) != Some(&b'"') {
        return start + hashes;
    }
    let mut end = vec![b'"'];
    end.extend(std::iter::repeat_n(b'#', hashes));
    skip_past(bytes, quote + 1, &end, false)
}

/// Skips a (nestable) block comment whose opening `/*` ends just before `i`.
fn skip_block_comment(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 1usize;
    while i < bytes.len() && depth > 0 {
        if bytes[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if bytes[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shallow_documents_pass() {
        assert_eq!(too_deep("a { b { c { d } } }"), None);
        let braces_in_strings = format!(
            "a \"{}\" #\"{}\"# /* {} */ // {}\n",
            "{".repeat(99),
            "{".repeat(99),
            "{".repeat(99),
            "{".repeat(99)
        );
        assert_eq!(too_deep(&braces_in_strings), None);
    }

    #[test]
    fn deep_documents_are_caught() {
        let deep = format!("{}{}", "a {".repeat(100), "}".repeat(100));
        let span = too_deep(&deep).expect("too deep");
        assert_eq!(span.offset(), 2 + 3 * MAX_DEPTH);
    }

    #[test]
    fn boundaries_are_top_level_line_starts() {
        let text = "a 1\nb {\n  c\n}\nd \"x\ny\" /* \n */\ne\n";
        let starts: Vec<&str> = scan(text).boundaries.iter().map(|&i| &text[i..]).collect();
        assert_eq!(
            starts,
            [
                "b {\n  c\n}\nd \"x\ny\" /* \n */\ne\n",
                "d \"x\ny\" /* \n */\ne\n",
                "e\n",
                ""
            ]
        );
    }

    #[test]
    fn string_ends_are_found() {
        // The brace after the escaped quote is inside the string; the next ones are real.
        let text = format!("a \"\\\"{{\" {}", "{".repeat(MAX_DEPTH + 1));
        assert!(too_deep(&text).is_some());
    }
}
