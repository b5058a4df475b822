//! `vlab output --json` and `vlab status`, against libvirt's in-memory `test:///default`
//! driver (no daemon, no guest): the document's shape (a snapshot), every field held to
//! docs/output.schema.json by an independent validator (python3-jsonschema, which
//! scripts/test.sh installs), and the status table's columns. Readiness of real guests is
//! tested in `tiny_guest`.

use std::path::Path;
use std::process::Command;

const LAB: &str = r#"lab "out" description="Output test"
host "t" uri="test:///default" hypervisor="kvm" accel="tcg"
image "tiny" url="https://example.net/tiny.qcow2" checksum="sha256:9c3b21fcd1e1f6d8ad1e5b4b7f4f1d3ba5e8c6a1f0d2e3b4c5d6e7f8091a2b3c"
network "lan" cidr="10.43.0.0/24"
network "back" mode="isolated"
node "web-{index}" count=2 image="tiny" { groups "frontend"; interface network="lan" address="10.43.0.{index+10}"; }
node "db" image="tiny" cpus=2 memory="2GiB" { interface network="lan"; interface network="back"; }
node "r" image="tiny" { interface network="lan"; }
link "db:eth2" "r:eth1" cidr="10.44.0.0/30"
"#;

fn vlab(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    crate::support::lab_cli::run(dir, "out.kdl", LAB, args)
}

#[test]
fn output_describes_the_lab_hosts_networks_nodes_and_links() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, stdout, stderr) = vlab(dir.path(), &["output", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let shown = stdout.replace(&dir.path().display().to_string(), "$HOME");
    snapshot!("output-json", shown);
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    let nodes: Vec<&str> = value["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["name"].as_str().expect("name"))
        .collect();
    assert_eq!(nodes, ["web-1", "web-2", "db", "r"]);
    assert_eq!(value["nodes"][0]["ssh"]["command"][0], "ssh");
    assert!(
        value["nodes"][0]["ssh"]["command"]
            .as_array()
            .expect("command")
            .contains(&serde_json::json!("StrictHostKeyChecking=yes"))
    );
    // Without a lease or a static address on a network there is nothing to connect to yet
    // (a link's address is a wire between two guests, out of reach).
    assert!(value["nodes"][3]["ssh"]["command"].is_null());
    assert_eq!(value["links"][0]["endpoints"][1]["node"], "r");
}

#[test]
fn status_has_a_ready_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, stdout, stderr) = vlab(dir.path(), &["status"]);
    assert_eq!(code, Some(0), "{stderr}");
    snapshot!("status-table", stdout);
    let (code, stdout, _) = vlab(dir.path(), &["status", "--json"]);
    assert_eq!(code, Some(0));
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert!(value["nodes"][0]["readiness"].is_null());
    let (code, _, stderr) = vlab(dir.path(), &["status", "--interval", "5"]);
    assert_eq!(code, Some(1), "--interval needs --watch: {stderr}");
    assert!(stderr.contains("--watch"), "{stderr}");
}

#[test]
fn status_watch_prints_again_only_when_something_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = dir.path().join("out.kdl");
    std::fs::write(&lab, LAB).expect("lab");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vlab"))
        .env("VLAB_CACHE_DIR", dir.path().join("cache"))
        .env("HOME", dir.path())
        .args(["--color", "never", "status", "-f"])
        .arg(&lab)
        .args(["--watch", "--interval", "1", "--json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("vlab runs");
    std::thread::sleep(std::time::Duration::from_millis(3500));
    child.kill().expect("kill");
    let output = child.wait_with_output().expect("output");
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    // Three reads of an unchanged lab: one document.
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let value: serde_json::Value = serde_json::from_str(stdout.trim()).expect("json");
    assert_eq!(value["lab"], "out");
}

#[cfg(feature = "host-tests")]
#[test]
fn output_follows_its_published_json_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, stdout, stderr) = vlab(dir.path(), &["output", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/output.schema.json");
    assert_eq!(validate(&schema, &stdout), Ok(()));
    // The validator does reject what the schema forbids.
    let mut broken: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    broken["nodes"][0]["state"] = serde_json::json!("on fire");
    let refused = validate(&schema, &broken.to_string()).expect_err("refused");
    assert!(refused.contains("on fire"), "{refused}");
    broken["nodes"][0]["state"] = serde_json::json!("running");
    broken["nodes"][0]["surprise"] = serde_json::json!(1);
    assert!(validate(&schema, &broken.to_string()).is_err());
}

/// Validates `document` against `schema` with python3-jsonschema (Draft 2020-12), checking
/// the schema itself first.
#[cfg(feature = "host-tests")]
pub fn validate(schema: &Path, document: &str) -> Result<(), String> {
    use std::io::Write;
    const SCRIPT: &str = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1]))\n\
        jsonschema.Draft202012Validator.check_schema(schema)\n\
        errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(json.load(sys.stdin))]\n\
        print('\\n'.join(errors)); sys.exit(1 if errors else 0)\n";
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(schema)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (scripts/test.sh installs python3-jsonschema)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(document.as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("python3");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("No module named"),
        "python3-jsonschema is missing (scripts/test.sh installs it): {stderr}"
    );
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{stderr}",
            String::from_utf8_lossy(&output.stdout)
        ))
    }
}
