//! Placing cached images on a real libvirtd (qemu:///system) through storage upload streams.
//! Needs a running libvirtd: `scripts/test.sh` starts one and runs these with
//! `--features host-tests`.
#![cfg(feature = "host-tests")]

use sha2::{Digest, Sha256};
use std::process::Command;
use vlab::checksum::Checksum;
use vlab::host::resource_names::base_volume;
use vlab::libvirt::pool_uploader::PoolUploader;

const URI: &str = "qemu:///system";

/// A uniquely named pool, removed (with its volumes) when dropped.
struct TestPool(String);

impl Drop for TestPool {
    fn drop(&mut self) {
        let virsh = |args: &[&str]| {
            let _ = Command::new("virsh").arg("-c").arg(URI).args(args).output();
        };
        if let Ok(out) = Command::new("virsh")
            .args(["-c", URI, "vol-list", "--pool", &self.0, "--name"])
            .output()
        {
            for vol in String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| !l.is_empty())
            {
                virsh(&["vol-delete", "--pool", &self.0, vol]);
            }
        }
        virsh(&["pool-destroy", &self.0]);
        virsh(&["pool-delete", &self.0]);
        virsh(&["pool-undefine", &self.0]);
    }
}

fn image(dir: &std::path::Path, size: usize) -> (std::path::PathBuf, Checksum) {
    let data: Vec<u8> = (0..size as u64)
        .map(|i| (i.wrapping_mul(0x9E37_79B9) >> 7) as u8)
        .collect();
    let hex: String = Sha256::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let path = dir.join("image.raw");
    std::fs::write(&path, &data).expect("write image");
    (
        path,
        Checksum::parse(&format!("sha256:{hex}")).expect("checksum"),
    )
}

fn file_sha256(path: &str) -> String {
    let data = std::fs::read(path).expect("read volume");
    Sha256::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn uploads_once_creates_the_pool_and_skips_when_present() {
    // Dropped last: after this test's guests, networks and pools are removed.
    let _libvirtd = crate::support::host_lock::exclusive();
    let pool = TestPool(format!("vlab-test-{}", std::process::id()));
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, digest) = image(dir.path(), 5 * 1024 * 1024 + 3);
    let uploader = PoolUploader::connect(URI).expect("libvirtd is running");
    assert!(
        uploader.ensure_pool(&pool.0).expect("pool"),
        "vlab created the pool"
    );
    assert!(
        !uploader.ensure_pool(&pool.0).expect("pool"),
        "and finds it the second time"
    );

    let sent = std::sync::atomic::AtomicU64::new(0);
    let progress = |n: u64| {
        sent.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    };
    let volume = uploader
        .place(&pool.0, &path, &digest, &progress)
        .expect("upload");
    assert!(volume.uploaded);
    assert_eq!(volume.name, base_volume(&digest));
    assert_eq!(
        sent.load(std::sync::atomic::Ordering::Relaxed),
        5 * 1024 * 1024 + 3
    );
    // The host's copy is byte for byte the cached image.
    assert_eq!(file_sha256(&volume.path), digest.hex);

    let again = uploader
        .place(&pool.0, &path, &digest, &|_| {})
        .expect("second place");
    assert!(!again.uploaded, "a host that holds the digest is skipped");
    assert_eq!(again.path, volume.path);
}

#[test]
fn an_interrupted_upload_is_replaced() {
    // Dropped last: after this test's guests, networks and pools are removed.
    let _libvirtd = crate::support::host_lock::exclusive();
    let pool = TestPool(format!("vlab-test-int-{}", std::process::id()));
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, digest) = image(dir.path(), 2 * 1024 * 1024);
    let uploader = PoolUploader::connect(URI).expect("libvirtd is running");
    uploader.ensure_pool(&pool.0).expect("pool");
    // A base volume without its `.ready` marker: what a killed upload leaves behind.
    let status = Command::new("virsh")
        .args([
            "-c",
            URI,
            "vol-create-as",
            &pool.0,
            &base_volume(&digest),
            "1M",
            "--format",
            "raw",
        ])
        .output()
        .expect("virsh");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let volume = uploader
        .place(&pool.0, &path, &digest, &|_| {})
        .expect("upload");
    assert!(volume.uploaded, "the half-done volume is not trusted");
    assert_eq!(file_sha256(&volume.path), digest.hex);
}

