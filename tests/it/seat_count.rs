//! Seats on a real libvirtd with tiny guests (tests/guests/build-tiny-guest.sh): a seat
//! count of 3, then 4, then 2, where each plan only adds or only removes, and `--seat 2`
//! destroys and applies that seat alone: the other seats' domains keep their IDs (they are
//! not restarted), and a drifted node outside the selection is left as it is.
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
    /// The lab with `seats` seats: a shared isolated network, and per seat a network and one
    /// node on both (DHCP on the shared one, so the seat count never changes it).
    fn write(&self, guest: &Path, seats: u32) {
        let text = format!(
            r#"lab "{name}"
host "local" uri="{URI}" accel="tcg" pool="{name}"
image "tiny" url="file://{g}/root.raw" checksums-url="file://{g}/SHA256SUMS" format="raw" {{
    kernel "file://{g}/vmlinuz" checksum="sha256:{k}"
    initrd "file://{g}/initrd.gz" checksum="sha256:{i}"
    cmdline "console=ttyS0"
    ready "console" marker="vlab-tiny: ready" timeout="3m"
}}
network "common" mode="isolated" cidr="10.88.0.0/24"
defaults {{ memory "128MiB"; image "tiny"; }}
seats {seats} {{
    network "lan-{{seat}}" mode="isolated" cidr="10.88.{{seat}}.0/24"
    node "pc-{{seat}}" {{
        interface network="common"
        interface network="lan-{{seat}}" address="10.88.{{seat}}.10"
    }}
}}
"#,
            name = self.name,
            g = guest.display(),
            k = sum(guest, "vmlinuz"),
            i = sum(guest, "initrd.gz"),
        );
        std::fs::write(&self.file, text).expect("lab");
    }

    fn run(&self, subcommand: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_vlab"))
            .env("VLAB_CACHE_DIR", self.dir.path().join("cache"))
            .env("HOME", self.dir.path())
            .env_remove("VLAB_DATA_DIR")
            .env_remove("XDG_DATA_HOME")
            .args([subcommand, "--color", "never", "-f"])
            .arg(&self.file)
            .args(args)
            .output()
            .expect("vlab runs")
    }

    fn ok(&self, subcommand: &str, args: &[&str]) -> String {
        let out = self.run(subcommand, args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "vlab {subcommand} {args:?}:\n{text}");
        text
    }

    /// The plan's changes as `action kind.name`.
    fn plan(&self, args: &[&str]) -> Vec<String> {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let value: serde_json::Value =
            serde_json::from_str(&self.ok("plan", &all)).expect("plan JSON");
        value["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .map(|c| {
                format!(
                    "{} {}.{}",
                    c["action"].as_str().unwrap_or("?"),
                    c["kind"].as_str().unwrap_or("?"),
                    c["name"].as_str().unwrap_or("?")
                )
            })
            .collect()
    }

    /// `virsh domid` of node `node`: `None` when it does not run.
    fn domid(&self, node: &str) -> Option<String> {
        let out = Command::new("virsh")
            .args(["-c", URI, "domid", &format!("{}_{node}", self.name)])
            .output()
            .expect("virsh");
        let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && id.parse::<u32>().is_ok()).then_some(id)
    }

    fn network_exists(&self, network: &str) -> bool {
        Command::new("virsh")
            .args([
                "-c",
                URI,
                "net-info",
                &format!("vlab_{}_{network}", self.name),
            ])
            .output()
            .expect("virsh")
            .status
            .success()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self
            .run("destroy", &["--auto-approve", "--purge-images", "-q"])
            .status;
    }
}

fn all_are(changes: &[String], action: &str) -> bool {
    !changes.is_empty() && changes.iter().all(|c| c.starts_with(&format!("{action} ")))
}

#[test]
fn seat_counts_grow_and_shrink_with_add_only_and_remove_only_plans() {
    // Dropped last: after this test's guests, networks and pool are removed.
    let _libvirtd = crate::support::host_lock::exclusive();
    let guest = tiny_guest();
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = Lab {
        file: dir.path().join("lab.kdl"),
        dir,
        name: format!("sc{}", std::process::id()),
    };
    let started = Instant::now();
    lab.write(&guest, 3);
    lab.ok("apply", &["--auto-approve"]);
    let ids: Vec<String> = (1..=3)
        .map(|s| lab.domid(&format!("pc-{s}")).expect("running"))
        .collect();

    // 3 -> 4: only creates (seat 4's network and node).
    lab.write(&guest, 4);
    let grow = lab.plan(&[]);
    assert!(all_are(&grow, "create"), "{grow:?}");
    assert!(
        grow.contains(&format!("create node.{}_pc-4", lab.name)),
        "{grow:?}"
    );
    lab.ok("apply", &["--auto-approve"]);
    for (s, id) in (1..=3).zip(&ids) {
        assert_eq!(
            lab.domid(&format!("pc-{s}")).as_ref(),
            Some(id),
            "pc-{s} untouched"
        );
    }

    // --seat 2 destroys seat 2 alone, its network with it; a drift in seat 1 (shut off) is
    // outside and stays, and --seat 2's apply brings back seat 2 alone.
    assert!(
        Command::new("virsh")
            .args(["-c", URI, "destroy", &format!("{}_pc-1", lab.name)])
            .output()
            .expect("virsh")
            .status
            .success()
    );
    let out = lab.ok("destroy", &["--seat", "2", "--auto-approve"]);
    assert!(
        out.contains("Selection: seat 2 (1 node); 3 nodes outside it are not changed."),
        "{out}"
    );
    assert_eq!(lab.domid("pc-2"), None);
    assert!(!lab.network_exists("lan-2") && lab.network_exists("common"));
    let seat2 = lab.plan(&["--seat", "2"]);
    assert!(all_are(&seat2, "create"), "{seat2:?}");
    lab.ok("apply", &["--seat", "2", "--auto-approve"]);
    assert!(lab.domid("pc-2").is_some());
    assert_eq!(
        lab.domid("pc-1"),
        None,
        "outside the selection: still shut off"
    );
    assert_eq!(lab.domid("pc-3").as_ref(), Some(&ids[2]));
    assert_eq!(lab.plan(&[]), [format!("start node.{}_pc-1", lab.name)]);
    lab.ok("apply", &["--auto-approve"]);

    // 4 -> 2: only deletes (seats 3 and 4: nodes, networks, volumes).
    let ids: Vec<Option<String>> = (1..=2).map(|s| lab.domid(&format!("pc-{s}"))).collect();
    lab.write(&guest, 2);
    let shrink = lab.plan(&[]);
    assert!(all_are(&shrink, "delete"), "{shrink:?}");
    assert!(
        shrink.iter().all(|c| c.contains("-3") || c.contains("-4")),
        "{shrink:?}"
    );
    lab.ok("apply", &["--auto-approve"]);
    assert_eq!(lab.domid("pc-3"), None);
    assert!(!lab.network_exists("lan-4"));
    for (s, id) in (1..=2).zip(&ids) {
        assert_eq!(&lab.domid(&format!("pc-{s}")), id, "pc-{s} untouched");
    }
    assert!(lab.plan(&[]).is_empty());
    eprintln!("seat counts 3 -> 4 -> 2 in {:?}", started.elapsed());
}
