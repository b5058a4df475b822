//! `Expectation`: what a `test` command's result must be (its exit status, text its stdout
//! or stderr must contain, a regular expression they must match), and `judge`, which says
//! what a result got wrong. Pure: the result comes from whoever ran the command.

use serde::{Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Expectation {
    /// The exit status the command must end with (`exit-code`, 0 unless the test says).
    pub exit_code: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdout_contains: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdout_matches: Option<OutputPattern>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stderr_contains: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stderr_matches: Option<OutputPattern>,
}

/// A regular expression over a command's whole output, with `^` and `$` matching at the
/// start and end of every line. Compared and printed as the text it was written as.
#[derive(Clone)]
pub struct OutputPattern {
    text: String,
    regex: regex::Regex,
}

impl OutputPattern {
    /// The pattern, or the regex crate's complaint about it (first line only).
    pub fn new(text: &str) -> Result<OutputPattern, String> {
        regex::RegexBuilder::new(text)
            .multi_line(true)
            .size_limit(1 << 20)
            .build()
            .map(|regex| OutputPattern {
                text: text.to_string(),
                regex,
            })
            .map_err(|e| {
                let message = e.to_string();
                // The crate's message draws the pattern over several lines; the last
                // non-empty one says what is wrong.
                message
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("invalid regular expression")
                    .trim()
                    .trim_start_matches("error: ")
                    .to_string()
            })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }
}

impl fmt::Debug for OutputPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OutputPattern({:?})", self.text)
    }
}

impl PartialEq for OutputPattern {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Serialize for OutputPattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl Expectation {
    /// What the result of a command that ended with `rc` got wrong, each in words
    /// (`expected exit status 0, got 1`); empty when it is what was expected.
    pub fn judge(&self, rc: i32, stdout: &str, stderr: &str) -> Vec<String> {
        let mut wrong = Vec::new();
        if rc != self.exit_code {
            wrong.push(format!("expected exit status {}, got {rc}", self.exit_code));
        }
        for (stream, text, contains, matches) in [
            (
                "stdout",
                stdout,
                &self.stdout_contains,
                &self.stdout_matches,
            ),
            (
                "stderr",
                stderr,
                &self.stderr_contains,
                &self.stderr_matches,
            ),
        ] {
            if let Some(wanted) = contains
                && !text.contains(wanted.as_str())
            {
                wrong.push(format!("expected {stream} to contain `{wanted}`"));
            }
            if let Some(pattern) = matches
                && !pattern.is_match(text)
            {
                wrong.push(format!("expected {stream} to match `{}`", pattern.as_str()));
            }
        }
        wrong
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exit_status_is_zero_unless_said_otherwise() {
        let expect = Expectation::default();
        assert!(expect.judge(0, "", "").is_empty());
        assert_eq!(expect.judge(1, "", ""), ["expected exit status 0, got 1"]);
        let three = Expectation {
            exit_code: 3,
            ..Expectation::default()
        };
        assert!(three.judge(3, "", "").is_empty());
        assert_eq!(three.judge(0, "", ""), ["expected exit status 3, got 0"]);
    }

    #[test]
    fn output_must_contain_and_match_what_is_expected() {
        let expect = Expectation {
            exit_code: 0,
            stdout_contains: Some("Welcome".into()),
            stdout_matches: Some(OutputPattern::new(r"^active$").expect("pattern")),
            stderr_contains: None,
            stderr_matches: Some(OutputPattern::new("^$").expect("pattern")),
        };
        assert!(
            expect.judge(0, "Welcome to nginx\nactive\n", "").is_empty(),
            "`^` and `$` match at every line"
        );
        assert_eq!(
            expect.judge(2, "inactive\n", "oops"),
            [
                "expected exit status 0, got 2",
                "expected stdout to contain `Welcome`",
                "expected stdout to match `^active$`",
                "expected stderr to match `^$`",
            ]
        );
        let stderr = Expectation {
            stderr_contains: Some("denied".into()),
            ..Expectation::default()
        };
        assert_eq!(
            stderr.judge(0, "denied", ""),
            ["expected stderr to contain `denied`"]
        );
    }

    #[test]
    fn a_bad_pattern_says_what_is_wrong() {
        let why = OutputPattern::new("(unclosed").expect_err("invalid");
        assert!(why.contains("unclosed"), "{why}");
        assert!(!why.contains('\n'), "{why}");
        assert_eq!(
            OutputPattern::new("a+").expect("ok"),
            OutputPattern::new("a+").expect("ok")
        );
    }
}
