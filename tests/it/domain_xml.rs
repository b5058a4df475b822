//! Domain XML of KVM/QEMU nodes, as `vlab render --out` writes it: a golden file per kind of
//! node, and (with `host-tests`) libvirt's own schema check and a define on the
//! `test:///default` driver.

use std::path::{Path, PathBuf};
use std::process::Command;

fn render_domain(lab: &str, node: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    // The lab keys committed with the tests: the same seeds (and digests) on every machine.
    let output = Command::new(env!("CARGO_BIN_EXE_vlab"))
        .env(
            "VLAB_DATA_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lab-keys"),
        )
        .args(["render", "-q", "-f"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(lab))
        .arg(node)
        .arg("--out")
        .arg(dir.path())
        .output()
        .expect("vlab runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let path = dir.path().join("domain.xml");
    (dir, path)
}

#[test]
fn golden_domain_xml() {
    // A static address, an extra disk and the seed (web-1); DHCP on one network (quickstart);
    // a node with links (routers r1).
    for (lab, node) in [
        ("labs/web.kdl", "web-1"),
        ("labs/quickstart.kdl", "vm"),
        ("labs/routers.kdl", "r1"),
    ] {
        let (_dir, path) = render_domain(lab, node);
        let xml = std::fs::read_to_string(&path).expect("domain.xml");
        snapshot!(format!("domain-{node}"), xml);
    }
}

#[cfg(feature = "host-tests")]
#[test]
fn every_example_kvm_node_validates_and_defines_on_the_test_driver() {
    for (lab, node) in [
        ("labs/web.kdl", "web-1"),
        ("labs/web.kdl", "lb"),
        ("labs/quickstart.kdl", "vm"),
        ("labs/demo.kdl", "alpha"),
        ("labs/routers.kdl", "r1"),
        ("labs/classroom.kdl", "seat-12"),
    ] {
        let (_dir, path) = render_domain(lab, node);
        let validate = Command::new("virt-xml-validate")
            .arg(&path)
            .arg("domain")
            .output()
            .expect("virt-xml-validate (libvirt-clients, libxml2-utils)");
        assert!(
            validate.status.success(),
            "{lab} {node}: {}{}",
            String::from_utf8_lossy(&validate.stdout),
            String::from_utf8_lossy(&validate.stderr)
        );
        let define = Command::new("virsh")
            .args(["-c", "test:///default", "define"])
            .arg(&path)
            .output()
            .expect("virsh");
        assert!(
            define.status.success(),
            "{lab} {node}: {}",
            String::from_utf8_lossy(&define.stderr)
        );
    }
}
