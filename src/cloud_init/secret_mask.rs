//! `SecretMask`: hides the values of secret variables in text vlab prints (rendered files,
//! render errors), in every form a template can write them.
//!
//! A template rarely writes a secret as it is: `json_encode` (what the built-in user-data
//! uses) escapes `"`, `\` and control characters, `escape`/`escape_xml`/`addslashes` escape
//! others, a YAML author may write the single- or double-quoted form, and a multi-line secret
//! (a key) in a block scalar appears one indented line at a time. So each secret gives a list
//! of forms: the raw value, its trimmed value, its JSON, YAML (double- and single-quoted),
//! HTML, XML and `addslashes` bodies, its base64 (standard and URL-safe, padded and not), and
//! for a multi-line secret each line of at least `MIN_LINE_LEN` characters (trimmed) in the
//! same escaped forms. Longest forms are replaced first. What a template computes from a
//! secret in other ways (a slice, `upper`, a hash) cannot be known and is not masked.
//!
//! `masked_lines` records which lines of a text show a secret, masked, and `masked_text`
//! masks a text by such a record: so a text can be shown masked later, when the secrets it
//! held are no longer known (the old cloud-init files of a domain, whose record apply kept).
//!
//! This module only masks text; which text is printed is the callers' business.

use crate::lab::node::REDACTED;
use std::collections::{BTreeMap, BTreeSet};

/// The shortest line of a multi-line secret (after trimming) masked on its own: shorter
/// lines (`}`, `END`) would hide unrelated text everywhere. A whole secret is always masked.
pub const MIN_LINE_LEN: usize = 4;

/// The forms to hide, longest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretMask {
    forms: Vec<String>,
}

impl SecretMask {
    /// The mask for these secret values (empty ones hide nothing).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> SecretMask {
        let mut forms = BTreeSet::new();
        for secret in secrets.into_iter().filter(|s| !s.is_empty()) {
            add_escaped_forms(&mut forms, secret);
            add_base64_forms(&mut forms, secret);
            let mut pieces: Vec<&str> = vec![secret.trim()];
            if secret.contains(['\n', '\r']) {
                pieces.extend(secret.lines().map(str::trim));
            }
            for piece in pieces {
                if piece.chars().count() >= MIN_LINE_LEN {
                    add_escaped_forms(&mut forms, piece);
                }
            }
        }
        let mut forms: Vec<String> = forms.into_iter().filter(|f| !f.is_empty()).collect();
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        SecretMask { forms }
    }

    /// Whether there is nothing to hide.
    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// `text` with every form of every secret replaced by `(secret)`.
    pub fn apply(&self, text: &str) -> String {
        let mut out = text.to_string();
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), REDACTED);
            }
        }
        out
    }
}

impl SecretMask {
    /// The lines of `text` that show a secret, by index from 0 (as `str::lines` counts), each
    /// masked as `apply` masks it: what a record of the text keeps so that the text can be
    /// shown masked later, when its secrets are no longer known (`masked_text`). A form that
    /// spans lines (a multi-line secret written raw) touches each of them; a touched line that
    /// masking alone leaves as it was keeps only its indentation and `(secret)`.
    pub fn masked_lines(&self, text: &str) -> BTreeMap<usize, String> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        let line_of = |at: usize| starts.partition_point(|s| *s <= at) - 1;
        let mut touched = BTreeSet::new();
        for form in &self.forms {
            for (at, _) in text.match_indices(form.as_str()) {
                touched.extend(line_of(at)..=line_of(at + form.len() - 1));
            }
        }
        text.lines()
            .enumerate()
            .filter_map(|(index, line)| {
                let masked = self.apply(line);
                if masked != line {
                    Some((index, masked))
                } else if touched.contains(&index) {
                    let indent = &line[..line.len() - line.trim_start().len()];
                    Some((index, format!("{indent}{REDACTED}")))
                } else {
                    None
                }
            })
            .collect()
    }
}

/// `text` with each line that `lines` records (`SecretMask::masked_lines`) replaced by its
/// masked form, and every other line as it is.
pub fn masked_text(text: &str, lines: &BTreeMap<usize, String>) -> String {
    let mut out = String::with_capacity(text.len());
    for (index, line) in text.split_inclusive('\n').enumerate() {
        match lines.get(&index) {
            Some(masked) => {
                out.push_str(masked);
                let ending = &line[line.trim_end_matches(['\n', '\r']).len()..];
                out.push_str(ending);
            }
            None => out.push_str(line),
        }
    }
    out
}

fn add_escaped_forms(forms: &mut BTreeSet<String>, value: &str) {
    forms.insert(value.to_string());
    forms.insert(json_body(value));
    forms.insert(yaml_double_quoted_body(value));
    forms.insert(value.replace('\'', "''"));
    forms.insert(tera::escape_html(value));
    forms.insert(xml_escaped(value));
    forms.insert(
        value
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\'', "\\'"),
    );
}

