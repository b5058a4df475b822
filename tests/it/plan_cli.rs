//! `vlab plan` against libvirt's in-memory `test:///default` driver: no daemon needed, real
//! libvirt calls. The driver starts with a pool, a network and a domain that are not vlab's,
//! so the plan also shows that vlab leaves what it does not own alone.

use std::process::Command;

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
    let lab = dir.path().join("demo.kdl");
    std::fs::write(&lab, LAB).expect("lab");
    let output = Command::new(env!("CARGO_BIN_EXE_vlab"))
        .env("VLAB_CACHE_DIR", dir.path().join("cache"))
        .env("HOME", dir.path())
        .args(["plan", "--color", "never", "-f"])
        .arg(&lab)
        .args(args)
        .output()
        .expect("vlab runs");
    (
        output.status.code(),
        String::from_utf8(output.stdout).expect("utf-8"),
        String::from_utf8(output.stderr).expect("utf-8"),
    )
}

#[test]
fn plan_on_an_empty_host_creates_everything() {
    let (code, stdout, stderr) = plan(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    snapshot!("plan-test-driver", stdout);
}

#[test]
fn detailed_exitcode_reports_changes_with_2() {
    let (code, _, stderr) = plan(&["--detailed-exitcode"]);
    assert_eq!(code, Some(2), "{stderr}");
}

#[test]
fn json_plan_lists_changes_and_summary() {
    let (code, stdout, stderr) = plan(&["--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(value["lab"], "demo");
    assert_eq!(value["summary"]["add"], 9);
    let addresses: Vec<String> = value["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            format!(
                "{} {}.{}@{}",
                c["action"].as_str().unwrap_or("?"),
                c["kind"].as_str().unwrap_or("?"),
                c["name"].as_str().unwrap_or("?"),
                c["host"].as_str().unwrap_or("?")
            )
        })
        .collect();
    assert!(
        addresses.contains(&"create node.demo_web-1@t".to_string()),
        "{addresses:?}"
    );
    assert!(
        !addresses.iter().any(|a| a.contains("default")),
        "nothing vlab does not own: {addresses:?}"
    );
}

#[test]
fn a_saved_plan_records_the_lab_and_refuses_a_changed_lab_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = dir.path().join("demo.kdl");
    std::fs::write(&lab, LAB).expect("lab");
    let saved = dir.path().join("demo.plan");
    let vlab = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_vlab"))
            .env("VLAB_CACHE_DIR", dir.path().join("cache"))
            .env("HOME", dir.path())
            .args(args)
            .output()
            .expect("vlab runs")
    };
    let out = vlab(&[
        "plan",
        "-q",
        "-f",
        lab.to_str().expect("utf-8"),
        "-o",
        saved.to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&saved).expect("saved")).expect("json");
    assert_eq!(plan["format"], 1);
    assert_eq!(plan["plan"]["changes"].as_array().map(Vec::len), Some(9));
    std::fs::write(&lab, LAB.replace("count=2 mode", "count=3 mode")).expect("edit");
    let out = vlab(&["apply", saved.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("changed since the plan was made"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = vlab(&[
        "apply",
        dir.path().join("nothing.plan").to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the plan"));
}

#[test]
fn an_unreachable_host_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = dir.path().join("lab.kdl");
    std::fs::write(&lab, "host \"far\" uri=\"qemu+tcp://127.0.0.1:1/system\"\nimage \"i\" url=\"https://x/i.img\" unverified=#true\nnode \"a\"\n").expect("lab");
    let output = Command::new(env!("CARGO_BIN_EXE_vlab"))
        .env("VLAB_CACHE_DIR", dir.path())
        .args(["plan", "-f"])
        .arg(&lab)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning: image `i` is unverified"),
        "{stderr}"
    );
    assert!(
        stderr.contains("host `far` (qemu+tcp://127.0.0.1:1/system)"),
        "{stderr}"
    );
}

#[test]
fn status_lists_every_node_with_state_pending_change_and_static_addresses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = dir.path().join("demo.kdl");
    std::fs::write(&lab, LAB).expect("lab");
    let output = Command::new(env!("CARGO_BIN_EXE_vlab"))
        .env("VLAB_CACHE_DIR", dir.path().join("cache"))
        .env("HOME", dir.path())
        .args(["status", "--json", "-f"])
        .arg(&lab)
        .output()
        .expect("vlab runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let nodes = value["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 3);
    assert_eq!(nodes[0]["node"], "web-1");
    assert_eq!(nodes[0]["state"], "absent");
    assert_eq!(nodes[0]["pending"], "create");
    assert_eq!(nodes[0]["addresses"][0]["address"], "10.40.0.11/24");
    assert_eq!(nodes[0]["addresses"][0]["source"], "static");
}

/// A Xen host on the test driver: PV, PVH and HVM guests plan like KVM ones (same metadata,
/// same volumes and networks), and no Xen node is refused.
const XEN_LAB: &str = r#"lab "xdemo"
host "x" uri="test:///default" hypervisor="xen"
image "tiny" url="https://example.net/tiny.qcow2" checksum="sha256:9c3b21fcd1e1f6d8ad1e5b4b7f4f1d3ba5e8c6a1f0d2e3b4c5d6e7f8091a2b3c" {
    kernel "https://example.net/vmlinuz" checksum="sha256:0d1bdfda572ced7d23a6b456d59b262353dddd79e1f94fc8f3f51fc828d0f2d0"
    cmdline "root=/dev/xvda ro"
}
network "lan" cidr="10.41.0.0/24"
defaults { interface network="lan"; memory "512MiB"; }
node "pv" xen-boot="pv"
node "pvh" xen-boot="pvh" cpus=2
node "hvm" { disk "data" size="1GiB"; }
"#;

#[test]
fn plan_for_xen_nodes_on_the_test_driver() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = dir.path().join("xdemo.kdl");
    std::fs::write(&lab, XEN_LAB).expect("lab");
    let output = Command::new(env!("CARGO_BIN_EXE_vlab"))
        .env("VLAB_CACHE_DIR", dir.path().join("cache"))
        .env("HOME", dir.path())
        .args(["plan", "--color", "never", "-f"])
        .arg(&lab)
        .output()
        .expect("vlab runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    snapshot!(
        "plan-test-driver-xen",
        String::from_utf8(output.stdout).expect("utf-8")
    );
}

