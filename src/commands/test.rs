//! `vlab test [--seat S] [--node N] [--junit FILE] [--parallel N]`: runs the lab's checks
//! (its `test` blocks) in the running guests, over ssh with the lab's key and each guest's
//! pinned host key, several at once, each retried as its test says; prints a line per check
//! as it ends and a summary (or with `--json` one document), and writes a JUnit report when
//! asked (replaced whole).
//!
//! Exit status: 0 every check passed, 1 a check failed, 2 there is no check to run, 3 a node
//! a check needs is not up (absent, stopped, no address): those checks are reported as not
//! run, and the others still run.

use super::{CommandError, ExitStatus, load_lab};
use crate::checks::{CheckRunner, Summary, Verdict, junit_report};
use crate::cli::LabArgs;
use crate::cli::check_view::CheckView;
use crate::cli::output::{Output, write_stdout};
use crate::lab::selection::Selection;
use crate::libvirt::Connections;
use crate::pipeline::lab_checks;
use crate::utc_time::UtcTime;
use std::path::Path;
use std::time::Instant;

/// The JUnit report's mode: CI runners read it as another user.
const REPORT_MODE: u32 = 0o644;

pub fn run(
    args: &LabArgs,
    selection: &Selection,
    junit: Option<&Path>,
    parallel: usize,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let lab = load_lab(args, out)?.lab;
    let checks =
        lab_checks::select(&lab, selection).map_err(|e| CommandError::from_pipeline(e, out))?;
    let started = (UtcTime::now(), Instant::now());
    let connections = Connections::new();
    let prepared = lab_checks::prepare(&lab, checks, &connections)
        .map_err(|e| CommandError::from_pipeline(e, out))?;
    let view = CheckView::new(&prepared, *out);
    // Lines come out in the lab's order whatever order the checks end in: each as soon as
    // it and every check before it are done.
    let order: std::collections::HashMap<&str, usize> = prepared
        .iter()
        .enumerate()
        .map(|(i, p)| (p.check.name.as_str(), i))
        .collect();
    let finished = std::sync::Mutex::new((0usize, std::collections::BTreeMap::new()));
    let results = CheckRunner::run_all(&prepared, parallel, &|result| {
        if out.json {
            return;
        }
        let Ok(mut finished) = finished.lock() else {
            return;
        };
        let (next, lines) = &mut *finished;
        lines.insert(
            order
                .get(result.name.as_str())
                .copied()
                .unwrap_or(usize::MAX),
            view.lines(result),
        );
        while let Some(text) = lines.remove(next) {
            write_stdout(text.as_bytes());
            *next += 1;
        }
    });
    if let Ok((_, rest)) = finished.into_inner() {
        for text in rest.values() {
            write_stdout(text.as_bytes());
        }
    }
    let summary = Summary::of(&results, started.1.elapsed());
    if let Some(path) = junit {
        let report = junit_report::render(&lab.name, &results, &summary, started.0);
        crate::private_file::replace(path, report.as_bytes(), REPORT_MODE)
            .map_err(|e| CommandError::new(format!("cannot write {}: {e}", path.display())))?;
    }
    if out.json {
        crate::outln!(
            "{}",
            serde_json::json!({
                "lab": lab.name,
                "selection": selection.describe(),
                "checks": results,
                "summary": summary,
            })
        );
    } else {
        write_stdout(view.summary(&summary).as_bytes());
    }
    match summary.verdict() {
        Verdict::AllPassed => Ok(ExitStatus::Success),
        Verdict::Failed => Err(CommandError::Reported),
        Verdict::NotUp => {
            if !out.quiet {
                eprintln!(
                    "{}: the lab is not up: {} check(s) could not run",
                    out.error_word(),
                    summary.not_run
                );
                eprintln!(
                    "  help: bring it up with `vlab apply`, start stopped guests with `vlab start`"
                );
            }
            Ok(ExitStatus::NotUp)
        }
        Verdict::NoChecks => {
            let what = if lab.checks.is_empty() {
                format!("lab `{}` declares no checks", lab.name)
            } else {
                format!(
                    "{} holds none of the lab's {} check(s)",
                    selection.describe(),
                    lab.checks.len()
                )
            };
            if !out.quiet {
                eprintln!("{}: {what}", out.warning_word());
                eprintln!(
                    "  help: a check is a `test` block in the lab file (docs/lab-language.md, `test`)"
                );
            }
            Ok(ExitStatus::NoChecks)
        }
    }
}
