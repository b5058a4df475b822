//! Image pulls that a hostile lab or mirror would abuse: decompression bombs, endless or
//! oversized downloads, devices and FIFOs named by `file://` URLs, cache modes, and
//! credentials in URLs. Same server and checks as `image_pull`; every test ends by checking
//! that nothing unverified or oversized is left in the cache or in `partial/`.

use crate::image_pull::{
    assert_cache_empty, assert_cache_holds_only, checksum_of, image_bytes, partial_files, request,
    store,
};
use crate::support::fault_server::{Fault, FaultServer, sha256_hex};
use std::path::{Path, PathBuf};
use std::time::Duration;
use vlab::image_store::PullRequest;
use vlab::image_store::pull_error::PullError;
use vlab::image_store::pull_reporter::QuietReporter;
use vlab::lab::Verification;

fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

/// Records the most the partial folder held (image bytes, not records) at any progress
/// report, so a test can tell what a pull wrote before it failed.
struct PartialWatch {
    dir: PathBuf,
    most: std::sync::atomic::AtomicU64,
}

impl PartialWatch {
    fn new(root: &Path) -> PartialWatch {
        PartialWatch {
            dir: root.join("partial"),
            most: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn sample(&self) {
        let held: u64 = partial_files(self.dir.parent().expect("root"))
            .iter()
            .filter(|p| p.extension().is_none_or(|e| e != "json"))
            .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
            .sum();
        self.most
            .fetch_max(held, std::sync::atomic::Ordering::SeqCst);
    }

    fn most(&self) -> u64 {
        self.most.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl vlab::image_store::pull_reporter::PullReporter for PartialWatch {
    fn progress(&self, _name: &str, _bytes: u64) {
        self.sample();
    }
    fn retrying(&self, _name: &str, _attempt: u32, _error: &str) {
        self.sample();
    }
}

/// 32 MiB of zeros, gzipped to about 32 KiB: a small decompression bomb.
fn gzip_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..32 {
        gz.write_all(&zeros).expect("gz");
    }
    gz.finish().expect("gz")
}

#[tokio::test]
async fn a_compressed_image_with_a_wrong_checksum_is_never_unpacked() {
    let bomb = gzip_bomb();
    let server = FaultServer::start(
        "disk.raw.gz",
        bomb.clone(),
        Fault::Trickle(2048, Duration::from_millis(2)),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let watch = PartialWatch::new(dir.path());
    let err = store(dir.path())
        .pull(
            &request(
                &server,
                Verification::Checksum(checksum_of(b"another file")),
            ),
            &watch,
        )
        .await
        .expect_err("mismatch");
    assert!(matches!(err, PullError::Mismatch { .. }), "{err}");
    assert!(
        watch.most() <= bomb.len() as u64,
        "partial/ held {} bytes for a {}-byte download",
        watch.most(),
        bomb.len()
    );
    assert_no_trace(dir.path());
}

#[tokio::test]
async fn a_cut_compressed_download_leaves_only_compressed_bytes_behind() {
    let bomb = gzip_bomb();
    // Every response is cut after 4 KiB: four attempts fetch half the archive.
    let server = FaultServer::start("disk.raw.gz", bomb.clone(), Fault::Truncate(4096));
    let dir = tempfile::tempdir().expect("tempdir");
    let err = store(dir.path())
        .pull(
            &request(&server, Verification::Checksum(checksum_of(&bomb))),
            &QuietReporter,
        )
        .await
        .expect_err("never completes");
    assert!(matches!(err, PullError::Network { .. }), "{err}");
    let left = partial_files(dir.path());
    let held: u64 = left
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e != "json"))
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum();
    assert!(
        held <= bomb.len() as u64,
        "partial/ holds {held} bytes of a {}-byte download: {left:?}",
        bomb.len()
    );
    assert!(
        left.iter()
            .all(|p| p.extension().is_some_and(|e| e == "part" || e == "json")),
        "only the download and its record are kept: {left:?}"
    );
    assert_cache_empty(dir.path());
}

#[tokio::test]
async fn a_verified_archive_that_unpacks_past_the_limit_is_refused() {
    let bomb = gzip_bomb();
    let server = FaultServer::start("disk.raw.gz", bomb.clone(), Fault::None);
    let dir = tempfile::tempdir().expect("tempdir");
    let limit = 4 * 1024 * 1024;
    let err = store(dir.path())
        .with_max_image_size(limit)
        .pull(
            &request(&server, Verification::Checksum(checksum_of(&bomb))),
            &QuietReporter,
        )
        .await
        .expect_err("too large");
    assert!(
        matches!(&err, PullError::TooLarge { limit: l, .. } if *l == limit),
        "{err}"
    );
    assert!(
        err.to_string().contains("unpacked image is larger than"),
        "{err}"
    );
    assert_no_trace(dir.path());
}

#[tokio::test]
async fn a_download_that_never_ends_stops_at_the_limit_and_is_deleted() {
    let server = FaultServer::start("disk.qcow2", Vec::new(), Fault::Endless);
    let dir = tempfile::tempdir().expect("tempdir");
    let watch = PartialWatch::new(dir.path());
    let limit = 2 * 1024 * 1024;
    let err = store(dir.path())
        .with_max_image_size(limit)
        .pull(
            &request(&server, Verification::Checksum(checksum_of(b"x"))),
            &watch,
        )
        .await
        .expect_err("too large");
    assert!(matches!(err, PullError::TooLarge { .. }), "{err}");
    assert!(
        watch.most() <= limit,
        "partial/ held {} bytes",
        watch.most()
    );
    assert_eq!(server.image_requests().len(), 1, "a limit is not retried");
    assert_no_trace(dir.path());
}

#[tokio::test]
async fn a_download_announced_larger_than_the_limit_is_refused_at_once() {
    let server = FaultServer::start("disk.qcow2", image_bytes(), Fault::None);
    let dir = tempfile::tempdir().expect("tempdir");
    let watch = PartialWatch::new(dir.path());
    let err = store(dir.path())
        .with_max_image_size(1024 * 1024)
        .pull(
            &request(&server, Verification::Checksum(checksum_of(&image_bytes()))),
            &watch,
        )
        .await
        .expect_err("too large");
    assert!(matches!(err, PullError::TooLarge { .. }), "{err}");
    assert_eq!(watch.most(), 0, "nothing was written");
    assert!(
        partial_files(dir.path()).is_empty(),
        "{:?}",
        partial_files(dir.path())
    );
}

fn file_request(path: &Path, verification: Verification) -> PullRequest {
    PullRequest {
        name: "local".into(),
        url: format!("file://{}", path.display()),
        verification,
    }
}

#[tokio::test]
async fn a_file_url_naming_a_device_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = store(dir.path())
        .pull(
            &file_request(Path::new("/dev/zero"), Verification::Unverified),
            &QuietReporter,
        )
        .await
        .expect_err("a device");
    assert!(matches!(err, PullError::Source { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("/dev/zero: it is a character device, not a regular file"),
        "{err}"
    );
    assert_eq!(err.help(), Some("a `file://` URL must name a regular file"));
    assert_no_trace(dir.path());
}

#[tokio::test]
async fn a_file_checksums_list_must_be_a_small_regular_file() {
    let data = image_bytes();
    let server = FaultServer::start("disk.qcow2", data.clone(), Fault::None);
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("SHA256SUMS");
    let line = format!("{}  disk.qcow2\n", sha256_hex(&data));
    std::fs::write(&big, line.repeat(4 * 1024 * 1024 / line.len() + 1)).expect("write");
    for (list, says) in [
        ("/dev/zero", "it is a character device, not a regular file"),
        (big.to_str().expect("utf-8"), "the limit is 4194304 bytes"),
    ] {
        let req = request(
            &server,
            Verification::ChecksumsUrl(format!("file://{list}")),
        );
        let err = store(&dir.path().join("cache"))
            .pull(&req, &QuietReporter)
            .await
            .expect_err("refused");
        assert!(matches!(err, PullError::Source { .. }), "{err}");
        assert!(err.to_string().contains(says), "{err}");
    }
    assert_eq!(server.image_requests().len(), 0);
    assert_cache_empty(&dir.path().join("cache"));
}

#[tokio::test]
async fn cache_entries_are_no_wider_than_their_source() {
    use std::os::unix::fs::PermissionsExt;
    let src = tempfile::tempdir().expect("tempdir");
    let dir = tempfile::tempdir().expect("tempdir");
    for (source_mode, cached_mode, byte) in
        [(0o600, 0o600, 1u8), (0o644, 0o644, 2), (0o640, 0o600, 3)]
    {
        let data = vec![byte; 1000];
        let path = src.path().join(format!("image{byte}.raw"));
        std::fs::write(&path, &data).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(source_mode))
            .expect("chmod");
        let image = store(dir.path())
            .pull(
                &file_request(&path, Verification::Checksum(checksum_of(&data))),
                &QuietReporter,
            )
            .await
            .expect("import");
        assert_eq!(mode_of(&image.path), cached_mode, "source {source_mode:o}");
    }
    // Downloads, their records and the folders are the user's alone.
    let data = image_bytes();
    let server = FaultServer::start("disk.qcow2", data.clone(), Fault::None);
    let image = store(dir.path())
        .pull(
            &request(&server, Verification::Checksum(checksum_of(&data))),
            &QuietReporter,
        )
        .await
        .expect("pull");
    assert_eq!(mode_of(&image.path), 0o600);
    assert_eq!(mode_of(&image.path.with_extension("json")), 0o600);
    for sub in ["images", "refs", "partial", "locks"] {
        assert_eq!(mode_of(&dir.path().join(sub)), 0o700, "{sub}");
        for entry in std::fs::read_dir(dir.path().join(sub))
            .expect("dir")
            .flatten()
        {
            let name = entry.file_name();
            if sub != "images" || name.to_string_lossy().ends_with(".json") {
                assert_eq!(mode_of(&entry.path()), 0o600, "{}", entry.path().display());
            }
        }
    }
}

#[tokio::test]
async fn a_compressed_image_is_unpacked_no_wider_than_its_source() {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&image_bytes()).expect("gz");
    let compressed = gz.finish().expect("gz");
    let src = tempfile::tempdir().expect("tempdir");
    let path = src.path().join("disk.raw.gz");
    std::fs::write(&path, &compressed).expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let dir = tempfile::tempdir().expect("tempdir");
    let image = store(dir.path())
        .pull(
            &file_request(&path, Verification::Checksum(checksum_of(&compressed))),
            &QuietReporter,
        )
        .await
        .expect("import");
    assert_cache_holds_only(dir.path(), &image_bytes());
    assert_eq!(mode_of(&image.path), 0o600);
}

#[tokio::test]
async fn credentials_in_a_url_are_masked_in_errors() {
    let server = FaultServer::start("disk.qcow2", image_bytes(), Fault::NotFound);
    let with_password = server.url().replace("http://", "http://me:s3cret@");
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!(
            "http://me:s3cret@{}/disk.qcow2",
            listener.local_addr().expect("addr")
        )
    };
    let dir = tempfile::tempdir().expect("tempdir");
    for url in [with_password, closed] {
        let req = PullRequest {
            name: "private".into(),
            url,
            verification: Verification::Checksum(checksum_of(b"x")),
        };
        let err = store(dir.path())
            .pull(&req, &QuietReporter)
            .await
            .expect_err("fails");
        let text = err.to_string();
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("me:***@127.0.0.1"), "{text}");
    }
}

/// Nothing of a refused pull is left: no cache entry, no partial file.
fn assert_no_trace(root: &std::path::Path) {
    assert_cache_empty(root);
    let left = partial_files(root);
    assert!(left.is_empty(), "{left:?}");
}
