//! End-to-end on a real libvirtd with real guests: the tiny test guest (Debian's cloud kernel
//! and a busybox initramfs, built by tests/guests/build-tiny-guest.sh from Debian packages)
//! boots under software emulation, reads vlab's cidata seed and configures its NICs from
//! vlab's network-config (static) or by DHCP from vlab's network, and says so on the serial
//! console, which vlab logs on the host (in its pool). Changed cloud-init data replaces the node, and the
//! guest then reports the new instance-id.
#![cfg(feature = "host-tests")]

use crate::support::tiny_guest::{sum, tiny_guest};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const URI: &str = "qemu:///system";

struct Lab {
    dir: tempfile::TempDir,
    name: String,
    file: PathBuf,
}

impl Lab {
    fn write(&self, guest: &Path, user: &str) {
        let text = format!(
            r#"lab "{name}"
host "local" uri="{URI}" accel="tcg" pool="{name}"
image "tiny" url="file://{g}/root.raw" checksums-url="file://{g}/SHA256SUMS" format="raw" {{
    kernel "file://{g}/vmlinuz" checksum="sha256:{k}"
    initrd "file://{g}/initrd.gz" checksum="sha256:{i}"
    cmdline "console=ttyS0"
    ready "console" marker="vlab-tiny: ready" timeout="3m"
}}
network "lan" cidr="10.96.0.0/24" {{ dhcp start="10.96.0.100" end="10.96.0.150"; }}
defaults {{ memory "128MiB"; cloud-init {{ vars {{ user "{user}"; }}; }}; }}
// A second image with the same kernel and initrd: one volume each on the host, uploaded once.
image "tiny-b" url="file://{g}/root.raw" checksums-url="file://{g}/SHA256SUMS" format="raw" {{
    kernel "file://{g}/vmlinuz" checksum="sha256:{k}"
    initrd "file://{g}/initrd.gz" checksum="sha256:{i}"
    cmdline "console=ttyS0 quiet"
    ready "console" marker="vlab-tiny: ready" timeout="3m"
}}
node "fixed" image="tiny" {{ interface network="lan" address="10.96.0.10"; }}
node "leased" image="tiny-b" {{ interface network="lan"; }}
"#,
            name = self.name,
            g = guest.display(),
            k = sum(guest, "vmlinuz"),
            i = sum(guest, "initrd.gz"),
        );
        std::fs::write(&self.file, text).expect("lab");
    }

