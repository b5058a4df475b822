//! `vlab image` from the command line, against a real HTTP server on 127.0.0.1.

use crate::support::fault_server::{Fault, FaultServer, sha256_hex};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn vlab(cache: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vlab"));
    cmd.env("VLAB_CACHE_DIR", cache).env("NO_COLOR", "1");
    cmd
}

fn data() -> Vec<u8> {
    (0..2_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect()
}

#[test]
fn pull_prints_the_cache_path_and_list_shows_it() {
    let body = data();
    let server = FaultServer::start("disk.img", body.clone(), Fault::None);
    let cache = tempfile::tempdir().expect("tempdir");
    let checksum = format!("sha256:{}", sha256_hex(&body));
    let out = vlab(cache.path())
        .args(["image", "pull", &server.url(), "--checksum", &checksum])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(
        path.trim(),
        cache
            .path()
            .join("images")
            .join(format!("sha256-{}", sha256_hex(&body)))
            .display()
            .to_string()
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pulling disk.img from") && stderr.contains("✓ disk.img sha256:"),
        "{stderr}"
    );

    let list = vlab(cache.path())
        .args(["image", "list", "--json"])
        .output()
        .expect("runs");
    let entries: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    assert_eq!(entries[0]["record"]["source_url"], server.url());
    assert_eq!(entries[0]["record"]["size"], body.len());

    let verify = vlab(cache.path())
        .args(["image", "verify"])
        .output()
        .expect("runs");
    assert!(verify.status.success());
    assert!(String::from_utf8_lossy(&verify.stdout).contains("1 intact, 0 corrupt"));
}

#[test]
fn verify_removes_a_corrupted_image() {
    let body = data();
    let server = FaultServer::start("disk.img", body.clone(), Fault::None);
    let cache = tempfile::tempdir().expect("tempdir");
    let checksum = format!("sha256:{}", sha256_hex(&body));
    assert!(
        vlab(cache.path())
            .args(["image", "pull", &server.url(), "--checksum", &checksum])
            .output()
            .expect("runs")
            .status
            .success()
    );
    let blob = cache
        .path()
        .join("images")
        .join(format!("sha256-{}", sha256_hex(&body)));
    let mut bytes = std::fs::read(&blob).expect("read");
    bytes[1000] ^= 1;
    std::fs::write(&blob, bytes).expect("corrupt it");
    let out = vlab(cache.path())
        .args(["image", "verify"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is corrupt"));
    assert!(!blob.exists(), "the corrupt image is removed");
}

#[test]
fn pull_without_a_checksum_is_refused() {
    let cache = tempfile::tempdir().expect("tempdir");
    let out = vlab(cache.path())
        .args(["image", "pull", "http://127.0.0.1:9/x.img"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no checksum to verify it against"));
}

#[test]
fn json_events_for_a_pull() {
    let body = data();
    let server = FaultServer::start("disk.img", body.clone(), Fault::ServerErrors(1));
    let cache = tempfile::tempdir().expect("tempdir");
    let checksum = format!("sha256:{}", sha256_hex(&body));
    let out = vlab(cache.path())
        .args([
            "image",
            "pull",
            &server.url(),
            "--checksum",
            &checksum,
            "--json",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let events: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().expect("event"))
        .collect();
    assert_eq!(kinds, ["retrying", "started", "done"]);
    assert_eq!(events[2]["digest"], checksum);
}

#[test]
fn ctrl_c_leaves_a_resumable_partial_and_the_next_pull_resumes() {
    let body = data();
    let server = FaultServer::start(
        "disk.img",
        body.clone(),
        Fault::Trickle(64 * 1024, Duration::from_millis(50)),
    );
    let cache = tempfile::tempdir().expect("tempdir");
    let checksum = format!("sha256:{}", sha256_hex(&body));
    let child = vlab(cache.path())
        .args(["image", "pull", &server.url(), "--checksum", &checksum])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Wait until some bytes are on disk, then interrupt.
    let deadline = Instant::now() + Duration::from_secs(20);
    let partial_len = || -> u64 {
        std::fs::read_dir(cache.path().join("partial"))
            .map(|d| {
                d.flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "part"))
                    .map(|e| e.metadata().map_or(0, |m| m.len()))
                    .sum()
            })
            .unwrap_or(0)
    };
    while partial_len() < 300_000 {
        assert!(Instant::now() < deadline, "the download never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    let kept = partial_len();
    assert!(
        kept >= 300_000 && kept < body.len() as u64,
        "partial kept: {kept}"
    );
    assert_eq!(
        std::fs::read_dir(cache.path().join("images"))
            .expect("images")
            .count(),
        0,
        "nothing half-done in the cache"
    );

    let out = vlab(cache.path())
        .args(["image", "pull", &server.url(), "--checksum", &checksum])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let resumed = server.image_requests().last().cloned().expect("request");
    assert!(
        resumed.range.is_some(),
        "the second pull resumed with Range"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("resuming at"));
}

#[test]
fn pull_from_a_lab_fetches_every_image_and_warns_about_unverified_ones() {
    let body = data();
    let other: Vec<u8> = body.iter().rev().copied().collect();
    let server = FaultServer::start("disk.img", body.clone(), Fault::None);
    let src = tempfile::tempdir().expect("tempdir");
    let local = src.path().join("other.raw");
    std::fs::write(&local, &other).expect("write");
    let lab = src.path().join("lab.kdl");
    std::fs::write(
        &lab,
        format!(
            "image \"remote\" url=\"{}\" checksums-url=\"{}\"\nimage \"local\" url=\"file://{}\" unverified=#true\nnode \"a\" image=\"remote\"\n",
            server.url(),
            server.sums_url(),
            local.display()
        ),
    )
    .expect("lab");
    let cache = tempfile::tempdir().expect("tempdir");
    let out = vlab(cache.path())
        .args(["image", "pull", "-f"])
        .arg(&lab)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning: image `local` is unverified"),
        "{stderr}"
    );
    for content in [&body, &other] {
        assert!(
            cache
                .path()
                .join("images")
                .join(format!("sha256-{}", sha256_hex(content)))
                .exists()
        );
    }
}

#[test]
fn pull_from_an_invalid_lab_shows_its_diagnostics() {
    let src = tempfile::tempdir().expect("tempdir");
    let lab = src.path().join("lab.kdl");
    std::fs::write(&lab, "image \"x\" url=\"ftp://h/x.img\" unverified=#true\n").expect("lab");
    let cache = tempfile::tempdir().expect("tempdir");
    let out = vlab(cache.path())
        .args(["image", "pull", "-f"])
        .arg(&lab)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid URL `ftp://h/x.img`"));
}

#[test]
fn prune_removes_orphans_and_old_images_but_keeps_used_ones() {
    let body = data();
    let server = FaultServer::start("disk.img", body.clone(), Fault::None);
    let cache = tempfile::tempdir().expect("tempdir");
    let checksum = format!("sha256:{}", sha256_hex(&body));
    assert!(
        vlab(cache.path())
            .args(["image", "pull", &server.url(), "--checksum", &checksum])
            .output()
            .expect("runs")
            .status
            .success()
    );
    // An image no reference points at (e.g. left by an older vlab): an orphan.
    let orphan = cache
        .path()
        .join("images")
        .join(format!("sha256-{}", "0".repeat(64)));
    std::fs::write(&orphan, b"orphan").expect("write");

    let dry = vlab(cache.path())
        .args(["image", "prune", "--dry-run"])
        .output()
        .expect("runs");
    assert!(
        String::from_utf8_lossy(&dry.stdout).contains("would remove 1 image(s)"),
        "{}",
        String::from_utf8_lossy(&dry.stdout)
    );
    assert!(orphan.exists());

    let pruned = vlab(cache.path())
        .args(["image", "prune"])
        .output()
        .expect("runs");
    assert!(pruned.status.success());
    assert!(!orphan.exists(), "orphans go");
    let kept = cache
        .path()
        .join("images")
        .join(format!("sha256-{}", sha256_hex(&body)));
    assert!(kept.exists(), "a referenced, recently used image stays");

    let recent = vlab(cache.path())
        .args(["image", "prune", "--older-than", "30d"])
        .output()
        .expect("runs");
    assert!(recent.status.success());
    assert!(kept.exists(), "used within 30 days: kept");
    // Unused for zero seconds or more: everything is old enough.
    let old = vlab(cache.path())
        .args(["image", "prune", "--older-than", "0s", "--json"])
        .output()
        .expect("runs");
    let report: serde_json::Value = serde_json::from_slice(&old.stdout).expect("json");
    assert_eq!(
        report["removed"]["images"].as_array().map(Vec::len),
        Some(1)
    );
    assert!(!kept.exists());
    assert_eq!(
        std::fs::read_dir(cache.path().join("refs"))
            .expect("refs")
            .count(),
        0,
        "no reference outlives its image"
    );

    let bad = vlab(cache.path())
        .args(["image", "prune", "--older-than", "soon"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid age `soon`"));
}

#[test]
fn a_local_image_rebuilt_under_its_checksums_list_is_pulled_anew() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let image = dir.path().join("disk.img");
    let sums = dir.path().join("SHA256SUMS");
    // `vlab image pull file://FILE --checksums-url file://SHA256SUMS`: stdout, stderr.
    let pull = |file: &std::path::Path| {
        let out = vlab(&cache)
            .args(["image", "pull"])
            .arg(format!("file://{}", file.display()))
            .arg("--checksums-url")
            .arg(format!("file://{}", sums.display()))
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for content in [&b"first build"[..], &b"second build"[..]] {
        std::fs::write(&image, content).expect("image");
        std::fs::write(&sums, format!("{}  disk.img\n", sha256_hex(content))).expect("sums");
        let (path, _) = pull(&image);
        assert!(
            path.ends_with(&format!("sha256-{}", sha256_hex(content))),
            "the cache holds what the list names now: {path}"
        );
    }
    // A compressed download is listed by its own digest, cached by its content's: an
    // unchanged list is a hit, without a second pull.
    let gz = dir.path().join("disk.img.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut encoder, b"packed build").expect("gzip");
    let packed = encoder.finish().expect("gzip");
    std::fs::write(&gz, &packed).expect("gz");
    std::fs::write(&sums, format!("{}  disk.img.gz\n", sha256_hex(&packed))).expect("sums");
    pull(&gz);
    let (_, again) = pull(&gz);
    assert!(again.contains("already present"), "a hit: {again}");
}