#[test]
fn an_unreachable_host_is_a_clear_error() {
    let err = PoolUploader::connect("qemu+tcp://127.0.0.1:1/system")
        .err()
        .expect("no libvirtd there");
    let text = err.to_string();
    assert!(
        text.starts_with("cannot connect to qemu+tcp://127.0.0.1:1/system"),
        "{text}"
    );
}

#[test]
fn image_push_pulls_then_places_each_image_on_its_hosts() {
    // Dropped last: after this test's guests, networks and pools are removed.
    let _libvirtd = crate::support::host_lock::exclusive();
    let pool = TestPool(format!("vlab-test-push-{}", std::process::id()));
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, digest) = image(dir.path(), 3 * 1024 * 1024);
    let lab = dir.path().join("push.kdl");
    std::fs::write(
        &lab,
        format!(
            "host \"local\" uri=\"{URI}\" accel=\"tcg\" pool=\"{}\"\nimage \"tiny\" url=\"file://{}\" checksum=\"{digest}\"\nnode \"a\"\nnode \"b\"\n",
            pool.0,
            path.display()
        ),
    )
    .expect("lab");
    let cache = dir.path().join("cache");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_vlab"))
            .env("VLAB_CACHE_DIR", &cache)
            .args(["image", "push", "--color", "never", "-f"])
            .arg(&lab)
            .output()
            .expect("vlab runs")
    };
    let first = run();
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{stderr}");
    assert!(stderr.contains("✓ tiny→local"), "{stderr}");
    let volume = format!(
        "/var/lib/libvirt/images/{}/{}",
        pool.0,
        base_volume(&digest)
    );
    assert_eq!(
        file_sha256(&volume),
        digest.hex,
        "two nodes, one upload, intact"
    );
    let second = run();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "{stderr}");
    assert_eq!(
        stderr.matches("already present").count(),
        2,
        "neither pull nor upload repeats: {stderr}"
    );
}

#[test]
fn uploads_to_a_host_reached_over_ssh() {
    // Dropped last: after this test's guests, networks and pools are removed.
    let _libvirtd = crate::support::host_lock::exclusive();
    let uri = std::env::var("VLAB_TEST_SSH_URI")
        .expect("VLAB_TEST_SSH_URI names a qemu+ssh:// URI; scripts/test.sh sets up sshd on loopback and exports it");
    let pool = TestPool(format!("vlab-test-ssh-{}", std::process::id()));
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, digest) = image(dir.path(), 4 * 1024 * 1024 + 1);
    let uploader = PoolUploader::connect(&uri).expect("libvirtd over ssh");
    uploader.ensure_pool(&pool.0).expect("pool");
    let volume = uploader
        .place(&pool.0, &path, &digest, &|_| {})
        .expect("upload over ssh");
    assert!(volume.uploaded);
    // The "remote" host is this machine: its copy is readable here.
    assert_eq!(file_sha256(&volume.path), digest.hex);
    assert!(
        !uploader
            .place(&pool.0, &path, &digest, &|_| {})
            .expect("again")
            .uploaded
    );
}

#[test]
fn plans_a_lab_whose_host_is_reached_over_ssh_with_its_uri_opt_in() {
    let _libvirtd = crate::support::host_lock::exclusive();
    let uri = std::env::var("VLAB_TEST_SSH_URI")
        .expect("VLAB_TEST_SSH_URI names a qemu+ssh:// URI; scripts/test.sh sets up sshd on loopback and exports it");
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = dir.path().join("ssh.kdl");
    let plan = |opt_in: &str| {
        std::fs::write(
            &lab,
            format!(
                "host \"far\" uri=\"{uri}\" accel=\"tcg\" pool=\"vlab-test-ssh-plan\"{opt_in}\nimage \"i\" url=\"https://example.net/i.img\" unverified=#true\nnode \"a\"\n"
            ),
        )
        .expect("lab");
        Command::new(env!("CARGO_BIN_EXE_vlab"))
            .env("VLAB_CACHE_DIR", dir.path().join("cache"))
            .args(["plan", "--color", "never", "-f"])
            .arg(&lab)
            .output()
            .expect("vlab runs")
    };
    let refused = plan("");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("vlab::uri-parameter"), "{stderr}");
    let opted_in = plan(&crate::support::uri_opt_in(&uri));
    let stdout = String::from_utf8_lossy(&opted_in.stdout);
    let stderr = String::from_utf8_lossy(&opted_in.stderr);
    assert_eq!(opted_in.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("+ node.ssh_a@far"), "{stdout}");
}
