//! `vlab reset --seat` on a real libvirtd with three seats of tiny guests
//! (tests/guests/build-tiny-guest.sh): one seat is damaged as root on its serial console
//! (a file written into its root disk, its hostname changed), then reset; it is clean again
//! and back at the moment apply first saw it ready (its uptime went back, its seed's
//! instance-id is the same: nothing was rendered or provisioned again), while the other two
//! seats were not touched (same domain IDs, uptimes that only went on, same instance-ids,
//! their own marks still there). The reset seat is ready again by `vlab status`, and the
//! plan stays empty.
#![cfg(feature = "host-tests")]

use crate::support::tiny_guest::{sum, tiny_guest};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const URI: &str = "qemu:///system";

struct Lab {
    dir: tempfile::TempDir,
    file: PathBuf,
}

impl Lab {
    fn new(name: &str, guest: &Path) -> Lab {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("lab.kdl");
        let text = format!(
            r#"lab "{name}"
host "local" uri="{URI}" accel="tcg" pool="{name}"
image "tiny" url="file://{g}/root.raw" checksums-url="file://{g}/SHA256SUMS" format="raw" shutdown-timeout="2s" {{
    kernel "file://{g}/vmlinuz" checksum="sha256:{k}"
    initrd "file://{g}/initrd.gz" checksum="sha256:{i}"
    cmdline "console=ttyS0"
    ready "console" marker="vlab-tiny: ready" timeout="3m"
}}
defaults {{ memory "128MiB"; image "tiny"; }}
seats 3 {{
    network "lan-{{seat}}" mode="isolated" cidr="10.84.{{seat}}.0/24"
    node "pc-{{seat}}" {{ interface network="lan-{{seat}}" address="10.84.{{seat}}.10"; }}
}}
"#,
            g = guest.display(),
            k = sum(guest, "vmlinuz"),
            i = sum(guest, "initrd.gz"),
        );
        std::fs::write(&file, text).expect("lab");
        Lab { dir, file }
    }

    fn command(&self, subcommand: &[&str], args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_vlab"));
        command
            .env("VLAB_CACHE_DIR", self.dir.path().join("cache"))
            .env("HOME", self.dir.path())
            .env_remove("VLAB_DATA_DIR")
            .env_remove("XDG_DATA_HOME")
            .args(subcommand)
            .args(["--color", "never", "-f"])
            .arg(&self.file)
            .args(args);
        command
    }

    fn ok(&self, subcommand: &[&str], args: &[&str]) -> String {
        let out = self.command(subcommand, args).output().expect("vlab runs");
        assert!(
            out.status.success(),
            "vlab {subcommand:?} {args:?}:\n{}",
            text(&out)
        );
        text(&out)
    }

    /// What the shell command line `script` prints on `node`, as the lab's user over ssh.
    fn on(&self, node: &str, script: &str) -> String {
        self.ok(&["ssh"], &[node, "--", script])
    }

    /// Types `script` into `node`'s serial console, where a root shell runs.
    fn as_root_on_console(&self, node: &str, script: &str) {
        let mut child = self
            .command(&["console"], &[node])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("vlab console");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(format!("\n{script}\n").as_bytes())
            .expect("typed");
        drop(stdin);
        let out = child.wait_with_output().expect("console ends");
        assert!(out.status.success(), "console: {}", text(&out));
    }

    /// `pc-N`'s uptime in seconds, its seed's instance-id, and what `probe` prints there.
    fn facts(&self, node: &str, probe: &str) -> (f64, String, String) {
        let script = format!(
            "cut -d' ' -f1 /proc/uptime; sed -n 's/^instance-id: *//p' /mnt/meta-data; {probe}"
        );
        let out = self.on(node, &script);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len() >= 3, "{node}: {out}");
        (
            lines[0].parse().expect("uptime"),
            lines[1].trim_matches('"').to_string(),
            lines[2..].join("\n"),
        )
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self
            .command(&["destroy"], &["--auto-approve", "--purge-images", "-q"])
            .output();
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn domid(domain: &str) -> String {
    let out = Command::new("virsh")
        .args(["-q", "-c", URI, "domid", domain])
        .output()
        .expect("virsh");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn resetting_one_seat_makes_it_clean_and_leaves_the_other_seats_running_as_they_were() {
    let _libvirtd = crate::support::host_lock::exclusive();
    let guest = tiny_guest();
    let name = format!("sr{}", std::process::id());
    let lab = Lab::new(&name, &guest);
    lab.ok(&["apply"], &["--auto-approve"]);
    let seats = ["pc-1", "pc-2", "pc-3"];
    let ids: Vec<String> = seats
        .iter()
        .map(|n| domid(&format!("{name}_{n}")))
        .collect();

    // Each seat's user leaves a mark; seat 2 is damaged as root: a file on its root disk
    // (mounted read-only at /disk by the guest; remounted read-write for this) and another
    // hostname.
    for seat in seats {
        lab.on(seat, "echo mine > ~/mark");
    }
    lab.as_root_on_console(
        "pc-2",
        "mount -o remount,rw /disk && echo dirty > /disk/damage && sync && hostname damaged",
    );
    let probe = "hostname; cat /disk/damage 2>/dev/null || echo no-damage; cat ~/mark 2>/dev/null || echo no-mark";
    let before: Vec<_> = seats.iter().map(|n| lab.facts(n, probe)).collect();
    assert_eq!(before[1].2, "damaged\ndirty\nmine", "the damage is there");

    let reset = lab.ok(&["reset"], &["--seat", "2"]);
    assert!(
        reset.contains("pc-2: reset to its first ready state in"),
        "{reset}"
    );
    assert!(
        !reset.contains("pc-1") && !reset.contains("pc-3"),
        "{reset}"
    );

    let after: Vec<_> = seats.iter().map(|n| lab.facts(n, probe)).collect();
    // Seat 2: clean, back at the ready moment, same seed.
    assert_eq!(after[1].2, "pc-2\nno-damage\nno-mark", "seat 2 is clean");
    assert!(
        after[1].0 < before[1].0,
        "seat 2's uptime went back to its ready moment: {} -> {}",
        before[1].0,
        after[1].0
    );
    assert_eq!(
        after[1].1, before[1].1,
        "same instance-id: not provisioned again"
    );
    // Seats 1 and 3: the same guests, running on.
    for i in [0, 2] {
        assert_eq!(
            domid(&format!("{name}_{}", seats[i])),
            ids[i],
            "{}",
            seats[i]
        );
        assert!(after[i].0 > before[i].0, "{} kept running", seats[i]);
        assert_eq!(after[i].1, before[i].1, "{}: same instance-id", seats[i]);
        assert_eq!(after[i].2, format!("{}\nno-damage\nmine", seats[i]));
    }

    let status = lab
        .command(&["status"], &["--seat", "2", "--json"])
        .output()
        .expect("vlab status");
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status --json");
    assert_eq!(status["nodes"][0]["node"], "pc-2", "{status}");
    assert_eq!(
        status["nodes"][0]["readiness"]["state"], "ready",
        "{status}"
    );
    assert!(lab.ok(&["plan"], &[]).contains("No changes."));
}
