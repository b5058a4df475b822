//! `vlab ssh-config`, `vlab ssh` and the lab's keys, against libvirt's in-memory
//! `test:///default` driver (no daemon, no guest): the keys vlab makes for a lab (mode 0600,
//! made once), the seed that carries the lab's login key and the node's host key (masked
//! when rendered), the config OpenSSH itself parses (`ssh -G`), and the errors for a node
//! that does not exist or does not run. Logging into a real guest with these keys is tested
//! in `debian_guest`.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

const LAB: &str = r#"lab "acc"
host "t" uri="test:///default" hypervisor="kvm" accel="tcg"
image "tiny" url="https://example.net/tiny.qcow2" checksum="sha256:9c3b21fcd1e1f6d8ad1e5b4b7f4f1d3ba5e8c6a1f0d2e3b4c5d6e7f8091a2b3c"
network "lan" cidr="10.41.0.0/24"
node "web-{index}" count=2 image="tiny" { interface network="lan" address="10.41.0.{index+10}"; }
node "db" image="tiny" { interface network="lan"; cloud-init { vars { user "dba"; }; }; }
"#;

fn vlab(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    crate::support::lab_cli::run(dir, "acc.kdl", LAB, args)
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn ssh_config_has_a_pinned_block_per_node_that_openssh_parses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, stdout, stderr) = vlab(dir.path(), &["ssh-config"]);
    assert_eq!(code, Some(0), "{stderr}");
    let shown = stdout.replace(&dir.path().display().to_string(), "$HOME");
    snapshot!("ssh-config", shown);

    let keys = dir.path().join(".local/share/vlab/labs/acc");
    assert_eq!(mode(&keys), 0o700);
    for file in [
        "id_ed25519",
        "known_hosts",
        "host-keys/web-1",
        "host-keys/db",
    ] {
        assert_eq!(mode(&keys.join(file)), 0o600, "{file}");
    }
    let known = std::fs::read_to_string(keys.join("known_hosts")).expect("known_hosts");
    let aliases: Vec<&str> = known.lines().filter_map(|l| l.split(' ').next()).collect();
    assert_eq!(aliases, ["vlab.acc.db", "vlab.acc.web-1", "vlab.acc.web-2"]);

    // OpenSSH reads the file as vlab meant it (`ssh -G` resolves without connecting).
    let config = dir.path().join("acc.ssh");
    std::fs::write(&config, &stdout).expect("config");
    let resolved = Command::new("ssh")
        .arg("-F")
        .arg(&config)
        .args(["-G", "web-2"])
        .output()
        .expect("ssh runs");
    assert!(
        resolved.status.success(),
        "{}",
        String::from_utf8_lossy(&resolved.stderr)
    );
    let resolved = String::from_utf8_lossy(&resolved.stdout).to_lowercase();
    let dir_text = dir.path().display().to_string().to_lowercase();
    for line in [
        "hostname 10.41.0.12",
        "user vlab",
        "stricthostkeychecking true",
        "hostkeyalias vlab.acc.web-2",
        &format!("userknownhostsfile {dir_text}/.local/share/vlab/labs/acc/known_hosts"),
        &format!("identityfile {dir_text}/.local/share/vlab/labs/acc/id_ed25519"),
    ] {
        assert!(
            resolved.lines().any(|l| l == line),
            "ssh -G lacks `{line}`:\n{resolved}"
        );
    }

    // Made once: a second run keeps every key.
    let before = std::fs::read_to_string(keys.join("host-keys/web-1.pub")).expect("pub");
    let (code, again, _) = vlab(dir.path(), &["ssh-config"]);
    assert_eq!(code, Some(0));
    assert_eq!(again, stdout);
    assert_eq!(
        std::fs::read_to_string(keys.join("host-keys/web-1.pub")).expect("pub"),
        before
    );
}

#[test]
fn the_seed_carries_the_lab_key_and_the_host_key_which_render_masks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, stdout, stderr) = vlab(dir.path(), &["render", "web-1"]);
    assert_eq!(code, Some(0), "{stderr}");
    let keys = dir.path().join(".local/share/vlab/labs/acc");
    let login = std::fs::read_to_string(keys.join("id_ed25519.pub")).expect("login key");
    let host_public = std::fs::read_to_string(keys.join("host-keys/web-1.pub")).expect("host key");
    let host_private = std::fs::read_to_string(keys.join("host-keys/web-1")).expect("host key");
    assert!(
        stdout.contains(&format!("- {:?}", login.trim())),
        "{stdout}"
    );
    assert!(stdout.contains("ssh_deletekeys: true"), "{stdout}");
    assert!(
        stdout.contains(&format!("ed25519_public: {:?}", host_public.trim())),
        "{stdout}"
    );
    assert!(
        !stdout.contains("PRIVATE KEY"),
        "render printed the host's private key:\n{stdout}"
    );
    let body = host_private.lines().nth(1).expect("key body");
    assert!(
        !stdout.contains(body),
        "render printed part of the host's private key"
    );

    // The seed itself carries the private key (cloud-init installs it in the guest).
    let out = dir.path().join("out");
    let (code, _, stderr) = vlab(
        dir.path(),
        &["render", "web-1", "--out", out.to_str().expect("utf-8")],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let user_data = std::fs::read_to_string(out.join("user-data")).expect("user-data");
    assert!(user_data.contains("ed25519_private: \"-----BEGIN OPENSSH PRIVATE KEY-----\\n"));
}

#[test]
fn ssh_refuses_a_node_that_does_not_exist_or_does_not_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, _, stderr) = vlab(dir.path(), &["ssh", "nope"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("the lab has no node `nope`"), "{stderr}");
    assert!(
        stderr.contains("db, web-1, web-2") || stderr.contains("web-1, web-2, db"),
        "{stderr}"
    );

    let (code, _, stderr) = vlab(dir.path(), &["ssh", "web-1", "--", "true"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("node `web-1` does not exist on host `t`"),
        "{stderr}"
    );
    assert!(stderr.contains("vlab apply"), "{stderr}");
}

#[test]
fn exec_selects_by_name_and_glob_and_fails_for_nodes_that_do_not_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, stdout, stderr) = vlab(dir.path(), &["exec", "--all", "--", "true"]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("web-1 ! error: the node does not exist on host `t`"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "3 node(s): 0 exited 0, 3 failed: web-1 (not run), web-2 (not run), db (not run)"
        ),
        "{stderr}"
    );

    let (code, stdout, stderr) = vlab(dir.path(), &["exec", "--json", "web-?", "--", "uptime"]);
    assert_eq!(code, Some(1), "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(value["lab"], "acc");
    assert_eq!(value["command"], serde_json::json!(["uptime"]));
    let nodes: Vec<&str> = value["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["node"].as_str().expect("node"))
        .collect();
    assert_eq!(nodes, ["web-1", "web-2"]);
    assert!(value["results"][0]["rc"].is_null());
    assert!(
        value["results"][0]["error"]
            .as_str()
            .expect("error")
            .contains("does not exist")
    );

    let (code, _, stderr) = vlab(dir.path(), &["exec", "web-*", "cache", "--", "true"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("no node of the lab matches `cache`"),
        "{stderr}"
    );
    assert!(stderr.contains("its nodes: web-1, web-2, db"), "{stderr}");
}
