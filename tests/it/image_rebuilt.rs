//! An image rebuilt under its checksums list while its lab runs, on a real libvirtd: the
//! plan made before the new file is pulled cannot know it is new, so apply pulls it, finds
//! that the node must be rebuilt, and changes nothing on the host; the next plan says
//! replace, and the apply after it puts the node's disk on the new base. Without this, apply
//! recorded the new image on a domain whose disk stayed on the old one, and every later plan
//! said "no changes". Firmware-only guests on blank raw images, like converge_lifecycle.
#![cfg(feature = "host-tests")]

use std::path::Path;
use std::process::Command;

const URI: &str = "qemu:///system";

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
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

/// Writes an 8 MiB raw image whose first bytes are `tag`, and the checksums list naming it.
fn build_image(dir: &Path, tag: &[u8]) -> String {
    let mut data = vec![0u8; 8 * 1024 * 1024];
    data[..tag.len()].copy_from_slice(tag);
    std::fs::write(dir.join("blank.raw"), &data).expect("image");
    let digest = sha256_hex(&data);
    std::fs::write(dir.join("SHA256SUMS"), format!("{digest}  blank.raw\n")).expect("sums");
    digest
}

struct Run<'a> {
    dir: &'a Path,
    lab: std::path::PathBuf,
}

impl Run<'_> {
    /// vlab `args` on the lab: exit code and stdout + stderr.
    fn vlab(&self, args: &[&str]) -> (Option<i32>, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_vlab"))
            .env("VLAB_CACHE_DIR", self.dir.join("cache"))
            .env("HOME", self.dir)
            .args(args)
            .args(["--color", "never", "-f"])
            .arg(&self.lab)
            .output()
            .expect("vlab runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, text) = self.vlab(args);
        assert_eq!(code, Some(0), "vlab {args:?}:\n{text}");
        text
    }
}

impl Drop for Run<'_> {
    fn drop(&mut self) {
        let _ = self.vlab(&["destroy", "--auto-approve", "--purge-images"]);
    }
}

#[test]
fn an_image_rebuilt_under_its_checksums_list_is_never_half_taken() {
    let _libvirtd = crate::support::host_lock::exclusive();
    let dir = tempfile::tempdir().expect("tempdir");
    let name = format!("ir{}", std::process::id());
    let lab = dir.path().join("lab.kdl");
    std::fs::write(
        &lab,
        format!(
            "lab \"{name}\"\nhost \"local\" uri=\"{URI}\" accel=\"tcg\" pool=\"{name}\"\nimage \"blank\" url=\"file://{d}/blank.raw\" checksums-url=\"file://{d}/SHA256SUMS\" format=\"raw\" {{ ready \"none\"; shutdown-timeout \"2s\"; }}\nnetwork \"lan\" cidr=\"10.89.0.0/24\"\nnode \"a\" memory=\"64MiB\" {{ interface network=\"lan\" address=\"10.89.0.10\"; }}\n",
            d = dir.path().display(),
        ),
    )
    .expect("lab");
    let run = Run {
        dir: dir.path(),
        lab,
    };
    let root = format!("vlab_{name}_a_root.qcow2");
    let backing = || virsh(&["vol-dumpxml", "--pool", &name, &root]);
    let uuid = || virsh(&["domuuid", &format!("{name}_a")]);

    let first = build_image(dir.path(), b"first build");
    run.ok(&["apply", "--auto-approve"]);
    assert!(backing().contains(&format!("vlab-base-sha256-{first}")));
    let before = uuid();

    let second = build_image(dir.path(), b"second build");
    let (code, refused) = run.vlab(&["apply", "--auto-approve"]);
    assert_eq!(code, Some(1), "{refused}");
    assert!(
        refused.contains("change what the plan must do; nothing was changed on the hosts")
            && refused.contains("node a@local:")
            && refused.contains("now -/+ replace: its image changed")
            && refused.contains("run `vlab plan` to review the new plan"),
        "{refused}"
    );
    assert_eq!(uuid(), before, "the domain was not touched");
    assert!(backing().contains(&format!("vlab-base-sha256-{first}")));

    // The pulled image is cached now: the plan is right, and carrying it out is too.
    let plan = run.ok(&["plan"]);
    assert!(
        plan.contains(&format!("-/+ node.{name}_a@local"))
            && plan.contains(&format!("-> vlab-base-sha256-{second})")),
        "{plan}"
    );
    run.ok(&["apply", "--auto-approve"]);
    assert!(
        backing().contains(&format!("vlab-base-sha256-{second}")),
        "the disk is on the new base: {}",
        backing()
    );
    assert_ne!(uuid(), before, "the node was rebuilt");
    let (code, text) = run.vlab(&["plan", "--detailed-exitcode"]);
    assert_eq!(code, Some(0), "{text}");
}
