//! Image pulls against a real HTTP server on 127.0.0.1 that injects faults.
//!
//! Every test ends by checking the cache: it holds the verified image and nothing else, or
//! nothing at all. No mocks: real sockets, real files, the real `ImageStore`.

use crate::support::fault_server::{Fault, FaultServer, sha256_hex};
use std::path::{Path, PathBuf};
use std::time::Duration;
use vlab::checksum::Checksum;
use vlab::image_store::fetcher::FetchPolicy;
use vlab::image_store::pull_error::PullError;
use vlab::image_store::pull_reporter::QuietReporter;
use vlab::image_store::{ImageStore, PullRequest};
use vlab::lab::Verification;

const SIZE: usize = 3 * 1024 * 1024 + 17;

pub(crate) fn image_bytes() -> Vec<u8> {
    // Not compressible and not periodic: position-dependent noise.
    (0..SIZE as u64)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

fn policy() -> FetchPolicy {
    FetchPolicy {
        connect_timeout: Duration::from_secs(2),
        stall_timeout: Duration::from_millis(700),
        attempts: 4,
        backoff: Duration::from_millis(20),
    }
}

pub(crate) fn store(root: &Path) -> ImageStore {
    ImageStore::open(root.to_path_buf(), policy()).expect("store opens")
}

pub(crate) fn checksum_of(data: &[u8]) -> Checksum {
    Checksum::parse(&format!("sha256:{}", sha256_hex(data))).expect("checksum")
}

pub(crate) fn request(server: &FaultServer, verification: Verification) -> PullRequest {
    PullRequest {
        name: server.name.clone(),
        url: server.url(),
        verification,
    }
}

/// The image files in the cache (not their JSON records).
fn cached_images(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("images"))
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_none_or(|e| e != "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The cache holds exactly one image, whose content is `expected`, stored under its digest.
pub(crate) fn assert_cache_holds_only(root: &Path, expected: &[u8]) {
    let images = cached_images(root);
    assert_eq!(images.len(), 1, "cache: {images:?}");
    let content = std::fs::read(&images[0]).expect("read cached image");
    assert!(content == expected, "cached content differs from the image");
    let name = images[0]
        .file_name()
        .and_then(|n| n.to_str())
        .expect("name");
    assert_eq!(name, format!("sha256-{}", sha256_hex(expected)));
}

pub(crate) fn assert_cache_empty(root: &Path) {
    assert_eq!(
        cached_images(root),
        Vec::<PathBuf>::new(),
        "nothing unverified may enter the cache"
    );
}

pub(crate) fn partial_files(root: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(root.join("partial"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn pulls_verifies_and_then_needs_no_network() {
    let data = image_bytes();
    let server = FaultServer::start("disk.qcow2", data.clone(), Fault::None);
    let dir = tempfile::tempdir().expect("tempdir");
    let req = request(&server, Verification::Checksum(checksum_of(&data)));
    let image = store(dir.path())
        .pull(&req, &QuietReporter)
        .await
        .expect("pull");
    assert!(!image.from_cache);
    assert_eq!(image.size, SIZE as u64);
    assert_cache_holds_only(dir.path(), &data);
    assert!(
        partial_files(dir.path()).is_empty(),
        "partial files are cleaned up"
    );
    // The server counts requests: the second pull must not make any.
    let again = store(dir.path())
        .pull(&req, &QuietReporter)
        .await
        .expect("cached pull");
    assert!(again.from_cache);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn checksums_file_is_fetched_and_matched_by_name() {
    let data = image_bytes();
    let server = FaultServer::start(
        "debian-12-genericcloud-amd64.qcow2",
        data.clone(),
        Fault::None,
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let req = request(&server, Verification::ChecksumsUrl(server.sums_url()));
    store(dir.path())
        .pull(&req, &QuietReporter)
        .await
        .expect("pull");
    assert_cache_holds_only(dir.path(), &data);
    // Cached by (URL, checksums URL): the next pull fetches neither.
    let before = server.requests().len();
    assert!(
        store(dir.path())
            .pull(&req, &QuietReporter)
            .await
            .expect("again")
            .from_cache
    );
    assert_eq!(server.requests().len(), before);
}

#[tokio::test]
async fn wrong_bytes_are_refused_and_nothing_is_kept() {
    let data = image_bytes();
    let server = FaultServer::start("disk.qcow2", data.clone(), Fault::WrongBytes);
    let dir = tempfile::tempdir().expect("tempdir");
    let err = store(dir.path())
        .pull(
            &request(&server, Verification::Checksum(checksum_of(&data))),
            &QuietReporter,
        )
        .await
        .expect_err("mismatch");
    match &err {
        PullError::Mismatch {
            url,
            expected,
            actual,
        } => {
            assert_eq!(url, &server.url());
            assert_eq!(expected.hex, sha256_hex(&data));
            assert_ne!(actual.hex, expected.hex);
        }
        other => panic!("expected a mismatch, got {other}"),
    }
    let text = err.to_string();
    assert!(
        text.contains(&server.url())
            && text.contains("expected sha256:")
            && text.contains("actual   sha256:"),
        "{text}"
    );
    assert_cache_empty(dir.path());
    assert!(
        partial_files(dir.path()).is_empty(),
        "a mismatched download is deleted"
    );
}

#[tokio::test]
async fn not_found_fails_at_once_naming_url_and_status() {
    let server = FaultServer::start("disk.qcow2", image_bytes(), Fault::NotFound);
    let dir = tempfile::tempdir().expect("tempdir");
    let err = store(dir.path())
        .pull(
            &request(&server, Verification::Checksum(checksum_of(b"x"))),
            &QuietReporter,
        )
        .await
        .expect_err("404");
    assert!(
        matches!(err, PullError::Status { status: 404, .. }),
        "{err}"
    );
    assert!(err.to_string().contains(&server.url()));
    assert_eq!(server.image_requests().len(), 1, "a 4xx is not retried");
    assert_cache_empty(dir.path());
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let data = image_bytes();
    let server = FaultServer::start("disk.qcow2", data.clone(), Fault::ServerErrors(2));
    let dir = tempfile::tempdir().expect("tempdir");
    store(dir.path())
        .pull(
            &request(&server, Verification::Checksum(checksum_of(&data))),
            &QuietReporter,
        )
        .await
        .expect("third attempt succeeds");
    assert_eq!(server.image_requests().len(), 3);
    assert_cache_holds_only(dir.path(), &data);
}

#[tokio::test]
async fn a_cut_connection_resumes_with_range_and_if_range() {
    let data = image_bytes();
    let server = FaultServer::start("disk.qcow2", data.clone(), Fault::CutOnce(1_000_000));
    let dir = tempfile::tempdir().expect("tempdir");
    store(dir.path())
        .pull(
            &request(&server, Verification::Checksum(checksum_of(&data))),
            &QuietReporter,
        )
        .await
        .expect("resumed");
    let requests = server.image_requests();
    assert_eq!(requests.len(), 2);
    let resumed = &requests[1];
    let offset: u64 = resumed
        .range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.trim_end_matches('-').parse().ok())
        .expect("Range header");
    assert!(offset > 0 && offset <= 1_000_000, "resumed at {offset}");
    assert!(resumed.if_range.is_some(), "resume is guarded by If-Range");
    assert_cache_holds_only(dir.path(), &data);
}

#[tokio::test]
async fn a_server_without_range_support_restarts_cleanly() {
    let data = image_bytes();
    let server = FaultServer::start("disk.qcow2", data.clone(), Fault::CutOnceNoRange(1_000_000));
    let dir = tempfile::tempdir().expect("tempdir");
    store(dir.path())
        .pull(
            &request(&server, Verification::Checksum(checksum_of(&data))),
            &QuietReporter,
        )
        .await
        .expect("restarted");
    assert_eq!(server.image_requests().len(), 2);
    assert_cache_holds_only(dir.path(), &data);
}

#[tokio::test]
async fn a_file_changed_between_attempts_is_not_spliced() {
    let data = image_bytes();
    let changed: Vec<u8> = data.iter().map(|b| b.wrapping_add(1)).collect();
    let server = FaultServer::start("disk.qcow2", data.clone(), Fault::CutThenChange(1_000_000));
    let dir = tempfile::tempdir().expect("tempdir");
    // The lab expects the new file; If-Range makes the server send it whole.
    store(dir.path())
        .pull(
            &request(&server, Verification::Checksum(checksum_of(&changed))),
            &QuietReporter,
        )
        .await
        .expect("whole new file");
    assert_cache_holds_only(dir.path(), &changed);
}

#[tokio::test]
async fn a_truncated_body_never_enters_the_cache_and_stays_resumable() {
    let data = image_bytes();
    let server = FaultServer::start("disk.qcow2", data.clone(), Fault::Truncate(500_000));
    let dir = tempfile::tempdir().expect("tempdir");
    let err = store(dir.path())
        .pull(
            &request(&server, Verification::Checksum(checksum_of(&data))),
            &QuietReporter,
        )
        .await
        .expect_err("never completes");
    assert!(
        matches!(err, PullError::Network { attempts: 4, .. }),
        "{err}"
    );
    assert_cache_empty(dir.path());
    let part: u64 = partial_files(dir.path())
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "part"))
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum();
    assert!(
        part >= 500_000,
        "the partial download is kept for a later resume ({part} bytes)"
    );
}

#[tokio::test]
async fn a_stalled_body_times_out_and_the_retry_completes() {
    let data = image_bytes();
    let server = FaultServer::start("disk.qcow2", data.clone(), Fault::StallOnce(300_000));
    let dir = tempfile::tempdir().expect("tempdir");
    let started = std::time::Instant::now();
    store(dir.path())
        .pull(
            &request(&server, Verification::Checksum(checksum_of(&data))),
            &QuietReporter,
        )
        .await
        .expect("retry completes");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the stall was cut short by the stall timeout"
    );
    assert_eq!(server.image_requests().len(), 2);
    assert_cache_holds_only(dir.path(), &data);
}

#[tokio::test]
async fn a_slow_trickle_is_not_a_stall() {
    let data: Vec<u8> = image_bytes()[..64 * 1024].to_vec();
    let server = FaultServer::start(
        "disk.qcow2",
        data.clone(),
        Fault::Trickle(4096, Duration::from_millis(60)),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    store(dir.path())
        .pull(
            &request(&server, Verification::Checksum(checksum_of(&data))),
            &QuietReporter,
        )
        .await
        .expect("trickle completes");
    assert_eq!(server.image_requests().len(), 1);
    assert_cache_holds_only(dir.path(), &data);
}

#[tokio::test]
async fn compressed_images_are_cached_decompressed_under_their_own_digest() {
    use std::io::Write;
    let data = image_bytes();
    let mut xz = xz2::write::XzEncoder::new(Vec::new(), 1);
    xz.write_all(&data).expect("xz");
    let compressed = xz.finish().expect("xz");
    let server = FaultServer::start("disk.qcow2.xz", compressed.clone(), Fault::CutOnce(100_000));
    let dir = tempfile::tempdir().expect("tempdir");
    let image = store(dir.path())
        .pull(
            &request(&server, Verification::Checksum(checksum_of(&compressed))),
            &QuietReporter,
        )
        .await
        .expect("pull");
    assert_eq!(image.digest.hex, sha256_hex(&data));
    assert_cache_holds_only(dir.path(), &data);
}

#[tokio::test]
async fn file_urls_are_hashed_in_place_and_imported() {
    let data = image_bytes();
    let src = tempfile::tempdir().expect("tempdir");
    let path = src.path().join("local.raw");
    std::fs::write(&path, &data).expect("write");
    let dir = tempfile::tempdir().expect("tempdir");
    let req = PullRequest {
        name: "local".into(),
        url: format!("file://{}", path.display()),
        verification: Verification::Checksum(checksum_of(&data)),
    };
    store(dir.path())
        .pull(&req, &QuietReporter)
        .await
        .expect("import");
    assert_cache_holds_only(dir.path(), &data);
    std::fs::remove_file(&path).expect("remove source");
    assert!(
        store(dir.path())
            .pull(&req, &QuietReporter)
            .await
            .expect("cached")
            .from_cache
    );
}

#[tokio::test]
async fn two_stores_pulling_the_same_image_download_it_once() {
    let data = image_bytes();
    let server = FaultServer::start(
        "disk.qcow2",
        data.clone(),
        Fault::Trickle(256 * 1024, Duration::from_millis(20)),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let req = request(&server, Verification::Checksum(checksum_of(&data)));
    let (a, b) = (store(dir.path()), store(dir.path()));
    let (ra, rb) = tokio::join!(a.pull(&req, &QuietReporter), b.pull(&req, &QuietReporter));
    let (ra, rb) = (ra.expect("a"), rb.expect("b"));
    assert_eq!(ra.path, rb.path);
    assert!(
        ra.from_cache != rb.from_cache,
        "one downloads, the other waits and finds it cached"
    );
    assert_eq!(server.image_requests().len(), 1);
    assert_cache_holds_only(dir.path(), &data);
}

#[tokio::test]
async fn an_image_missing_from_the_checksums_file_is_refused() {
    let data = image_bytes();
    let server = FaultServer::start("disk.qcow2", data, Fault::None);
    let dir = tempfile::tempdir().expect("tempdir");
    let req = PullRequest {
        name: "other".into(),
        url: format!("{}/other.qcow2", server.base),
        verification: Verification::ChecksumsUrl(server.sums_url()),
    };
    let err = store(dir.path())
        .pull(&req, &QuietReporter)
        .await
        .expect_err("not listed");
    assert!(matches!(err, PullError::NotListed { .. }), "{err}");
    assert_cache_empty(dir.path());
}
