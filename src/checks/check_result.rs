//! `CheckResult`: how one check ended (`passed`, `failed`, or `not-run` when a node it
//! needs is not up), with its last attempt's exit status and output, how many attempts it
//! took, how long, and why it failed; `Summary`: the counts of a run and the exit code they
//! give. Data only: running is `CheckRunner`'s, printing the views'.

use serde::{Serialize, Serializer};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    Passed,
    Failed,
    /// Not run: a node it needs is absent, stopped or has no address.
    NotRun,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub name: String,
    /// The node it ran on; `None`: the machine running vlab.
    pub node: Option<String>,
    /// The node a built-in tried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat: Option<u32>,
    pub status: CheckStatus,
    /// From the first attempt's start to the last one's end, pauses included.
    #[serde(serialize_with = "fractional_seconds")]
    pub duration: Duration,
    pub attempts: u32,
    /// The last attempt's exit status (`None`: stopped, or never run).
    pub rc: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Why it failed or did not run, for people.
    pub reason: Option<String>,
}

impl CheckResult {
    pub fn passed(&self) -> bool {
        self.status == CheckStatus::Passed
    }
}

/// The counts of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub not_run: usize,
    #[serde(serialize_with = "fractional_seconds")]
    pub duration: Duration,
}

/// What a run of checks means for the process: every check passed, one failed, one could
/// not run because the lab is not up (which says more than a failure: the results are
/// incomplete), or there was nothing to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    AllPassed,
    Failed,
    NotUp,
    NoChecks,
}

impl Summary {
    pub fn of(results: &[CheckResult], duration: Duration) -> Summary {
        let count = |status| results.iter().filter(|r| r.status == status).count();
        Summary {
            total: results.len(),
            passed: count(CheckStatus::Passed),
            failed: count(CheckStatus::Failed),
            not_run: count(CheckStatus::NotRun),
            duration,
        }
    }

    pub fn verdict(&self) -> Verdict {
        if self.total == 0 {
            Verdict::NoChecks
        } else if self.not_run > 0 {
            Verdict::NotUp
        } else if self.failed > 0 {
            Verdict::Failed
        } else {
            Verdict::AllPassed
        }
    }
}

/// A duration as seconds with millisecond precision (`1.234`).
pub fn fractional_seconds<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(status: CheckStatus) -> CheckResult {
        CheckResult {
            name: "c".into(),
            node: Some("web".into()),
            target: None,
            seat: None,
            status,
            duration: Duration::from_millis(1234),
            attempts: 1,
            rc: Some(0),
            stdout: String::new(),
            stderr: String::new(),
            reason: None,
        }
    }

    #[test]
    fn a_lab_not_up_outweighs_a_failure() {
        use CheckStatus::{Failed, NotRun, Passed};
        let verdict = |statuses: &[CheckStatus]| {
            let results: Vec<_> = statuses.iter().map(|s| result(*s)).collect();
            Summary::of(&results, Duration::ZERO).verdict()
        };
        assert_eq!(verdict(&[]), Verdict::NoChecks);
        assert_eq!(verdict(&[Passed, Passed]), Verdict::AllPassed);
        assert_eq!(verdict(&[Passed, Failed]), Verdict::Failed);
        assert_eq!(verdict(&[Failed, NotRun, Passed]), Verdict::NotUp);
    }

    #[test]
    fn results_serialize_with_seconds_and_kebab_case_statuses() {
        let json = serde_json::to_value(result(CheckStatus::NotRun)).expect("json");
        assert_eq!(json["status"], "not-run");
        assert_eq!(json["duration"], 1.234);
        assert!(json.get("target").is_none());
        assert!(json["reason"].is_null());
    }
}
