//! `vlab plan` of changed nodes, attribute by attribute: libvirt's test driver is loaded with
//! a host file holding what vlab would have built for a lab (pool, volumes, network, and the
//! domain XML with its metadata and record), then the lab is changed. More memory and cpus
//! read as an update with each attribute; a new address as a replace with the address
//! attribute, and the test driver, which cannot download volumes, has the old cloud-init
//! files said to be unreadable rather than guessed (the diff itself is proven on a real
//! libvirtd in `converge_diff` and in the plan view's unit tests). A domain whose metadata
//! holds no record (built by an older vlab) says its before is unknown. No daemon.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use vlab::access::lab_keys::LabKeys;
use vlab::checksum::Checksum;
use vlab::host::domain_xml::DomainXml;
use vlab::host::resource_names::base_volume;
use vlab::host::{network_xml, resource_names as names};
use vlab::lab::{Lab, Verification};
use vlab::language::lab_source::LabSource;
use vlab::{CheckOptions, TEST_DRIVER_FILES_VAR};

const POOL_DIR: &str = "/var/lib/libvirt/images/vlab";

fn lab_text(host_file: &Path, memory: &str, cpus: u32, address: u8) -> String {
    format!(
        r#"lab "diff"
host "t" uri="test://{}" hypervisor="kvm" accel="tcg"
image "tiny" url="https://example.net/tiny.qcow2" checksum="sha256:9c3b21fcd1e1f6d8ad1e5b4b7f4f1d3ba5e8c6a1f0d2e3b4c5d6e7f8091a2b3c"
network "lan" cidr="10.42.0.0/24"
node "web" memory="{memory}" cpus={cpus} {{ interface network="lan" address="10.42.0.{address}"; }}
node "db" {{ interface network="lan" address="10.42.0.20"; }}
"#,
        host_file.display()
    )
}