    fn vlab(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_vlab"))
            .env("VLAB_CACHE_DIR", self.dir.path().join("cache"))
            .env("HOME", self.dir.path())
            .args(args)
            .args(["--color", "never", "-f"])
            .arg(&self.file)
            .output()
            .expect("vlab runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "vlab {args:?}:\n{text}");
        text
    }
}

impl Lab {
    /// What `vlab ARGS` printed on stdout (it must succeed).
    fn stdout(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_vlab"))
            .env("VLAB_CACHE_DIR", self.dir.path().join("cache"))
            .env("HOME", self.dir.path())
            .args(args)
            .args(["--color", "never", "-f"])
            .arg(&self.file)
            .output()
            .expect("vlab runs");
        assert!(
            out.status.success(),
            "vlab {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }
}

/// Every node row of a `vlab status` table reads `ready since HH:MM:SS`.
fn status_table_says_ready(table: &str) -> bool {
    let rows: Vec<&str> = table.lines().skip(1).filter(|l| !l.is_empty()).collect();
    !rows.is_empty() && rows.iter().all(|row| row.contains(" ready since "))
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = Command::new(env!("CARGO_BIN_EXE_vlab"))
            .env("VLAB_CACHE_DIR", self.dir.path().join("cache"))
            .args(["destroy", "--auto-approve", "--purge-images", "-q", "-f"])
            .arg(&self.file)
            .output();
    }
}

/// How far the console log file may lag behind the console stream that apply watched.
const SLACK: Duration = Duration::from_secs(5);

/// The console lines the guest printed since its last boot, once it says `ready`. The log
/// is in the lab's pool (named after the lab, like the pool here), `vlab_<lab>_<node>_console.log`.
fn wait_ready(lab: &str, node: &str, instance_id: &str, limit: Duration) -> Vec<String> {
    let domain = format!("{lab}_{node}");
    let log = format!("/var/lib/libvirt/images/{lab}/vlab_{lab}_{node}_console.log");
    let deadline = Instant::now() + limit;
    loop {
        let text = String::from_utf8_lossy(&std::fs::read(&log).unwrap_or_default()).into_owned();
        let boot = text.rsplit("Linux version").next().unwrap_or_default();
        let lines: Vec<String> = boot
            .lines()
            .filter(|l| l.starts_with("vlab-tiny:"))
            .map(str::to_string)
            .collect();
        if lines.iter().any(|l| l == "vlab-tiny: ready")
            && lines.iter().any(|l| l.contains(instance_id))
        {
            return lines;
        }
        assert!(
            Instant::now() < deadline,
            "{domain} did not report ready with {instance_id} within {limit:?}; console so far:\n{boot}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn instance_id(lab: &Lab, node: &str) -> String {
    let out = lab.vlab(&["render", node, "--json"]);
    let json_line = out.lines().find(|l| l.starts_with('{')).expect("json");
    let value: serde_json::Value = serde_json::from_str(json_line).expect("json");
    value["instance_id"]
        .as_str()
        .expect("instance id")
        .to_string()
}

#[test]
fn tiny_guests_boot_read_their_seed_and_get_their_addresses() {
    // Dropped last: after this test's guests, networks and pools are removed.
    let _libvirtd = crate::support::host_lock::exclusive();
    let guest = tiny_guest();
    let dir = tempfile::tempdir().expect("tempdir");
    let name = format!("tg{}", std::process::id());
    let lab = Lab {
        file: dir.path().join("lab.kdl"),
        dir,
        name: name.clone(),
    };
    lab.write(&guest, "alice");
    let started = Instant::now();
    let applied = lab.vlab(&["apply", "--auto-approve"]);
    eprintln!("apply returned {:?} after it started", started.elapsed());
    for node in ["fixed", "leased"] {
        assert!(
            applied.contains(&format!("node.{name}_{node}@local: ready after")),
            "apply waits for each guest's ready line: {applied}"
        );
    }

    // Apply returned once both guests were ready: their console logs (written by virtlogd,
    // a moment behind the console stream) say so at once.
    let fixed = wait_ready(&name, "fixed", &instance_id(&lab, "fixed"), SLACK);
    assert!(
        fixed.contains(&"vlab-tiny: hostname fixed".to_string()),
        "{fixed:?}"
    );
    assert!(
        fixed.contains(&"vlab-tiny: eth0 10.96.0.10".to_string()),
        "the static address from network-config: {fixed:?}"
    );
    let leased = wait_ready(&name, "leased", &instance_id(&lab, "leased"), SLACK);
    let lease = leased
        .iter()
        .find_map(|l| l.strip_prefix("vlab-tiny: eth0 "))
        .expect("a DHCP lease");
    let last: u8 = lease
        .rsplit('.')
        .next()
        .and_then(|o| o.parse().ok())
        .expect("ipv4");
    assert!(
        lease.starts_with("10.96.0.") && (100..=150).contains(&last),
        "inside the DHCP range: {lease}"
    );
    eprintln!(
        "both guests ready {:?} after apply started",
        started.elapsed()
    );
    let status = lab.vlab(&["status"]);
    assert!(
        status.contains(&format!("eth0 {lease}/24")),
        "status shows the lease: {status}"
    );
    assert!(lab.vlab(&["plan"]).contains("No changes."));

    // Apply's wait left its record on each running guest: ready, since when, after how long.
    let status: serde_json::Value =
        serde_json::from_str(&lab.stdout(&["status", "--json"])).expect("status --json");
    for node in status["nodes"].as_array().expect("nodes") {
        let readiness = &node["readiness"];
        assert_eq!(readiness["state"], "ready", "{node}");
        let after = readiness["after_seconds"].as_f64().expect("after_seconds");
        assert!(
            after > 0.0 && after < started.elapsed().as_secs_f64(),
            "{node}"
        );
        assert!(
            readiness["since"].as_str().expect("since").ends_with('Z'),
            "{node}"
        );
    }
    assert!(status_table_says_ready(&lab.vlab(&["status"])));
    // `vlab output` of the running lab holds to its schema, with the lease as ssh address.
    let output = lab.stdout(&["output", "--json"]);
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/output.schema.json");
    assert_eq!(crate::output_cli::validate(&schema, &output), Ok(()));
    let output: serde_json::Value = serde_json::from_str(&output).expect("output --json");
    assert_eq!(output["nodes"][1]["name"], "leased");
    assert_eq!(output["nodes"][1]["state"], "running");
    assert_eq!(output["nodes"][1]["ssh"]["address"], lease);

    // New cloud-init data: the node is replaced and boots with the new instance-id.
    let before = instance_id(&lab, "fixed");
    lab.write(&guest, "bob");
    let after = instance_id(&lab, "fixed");
    assert_ne!(before, after);
    let plan = lab.vlab(&["plan"]);
    assert!(
        plan.contains(&format!("-/+ node.{name}_fixed@local")),
        "{plan}"
    );
    lab.vlab(&["apply", "--auto-approve"]);
    wait_ready(&name, "fixed", &after, SLACK);
    assert!(lab.vlab(&["plan"]).contains("No changes."));
}
