//! What an instructor does to a running lab, on a real libvirtd with two tiny guests
//! (tests/guests/build-tiny-guest.sh): `vlab reset` of one guest returns it to the state
//! apply first saw it ready in (a file written into its memory-held home is gone),
//! while the other guest is not touched (same domain ID, its own file still there); named
//! snapshots are saved, listed (time, state, memory, size), restored and deleted, and a
//! restore of a missing snapshot or of one taken of another lab definition is refused;
//! `vlab stop` is not drift (the plan stays empty) until `vlab start` brings the guest back,
//! ready; `vlab destroy` leaves no domain, snapshot or volume behind.
#![cfg(feature = "host-tests")]

use crate::support::tiny_guest::{sum, tiny_guest};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

const URI: &str = "qemu:///system";

struct Lab {
    dir: tempfile::TempDir,
    name: String,
    file: PathBuf,
}

impl Lab {
    fn write(&self, guest: &Path, alpha_memory: &str) {
        let text = format!(
            r#"lab "{name}"
host "local" uri="{URI}" accel="tcg" pool="{name}"
image "tiny" url="file://{g}/root.raw" checksums-url="file://{g}/SHA256SUMS" format="raw" shutdown-timeout="2s" {{
    kernel "file://{g}/vmlinuz" checksum="sha256:{k}"
    initrd "file://{g}/initrd.gz" checksum="sha256:{i}"
    cmdline "console=ttyS0"
    ready "console" marker="vlab-tiny: ready" timeout="3m"
}}
network "lan" cidr="10.86.0.0/24"
defaults {{ memory "128MiB"; image "tiny"; }}
node "alpha" {{ memory "{alpha_memory}"; interface network="lan" address="10.86.0.10"; }}
node "beta" {{ interface network="lan" address="10.86.0.11"; }}
"#,
            name = self.name,
            g = guest.display(),
            k = sum(guest, "vmlinuz"),
            i = sum(guest, "initrd.gz"),
        );
        std::fs::write(&self.file, text).expect("lab");
    }

    fn run(&self, subcommand: &[&str], args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_vlab"))
            .env("VLAB_CACHE_DIR", self.dir.path().join("cache"))
            .env("HOME", self.dir.path())
            .env_remove("VLAB_DATA_DIR")
            .env_remove("XDG_DATA_HOME")
            .args(subcommand)
            .args(["--color", "never", "-f"])
            .arg(&self.file)
            .args(args)
            .output()
            .expect("vlab runs")
    }

    fn ok(&self, subcommand: &[&str], args: &[&str]) -> String {
        let out = self.run(subcommand, args);
        assert!(
            out.status.success(),
            "vlab {subcommand:?} {args:?}:\n{}",
            text(&out)
        );
        text(&out)
    }

