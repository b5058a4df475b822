//! `vlab inventory` against libvirt's in-memory `test:///default` driver (no daemon, no
//! guest): the three formats (snapshots), the warning for a node without an address yet,
//! the note for a lab that brings its own `ssh-key`, and a group left out because a node has
//! its name. What real Ansible makes of the output is tested in `inventory_ansible`.

use std::path::Path;

pub const LAB: &str = r#"lab "inv"
host "t" uri="test:///default" hypervisor="kvm" accel="tcg"
image "tiny" url="https://example.net/tiny.qcow2" checksum="sha256:9c3b21fcd1e1f6d8ad1e5b4b7f4f1d3ba5e8c6a1f0d2e3b4c5d6e7f8091a2b3c"
network "lan" cidr="10.42.0.0/24"
defaults { image "tiny"; groups "inv_lab"; }
node "web-{index}" count=2 { interface network="lan" address="10.42.0.{index+10}"; groups "frontend"; }
node "lb" groups="web" { interface network="lan" address="10.42.0.5"; }
node "db" { interface network="lan"; cloud-init { vars { user "dba"; }; }; }
"#;

pub fn vlab(dir: &Path, lab: &str, args: &[&str]) -> (Option<i32>, String, String) {
    crate::support::lab_cli::run(dir, "inv.kdl", lab, args)
}

const NO_ADDRESS: &str = "warning: node `db` has no address yet (not running, or no DHCP \
                          lease): it is listed without ansible_host";

#[test]
fn each_format_lists_the_groups_and_the_pinned_login_of_every_node() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().display().to_string();
    for format in ["yaml", "ini", "json"] {
        let (code, stdout, stderr) = vlab(dir.path(), LAB, &["inventory", "--format", format]);
        assert_eq!(code, Some(0), "{stderr}");
        assert!(stderr.contains(NO_ADDRESS), "{stderr}");
        assert!(
            !stdout.contains("StrictHostKeyChecking=no") && stdout.contains("=yes"),
            "{stdout}"
        );
        snapshot!(
            format!("inventory-{format}"),
            stdout.replace(&home, "$HOME")
        );
    }
    // YAML is the default, JSON the default with --json.
    let (_, yaml, _) = vlab(dir.path(), LAB, &["inventory"]);
    assert!(yaml.contains("\nall:\n  hosts:\n"), "{yaml}");
    let (_, json, _) = vlab(dir.path(), LAB, &["inventory", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(
        value["web"]["hosts"],
        serde_json::json!(["web-1", "web-2", "lb"])
    );
    // -q keeps stderr quiet, the inventory is the same.
    let (code, quiet, stderr) = vlab(dir.path(), LAB, &["inventory", "-q"]);
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    assert_eq!(quiet, yaml);
}

#[test]
fn a_lab_with_its_own_ssh_key_logs_in_with_the_users_keys_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = LAB.replace(
        "lab \"inv\"",
        "lab \"inv\" { ssh-key \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBbb me@laptop\"; }",
    );
    let (code, stdout, stderr) = vlab(dir.path(), &lab, &["inventory", "--format", "ini"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        !stdout.contains("ansible_ssh_private_key_file="),
        "{stdout}"
    );
    assert!(!stdout.contains("IdentitiesOnly"), "{stdout}");
    assert!(stdout.contains("HostKeyAlias=vlab.inv.web-1"), "{stdout}");
    let note = "the lab declares its own `ssh-key`: Ansible logs in with your SSH agent or your \
                default keys";
    assert!(stderr.contains(&format!("note: {note}")), "{stderr}");
    assert!(stdout.contains(&format!("# note: {note}")), "{stdout}");
}

#[test]
fn a_count_group_named_like_a_node_is_left_out_with_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = LAB.replace("node \"lb\" groups=\"web\"", "node \"web\"");
    let (code, stdout, stderr) = vlab(dir.path(), &lab, &["inventory", "--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "warning: group `web` (web-1, web-2) is left out of the inventory: node `web` has \
             that name"
        ),
        "{stderr}"
    );
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert!(value.get("web").is_none(), "{stdout}");
    assert!(value["_meta"]["hostvars"]["web"].is_object(), "{stdout}");
}
