//! `CheckRunner`: runs prepared checks, a bounded number at once, each attempt after attempt
//! (`retries`, `delay` apart) until one passes, and judges each attempt: a command by its
//! `Expectation`, a built-in by its exit status. A check that cannot run (a node it needs is
//! not up) ends `not-run` without an attempt.
//!
//! It decides nothing about which checks run or where: that is `pipeline::lab_checks`'s,
//! which prepares them. Results come back in the order the checks were given; `done` hears
//! of each as it ends.

use super::check_probe::{Probe, ProbeOutcome};
use super::check_result::{CheckResult, CheckStatus};
use crate::lab::{Check, CheckKind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// A check with how to run it.
#[derive(Debug, Clone)]
pub struct PreparedCheck {
    pub check: Check,
    /// How each attempt runs, or why the check cannot run (`node db is shut off on host
    /// local`).
    pub probe: Result<Probe, String>,
    /// The address a built-in tries (`to`'s, on a network or link shared with `from`).
    pub target_address: Option<String>,
}

pub struct CheckRunner;

impl CheckRunner {
    /// Runs every check, at most `parallel` at once.
    pub fn run_all(
        checks: &[PreparedCheck],
        parallel: usize,
        done: &(dyn Fn(&CheckResult) + Sync),
    ) -> Vec<CheckResult> {
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<CheckResult>>> = Mutex::new(vec![None; checks.len()]);
        let workers = parallel.clamp(1, checks.len().max(1));
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(prepared) = checks.get(i) else { break };
                        let result = run_one(prepared);
                        done(&result);
                        if let Ok(mut all) = results.lock() {
                            all[i] = Some(result);
                        }
                    }
                });
            }
        });
        results
            .into_inner()
            .unwrap_or_default()
            .into_iter()
            .zip(checks)
            .map(|(result, prepared)| {
                result.unwrap_or_else(|| {
                    not_run(&prepared.check, "the check's runner stopped unexpectedly")
                })
            })
            .collect()
    }
}

fn run_one(prepared: &PreparedCheck) -> CheckResult {
    let check = &prepared.check;
    let probe = match &prepared.probe {
        Ok(probe) => probe,
        Err(why) => return not_run(check, why),
    };
    let started = Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let outcome = probe.attempt(check.timeout);
        let wrong = judge(check, prepared.target_address.as_deref(), &outcome);
        if wrong.is_empty() || attempts > check.retries {
            let status = if wrong.is_empty() {
                CheckStatus::Passed
            } else {
                CheckStatus::Failed
            };
            return CheckResult {
                status,
                duration: started.elapsed(),
                attempts,
                rc: outcome.rc,
                stdout: keep_end(outcome.stdout),
                stderr: keep_end(outcome.stderr),
                reason: (!wrong.is_empty()).then(|| wrong.join("; ")),
                ..blank(check)
            };
        }
        // The pause the test asked for between attempts.
        std::thread::sleep(check.delay);
    }
}

/// What an attempt got wrong; empty when it passed.
fn judge(check: &Check, target_address: Option<&str>, outcome: &ProbeOutcome) -> Vec<String> {
    if let Some(broken) = &outcome.broken {
        return vec![broken.clone()];
    }
    let Some(rc) = outcome.rc else {
        return vec!["ended by a signal".to_string()];
    };
    let address = target_address.unwrap_or("?");
    let mut wrong = match &check.kind {
        CheckKind::Command { expect, .. } => {
            let mut wrong = expect.judge(rc, &outcome.stdout, &outcome.stderr);
            if rc == 255 && expect.exit_code != 255 && !wrong.is_empty() {
                wrong.push("255 is ssh's own exit status: it could not connect or log in".into());
            }
            wrong
        }
        CheckKind::Reach { from, to } if rc != 0 => {
            vec![format!("{from} got no reply to ping from {to} ({address})")]
        }
        CheckKind::Port { from, to, port } if rc != 0 => {
            let whence = from.as_deref().unwrap_or("the machine running vlab");
            vec![format!(
                "port {port} of {to} ({address}) is not open from {whence}"
            )]
        }
        CheckKind::Reach { .. } | CheckKind::Port { .. } => Vec::new(),
    };
    if rc == 127 && !matches!(check.kind, CheckKind::Command { .. }) {
        wrong.push("a program the check needs is missing on the node (exit status 127)".into());
    }
    wrong
}

/// The most of each output stream a result keeps (its end: where the error usually is).
const KEPT_OUTPUT: usize = 64 * 1024;

/// `text`, or its last `KEPT_OUTPUT` bytes after a line saying how much was cut.
fn keep_end(text: String) -> String {
    if text.len() <= KEPT_OUTPUT {
        return text;
    }
    let mut start = text.len() - KEPT_OUTPUT;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("[... {start} bytes cut ...]\n{}", &text[start..])
}