fn add_base64_forms(forms: &mut BTreeSet<String>, value: &str) {
    for alphabet in [STANDARD, URL_SAFE] {
        let padded = base64(value.as_bytes(), alphabet);
        forms.insert(padded.trim_end_matches('=').to_string());
        forms.insert(padded);
    }
}

/// What `json_encode` writes between the quotes (serde_json's escaping).
fn json_body(value: &str) -> String {
    let quoted = serde_json::Value::String(value.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// A YAML double-quoted scalar's body, as YAML emitters escape it (YAML 1.2, 5.7).
fn yaml_double_quoted_body(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\x0b' => out.push_str("\\v"),
            '\x0c' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\x1b' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{a0}' => out.push_str("\\_"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if c.is_control() && (c as u32) <= 0xff => {
                out.push_str(&format!("\\x{:02X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// Tera's `escape_xml`.
fn xml_escaped(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Padded base64 of `bytes` in `alphabet`.
fn base64(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(alphabet[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masks(secret: &str, text: &str) -> String {
        SecretMask::new([secret]).apply(text)
    }

    #[test]
    fn base64_matches_the_usual_encoding() {
        assert_eq!(base64(b"", STANDARD), "");
        assert_eq!(base64(b"f", STANDARD), "Zg==");
        assert_eq!(base64(b"fo", STANDARD), "Zm8=");
        assert_eq!(base64(b"foo", STANDARD), "Zm9v");
        assert_eq!(base64(b"foob", STANDARD), "Zm9vYg==");
        assert_eq!(base64(&[0xfb, 0xff], STANDARD), "+/8=");
        assert_eq!(base64(&[0xfb, 0xff], URL_SAFE), "-_8=");
    }

    #[test]
    fn every_escaped_form_is_masked() {
        let secret = "a\"b\\c\nd'e<f>&g\th";
        for (form, text) in [
            ("raw", secret.to_string()),
            ("json", json_body(secret)),
            ("yaml double-quoted", yaml_double_quoted_body(secret)),
            ("yaml single-quoted", secret.replace('\'', "''")),
            ("html", tera::escape_html(secret)),
            ("xml", xml_escaped(secret)),
            ("base64", base64(secret.as_bytes(), STANDARD)),
            (
                "base64 url-safe unpadded",
                base64(secret.as_bytes(), URL_SAFE)
                    .trim_end_matches('=')
                    .to_string(),
            ),
        ] {
            let shown = masks(secret, &format!("x: \"{text}\"\n"));
            assert_eq!(shown, "x: \"(secret)\"\n", "{form}: {text}");
        }
    }

    #[test]
    fn lines_of_a_multi_line_secret_are_masked_one_by_one_but_not_short_ones() {
        let key = "-----BEGIN KEY-----\nQUJDREVGR0hJSktMTU5PUA==\nend\n-----END KEY-----\n";
        let block = "key: |\n  -----BEGIN KEY-----\n  QUJDREVGR0hJSktMTU5PUA==\n  end\n  -----END KEY-----\nsend: 1\n";
        assert_eq!(
            masks(key, block),
            "key: |\n  (secret)\n  (secret)\n  end\n  (secret)\nsend: 1\n",
            "a line shorter than MIN_LINE_LEN is left alone"
        );
    }

    #[test]
    fn a_trimmed_secret_is_masked_and_longest_forms_go_first() {
        assert_eq!(masks("  hunter22 ", "pw: hunter22"), "pw: (secret)");
        // The JSON form of `a"b` is longer than the raw value and contains no raw `a"b`; the
        // raw value is inside other text: both go, and nothing is left half-masked.
        let mask = SecretMask::new(["a\"b"]);
        assert_eq!(mask.apply("\"a\\\"b\" a\"b"), "\"(secret)\" (secret)");
        assert!(SecretMask::new([""]).is_empty());
        assert_eq!(SecretMask::new([""]).apply("text"), "text");
    }

    #[test]
    fn masked_lines_record_each_line_showing_a_secret_and_mask_a_text_later() {
        let mask = SecretMask::new(["hunter22", "ab\ncd"]);
        let text = "user: alice\npassword: hunter22\nraw: ab\ncd\nend\n";
        let lines = mask.masked_lines(text);
        assert_eq!(
            lines,
            BTreeMap::from([
                (1, "password: (secret)".to_string()),
                (2, "(secret)".to_string()),
                (3, "(secret)".to_string()),
            ]),
            "a secret across two short lines masks both"
        );
        // Later, with other secrets (or none) known, the record alone masks the text.
        let old = "user: alice\npassword: old-one\nraw: xy\nzw\nend\n";
        assert_eq!(
            masked_text(old, &lines),
            "user: alice\npassword: (secret)\n(secret)\n(secret)\nend\n"
        );
        assert_eq!(
            masked_text("a\r\nb", &BTreeMap::from([(0, "x".into())])),
            "x\r\nb"
        );
        assert!(SecretMask::new([]).masked_lines(text).is_empty());
    }
}
