//! The converge lifecycle on a real libvirtd with real QEMU guests (software emulation):
//! apply, a no-op plan after apply, drift repaired, an update in place, a replacement on
//! changed cloud-init data, a node removed, the lab lock, destroy (twice), and a domain and
//! network made by hand beside the lab left untouched throughout. The guest disk is
//! a blank image, so the guests run firmware only: booting a real OS and cloud-init is the
//! end-to-end tier's business.
#![cfg(feature = "host-tests")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const URI: &str = "qemu:///system";

struct Lab {
    dir: tempfile::TempDir,
    name: String,
    /// The third octet of the lab's network, distinct per test (tests run at once).
    subnet: u8,
    image: PathBuf,
    digest: String,
}

impl Lab {
    /// A lab named after this process and `tag`, so tests running at once never share one.
    fn new(tag: &str, subnet: u8) -> Lab {
        let dir = tempfile::tempdir().expect("tempdir");
        let image = dir.path().join("blank.raw");
        let file = std::fs::File::create(&image).expect("image");
        file.set_len(8 * 1024 * 1024).expect("size");
        let digest = sha256(&image);
        Lab {
            dir,
            name: format!("lc{tag}{}", std::process::id()),
            subnet,
            image,
            digest,
        }
    }

    /// Writes the lab file: node `a` with `memory` and cloud-init user `user`, node `b` when
    /// `with_b`.
    fn write(&self, memory: &str, user: &str, with_b: bool) -> PathBuf {
        let mut text = format!(
            "lab \"{name}\"\nhost \"local\" uri=\"{URI}\" accel=\"tcg\" pool=\"{name}\"\nimage \"blank\" url=\"file://{}\" checksum=\"sha256:{}\" format=\"raw\" {{ ready \"none\"; shutdown-timeout \"2s\"; }}\nnetwork \"lan\" cidr=\"10.{subnet}.0.0/24\"\nnode \"a\" memory=\"{memory}\" {{ interface network=\"lan\" address=\"10.{subnet}.0.10\"; cloud-init {{ vars {{ user \"{user}\"; }}; }}; }}\n",
            self.image.display(),
            self.digest,
            name = self.name,
            subnet = self.subnet,
        );
        if with_b {
            text.push_str(&format!(
                "node \"b\" memory=\"64MiB\" {{ interface network=\"lan\" address=\"10.{}.0.11\"; }}\n",
                self.subnet
            ));
        }
        let path = self.dir.path().join("lab.kdl");
        std::fs::write(&path, text).expect("lab");
        path
    }

    fn vlab(&self, args: &[&str], lab: &Path) -> Output {
        Command::new(env!("CARGO_BIN_EXE_vlab"))
            .env("VLAB_CACHE_DIR", self.dir.path().join("cache"))
            .env("HOME", self.dir.path())
            .args(args)
            .args(["--color", "never", "-f"])
            .arg(lab)
            .output()
            .expect("vlab runs")
    }

    fn ok(&self, args: &[&str], lab: &Path) -> String {
        let out = self.vlab(args, lab);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "vlab {args:?}:\n{text}");
        text
    }

    fn plan(&self, lab: &Path) -> String {
        self.ok(&["plan"], lab)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let lab = self.dir.path().join("lab.kdl");
        let _ = self.vlab(&["destroy", "--auto-approve", "--purge-images"], &lab);
        for args in [
            vec!["pool-destroy", &self.name],
            vec!["pool-delete", &self.name],
            vec!["pool-undefine", &self.name],
        ] {
            let _ = Command::new("virsh")
                .arg("-c")
                .arg(URI)
                .args(&args)
                .output();
        }
    }
}

