//! Crash safety on a real libvirtd: `vlab apply` killed with SIGKILL at several points
//! (while it uploads the base image, while it builds a node, while it waits for a guest to
//! be ready), then `vlab apply` again. Each time the lab converges: a plan afterwards is a
//! no-op, and the host holds exactly the lab's resources: one domain per node, one network,
//! one root overlay and one complete seed per node, complete base volumes, nothing partial
//! or left over.
#![cfg(feature = "host-tests")]

use crate::support::tiny_guest::{sum, tiny_guest};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const URI: &str = "qemu:///system";

struct Lab {
    dir: tempfile::TempDir,
    name: String,
    file: PathBuf,
}

impl Lab {
    fn new(guest: &Path) -> Lab {
        let dir = tempfile::tempdir().expect("tempdir");
        let name = format!("cs{}", std::process::id());
        // A root image large enough (256 MiB) that its upload is still running when vlab
        // is killed at its first line.
        let root = dir.path().join("big-root.raw");
        std::fs::File::create(&root)
            .and_then(|f| f.set_len(256 << 20))
            .expect("root image");
        let root_sum = sha256_of(&root);
        let file = dir.path().join("lab.kdl");
        let text = format!(
            r#"lab "{name}"
host "local" uri="{URI}" accel="tcg" pool="{name}"
image "tiny" url="file://{root}" checksum="sha256:{root_sum}" format="raw" {{
    kernel "file://{g}/vmlinuz" checksum="sha256:{k}"
    initrd "file://{g}/initrd.gz" checksum="sha256:{i}"
    cmdline "console=ttyS0"
    ready "console" marker="vlab-tiny: ready" timeout="3m"
}}
network "lan" cidr="10.94.0.0/24"
defaults {{ memory "128MiB"; }}
node "a" {{ interface network="lan" address="10.94.0.10"; }}
node "b" {{ interface network="lan" address="10.94.0.11"; }}
"#,
            root = root.display(),
            g = guest.display(),
            k = sum(guest, "vmlinuz"),
            i = sum(guest, "initrd.gz"),
        );
        std::fs::write(&file, text).expect("lab");
        Lab { dir, name, file }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_vlab"));
        command
            .env("VLAB_CACHE_DIR", self.dir.path().join("cache"))
            .env("HOME", self.dir.path())
            .args(args)
            .args(["--color", "never", "-f"])
            .arg(&self.file);
        command
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.command(args).output().expect("vlab runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "vlab {args:?}:\n{text}");
        text
    }

    /// Runs `vlab apply` and kills it with SIGKILL as soon as it prints a line containing
    /// `marker`; returns what it printed.
    fn apply_killed_at(&self, marker: &str) -> String {
        self.apply_killed_when(marker, &|| true)
    }

    /// Like `apply_killed_at`, killing only once `also` holds too (checked after the line).
    fn apply_killed_when(&self, marker: &str, also: &dyn Fn() -> bool) -> String {
        let mut child = self
            .command(&["apply", "--auto-approve"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("vlab runs");
        let stderr = child.stderr.take().expect("stderr");
        let mut seen = String::new();
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap_or_default();
            seen.push_str(&line);
            seen.push('\n');
            if line.contains(marker) {
                let deadline = Instant::now() + Duration::from_secs(60);
                while !also() && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(20));
                }
                child.kill().expect("SIGKILL");
                break;
            }
        }
        let status = child.wait().expect("wait");
        assert!(
            !status.success(),
            "apply finished before `{marker}` appeared:\n{seen}"
        );
        seen
    }

    fn volumes(&self) -> BTreeSet<String> {
        virsh(&["pool-refresh", &self.name]);
        virsh(&["vol-list", "--pool", &self.name])
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect()
    }