    /// What the shell command line `script` prints on `node`, over ssh with the host key
    /// pinned (ssh hands the remote shell one line).
    fn on(&self, node: &str, script: &str) -> String {
        self.ok(&["ssh"], &[node, "--", script])
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self.run(&["destroy"], &["--auto-approve", "--purge-images", "-q"]);
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn virsh(args: &[&str]) -> Output {
    Command::new("virsh")
        .args(["-q", "-c", URI])
        .args(args)
        .output()
        .expect("virsh")
}

fn domid(domain: &str) -> String {
    String::from_utf8_lossy(&virsh(&["domid", domain]).stdout)
        .trim()
        .to_string()
}

#[test]
fn reset_snapshots_and_stop_start_on_running_tiny_guests() {
    let _libvirtd = crate::support::host_lock::exclusive();
    let guest = tiny_guest();
    let dir = tempfile::tempdir().expect("tempdir");
    let name = format!("co{}", std::process::id());
    let lab = Lab {
        file: dir.path().join("lab.kdl"),
        dir,
        name: name.clone(),
    };
    lab.write(&guest, "128MiB");
    let started = Instant::now();
    lab.ok(&["apply"], &["--auto-approve"]);
    eprintln!("apply took {:?}", started.elapsed());
    let (alpha, beta) = (format!("{name}_alpha"), format!("{name}_beta"));
    let snapshots =
        String::from_utf8_lossy(&virsh(&["snapshot-list", &alpha, "--name"]).stdout).into_owned();
    assert!(
        snapshots.contains("vlab-ready"),
        "apply took the reset point: {snapshots}"
    );

    // Damage alpha, mark beta; reset alpha only.
    lab.on("alpha", "echo dirty > ~/damage");
    lab.on("beta", "echo mine > ~/keep");
    let beta_id = domid(&beta);
    let reset = lab.ok(&["reset"], &["--node", "alpha"]);
    assert!(
        reset.contains("alpha: reset to its first ready state in"),
        "{reset}"
    );
    let after = lab.on("alpha", "hostname; cat ~/damage 2>/dev/null || echo clean");
    assert_eq!(
        after.lines().collect::<Vec<_>>(),
        ["alpha", "clean"],
        "{after}"
    );
    assert_eq!(domid(&beta), beta_id, "beta was not touched");
    assert_eq!(lab.on("beta", "cat ~/keep").trim(), "mine");
    let status: serde_json::Value = serde_json::from_str(&String::from_utf8_lossy(
        &lab.run(&["status"], &["--json"]).stdout,
    ))
    .expect("status --json");
    assert_eq!(
        status["nodes"][0]["readiness"]["state"], "ready",
        "{status}"
    );
    assert!(lab.ok(&["plan"], &[]).contains("No changes."));

    // Named snapshots: save, change, restore, list, delete.
    lab.on("alpha", "echo one > ~/step");
    let saved = lab.ok(&["snapshot", "save"], &["lesson-1"]);
    assert!(
        saved.contains("snapshot `lesson-1` of alpha: taken"),
        "{saved}"
    );
    lab.on("alpha", "echo two > ~/step");
    let refused = lab.run(&["snapshot", "save"], &["lesson-1"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    lab.ok(&["snapshot", "restore"], &["lesson-1", "--node", "alpha"]);
    assert_eq!(lab.on("alpha", "cat ~/step").trim(), "one");
    let listed = lab.ok(&["snapshot", "list"], &[]);
    for node in ["alpha", "beta"] {
        let row = listed
            .lines()
            .find(|l| l.starts_with("lesson-1") && l.contains(node))
            .unwrap_or_else(|| panic!("{node} in:\n{listed}"));
        assert!(row.contains(" running ") && row.contains(" yes "), "{row}");
        assert!(row.trim_end().ends_with("MiB"), "a size: {row}");
    }
    let listed: serde_json::Value = serde_json::from_str(&String::from_utf8_lossy(
        &lab.run(&["snapshot", "list"], &["--json"]).stdout,
    ))
    .expect("list --json");
    assert_eq!(
        listed["snapshots"].as_array().map(Vec::len),
        Some(2),
        "{listed}"
    );
    assert!(
        listed["snapshots"][0]["size_bytes"].as_u64().unwrap_or(0) > 0,
        "{listed}"
    );
    let missing = lab.run(&["snapshot", "restore"], &["lesson-9"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing).contains("has no snapshot `lesson-9`"),
        "{}",
        text(&missing)
    );
    // Another definition of alpha in the lab file: its snapshot does not fit it any more.
    lab.write(&guest, "160MiB");
    let other = lab.run(&["snapshot", "restore"], &["lesson-1"]);
    assert_eq!(other.status.code(), Some(1));
    assert!(
        text(&other).contains("was taken of another definition of the node"),
        "{}",
        text(&other)
    );
    assert_eq!(
        lab.on("alpha", "cat ~/step").trim(),
        "one",
        "nothing was touched"
    );
    lab.write(&guest, "128MiB");
    lab.ok(&["snapshot", "delete"], &["lesson-1"]);
    assert!(lab.ok(&["snapshot", "list"], &[]).contains("No snapshots."));

    // Stopped on purpose is not drift; start brings it back, ready.
    let stopped = lab.ok(&["stop"], &["--node", "beta"]);
    assert!(stopped.contains("stopped"), "{stopped}");
    assert_eq!(
        String::from_utf8_lossy(&virsh(&["domstate", &beta]).stdout).trim(),
        "shut off"
    );
    assert!(
        lab.ok(&["plan"], &[]).contains("No changes."),
        "a stopped guest is not drift"
    );
    let start = lab.ok(&["start"], &["--node", "beta"]);
    assert!(start.contains("ready after"), "{start}");
    assert_eq!(lab.on("beta", "hostname").trim(), "beta");
    assert!(lab.ok(&["plan"], &[]).contains("No changes."));

    // Destroy leaves nothing: no domain (so no snapshot), no volume.
    lab.ok(&["destroy"], &["--auto-approve"]);
    for domain in [&alpha, &beta] {
        assert!(
            !virsh(&["dominfo", domain]).status.success(),
            "{domain} is gone"
        );
    }
    let volumes = String::from_utf8_lossy(&virsh(&["vol-list", &name]).stdout).into_owned();
    assert!(
        !volumes.contains(&format!("vlab_{name}_")),
        "no volume of the lab is left: {volumes}"
    );
    eprintln!("done {:?} after apply started", started.elapsed());
}