fn not_run(check: &Check, why: &str) -> CheckResult {
    CheckResult {
        status: CheckStatus::NotRun,
        reason: Some(why.to_string()),
        ..blank(check)
    }
}

fn blank(check: &Check) -> CheckResult {
    CheckResult {
        name: check.name.clone(),
        node: check.runs_on().map(str::to_string),
        target: check.target().map(str::to_string),
        seat: check.seat,
        status: CheckStatus::NotRun,
        duration: std::time::Duration::ZERO,
        attempts: 0,
        rc: None,
        stdout: String::new(),
        stderr: String::new(),
        reason: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::Expectation;
    use std::net::TcpListener;
    use std::time::Duration;

    fn check(name: &str, kind: CheckKind, retries: u32) -> Check {
        Check {
            name: name.into(),
            seat: None,
            kind,
            retries,
            delay: Duration::ZERO,
            timeout: Duration::from_secs(5),
        }
    }

    fn port_check(name: &str, port: u16, retries: u32) -> PreparedCheck {
        PreparedCheck {
            check: check(
                name,
                CheckKind::Port {
                    from: None,
                    to: "db".into(),
                    port,
                },
                retries,
            ),
            probe: Ok(Probe::Connect {
                address: "127.0.0.1".into(),
                port,
            }),
            target_address: Some("127.0.0.1".into()),
        }
    }

    #[test]
    fn checks_pass_fail_and_wait_for_their_nodes_in_the_order_given() {
        let open = TcpListener::bind("127.0.0.1:0").expect("listener");
        let open_port = open.local_addr().expect("address").port();
        let closed_port = {
            let l = TcpListener::bind("127.0.0.1:0").expect("listener");
            l.local_addr().expect("address").port()
        };
        let down = PreparedCheck {
            probe: Err("node `db` is shut off on host `local`".into()),
            ..port_check("down", 1, 0)
        };
        let checks = [
            port_check("open", open_port, 0),
            port_check("closed", closed_port, 2),
            down,
        ];
        let heard = Mutex::new(Vec::new());
        let results = CheckRunner::run_all(&checks, 2, &|r: &CheckResult| {
            heard.lock().expect("lock").push(r.name.clone());
        });
        let names: Vec<&str> = results.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["open", "closed", "down"]);
        assert_eq!(heard.lock().expect("lock").len(), 3);
        assert_eq!(
            (results[0].status, results[0].attempts),
            (CheckStatus::Passed, 1)
        );
        assert_eq!(
            (results[1].status, results[1].attempts),
            (CheckStatus::Failed, 3),
            "two retries: three attempts"
        );
        assert_eq!(
            results[1].reason.as_deref(),
            Some(
                format!(
                    "port {closed_port} of db (127.0.0.1) is not open from the machine running vlab"
                )
                .as_str()
            )
        );
        assert_eq!(results[2].status, CheckStatus::NotRun);
        assert_eq!(results[2].attempts, 0);
        assert!(
            results[2]
                .reason
                .as_deref()
                .unwrap_or_default()
                .contains("shut off")
        );
        drop(open);
    }

    #[test]
    fn long_output_keeps_its_end() {
        let text = format!("{}end", "é".repeat(KEPT_OUTPUT));
        let kept = keep_end(text.clone());
        assert!(kept.starts_with("[... "), "{}", &kept[..40]);
        assert!(kept.ends_with("end"));
        assert!(kept.len() < text.len());
        assert_eq!(keep_end("short".into()), "short");
    }

    #[test]
    fn a_command_is_judged_by_its_expectation_and_ssh_failures_are_named() {
        let c = check(
            "cmd",
            CheckKind::Command {
                node: "web".into(),
                command: "true".into(),
                expect: Expectation::default(),
            },
            0,
        );
        let outcome = |rc| ProbeOutcome {
            rc,
            ..ProbeOutcome::default()
        };
        assert!(judge(&c, None, &outcome(Some(0))).is_empty());
        assert_eq!(
            judge(&c, None, &outcome(Some(1))),
            ["expected exit status 0, got 1"]
        );
        assert_eq!(judge(&c, None, &outcome(Some(255))).len(), 2);
        assert_eq!(judge(&c, None, &outcome(None)), ["ended by a signal"]);
        let timed_out = ProbeOutcome {
            broken: Some("timed out after 5s".into()),
            ..ProbeOutcome::default()
        };
        assert_eq!(judge(&c, None, &timed_out), ["timed out after 5s"]);
        let reach = check(
            "r",
            CheckKind::Reach {
                from: "web".into(),
                to: "db".into(),
            },
            0,
        );
        assert_eq!(
            judge(&reach, Some("10.0.0.5"), &outcome(Some(1))),
            ["web got no reply to ping from db (10.0.0.5)"]
        );
        assert_eq!(
            judge(&reach, Some("10.0.0.5"), &outcome(Some(127))).len(),
            2
        );
    }
}
