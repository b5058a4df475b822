//! A Xen host that already holds what vlab would build plans as "no changes": the libvirt
//! `test` driver is loaded with a host file holding vlab's pool and volumes, the lab's
//! network and the PV, PVH and HVM domains exactly as vlab writes them (Xen domain XML with
//! its metadata). `vlab plan` then observes them through libvirt like any host, finds
//! nothing to do, and sees a changed node as an update: observer and planner need nothing
//! Xen-specific. No daemon: the test driver runs inside vlab. A lab file may not name a
//! test driver file; these tests allow it as vlab's own tests may (`VLAB_TEST_DRIVER_FILES`).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use vlab::access::lab_keys::LabKeys;
use vlab::checksum::Checksum;
use vlab::host::domain_xml::{DirectBoot, DomainXml};
use vlab::host::resource_names::base_volume;
use vlab::host::{network_xml, resource_names as names};
use vlab::lab::{Lab, Verification};
use vlab::language::lab_source::LabSource;
use vlab::{CheckOptions, TEST_DRIVER_FILES_VAR};

const POOL_DIR: &str = "/var/lib/libvirt/images/vlab";

fn lab_text(host_file: &Path, pvh_cpus: u32) -> String {
    format!(
        r#"lab "xdemo"
host "x" uri="test://{}" hypervisor="xen"
image "tiny" url="https://example.net/tiny.qcow2" checksum="sha256:9c3b21fcd1e1f6d8ad1e5b4b7f4f1d3ba5e8c6a1f0d2e3b4c5d6e7f8091a2b3c" {{
    kernel "https://example.net/vmlinuz" checksum="sha256:0d1bdfda572ced7d23a6b456d59b262353dddd79e1f94fc8f3f51fc828d0f2d0"
    cmdline "root=/dev/xvda ro"
}}
network "lan" cidr="10.41.0.0/24"
defaults {{ interface network="lan"; memory "512MiB"; }}
node "pv" xen-boot="pv"
node "pvh" xen-boot="pvh" cpus={pvh_cpus}
node "hvm" {{ disk "data" size="1GiB"; }}
"#,
        host_file.display()
    )
}

/// The test driver's host file: everything vlab would have built for `lab`.
fn converged_host(lab: &Lab, keys: &LabKeys) -> String {
    let image = lab.image("tiny").expect("image");
    let Verification::Checksum(image_digest) = &image.verification else {
        panic!("inline checksum expected");
    };
    let kernel_digest = image
        .kernel
        .as_ref()
        .and_then(|k| k.checksum.clone())
        .expect("kernel checksum");
    let digests: BTreeMap<String, Checksum> = [
        ("tiny".to_string(), image_digest.clone()),
        ("tiny-kernel".to_string(), kernel_digest.clone()),
    ]
    .into();
    let inputs = vlab::pipeline::render_with_keys(lab, &digests, keys).expect("node inputs");
    let base = base_volume(image_digest);
    let kernel = base_volume(&kernel_digest);
    let mut volumes = vec![
        base.clone(),
        format!("{base}.ready"),
        kernel.clone(),
        format!("{kernel}.ready"),
    ];
    let mut domains = String::new();
    for node in &lab.nodes {
        let node_inputs = &inputs[&node.name];
        let seed = names::seed_volume(&lab.name, &node.name, &node_inputs.seed);
        volumes.push(names::root_volume(&lab.name, &node.name));
        volumes.extend(
            node.disks
                .iter()
                .map(|d| names::disk_volume(&lab.name, &node.name, &d.name)),
        );
        volumes.push(seed.clone());
        domains.push_str(
            &DomainXml {
                lab,
                node,
                pool: "vlab",
                pool_dir: POOL_DIR,
                kvm: false,
                seed_volume: &seed,
                base_volume: &base,
                direct_boot: Some(DirectBoot {
                    kernel: format!("{POOL_DIR}/{kernel}"),
                    initrd: None,
                    cmdline: image.cmdline.clone(),
                }),
                spec_digest: &node_inputs.digest,
                record: Some(&node_inputs.record),
            }
            .render(),
        );
    }
    let networks: String = lab
        .networks
        .iter()
        .map(|n| network_xml::network(lab, n).render())
        .collect();
    let volumes: String = volumes
        .iter()
        .map(|v| format!("<volume><name>{v}</name><capacity>1048576</capacity></volume>\n"))
        .collect();
    format!(
        "<node>\n{networks}<pool type='dir'><name>vlab</name><target><path>{POOL_DIR}</path></target>\n{volumes}</pool>\n{domains}</node>\n"
    )
}

fn plan(dir: &Path, lab: &Path) -> (Option<i32>, String, String) {
    plan_with(dir, lab, Some("1"))
}

fn plan_with(dir: &Path, lab: &Path, driver_files: Option<&str>) -> (Option<i32>, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vlab"));
    match driver_files {
        Some(value) => command.env(TEST_DRIVER_FILES_VAR, value),
        None => command.env_remove(TEST_DRIVER_FILES_VAR),
    };
    let output = command
        .env("VLAB_CACHE_DIR", dir.join("cache"))
        .env("HOME", dir)
        .env_remove("VLAB_DATA_DIR")
        .env_remove("XDG_DATA_HOME")
        .args(["plan", "--color", "never", "--detailed-exitcode", "-f"])
        .arg(lab)
        .output()
        .expect("vlab runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_converged_xen_host_plans_no_changes_and_a_changed_node_as_an_update() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host_file = dir.path().join("xen-host.xml");
    let lab_path = dir.path().join("xdemo.kdl");
    std::fs::write(&lab_path, lab_text(&host_file, 2)).expect("lab");
    let driver_files = CheckOptions {
        test_driver_files: true,
        ..CheckOptions::default()
    };
    let lab = vlab::check_with(&LabSource::read(&lab_path).expect("read"), driver_files)
        .expect("valid lab");
    // The lab's keys where the vlab below (HOME = dir) keeps them: the same seeds.
    let keys = LabKeys::in_dir(&dir.path().join(".local/share/vlab"), &lab.name).expect("keys");
    std::fs::write(&host_file, converged_host(&lab, &keys)).expect("host file");

    let (code, stdout, stderr) = plan(dir.path(), &lab_path);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("No changes."), "{stdout}");

    // One more vCPU on the PVH guest: that node alone is updated in place.
    std::fs::write(&lab_path, lab_text(&host_file, 3)).expect("lab");
    let (code, stdout, stderr) = plan(dir.path(), &lab_path);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(stdout.contains("~ node.xdemo_pvh@x"), "{stdout}");
    assert!(stdout.contains("~ cpus 2 -> 3"), "{stdout}");
    assert!(
        stdout.contains("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."),
        "{stdout}"
    );
}

#[test]
fn a_test_driver_file_is_refused_unless_vlab_s_own_tests_allow_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host_file = dir.path().join("xen-host.xml");
    std::fs::write(&host_file, "<node>secret-marker</node>").expect("host file");
    let lab_path = dir.path().join("xdemo.kdl");
    std::fs::write(&lab_path, lab_text(&host_file, 2)).expect("lab");
    for driver_files in [None, Some("0"), Some("yes")] {
        let (code, stdout, stderr) = plan_with(dir.path(), &lab_path, driver_files);
        assert_eq!(code, Some(1), "{driver_files:?}: {stdout}{stderr}");
        assert!(stderr.contains("vlab::test-driver-file"), "{stderr}");
        assert!(
            !format!("{stdout}{stderr}").contains("secret-marker"),
            "{stderr}"
        );
    }
    assert!(vlab::check(&LabSource::read(&lab_path).expect("read")).is_err());
}
