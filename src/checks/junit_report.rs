//! The JUnit XML report of a run of checks, for CI systems (GitLab, Jenkins, GitHub
//! reporters): one `testsuite` named after the lab in a `testsuites` document, one
//! `testcase` per check (`classname` LAB.NODE, `time` in seconds), a failed check's
//! `failure` (its reason as `message`, the details as text), a check that could not run as
//! an `error` of type `not-up`, and each check's output as `system-out` and `system-err`.
//! The shape is the one Jenkins' JUnit schema (junit-4.xsd) describes; the test suite
//! validates it against that schema.
//!
//! Pure: results in, text out, written through `XmlElement` (escaping by construction).
//! Writing the file is the command's.

use super::check_result::{CheckResult, CheckStatus, Summary};
use crate::host::xml_element::XmlElement;
use crate::utc_time::UtcTime;
use std::time::Duration;

/// The document for `results` of lab `lab`, started at `started`.
pub fn render(lab: &str, results: &[CheckResult], summary: &Summary, started: UtcTime) -> String {
    let suite = XmlElement::new("testsuite")
        .attr("name", lab)
        .attr("tests", summary.total)
        .attr("failures", summary.failed)
        .attr("errors", summary.not_run)
        .attr("skipped", 0)
        .attr("time", seconds(summary.duration))
        .attr("timestamp", started.rfc3339())
        .children(results.iter().map(|r| testcase(lab, r)));
    let document = XmlElement::new("testsuites")
        .attr("name", format!("vlab test {lab}"))
        .attr("tests", summary.total)
        .attr("failures", summary.failed)
        .attr("errors", summary.not_run)
        .attr("time", seconds(summary.duration))
        .child(suite);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
        document.render()
    )
}

fn testcase(lab: &str, result: &CheckResult) -> XmlElement {
    let classname = match &result.node {
        Some(node) => format!("{lab}.{node}"),
        None => lab.to_string(),
    };
    let reason = result.reason.clone().unwrap_or_default();
    let outcome = match result.status {
        CheckStatus::Passed => None,
        CheckStatus::Failed => Some(
            XmlElement::new("failure")
                .attr("message", &reason)
                .attr("type", "failed")
                .text(details(result, &reason)),
        ),
        CheckStatus::NotRun => Some(
            XmlElement::new("error")
                .attr("message", &reason)
                .attr("type", "not-up"),
        ),
    };
    let stream =
        |name: &str, text: &str| (!text.is_empty()).then(|| XmlElement::new(name).text(text));
    XmlElement::new("testcase")
        .attr("name", &result.name)
        .attr("classname", classname)
        .attr("time", seconds(result.duration))
        .maybe(outcome)
        .maybe(stream("system-out", &result.stdout))
        .maybe(stream("system-err", &result.stderr))
}

/// A failure's text: the reason, the attempts and the last exit status.
fn details(result: &CheckResult, reason: &str) -> String {
    let rc = result
        .rc
        .map_or_else(|| "none".to_string(), |rc| rc.to_string());
    format!(
        "{reason}\nattempts: {}\nlast exit status: {rc}",
        result.attempts
    )
}

/// Seconds with millisecond precision, as JUnit's `time` attributes are written.
fn seconds(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, status: CheckStatus, reason: Option<&str>) -> CheckResult {
        CheckResult {
            name: name.into(),
            node: Some("web-1".into()),
            target: None,
            seat: None,
            status,
            duration: Duration::from_millis(1500),
            attempts: 2,
            rc: Some(1),
            stdout: "out <&> line\n".into(),
            stderr: String::new(),
            reason: reason.map(str::to_string),
        }
    }

    #[test]
    fn a_report_holds_each_check_with_its_failure_and_output() {
        let results = [
            result("ok", CheckStatus::Passed, None),
            result(
                "bad",
                CheckStatus::Failed,
                Some("expected stdout to contain `\"x\"`"),
            ),
            CheckResult {
                node: None,
                ..result("down", CheckStatus::NotRun, Some("node `db` is shut off"))
            },
        ];
        let summary = Summary::of(&results, Duration::from_millis(3210));
        let xml = render("web", &results, &summary, UtcTime(0));
        let doc = roxmltree::Document::parse(&xml).expect("well-formed");
        let suites = doc.root_element();
        assert_eq!(suites.tag_name().name(), "testsuites");
        assert_eq!(suites.attribute("tests"), Some("3"));
        let suite = suites.first_element_child().expect("testsuite");
        assert_eq!(suite.attribute("name"), Some("web"));
        assert_eq!(suite.attribute("failures"), Some("1"));
        assert_eq!(suite.attribute("errors"), Some("1"));
        assert_eq!(suite.attribute("time"), Some("3.210"));
        assert_eq!(suite.attribute("timestamp"), Some("1970-01-01T00:00:00Z"));
        let cases: Vec<_> = suite
            .children()
            .filter(roxmltree::Node::is_element)
            .collect();
        assert_eq!(cases.len(), 3);
        assert_eq!(cases[0].attribute("classname"), Some("web.web-1"));
        assert_eq!(cases[0].attribute("time"), Some("1.500"));
        let failure = cases[1]
            .children()
            .find(|n| n.has_tag_name("failure"))
            .expect("failure");
        assert_eq!(
            failure.attribute("message"),
            Some("expected stdout to contain `\"x\"`")
        );
        assert!(failure.text().unwrap_or_default().contains("attempts: 2"));
        let out = cases[1]
            .children()
            .find(|n| n.has_tag_name("system-out"))
            .expect("system-out");
        assert_eq!(out.text(), Some("out <&> line\n"));
        assert!(
            !cases[1].children().any(|n| n.has_tag_name("system-err")),
            "no empty system-err"
        );
        assert_eq!(cases[2].attribute("classname"), Some("web"));
        let error = cases[2]
            .children()
            .find(|n| n.has_tag_name("error"))
            .expect("error");
        assert_eq!(error.attribute("type"), Some("not-up"));
    }

    #[test]
    fn an_empty_run_is_an_empty_suite() {
        let xml = render("web", &[], &Summary::default(), UtcTime(0));
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
        assert!(xml.contains("tests='0'"));
    }
}
