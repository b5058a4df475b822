//! `--seat` and `--node` on `plan`, `apply`, `destroy`, `status`, `ssh`, `exec` and
//! `inventory`, against libvirt's in-memory `test:///default` driver (each run starts
//! empty): what a selected plan holds, what it says about the selection, and the mistakes
//! refused with exit 1.

use std::path::Path;
use std::process::Command;

const LAB: &str = r#"lab "cls"
host "t" uri="test:///default" hypervisor="kvm" accel="tcg"
image "tiny" url="https://example.net/tiny.qcow2" checksum="sha256:9c3b21fcd1e1f6d8ad1e5b4b7f4f1d3ba5e8c6a1f0d2e3b4c5d6e7f8091a2b3c"
network "internet" mode="nat" cidr="10.87.0.0/24"
node "teacher" { interface network="internet"; }
seats 3 {
    network "lan-{seat}" mode="isolated" cidr="10.87.{seat}.0/24"
    node "pc-{seat}" {
        interface network="internet"
        interface network="lan-{seat}" address="10.87.{seat}.10"
    }
    node "target-{seat}" { interface network="lan-{seat}" address="10.87.{seat}.20"; }
}
"#;

const NO_SEATS: &str = r#"lab "plain"
host "t" uri="test:///default" hypervisor="kvm" accel="tcg"
image "tiny" url="https://example.net/tiny.qcow2" checksum="sha256:9c3b21fcd1e1f6d8ad1e5b4b7f4f1d3ba5e8c6a1f0d2e3b4c5d6e7f8091a2b3c"
node "vm"
"#;

fn vlab_in(dir: &Path, lab: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let file = dir.join("lab.kdl");
    std::fs::write(&file, lab).expect("lab");
    let (command, rest) = args.split_first().expect("a subcommand");
    let output = Command::new(env!("CARGO_BIN_EXE_vlab"))
        .env("VLAB_CACHE_DIR", dir.join("cache"))
        .env("VLAB_DATA_DIR", dir.join("data"))
        .env("HOME", dir)
        .current_dir(dir)
        .args([command, "-f", "lab.kdl"])
        .args(["--color", "never"])
        .args(rest)
        .output()
        .expect("vlab runs");
    (
        output.status.code(),
        String::from_utf8(output.stdout).expect("utf-8"),
        String::from_utf8(output.stderr).expect("utf-8"),
    )
}

fn vlab(lab: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    vlab_in(dir.path(), lab, args)
}

#[test]
fn a_seat_plan_creates_that_seat_and_the_shared_part_it_needs() {
    let (code, stdout, stderr) = vlab(LAB, &["plan", "--seat", "2"]);
    assert_eq!(code, Some(0), "{stderr}");
    snapshot!("plan-seat-2", stdout);
}

