//! `printable`: text from a lab file, a mirror or a guest, made safe to print on a terminal.
//!
//! A lab's strings may carry any character through KDL escapes (`"\u{1b}]0;title\u{7}"`),
//! and they come back in messages ("unknown host `...`", a URL in a download error). Printed
//! raw, an escape sequence retitles the window, clears the screen, rewrites earlier lines
//! or, with OSC 52, writes the clipboard. Every control character (C0, DEL, C1) and the
//! bidirectional overrides that reorder what is shown are written as `\u{..}` escapes
//! instead; newlines and tabs stay, so a multi-line message still reads. This module only
//! escapes; it does not decide what is printed.

use std::borrow::Cow;

/// `text` with control characters and bidi overrides written as `\u{..}`.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi_overrides_and_keeps_the_rest() {
        assert_eq!(printable("plain `web` ✓"), "plain `web` ✓");
        assert!(matches!(printable("a\nb\tc"), Cow::Borrowed(_)));
        assert_eq!(
            printable("\u{1b}]0;pwned\u{7}\u{1b}[2J\r\u{9b}x\u{202e}"),
            "\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{d}\\u{9b}x\\u{202e}"
        );
    }
}