/// `vlab validate` and `vlab plan` of a lab whose host URI names a local program (libvirt's
/// ssh transport runs `command=` instead of `ssh`): refused before anything connects, opt-in
/// or not, and the program never runs.
#[test]
fn a_lab_cannot_make_plan_run_a_local_program() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let evil = dir.path().join("evil.sh");
    std::fs::write(&evil, "#!/bin/sh\ntouch \"$(dirname \"$0\")/marker\"\n").expect("script");
    std::fs::set_permissions(&evil, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let host = r#"host "a" uri="qemu+ssh://root@127.0.0.1/system?command=./evil.sh""#;
    let rest = "\nimage \"i\" url=\"https://example.net/i.img\" unverified=#true\nnode \"n\"\n";
    for (name, opt_in) in [
        ("plain", ""),
        ("opted-in", " { allow-uri-params \"command\"; }"),
    ] {
        std::fs::write(dir.path().join("lab.kdl"), format!("{host}{opt_in}{rest}")).expect("lab");
        for command in ["validate", "plan"] {
            let output = Command::new(env!("CARGO_BIN_EXE_vlab"))
                .current_dir(dir.path())
                .env("VLAB_CACHE_DIR", dir.path().join("cache"))
                .env("HOME", dir.path())
                .env("NO_COLOR", "1")
                .args([command, "--color", "never", "-f", "lab.kdl"])
                .output()
                .expect("vlab runs");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(1), "{name} {command}: {stderr}");
            assert!(stderr.contains("vlab::uri-parameter"), "{stderr}");
            assert!(
                !dir.path().join("marker").exists(),
                "{name} {command} ran the lab's program"
            );
            if name == "plain" && command == "plan" {
                snapshot!("plan-refuses-uri-command", stderr);
            }
        }
    }
}

#[test]
fn a_host_that_opts_in_to_its_uri_parameters_validates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = dir.path().join("lab.kdl");
    std::fs::write(
        &lab,
        "host \"ci\" uri=\"qemu+ssh://root@127.0.0.1:2222/system?keyfile=/tmp/ci%20key&no_verify=1&no_tty=1\" {\n    allow-uri-params \"keyfile\" \"no_verify\"\n}\nimage \"i\" url=\"https://example.net/i.img\" unverified=#true\nnode \"n\"\n",
    )
    .expect("lab");
    let output = Command::new(env!("CARGO_BIN_EXE_vlab"))
        .args(["validate", "--color", "never", "-f"])
        .arg(&lab)
        .output()
        .expect("vlab runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("is valid"), "{stdout}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning: host `ci` connects with the URI parameters its lab allows: keyfile=/tmp/ci key, no_verify=1\n"),
        "{stderr}"
    );
}