#[test]
fn a_node_selection_creates_only_that_node_and_what_it_needs() {
    let (code, stdout, stderr) = vlab(LAB, &["plan", "--node", "target-*", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let names: Vec<&str> = value["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or("?"))
        .collect();
    assert!(names.contains(&"cls_target-3"), "{names:?}");
    assert!(
        !names
            .iter()
            .any(|n| n.contains("pc-") || n.contains("teacher")),
        "{names:?}"
    );
    assert!(
        !names.contains(&"vlab_cls_internet"),
        "targets do not use it: {names:?}"
    );
    assert_eq!(value["selection"]["selection"]["nodes"][0], "target-*");
    assert_eq!(value["selection"]["outside"], 4);
}

#[test]
fn a_saved_plan_records_its_selection() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, _, stderr) = vlab_in(
        dir.path(),
        LAB,
        &["plan", "--seat", "1,3", "-o", "seats.plan"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("seats.plan")).expect("plan"))
            .expect("json");
    assert_eq!(saved["selection"]["seats"], serde_json::json!([1, 3]));
    let (code, _, stderr) = vlab_in(dir.path(), LAB, &["apply", "--seat", "2", "seats.plan"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("a saved plan carries its own selection"),
        "{stderr}"
    );
}

#[test]
fn status_and_destroy_of_a_selection_stay_inside_it() {
    let (code, stdout, stderr) = vlab(LAB, &["status", "--seat", "3"]);
    assert_eq!(code, Some(0), "{stderr}");
    let rows: Vec<&str> = stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(rows, ["pc-3", "target-3"]);
    let (code, stdout, stderr) = vlab(LAB, &["destroy", "--seat", "3", "--auto-approve"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("Selection: seat 3 (2 nodes); 5 nodes outside it are not changed."),
        "{stdout}"
    );
    assert!(stdout.contains("Nothing to destroy"), "{stdout}");
    let (code, _, stderr) = vlab(
        LAB,
        &["destroy", "--seat", "3", "--purge-images", "--auto-approve"],
    );
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("--purge-images removes base images every seat shares"),
        "{stderr}"
    );
}

#[test]
fn selections_that_do_not_fit_the_lab_exit_1_with_a_hint() {
    for (lab, args, message, hint) in [
        (
            NO_SEATS,
            &["plan", "--seat", "1"][..],
            "lab `plain` has no seats",
            "select nodes with `--node`",
        ),
        (
            LAB,
            &["apply", "--seat", "4", "--auto-approve"][..],
            "lab `cls` has no seat 4 (it has 3 seats)",
            "seats are numbered 1 to 3",
        ),
        (
            LAB,
            &["plan", "--seat", "2-3"][..],
            "`2-3` is not a seat",
            "a range (`3..5`)",
        ),
        (
            LAB,
            &["status", "--node", "db*"][..],
            "no node of lab `cls` matches `db*`",
            "`vlab status` lists the nodes",
        ),
        (
            LAB,
            &["destroy", "--seat", "0", "--auto-approve"][..],
            "has no seat 0",
            "numbered 1 to 3",
        ),
    ] {
        let (code, _, stderr) = vlab(lab, args);
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(stderr.contains(hint), "{args:?}: {stderr}");
    }
}

#[test]
fn the_seats_handout_lists_each_seat_then_the_shared_nodes() {
    let (code, stdout, stderr) = vlab(LAB, &["seats", "--format", "csv"]);
    assert_eq!(code, Some(0), "{stderr}");
    snapshot!(
        "seats-csv",
        stdout.replace(env!("CARGO_MANIFEST_DIR"), "[ROOT]")
    );
    let (code, stdout, stderr) = vlab(LAB, &["seats", "--seat", "2", "--offline", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(value["hosts_read"], false);
    assert_eq!(value["seats"][0]["seat"], 2);
    assert_eq!(
        value["seats"][0]["nodes"][0]["addresses"][1],
        "eth1 10.87.2.10/24"
    );
    assert_eq!(value["shared"], serde_json::json!([]));
    let (code, _, stderr) = vlab(NO_SEATS, &["seats"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("lab `plain` has no seats"), "{stderr}");
}

#[test]
fn ssh_exec_and_inventory_of_a_selection_stay_inside_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| vlab_in(dir.path(), LAB, args);
    let (code, stdout, stderr) = run(&["inventory", "--seat", "2", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let hosts: Vec<&String> = value["_meta"]["hostvars"]
        .as_object()
        .expect("hostvars")
        .keys()
        .collect();
    assert_eq!(hosts, ["pc-2", "target-2"], "{stdout}");
    assert!(
        !stdout.contains("teacher") && !stdout.contains("pc-1"),
        "{stdout}"
    );

    // exec: the whole selection, or the patterns given among it (none runs here, so each
    // fails without ssh being run).
    let exec_nodes = |args: &[&str]| {
        let (code, stdout, stderr) = run(args);
        assert_eq!(code, Some(1), "{stderr}");
        let value: serde_json::Value = serde_json::from_str(&stdout).expect("json");
        value["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["node"].as_str().expect("node").to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        exec_nodes(&["exec", "--seat", "2", "--json", "--", "true"]),
        ["pc-2", "target-2"]
    );
    assert_eq!(
        exec_nodes(&["exec", "--seat", "1..2", "target-*", "--json", "--", "true"]),
        ["target-1", "target-2"]
    );
    let (code, _, stderr) = run(&["exec", "--seat", "2", "teacher", "--", "true"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("no node of the selection matches `teacher`")
            && stderr.contains("its nodes: pc-2, target-2"),
        "{stderr}"
    );

    // ssh: exactly one node of the selection, by name or glob.
    let (code, _, stderr) = run(&["ssh", "--seat", "3", "target-*", "--", "true"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("node `target-3` does not exist"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["ssh", "--seat", "3", "*"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("`*` matches 2 nodes of the selection: pc-3, target-3")
            && stderr.contains("use `vlab exec`"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["ssh", "--seat", "3", "pc-1"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("no node of the selection matches `pc-1`"),
        "{stderr}"
    );
}
