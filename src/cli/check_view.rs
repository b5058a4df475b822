//! How `vlab test` prints its checks for people: one line per check as it ends (`✓` passed,
//! `✗` failed, `-` not run; its node and duration, and its attempts when there was more
//! than one), under a failed check its reason and the last lines of its output, and a
//! summary line. What the guests printed goes through `printable`: no escape sequence of
//! theirs reaches the terminal. Formatting only.

use crate::checks::{CheckResult, CheckStatus, PreparedCheck, Summary};
use crate::cli::output::Output;
use crate::printable::printable;
use std::time::Duration;

/// How many of the last lines of each output stream a failure shows.
const TAIL_LINES: usize = 5;

pub struct CheckView {
    name_width: usize,
    node_width: usize,
    out: Output,
}

impl CheckView {
    /// A view with columns wide enough for `checks`.
    pub fn new(checks: &[PreparedCheck], out: Output) -> CheckView {
        let width = |f: &dyn Fn(&PreparedCheck) -> usize| checks.iter().map(f).max().unwrap_or(0);
        CheckView {
            name_width: width(&|c| c.check.name.chars().count()),
            node_width: width(&|c| node_column(c.check.runs_on()).chars().count()),
            out,
        }
    }

    /// The lines of one result; a passed check's are left out when quiet.
    pub fn lines(&self, result: &CheckResult) -> String {
        let (mark, passed) = match result.status {
            CheckStatus::Passed => (self.out.success("✓"), true),
            CheckStatus::Failed => (self.out.failure("✗"), false),
            CheckStatus::NotRun => (self.out.failure("-"), false),
        };
        if passed && self.out.quiet {
            return String::new();
        }
        let node = node_column(result.node.as_deref());
        let timing = match (result.status, result.attempts) {
            (CheckStatus::NotRun, _) => "not run".to_string(),
            (_, 1) => seconds(result.duration),
            (_, n) => format!("{}, {n} attempts", seconds(result.duration)),
        };
        let mut text = format!(
            "{mark} {:<nw$}  {:<dw$}  {timing}\n",
            result.name,
            node,
            nw = self.name_width,
            dw = self.node_width
        );
        if let Some(reason) = &result.reason {
            text.push_str(&format!("    {}\n", printable(reason)));
        }
        if result.status == CheckStatus::Failed {
            for (stream, output) in [("stdout", &result.stdout), ("stderr", &result.stderr)] {
                for line in tail(output) {
                    text.push_str(&format!(
                        "    {} {}\n",
                        self.out.dim(&format!("{stream} |")),
                        printable(line)
                    ));
                }
            }
        }
        text
    }

    /// `3 check(s): 2 passed, 1 failed in 4.2s`; empty when quiet or when there was none.
    pub fn summary(&self, summary: &Summary) -> String {
        if self.out.quiet || summary.total == 0 {
            return String::new();
        }
        let mut parts = vec![format!("{} passed", summary.passed)];
        if summary.failed > 0 {
            parts.push(format!("{} failed", summary.failed));
        }
        if summary.not_run > 0 {
            parts.push(format!("{} not run (the lab is not up)", summary.not_run));
        }
        format!(
            "{} check(s): {} in {}\n",
            summary.total,
            parts.join(", "),
            seconds(summary.duration)
        )
    }
}

fn node_column(node: Option<&str>) -> &str {
    node.unwrap_or("(here)")
}

/// The last `TAIL_LINES` non-empty lines of `text`.
fn tail(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(TAIL_LINES)..].to_vec()
}

fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::output::ColorChoice;

    fn result(status: CheckStatus, attempts: u32) -> CheckResult {
        CheckResult {
            name: "db-ready".into(),
            node: Some("db".into()),
            target: None,
            seat: None,
            status,
            duration: Duration::from_millis(2340),
            attempts,
            rc: Some(1),
            stdout: "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\n".into(),
            stderr: "\u{1b}[31mboom\n".into(),
            reason: (status != CheckStatus::Passed).then(|| "expected exit status 0, got 1".into()),
        }
    }

    fn view(quiet: bool) -> CheckView {
        CheckView {
            name_width: 10,
            node_width: 4,
            out: Output::new(ColorChoice::Never, quiet, 0, false),
        }
    }

    #[test]
    fn a_failure_shows_its_reason_and_the_end_of_its_output() {
        let text = view(false).lines(&result(CheckStatus::Failed, 3));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "✗ db-ready    db    2.3s, 3 attempts");
        assert_eq!(lines[1], "    expected exit status 0, got 1");
        assert_eq!(lines[2], "    stdout | line 3", "the last five lines");
        assert_eq!(lines[6], "    stdout | line 7");
        assert!(lines[7].starts_with("    stderr | "), "{}", lines[7]);
        assert!(!text.contains('\u{1b}'), "no escape sequence from a guest");
    }

    #[test]
    fn a_pass_is_one_line_and_quiet_hides_it() {
        assert_eq!(
            view(false).lines(&result(CheckStatus::Passed, 1)),
            "✓ db-ready    db    2.3s\n"
        );
        assert_eq!(view(true).lines(&result(CheckStatus::Passed, 1)), "");
        assert!(
            view(true)
                .lines(&result(CheckStatus::NotRun, 0))
                .contains("not run")
        );
        let summary = Summary {
            total: 3,
            passed: 1,
            failed: 1,
            not_run: 1,
            duration: Duration::from_secs(4),
        };
        assert_eq!(
            view(false).summary(&summary),
            "3 check(s): 1 passed, 1 failed, 1 not run (the lab is not up) in 4.0s\n"
        );
    }
}
