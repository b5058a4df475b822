//! `vlab test` against libvirt's in-memory `test:///default` driver (each run starts empty,
//! so no guest of the lab is up): exit 2 when there is no check to run (none in the lab,
//! none in the selection), exit 3 when the lab is not up (each check reported as not run,
//! with why), a lab with a mistaken `test` refused with its diagnostic, and the plan of a
//! lab the same with and without its checks.

use crate::support::lab_cli;

pub const LAB: &str = r#"lab "chk"
host "t" uri="test:///default" hypervisor="kvm" accel="tcg"
image "tiny" url="https://example.net/tiny.qcow2" checksum="sha256:9c3b21fcd1e1f6d8ad1e5b4b7f4f1d3ba5e8c6a1f0d2e3b4c5d6e7f8091a2b3c"
network "lan" mode="isolated" cidr="10.82.0.0/24"
node "web" { interface network="lan" address="10.82.0.10"; }
node "db" { interface network="lan" address="10.82.0.11"; }
node "spare" { interface network="lan" address="10.82.0.12"; }
test "web-up" { node "web"; command "true"; }
test "web-reaches-db" { reach from="web" to="db"; }
test "db-ssh-here" { port to="db" port=22; }
seats 2 {
    node "pc-{seat}" { interface network="lan" address="10.82.0.{seat+20}"; }
    test "pc-{seat}-reaches-db" { reach from="pc-{seat}" to="db"; retries 2; }
}
"#;

fn vlab(lab: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    lab_cli::run(dir.path(), "lab.kdl", lab, args)
}

/// `LAB` without its `test` lines.
fn without_tests() -> String {
    LAB.lines()
        .filter(|l| !l.trim_start().starts_with("test "))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn a_lab_without_checks_exits_2() {
    let (code, stdout, stderr) = vlab(&without_tests(), &["test"]);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("lab `chk` declares no checks"), "{stderr}");
    assert!(
        stderr.contains("help: a check is a `test` block"),
        "{stderr}"
    );
    let (code, stdout, _) = vlab(&without_tests(), &["test", "--json"]);
    assert_eq!(code, Some(2));
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(doc["checks"], serde_json::json!([]));
    assert_eq!(doc["summary"]["total"], 0);
}

#[test]
fn a_selection_without_checks_exits_2() {
    let (code, _, stderr) = vlab(LAB, &["test", "--node", "spare"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("node spare holds none of the lab's 5 check(s)"),
        "{stderr}"
    );
}

#[test]
fn a_lab_that_is_not_up_exits_3_with_each_check_not_run() {
    let (code, stdout, stderr) = vlab(LAB, &["test"]);
    assert_eq!(code, Some(3), "{stdout}{stderr}");
    // Columns are padded to the longest name: compare words.
    let lines: Vec<String> = stdout
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        lines.len(),
        11,
        "two lines per check and the summary:\n{stdout}"
    );
    assert_eq!(lines[0], "- web-up web not run");
    assert_eq!(
        lines[1],
        "node `web` does not exist on host `t` (run `vlab apply`)"
    );
    assert_eq!(
        lines[4], "- db-ssh-here (here) not run",
        "a port check from this machine"
    );
    assert_eq!(lines[6], "- pc-1-reaches-db pc-1 not run");
    assert!(
        lines[10].starts_with("5 check(s): 0 passed, 5 not run (the lab is not up) in "),
        "{stdout}"
    );
    assert!(
        stderr.contains("error: the lab is not up: 5 check(s) could not run"),
        "{stderr}"
    );
    assert!(
        stderr.contains("help: bring it up with `vlab apply`"),
        "{stderr}"
    );
}

#[test]
fn json_reports_every_selected_check_and_the_summary() {
    let (code, stdout, stderr) = vlab(LAB, &["test", "--seat", "2", "--json"]);
    assert_eq!(code, Some(3), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("one json document");
    assert_eq!(doc["lab"], "chk");
    assert_eq!(doc["selection"], "seat 2");
    let checks = doc["checks"].as_array().expect("checks");
    assert_eq!(checks.len(), 1, "{doc}");
    let check = &checks[0];
    assert_eq!(check["name"], "pc-2-reaches-db");
    assert_eq!(check["node"], "pc-2");
    assert_eq!(check["target"], "db");
    assert_eq!(check["seat"], 2);
    assert_eq!(check["status"], "not-run");
    assert_eq!(check["attempts"], 0);
    assert!(check["rc"].is_null());
    assert_eq!(
        check["reason"],
        "node `pc-2` does not exist on host `t` (run `vlab apply`)"
    );
    for key in ["duration", "stdout", "stderr"] {
        assert!(check.get(key).is_some(), "{key}: {check}");
    }
    assert_eq!(doc["summary"]["not_run"], 1);
    let (code, stdout, _) = vlab(LAB, &["test", "--node", "db", "--json"]);
    assert_eq!(code, Some(3));
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let names: Vec<&str> = doc["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        names,
        ["db-ssh-here"],
        "a port check from here belongs to the node it tries"
    );
}

#[test]
fn a_mistaken_test_block_is_refused_with_its_diagnostic() {
    let lab = LAB.replace(
        r#"test "web-up" { node "web"; command "true"; }"#,
        r#"test "web-up" { node "wbe"; command "true"; delay "soon"; }"#,
    );
    let (code, stdout, stderr) = vlab(&lab, &["test"]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("vlab::unknown-reference"), "{stderr}");
    assert!(stderr.contains("unknown node `wbe`"), "{stderr}");
    assert!(stderr.contains("help: did you mean `web`?"), "{stderr}");
    assert!(stderr.contains("`soon` is not a duration"), "{stderr}");
    let (code, _, stderr) = vlab(LAB, &["test", "--node", "nope"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("no node of lab `chk` matches `nope`"),
        "{stderr}"
    );
}

#[test]
fn checks_never_change_the_plan() {
    let with = vlab(LAB, &["plan", "--json"]);
    let without = vlab(&without_tests(), &["plan", "--json"]);
    assert_eq!(with.0, Some(0), "{}", with.2);
    assert_eq!(without.0, Some(0), "{}", without.2);
    let plan = |text: &str| -> serde_json::Value { serde_json::from_str(text).expect("plan json") };
    assert_eq!(plan(&with.1), plan(&without.1));
    assert!(
        plan(&with.1)["changes"]
            .as_array()
            .is_some_and(|c| !c.is_empty()),
        "a plan with changes: {}",
        with.1
    );
}
