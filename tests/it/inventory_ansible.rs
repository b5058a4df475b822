//! Real Ansible reads what `vlab inventory` prints: `ansible-inventory --list` on the YAML
//! file, the INI file and an inventory script that prints the JSON gives the same hosts,
//! groups and variables for all three, as intended, with no warning; and the ssh options
//! split (as Ansible splits them, with `shlex`) into the pinned options even under a `HOME`
//! with a space, quotes, `#` and `$`. No guest and no libvirtd (`test:///default`);
//! `debian_guest` pings a real guest with the inventory. Needs ansible-core
//! (`support::ansible`, installed by scripts/test.sh).
#![cfg(feature = "host-tests")]

use crate::inventory_cli::{LAB, vlab};
use crate::support::ansible;
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// `ansible-inventory -i FILE --list`, parsed; fails on any warning or unparsed source.
fn list(home: &Path, inventory: &Path) -> Value {
    let out = ansible::command("ansible-inventory")
        .env("HOME", home)
        .env("ANSIBLE_INVENTORY_UNPARSED_FAILED", "True")
        .arg("-i")
        .arg(inventory)
        .arg("--list")
        .output()
        .expect("ansible-inventory runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "ansible-inventory -i {}: {stderr}",
        inventory.display()
    );
    assert!(
        !stderr.contains("WARNING"),
        "ansible-inventory -i {} warns: {stderr}",
        inventory.display()
    );
    let mut value: Value = serde_json::from_slice(&out.stdout).expect("json");
    // Which parser read the source, not what it read.
    if let Some(meta) = value["_meta"].as_object_mut() {
        meta.remove("profile");
    }
    value
}

#[test]
fn ansible_reads_the_same_inventory_from_each_format() {
    let temp = tempfile::tempdir().expect("tempdir");
    let home = temp.path().join("my h#o\"m'e $x");
    std::fs::create_dir(&home).expect("home");
    let mut files = Vec::new();
    for (format, name) in [
        ("yaml", "inv.yml"),
        ("ini", "inv.ini"),
        ("json", "inv.json"),
    ] {
        let (code, stdout, stderr) = vlab(&home, LAB, &["inventory", "--format", format]);
        assert_eq!(code, Some(0), "{stderr}");
        let file = temp.path().join(name);
        std::fs::write(&file, stdout).expect("inventory");
        files.push(file);
    }
    // The JSON is an inventory script's output: a script that prints it is the inventory.
    let script = temp.path().join("inv.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nexec cat '{}'\n", files[2].display()),
    )
    .expect("script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("mode");
    files[2] = script;

    let lists: Vec<Value> = files.iter().map(|f| list(temp.path(), f)).collect();
    assert_eq!(lists[0], lists[1], "YAML and INI differ");
    assert_eq!(lists[0], lists[2], "YAML and the script's JSON differ");

    let value = &lists[0];
    let mut children: Vec<&str> = value["all"]["children"]
        .as_array()
        .expect("children")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    children.sort_unstable();
    assert_eq!(
        children,
        ["frontend", "inv_lab", "ungrouped", "vlab_host_t", "web"]
    );
    assert_eq!(value["web"]["hosts"], json!(["web-1", "web-2", "lb"]));
    assert_eq!(value["frontend"]["hosts"], json!(["web-1", "web-2"]));
    assert_eq!(
        value["vlab_host_t"]["hosts"],
        json!(["web-1", "web-2", "lb", "db"])
    );
    let keys = home.join(".local/share/vlab/labs/inv");
    let web = &value["_meta"]["hostvars"]["web-1"];
    assert_eq!(web["ansible_host"], "10.42.0.11");
    assert_eq!(web["ansible_user"], "vlab");
    assert_eq!(
        web["ansible_ssh_private_key_file"],
        keys.join("id_ed25519").display().to_string()
    );
    let db = &value["_meta"]["hostvars"]["db"];
    assert!(db.get("ansible_host").is_none(), "{db}");
    assert_eq!(db["ansible_user"], "dba");

    // Ansible splits ansible_ssh_common_args with shlex.split: the words are ssh's options.
    let args = web["ansible_ssh_common_args"].as_str().expect("args");
    let split = ansible::command("python")
        .args([
            "-c",
            "import shlex, sys; print('\\n'.join(shlex.split(sys.argv[1])))",
            args,
        ])
        .output()
        .expect("python runs");
    assert!(split.status.success());
    let words = String::from_utf8(split.stdout).expect("utf-8");
    let known_hosts = keys.join("known_hosts").display().to_string();
    let expected = [
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        &format!("UserKnownHostsFile={known_hosts}"),
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        "HostKeyAlias=vlab.inv.web-1",
        "-o",
        "CheckHostIP=no",
    ];
    assert_eq!(words.lines().collect::<Vec<_>>(), expected);
}
