//! The capacity check before `vlab apply` changes anything, against libvirt's in-memory
//! `test:///default` driver (16 CPUs, a few MiB of free memory): a plan that needs more
//! memory or wider guests than the host has is refused with the figures and exit 1, before
//! any pull or change; `--skip-capacity-check` goes on past it.

use std::process::Command;

const LAB: &str = r#"lab "cap"
host "t" uri="test:///default" hypervisor="kvm" accel="tcg"
image "tiny" url="https://127.0.0.1:9/tiny.qcow2" checksum="sha256:9c3b21fcd1e1f6d8ad1e5b4b7f4f1d3ba5e8c6a1f0d2e3b4c5d6e7f8091a2b3c"
network "lan" cidr="10.45.0.0/24"
node "big-{index}" count=3 image="tiny" cpus=64 memory="200GiB" { interface network="lan"; }
"#;

fn apply(extra: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = dir.path().join("cap.kdl");
    std::fs::write(&lab, LAB).expect("lab");
    let out = Command::new(env!("CARGO_BIN_EXE_vlab"))
        .env("VLAB_CACHE_DIR", dir.path().join("cache"))
        .env("HOME", dir.path())
        .args(["apply", "--color", "never", "-f"])
        .arg(&lab)
        .args(["--auto-approve"])
        .args(extra)
        .output()
        .expect("vlab runs");
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn a_plan_that_does_not_fit_is_refused_with_the_figures() {
    let (code, text) = apply(&[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("the plan does not fit its hosts, so nothing was changed"),
        "{text}"
    );
    assert!(
        text.contains("3 guest(s) needing 600GiB of memory"),
        "{text}"
    );
    assert!(
        text.contains("node `big-1` has 64 vCPUs; the host has 16 CPUs"),
        "{text}"
    );
    assert!(text.contains("--skip-capacity-check"), "{text}");
    assert!(!text.contains("pull"), "refused before any pull: {text}");

    let (code, text) = apply(&["--skip-capacity-check"]);
    assert_eq!(code, Some(1), "the image cannot be pulled here: {text}");
    assert!(!text.contains("does not fit"), "{text}");
}