/// The test driver's host file: everything vlab would have built for `lab`; with
/// `records`, each domain keeps the record this vlab writes.
fn converged_host(lab: &Lab, keys: &LabKeys, records: bool) -> String {
    let image = lab.image("tiny").expect("image");
    let Verification::Checksum(digest) = &image.verification else {
        panic!("inline checksum expected");
    };
    let digests: BTreeMap<String, Checksum> = [("tiny".to_string(), digest.clone())].into();
    let inputs = vlab::pipeline::render_with_keys(lab, &digests, keys).expect("node inputs");
    let base = base_volume(digest);
    let mut volumes = vec![base.clone(), format!("{base}.ready")];
    let mut domains = String::new();
    for node in &lab.nodes {
        let node_inputs = &inputs[&node.name];
        let seed = names::seed_volume(&lab.name, &node.name, &node_inputs.seed);
        volumes.push(names::root_volume(&lab.name, &node.name));
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
                direct_boot: None,
                spec_digest: &node_inputs.digest,
                record: records.then_some(&node_inputs.record),
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

struct Host {
    dir: tempfile::TempDir,
}

impl Host {
    /// A test-driver host that holds what vlab builds for the lab as first written.
    fn converged(records: bool) -> Host {
        let host = Host {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        host.write_lab("64MiB", 1, 10);
        let lab = vlab::check_with(
            &LabSource::read(&host.lab()).expect("read"),
            CheckOptions {
                test_driver_files: true,
                ..CheckOptions::default()
            },
        )
        .expect("valid lab");
        // The lab's keys where the vlab below (HOME = dir) keeps them: the same seeds.
        let keys =
            LabKeys::in_dir(&host.dir.path().join(".local/share/vlab"), &lab.name).expect("keys");
        std::fs::write(host.file(), converged_host(&lab, &keys, records)).expect("host file");
        host
    }

    fn file(&self) -> std::path::PathBuf {
        self.dir.path().join("host.xml")
    }

    fn lab(&self) -> std::path::PathBuf {
        self.dir.path().join("diff.kdl")
    }

    fn write_lab(&self, memory: &str, cpus: u32, address: u8) {
        std::fs::write(self.lab(), lab_text(&self.file(), memory, cpus, address)).expect("lab");
    }

    /// `vlab plan` (with `args`): exit code, stdout (seed volume digests, which follow the
    /// lab's keys made for each test, as `[SEED]`), stderr.
    fn plan(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let output = Command::new(env!("CARGO_BIN_EXE_vlab"))
            .env(TEST_DRIVER_FILES_VAR, "1")
            .env("VLAB_CACHE_DIR", self.dir.path().join("cache"))
            .env("HOME", self.dir.path())
            .env_remove("VLAB_DATA_DIR")
            .env_remove("XDG_DATA_HOME")
            .args(["plan", "--color", "never", "-f"])
            .arg(self.lab())
            .args(args)
            .output()
            .expect("vlab runs");
        (
            output.status.code(),
            without_seed_digests(&String::from_utf8_lossy(&output.stdout)),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// The JSON plan's changes, without the test's paths.
    fn json_changes(&self) -> String {
        let (code, stdout, stderr) = self.plan(&["--json"]);
        assert_eq!(code, Some(0), "{stdout}{stderr}");
        let value: serde_json::Value = serde_json::from_str(&stdout).expect("json");
        serde_json::to_string_pretty(&value["changes"]).expect("json")
    }
}

/// `text` with every `_seed_<12 hex digits>.img` as `_seed_[SEED].img`.
fn without_seed_digests(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("_seed_") {
        let (head, tail) = rest.split_at(at + "_seed_".len());
        out.push_str(head);
        let hex = tail.chars().take_while(char::is_ascii_hexdigit).count();
        if hex == 12 && tail[hex..].starts_with(".img") {
            out.push_str("[SEED]");
            rest = &tail[hex..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn a_converged_host_plans_no_changes() {
    let host = Host::converged(true);
    let (code, stdout, stderr) = host.plan(&[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("No changes."), "{stdout}");
}

#[test]
fn more_memory_and_cpus_are_an_update_that_shows_each_attribute() {
    let host = Host::converged(true);
    host.write_lab("96MiB", 2, 10);
    let (code, stdout, stderr) = host.plan(&[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("~ memory 64 MiB -> 96 MiB"), "{stdout}");
    snapshot!("plan-update", stdout);
    snapshot!("plan-update-json", host.json_changes());
}

#[test]
fn a_new_address_is_a_replace_that_shows_the_address_and_says_why_no_file_diff() {
    let host = Host::converged(true);
    host.write_lab("64MiB", 1, 11);
    let (code, stdout, stderr) = host.plan(&[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("~ interface.eth0.address 10.42.0.10/24 -> 10.42.0.11/24"),
        "{stdout}"
    );
    snapshot!("plan-replace", stdout);
    snapshot!("plan-replace-json", host.json_changes());
}

#[test]
fn a_domain_built_by_an_older_vlab_has_an_unknown_before_and_no_made_up_diff() {
    let host = Host::converged(false);
    let (code, stdout, stderr) = host.plan(&[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("No changes."),
        "a missing record is no change: {stdout}"
    );
    host.write_lab("96MiB", 1, 11);
    let (code, stdout, stderr) = host.plan(&[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "      1 cpu, 64 MiB -> 1 cpu, 96 MiB\n      before: unknown (built by an older vlab"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "cloud-init: the old files cannot be shown: the domain was built by an older vlab"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("~ interface"), "{stdout}");
}

#[test]
fn a_node_rebuilt_on_request_is_replaced_though_nothing_changed_and_a_target_leaves_the_rest() {
    let host = Host::converged(true);
    let (code, stdout, stderr) = host.plan(&["--replace", "node.web"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "  -/+ node.diff_web@t\n      replace requested (--replace)\n      no recorded attribute changed\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("Plan: 0 to add, 0 to change, 1 to replace, 0 to destroy.\n"),
        "{stdout}"
    );
    // Node web changed; a plan of node db leaves it out, and says so.
    host.write_lab("96MiB", 1, 10);
    let (code, stdout, stderr) = host.plan(&["--target", "node.db", "--detailed-exitcode"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert_eq!(
        stdout,
        "Targets: node.diff_db@t.\n1 change(s) outside the targets are left out; plan without --target to see them.\n\nNo changes. The hosts match lab `diff`.\n"
    );
}
