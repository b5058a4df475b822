//! `vlab plan --target` and `--replace` against libvirt's `test:///default` driver: a target
//! and what it needs, short and full addresses, unknown ones with "did you mean", a node
//! to rebuild that is not built yet, and a saved plan that records its targets. Rebuilding
//! an unchanged node is in `plan_diff_cli` (a host that holds the lab).

use crate::support::lab_cli;

const LAB: &str = r#"lab "demo"
host "t" uri="test:///default" hypervisor="kvm" accel="tcg"
image "tiny" url="https://example.net/tiny.qcow2" checksum="sha256:9c3b21fcd1e1f6d8ad1e5b4b7f4f1d3ba5e8c6a1f0d2e3b4c5d6e7f8091a2b3c"
image "listed" url="https://example.net/listed.qcow2" checksums-url="https://example.net/SHA256SUMS"
network "lan" cidr="10.40.0.0/24" domain="demo.test"
network "lab-{index}" count=2 mode="isolated"
node "web-{index}" count=2 image="tiny" { interface network="lan" address="10.40.0.{index+10}"; }
node "db" image="listed" { interface network="lan"; interface network="lab-1"; }
"#;

fn plan(args: &[&str]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut all = vec!["plan"];
    all.extend_from_slice(args);
    lab_cli::run(dir.path(), "demo.kdl", LAB, &all)
}

#[test]
fn a_target_plans_the_node_and_what_it_needs_and_counts_the_rest() {
    let (code, stdout, stderr) = plan(&["--target", "node.web-1"]);
    assert_eq!(code, Some(0), "{stderr}");
    snapshot!("plan-target-node", stdout);
    // The full address the plan prints names the same.
    let (_, full, _) = plan(&["--target", "node.demo_web-1@t"]);
    assert_eq!(full, stdout);
}

#[test]
fn targets_add_up_and_a_network_target_is_that_network_alone() {
    let (code, stdout, stderr) =
        plan(&["--json", "--target", "node.db", "--target", "network.lab-2"]);
    assert_eq!(code, Some(0), "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let changes: Vec<String> = value["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            format!(
                "{} {}.{}",
                c["action"].as_str().unwrap_or("?"),
                c["kind"].as_str().unwrap_or("?"),
                c["name"].as_str().unwrap_or("?")
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            "create pool.vlab",
            "create image.listed",
            "create network.vlab_demo_lan",
            "create network.vlab_demo_lab-1",
            "create network.vlab_demo_lab-2",
            "create node.demo_db",
        ]
    );
    assert_eq!(
        value["targets"],
        serde_json::json!({"targets": ["node.demo_db@t", "network.vlab_demo_lab-2@t"], "left_out": 3})
    );
}

#[test]
fn an_unknown_address_is_an_error_that_says_what_was_meant() {
    let (code, stdout, stderr) = plan(&["--target", "node.web-3"]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert_eq!(
        stderr,
        "error: no resource `node.web-3` in the lab or on its hosts\n  help: did you mean `node.web-1`?\n"
    );
    let (code, _, stderr) = plan(&["--target", "web-1"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.starts_with(
            "error: `web-1` is not a resource address\n  help: write KIND.NAME[@HOST]"
        ),
        "{stderr}"
    );
    let (code, _, stderr) = plan(&["--replace", "network.lan"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("`network.lan` cannot be replaced: only a node the lab declares can be"),
        "{stderr}"
    );
}

#[test]
fn a_node_to_rebuild_that_is_not_built_yet_is_created_and_with_a_target_is_one() {
    let (code, stdout, stderr) = plan(&["--replace", "node.web-2", "--target", "node.web-1"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.starts_with(
            "Targets: node.demo_web-1@t, node.demo_web-2@t; rebuilt on request: node.demo_web-2@t.\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("    + node.demo_web-1@t\n")
            && stdout.contains("    + node.demo_web-2@t\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("node.demo_db"), "{stdout}");
}

#[test]
fn a_saved_plan_records_its_targets_and_apply_takes_no_others() {
    let dir = tempfile::tempdir().expect("tempdir");
    let saved = dir.path().join("demo.plan");
    let saved_arg = saved.to_str().expect("utf-8");
    let (code, _, stderr) = lab_cli::run(
        dir.path(),
        "demo.kdl",
        LAB,
        &[
            "plan",
            "-q",
            "-o",
            saved_arg,
            "--target",
            "node.web-1",
            "--replace",
            "node.web-1",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let plan: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&saved).expect("saved")).expect("json");
    assert_eq!(
        plan["targets"],
        serde_json::json!({"targets": ["node.demo_web-1@t"], "replace": ["node.demo_web-1@t"]})
    );
    assert_eq!(plan["plan"]["changes"].as_array().map(Vec::len), Some(4));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_vlab"))
        .env("VLAB_CACHE_DIR", dir.path().join("cache"))
        .env("HOME", dir.path())
        .args(["apply", saved_arg, "--target", "node.db"])
        .output()
        .expect("vlab runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("a saved plan carries its own selection and targets"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
