//! `vlab test --junit`'s report against a published JUnit schema (Jenkins' junit-4.xsd,
//! checked by xmllint: `support::junit_schema`): a report with every element vlab writes
//! (passed, failed with its failure text, not run as an error, output with characters XML
//! must escape or cannot carry) rendered by the library, and the one the command writes for
//! a lab that is not up, on libvirt's `test:///default` driver.

use crate::support::junit_schema::validate;
use crate::support::lab_cli;
use std::time::Duration;
use vlab::checks::{CheckResult, CheckStatus, Summary, junit_report};
use vlab::utc_time::UtcTime;

fn result(name: &str, status: CheckStatus) -> CheckResult {
    CheckResult {
        name: name.into(),
        node: Some("web-1".into()),
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
fn a_report_with_every_kind_of_result_is_valid_junit() {
    let results = [
        CheckResult {
            stdout: "ok\n".into(),
            ..result("passes", CheckStatus::Passed)
        },
        CheckResult {
            rc: Some(1),
            attempts: 3,
            stdout: "<html> & \"quotes\" 'too'\n\u{1b}[31mred\u{7}\n".into(),
            stderr: "]]> not a CDATA end\n".into(),
            reason: Some("expected exit status 0, got 1; expected stdout to contain `<ok>`".into()),
            ..result("fails", CheckStatus::Failed)
        },
        CheckResult {
            node: None,
            target: Some("db".into()),
            attempts: 0,
            rc: None,
            reason: Some("node `db` is shut off on host `local`".into()),
            ..result("not-run", CheckStatus::NotRun)
        },
    ];
    let summary = Summary::of(&results, Duration::from_secs(4));
    let xml = junit_report::render("web", &results, &summary, UtcTime::now());
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("report.xml");
    std::fs::write(&file, &xml).expect("report");
    validate(&file);
    let empty = junit_report::render("web", &[], &Summary::default(), UtcTime::now());
    std::fs::write(&file, empty).expect("report");
    validate(&file);
}

#[test]
fn the_report_of_a_lab_that_is_not_up_is_valid_junit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("out/report.xml");
    std::fs::create_dir(dir.path().join("out")).expect("out");
    let (code, _, stderr) = lab_cli::run(
        dir.path(),
        "lab.kdl",
        crate::checks_cli::LAB,
        &["test", "--junit", report.to_str().expect("utf-8")],
    );
    assert_eq!(code, Some(3), "{stderr}");
    validate(&report);
    let names: Vec<_> = std::fs::read_dir(dir.path().join("out"))
        .expect("out")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        names,
        ["report.xml"],
        "written whole, nothing left beside it"
    );
}
