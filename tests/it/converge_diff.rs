//! What a plan says changed, read back from a real domain on a real libvirtd: apply a
//! firmware-only guest (a blank raw image, as in `converge_lifecycle`), then change its
//! memory and its address. The plan shows `memory 64 MiB -> 96 MiB` from the record apply
//! kept in the domain's metadata, and the address change as a replace whose network-config
//! diff (the old seed downloaded from the pool, unpacked, masked) shows the changed line;
//! `--json` carries the same, and neither the old nor the new value of a secret that changed
//! with it shows anywhere. Last, `apply --replace` rebuilds the node though nothing changed.
#![cfg(feature = "host-tests")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const URI: &str = "qemu:///system";
const OLD_HASH: &str = "$6$old-salt$0ld-hash-value";
const NEW_HASH: &str = "$6$new-salt$n3w-hash-value";

struct Lab {
    dir: tempfile::TempDir,
    name: String,
    image: PathBuf,
    digest: String,
}

impl Lab {
    fn new() -> Lab {
        let dir = tempfile::tempdir().expect("tempdir");
        let image = dir.path().join("blank.raw");
        let file = std::fs::File::create(&image).expect("image");
        file.set_len(8 * 1024 * 1024).expect("size");
        let digest = {
            use sha2::Digest;
            let data = std::fs::read(&image).expect("read");
            sha2::Sha256::digest(&data)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        Lab {
            dir,
            name: format!("pd{}", std::process::id()),
            image,
            digest,
        }
    }

    /// Writes the lab file: node `a` with `memory`, the last octet `address` on
    /// 10.81.0.0/24, and the secret `password_hash` (the built-in user-data writes it).
    fn write(&self, memory: &str, address: u8, hash: &str) -> PathBuf {
        let text = format!(
            "lab \"{name}\"\nhost \"local\" uri=\"{URI}\" accel=\"tcg\" pool=\"{name}\"\nimage \"blank\" url=\"file://{}\" checksum=\"sha256:{}\" format=\"raw\" {{ ready \"none\"; shutdown-timeout \"1s\"; }}\nnetwork \"lan\" cidr=\"10.81.0.0/24\"\nnode \"a\" memory=\"{memory}\" {{ interface network=\"lan\" address=\"10.81.0.{address}\"; cloud-init {{ vars {{ password_hash \"{hash}\" secret=#true; }}; }}; }}\n",
            self.image.display(),
            self.digest,
            name = self.name,
        );
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

#[test]
fn plan_reads_the_before_values_and_the_old_cloud_init_files_back_from_the_host() {
    // Dropped last: after this test's guest, network and pool are removed.
    let _libvirtd = crate::support::host_lock::exclusive();
    let lab = Lab::new();
    let file = lab.write("64MiB", 10, OLD_HASH);
    lab.ok(&["apply", "--auto-approve"], &file);
    assert!(lab.ok(&["plan"], &file).contains("No changes."));

    // More memory: an update, with the before value from the record apply kept.
    let file = lab.write("96MiB", 10, OLD_HASH);
    let started = std::time::Instant::now();
    let update = lab.ok(&["plan"], &file);
    eprintln!("plan without a seed read: {:?}", started.elapsed());
    assert!(
        update.contains(&format!("~ node.{}_a@local", lab.name))
            && update.contains("      ~ memory 64 MiB -> 96 MiB\n"),
        "{update}"
    );
    let started = std::time::Instant::now();
    lab.ok(&["apply", "--auto-approve"], &file);
    eprintln!("apply of the update: {:?}", started.elapsed());
    assert!(lab.ok(&["plan"], &file).contains("No changes."));

    // A new address (and a new secret): a replace, and the network-config diff read from
    // the old seed; the user-data differs in its secret only, which is masked on both sides.
    let file = lab.write("96MiB", 12, NEW_HASH);
    let started = std::time::Instant::now();
    let replace = lab.ok(&["plan"], &file);
    eprintln!("plan with one seed read: {:?}", started.elapsed());
    assert!(
        replace.contains(&format!("-/+ node.{}_a@local", lab.name))
            && replace.contains("      ~ interface.eth0.address 10.81.0.10/24 -> 10.81.0.12/24\n")
            && replace.contains("      cloud-init network-config:\n")
            && replace.contains(
                "        -      - \"10.81.0.10/24\"\n        +      - \"10.81.0.12/24\"\n"
            ),
        "{replace}"
    );
    assert!(
        !replace.contains(OLD_HASH) && !replace.contains(NEW_HASH),
        "{replace}"
    );
    assert!(!replace.contains("cloud-init user-data:"), "{replace}");
    let json = lab.vlab(&["plan", "--json"], &file);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let node = value["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["kind"] == "node")
        .expect("the node's change")
        .clone();
    assert_eq!(
        node["attributes"]["changes"][0]["attribute"],
        "interface.eth0.address"
    );
    assert_eq!(node["attributes"]["changes"][0]["before"], "10.81.0.10/24");
    let files = node["cloud_init_diff"]["files"].as_array().expect("files");
    let network = files
        .iter()
        .find(|f| f["file"] == "network-config")
        .expect("network-config diff");
    assert!(
        network["diff"]
            .as_str()
            .is_some_and(|d| d.contains("+      - \"10.81.0.12/24\"\n")),
        "{network}"
    );
    let text = String::from_utf8_lossy(&json.stdout);
    assert!(
        !text.contains(OLD_HASH) && !text.contains(NEW_HASH),
        "{text}"
    );
    lab.ok(&["apply", "--auto-approve"], &file);
    assert!(lab.ok(&["plan"], &file).contains("No changes."));

    // Nothing changed, and the node is rebuilt on request: a new domain, then no changes.
    let domain = format!("{}_a", lab.name);
    let uuid = || virsh(&["domuuid", &domain]);
    let before = uuid();
    let rebuilt = lab.ok(&["apply", "--auto-approve", "--replace", "node.a"], &file);
    assert!(
        rebuilt.contains("replace requested (--replace)")
            && rebuilt.contains("Done: 1 change(s) made."),
        "{rebuilt}"
    );
    assert_ne!(uuid(), before, "the domain was defined anew");
    assert!(lab.ok(&["plan"], &file).contains("No changes."));
}

fn virsh(args: &[&str]) -> String {
    let out = Command::new("virsh")
        .arg("-c")
        .arg(URI)
        .args(args)
        .output()
        .expect("virsh");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