fn sha256(path: &Path) -> String {
    use sha2::Digest;
    let data = std::fs::read(path).expect("read");
    sha2::Sha256::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn virsh(args: &[&str]) -> String {
    let out = Command::new("virsh")
        .arg("-c")
        .arg(URI)
        .args(args)
        .output()
        .expect("virsh");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn state(domain: &str) -> String {
    virsh(&["domstate", domain]).trim().to_string()
}

#[test]
fn apply_converges_repairs_drift_updates_replaces_and_destroys() {
    // Dropped last: after this test's guests, networks and pools are removed.
    let _libvirtd = crate::support::host_lock::exclusive();
    let lab = Lab::new("c", 91);
    let (a, b) = (format!("{}_a", lab.name), format!("{}_b", lab.name));
    let file = lab.write("128MiB", "alice", true);
    // What the test makes by hand beside the lab: vlab must leave it alone.
    let foreign = Foreign::define(&lab);

    let applied = lab.ok(&["apply", "--auto-approve"], &file);
    assert!(applied.contains("Done: 5 change(s) made."), "{applied}");
    assert_eq!(
        (state(&a).as_str(), state(&b).as_str()),
        ("running", "running")
    );
    assert!(
        lab.plan(&file).contains("No changes."),
        "apply after apply is a no-op"
    );
    let detailed = lab.vlab(&["plan", "--detailed-exitcode"], &file);
    assert_eq!(detailed.status.code(), Some(0));

    // Drift: a guest shut off by hand comes back.
    virsh(&["destroy", &a]);
    assert_eq!(state(&a), "shut off");
    let drift = lab.plan(&file);
    assert!(
        drift.contains(&format!("> node.{a}@local")) && drift.contains("the guest is shut off"),
        "{drift}"
    );
    lab.ok(&["apply", "--auto-approve"], &file);
    assert_eq!(state(&a), "running");

    // More memory: an update in place.
    let file = lab.write("192MiB", "alice", true);
    let update = lab.plan(&file);
    assert!(
        update.contains(&format!("~ node.{a}@local"))
            && update.contains("      ~ memory 128 MiB -> 192 MiB\n"),
        "{update}"
    );
    lab.ok(&["apply", "--auto-approve"], &file);
    assert!(
        virsh(&["dominfo", &a]).contains("196608 KiB"),
        "{}",
        virsh(&["dominfo", &a])
    );
    assert!(lab.plan(&file).contains("No changes."));

    // New cloud-init data: a replacement, said so, and the old seed goes.
    let file = lab.write("192MiB", "bob", true);
    let replace = lab.plan(&file);
    assert!(
        replace.contains(&format!("-/+ node.{a}@local"))
            && replace.contains("cloud-init data changed"),
        "{replace}"
    );
    assert!(
        replace.contains(&format!("- volume.vlab_{}_a_seed_", lab.name)),
        "{replace}"
    );
    lab.ok(&["apply", "--auto-approve"], &file);
    assert!(lab.plan(&file).contains("No changes."));

    // A node removed from the lab is deleted with its volumes (its console log in the pool
    // too); its DHCP and DNS host
    // entries leave the running network in place, and node a stays connected.
    let file = lab.write("192MiB", "bob", false);
    let removal = lab.plan(&file);
    let network = format!("vlab_{}_lan", lab.name);
    assert!(
        removal.contains(&format!("- node.{b}@local"))
            && removal.contains(&format!("- volume.vlab_{}_b_console.log@local", lab.name))
            && removal.contains("4 to destroy"),
        "{removal}"
    );
    assert!(
        removal.contains(&format!("~ network.{network}@local"))
            && removal.contains("guests stay connected"),
        "{removal}"
    );
    let tap = virsh(&["domiflist", &a])
        .lines()
        .find_map(|l| {
            l.split_whitespace()
                .next()
                .filter(|t| t.starts_with("vnet"))
        })
        .expect("a's tap device")
        .to_string();
    lab.ok(&["apply", "--auto-approve"], &file);
    let link = Command::new("ip")
        .args(["-o", "link", "show", &tap])
        .output()
        .expect("ip");
    let link = String::from_utf8_lossy(&link.stdout);
    assert!(
        link.contains(" master vl"),
        "a's NIC is still on the network's bridge: {link}"
    );
    let net_xml = virsh(&["net-dumpxml", &network]);
    assert!(
        !net_xml.contains(".0.11") && net_xml.contains(".0.10"),
        "b's entries are gone, a's stay: {net_xml}"
    );
    assert!(lab.plan(&file).contains("No changes."));
    assert!(
        virsh(&["list", "--all", "--name"])
            .lines()
            .all(|l| l.trim() != b)
    );
    assert!(!virsh(&["vol-list", &lab.name]).contains(&format!("vlab_{}_b_", lab.name)));

    // Destroy removes what the lab owns, keeps the base image, and is idempotent.
    let destroyed = lab.ok(&["destroy", "--auto-approve"], &file);
    assert!(destroyed.contains("Done:"), "{destroyed}");
    assert!(
        virsh(&["list", "--all", "--name"])
            .lines()
            .all(|l| !l.starts_with(&lab.name) || l.trim() == foreign.domain),
        "only the domain made by hand stays"
    );
    assert!(!virsh(&["net-list", "--all", "--name"]).contains(&format!("vlab_{}_", lab.name)));
    let volumes = virsh(&["vol-list", &lab.name]);
    assert!(
        volumes.contains("vlab-base-sha256-") && !volumes.contains(&format!("vlab_{}_", lab.name)),
        "{volumes}"
    );
    assert!(
        lab.ok(&["destroy", "--auto-approve"], &file)
            .contains("Nothing to destroy")
    );
    foreign.assert_untouched();
}

/// A domain (named like the lab's, without vlab's metadata) and a network made by hand.
struct Foreign {
    domain: String,
    network: String,
}

impl Foreign {
    fn define(lab: &Lab) -> Foreign {
        let foreign = Foreign {
            domain: format!("{}_byhand", lab.name),
            network: format!("{}-byhand", lab.name),
        };
        let dir = lab.dir.path();
        let domain_xml = dir.join("foreign-domain.xml");
        std::fs::write(
            &domain_xml,
            format!(
                "<domain type='qemu'><name>{}</name><memory unit='MiB'>32</memory><os><type arch='x86_64'>hvm</type></os></domain>",
                foreign.domain
            ),
        )
        .expect("xml");
        let network_xml = dir.join("foreign-network.xml");
        std::fs::write(
            &network_xml,
            format!("<network><name>{}</name></network>", foreign.network),
        )
        .expect("xml");
        virsh(&["define", domain_xml.to_str().expect("utf-8")]);
        virsh(&["net-define", network_xml.to_str().expect("utf-8")]);
        foreign.assert_untouched();
        foreign
    }

    fn assert_untouched(&self) {
        assert_eq!(
            state(&self.domain),
            "shut off",
            "{} is still there",
            self.domain
        );
        assert!(
            virsh(&["net-list", "--all", "--name"])
                .lines()
                .any(|l| l.trim() == self.network),
            "{} is still there",
            self.network
        );
    }
}

impl Drop for Foreign {
    fn drop(&mut self) {
        virsh(&["undefine", &self.domain]);
        virsh(&["net-undefine", &self.network]);
    }
}

#[test]
fn a_second_apply_waits_for_the_lock_or_fails_with_lock_timeout_0() {
    // Dropped last: after this test's guests, networks and pools are removed.
    let _libvirtd = crate::support::host_lock::exclusive();
    let lab = Lab::new("l", 92);
    let file = lab.write("64MiB", "alice", false);
    let locks = lab.dir.path().join("cache").join("locks");
    let _held =
        vlab::lab_lock::LabLock::acquire(&locks, &lab.name, "apply", None, &|_| {}).expect("lock");
    let out = lab.vlab(&["apply", "--auto-approve", "--lock-timeout", "0"], &file);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "lab `{}` is locked by `vlab apply` (pid {}",
            lab.name,
            std::process::id()
        )),
        "{stderr}"
    );
    let waited = lab.vlab(&["destroy", "--auto-approve", "--lock-timeout", "1"], &file);
    assert_eq!(waited.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&waited.stderr).contains("still locked"),
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );
}

#[test]
fn a_saved_plan_is_applied_exactly_once() {
    // Dropped last: after this test's guests, networks and pools are removed.
    let _libvirtd = crate::support::host_lock::exclusive();
    let lab = Lab::new("s", 93);
    let file = lab.write("64MiB", "alice", false);
    let saved = lab.dir.path().join("lab.plan");
    lab.ok(&["plan", "-o", saved.to_str().expect("utf-8")], &file);
    let apply_saved = || {
        Command::new(env!("CARGO_BIN_EXE_vlab"))
            .env("VLAB_CACHE_DIR", lab.dir.path().join("cache"))
            .env("HOME", lab.dir.path())
            .args(["apply", "--color", "never"])
            .arg(&saved)
            .output()
            .expect("vlab runs")
    };
    let first = apply_saved();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(state(&format!("{}_a", lab.name)), "running");
    // The plan described an empty host; the host is no longer empty.
    let second = apply_saved();
    assert_eq!(second.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&second.stderr)
            .contains("the hosts changed since the plan was made")
    );
}