    /// The host holds exactly the converged lab, and a plan has nothing to do.
    fn assert_converged(&self) {
        let out = self
            .command(&["plan", "--detailed-exitcode"])
            .output()
            .expect("plan");
        assert_eq!(
            out.status.code(),
            Some(0),
            "a plan after recovery is a no-op:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let domains = names(
            &virsh(&["list", "--all", "--name"]),
            &format!("{}_", self.name),
        );
        assert_eq!(
            domains,
            [format!("{}_a", self.name), format!("{}_b", self.name)].into()
        );
        for domain in &domains {
            assert_eq!(virsh(&["domstate", domain]).trim(), "running", "{domain}");
        }
        let networks = names(
            &virsh(&["net-list", "--all", "--name"]),
            &format!("vlab_{}_", self.name),
        );
        assert_eq!(networks, [format!("vlab_{}_lan", self.name)].into());
        let volumes = self.volumes();
        for node in ["a", "b"] {
            let prefix = format!("vlab_{}_{node}_", self.name);
            let root = format!("{prefix}root.qcow2");
            assert!(volumes.contains(&root), "{root} in {volumes:?}");
            let seeds: Vec<&String> = volumes
                .iter()
                .filter(|v| v.starts_with(&format!("{prefix}seed_")) && v.ends_with(".img"))
                .collect();
            assert_eq!(seeds.len(), 1, "one seed for {node}: {volumes:?}");
        }
        let uploaded: Vec<&String> = volumes
            .iter()
            .filter(|v| v.starts_with("vlab-base-") || v.contains("_seed_"))
            .filter(|v| !v.ends_with(".ready"))
            .collect();
        // The image, its kernel and initrd; two seeds. Each upload is complete.
        assert_eq!(uploaded.len(), 5, "{volumes:?}");
        for volume in uploaded {
            assert!(
                volumes.contains(&format!("{volume}.ready")),
                "{volume} is complete: {volumes:?}"
            );
        }
        // A guest that ran has its console log in the pool; nobody else has one.
        let logs: Vec<&String> = volumes
            .iter()
            .filter(|v| v.ends_with("_console.log"))
            .collect();
        for log in &logs {
            assert!(
                ["a", "b"]
                    .iter()
                    .any(|node| **log == format!("vlab_{}_{node}_console.log", self.name)),
                "{log} belongs to a node: {volumes:?}"
            );
        }
        assert_eq!(
            volumes.len(),
            2 + 5 * 2 + logs.len(),
            "nothing else: {volumes:?}"
        );
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self
            .command(&["destroy", "--auto-approve", "--purge-images", "-q"])
            .output();
    }
}

fn virsh(args: &[&str]) -> String {
    let out = Command::new("virsh")
        .args(["-c", URI, "-q"])
        .args(args)
        .output()
        .expect("virsh runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn names(list: &str, prefix: &str) -> BTreeSet<String> {
    list.lines()
        .map(str::trim)
        .filter(|l| l.starts_with(prefix))
        .map(str::to_string)
        .collect()
}

fn sha256_of(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("digest")
        .to_string()
}

#[test]
fn apply_killed_at_any_point_then_applied_again_converges_without_leftovers() {
    // Dropped last: after this test's guests, networks and pools are removed.
    let _libvirtd = crate::support::host_lock::exclusive();
    let guest = tiny_guest();
    let lab = Lab::new(&guest);

    // 1. Killed while the 256 MiB base image streams into the pool: its volume exists and
    // has no `.ready` marker yet.
    let partial_upload = || {
        let volumes = lab.volumes();
        volumes
            .iter()
            .any(|v| v.starts_with("vlab-base-") && !volumes.contains(&format!("{v}.ready")))
    };
    lab.apply_killed_when("image.tiny@local: creating", &partial_upload);
    assert!(
        partial_upload(),
        "the kill left a partial upload: {:?}",
        lab.volumes()
    );
    lab.ok(&["apply", "--auto-approve"]);
    lab.assert_converged();

    // 2. Killed while a node is being built (disks, seed, define, start).
    lab.ok(&["destroy", "--auto-approve"]);
    lab.apply_killed_at(&format!("node.{}_a@local: creating", lab.name));
    lab.ok(&["apply", "--auto-approve"]);
    lab.assert_converged();

    // 3. Killed while it waits for a guest to say it is ready.
    lab.ok(&["destroy", "--auto-approve"]);
    lab.apply_killed_at("running; waiting for");
    lab.ok(&["apply", "--auto-approve"]);
    lab.assert_converged();
}
