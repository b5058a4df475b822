//! `ImageStore`: fetch, verify and cache cloud images, content-addressed on local disk.
//!
//! A pull streams the image into a partial file while hashing it, checks the digest against
//! the lab's checksum (inline, or found in a SHA256SUMS/SHA512SUMS file), only then unpacks a
//! `.xz`/`.gz`/`.zst` download (bounded), and renames the result into place under a name
//! derived from its digest. Nothing unverified is ever unpacked or enters the cache; a pull
//! cut by the network leaves a partial file that the next pull resumes, any other failure
//! deletes it. Downloads and unpacked images are bounded by `max_image_size`. A per-URL lock
//! keeps two processes from pulling the same image at once. Placing cached images on libvirt
//! hosts is `pool_upload`'s job.

pub mod cache_layout;
pub mod checksums_file;
pub mod compression;
pub mod download_sink;
pub mod fetcher;
pub mod hasher;
pub mod local_source;
pub mod maintenance;
pub mod pull_error;
pub mod pull_reporter;
pub mod unpacker;

use crate::checksum::Checksum;
use crate::lab::Verification;
pub use cache_layout::parse_blob_name;
use cache_layout::{
    BlobRecord, CacheLayout, PartialRecord, RefRecord, blob_name, key_of, now, read_json,
    write_json,
};
use compression::Compression;
use download_sink::{DownloadSink, SinkResult, SinkSpec};
use fetcher::{FetchPolicy, Fetcher, Target};
use pull_error::{PullError, masked_url};
use pull_reporter::PullReporter;
use std::path::{Path, PathBuf};

/// Checksums files are small; anything larger is not one (over HTTP and `file://` alike).
const CHECKSUMS_LIMIT: usize = 4 * 1024 * 1024;

/// The default bound on an image: on what is downloaded (when no size is announced, or one
/// larger is), and on what a verified archive unpacks to. Cloud images are a few GiB.
pub const DEFAULT_MAX_IMAGE_SIZE: u64 = 64 * 1024 * 1024 * 1024;

/// One image to pull.
#[derive(Debug, Clone)]
pub struct PullRequest {
    /// For messages and progress: the lab's image name, or the file name of an ad hoc URL.
    pub name: String,
    pub url: String,
    pub verification: Verification,
}

impl PullRequest {
    /// The image's content digest when it is known before any download: see
    /// `inline_digest`.
    pub fn inline_digest(&self) -> Option<&Checksum> {
        inline_digest(&self.url, &self.verification)
    }
}

/// The content digest of the file at `url`, when it is known without downloading it: from
/// an inline checksum of an uncompressed file (the checksum of a compressed one is the
/// archive's, not the content's). Otherwise only a pull tells.
pub fn inline_digest<'a>(url: &str, verification: &'a Verification) -> Option<&'a Checksum> {
    match verification {
        Verification::Checksum(c) if Compression::from_file_name(url).is_none() => Some(c),
        Verification::Checksum(_) | Verification::ChecksumsUrl(_) | Verification::Unverified => {
            None
        }
    }
}

/// An image in the cache.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CachedImage {
    pub name: String,
    pub path: PathBuf,
    pub digest: Checksum,
    pub size: u64,
    /// True when no download was needed.
    pub from_cache: bool,
}

pub struct ImageStore {
    pub layout: CacheLayout,
    fetcher: Fetcher,
    max_image_size: u64,
}

impl ImageStore {
    pub fn open(root: PathBuf, policy: FetchPolicy) -> Result<ImageStore, PullError> {
        let layout = CacheLayout::new(root);
        layout
            .create_dirs()
            .map_err(|e| cache_error(&layout.root, e))?;
        Ok(ImageStore {
            layout,
            fetcher: Fetcher::new(policy)?,
            max_image_size: DEFAULT_MAX_IMAGE_SIZE,
        })
    }

    /// Bounds downloads and unpacked images to `bytes` (default `DEFAULT_MAX_IMAGE_SIZE`).
    pub fn with_max_image_size(mut self, bytes: u64) -> ImageStore {
        self.max_image_size = bytes;
        self
    }

    /// Pulls every request, at most `parallel` at a time; results in request order.
    pub async fn pull_all(
        &self,
        requests: &[PullRequest],
        parallel: usize,
        reporter: &dyn PullReporter,
    ) -> Vec<Result<CachedImage, PullError>> {
        use futures_util::StreamExt;
        futures_util::stream::iter(requests.iter().map(|r| self.pull(r, reporter)))
            .buffered(parallel.max(1))
            .collect()
            .await
    }

    /// Brings one image into the cache (or finds it there) and returns where it is.
    pub async fn pull(
        &self,
        request: &PullRequest,
        reporter: &dyn PullReporter,
    ) -> Result<CachedImage, PullError> {
        let result = self.pull_inner(request, reporter).await;
        match &result {
            Ok(image) => reporter.done(&image.name, &image.digest, &image.path, image.from_cache),
            Err(e) => reporter.failed(&request.name, &e.to_string()),
        }
        result
    }

    async fn pull_inner(
        &self,
        request: &PullRequest,
        reporter: &dyn PullReporter,
    ) -> Result<CachedImage, PullError> {
        let url = &request.url;
        if !(url.starts_with("https://")
            || url.starts_with("http://")
            || url.starts_with("file://"))
        {
            return Err(PullError::Invalid {
                url: url.clone(),
                message: "only https, http and file URLs are supported".into(),
            });
        }
        let verification = verification_key(&request.verification);
        let ref_key = key_of(&[url, &verification]);
        if let Some(hit) = self.lookup(request, &ref_key) {
            return Ok(hit);
        }
        let key = key_of(&[url]);
        let _lock = self.lock(&key, request, reporter).await?;
        // Another process may have finished the same pull while this one waited.
        if let Some(hit) = self.lookup(request, &ref_key) {
            return Ok(hit);
        }
        let expected = match &request.verification {
            Verification::Checksum(c) => Some(c.clone()),
            Verification::ChecksumsUrl(list) => Some(self.listed_checksum(list, url).await?),
            Verification::Unverified => None,
        };
        let compression = Compression::from_file_name(&checksums_file::file_name_of(url));
        let spec = SinkSpec {
            part: self.layout.partial(&key),
            algorithm: expected
                .as_ref()
                .map_or(crate::checksum::HashAlgorithm::Sha256, |c| c.algorithm),
            mode: cache_layout::PRIVATE_MODE,
        };
        let fetched = self.fetch(request, &key, spec.clone(), reporter).await?;
        if let Some(expected) = &expected
            && fetched.download_digest != *expected
        {
            self.discard_partial(&key);
            return Err(PullError::Mismatch {
                url: url.clone(),
                expected: expected.clone(),
                actual: fetched.download_digest,
            });
        }
        // Only now, verified, may a compressed download be unpacked.
        let (content, digest, size) = match compression {
            Some(compression) => {
                let (from, to) = (self.layout.partial(&key), self.layout.decoded(&key));
                let (digest, size) = unpacker::unpack_verified(
                    compression,
                    from,
                    to.clone(),
                    url,
                    self.max_image_size,
                )
                .await
                .inspect_err(|_| self.discard_partial(&key))?;
                (to, digest, size)
            }
            None => (
                spec.part.clone(),
                fetched.download_digest.clone(),
                fetched.download_size,
            ),
        };
        let path = self.layout.blob(&digest);
        std::fs::rename(&content, &path).map_err(|e| cache_error(&path, e))?;
        self.discard_partial(&key);
        let time = now();
        let record = BlobRecord {
            digest: blob_name(&digest),
            size,
            source_url: url.clone(),
            compressed_digest: compression.map(|_| blob_name(&fetched.download_digest)),
            verified: expected.is_some(),
            added: time,
            last_used: time,
        };
        write_json(&self.layout.blob_record(&digest), &record)
            .map_err(|e| cache_error(&path, e))?;
        let reference = RefRecord {
            url: url.clone(),
            verification,
            blob: blob_name(&digest),
        };
        write_json(&self.layout.reference(&ref_key), &reference)
            .map_err(|e| cache_error(&path, e))?;
        Ok(CachedImage {
            name: request.name.clone(),
            path,
            digest,
            size,
            from_cache: false,
        })
    }

    /// The cached image for `request`, if the cache holds it; no network, no download.
    pub fn cached(&self, request: &PullRequest) -> Option<CachedImage> {
        let ref_key = key_of(&[&request.url, &verification_key(&request.verification)]);
        self.lookup(request, &ref_key)
    }

    /// Whether `blob`, cached for `request`, is no longer what the request's checksums list
    /// names, when that list is a local file (reading it costs nothing, and a rebuilt local
    /// image must not pass for the old one). A list over the network is not fetched here: a
    /// cached image then stays what the lab gets until it is pulled anew.
    fn outdated_locally(&self, request: &PullRequest, blob: &str) -> bool {
        let Verification::ChecksumsUrl(list) = &request.verification else {
            return false;
        };
        let Some(path) = list.strip_prefix("file://") else {
            return false;
        };
        let Ok(text) = local_source::read_list(Path::new(path), CHECKSUMS_LIMIT as u64) else {
            return false;
        };
        let Some(listed) = checksums_file::find(&text, &checksums_file::file_name_of(&request.url))
        else {
            return false;
        };
        let record =
            read_json::<BlobRecord>(&self.layout.images_dir().join(format!("{blob}.json")));
        let verified = record
            .and_then(|r| r.compressed_digest)
            .and_then(|d| parse_blob_name(&d).or_else(|| Checksum::parse(&d).ok()))
            .or_else(|| parse_blob_name(blob));
        verified.is_some_and(|v| v.algorithm == listed.algorithm && v.hex != listed.hex)
    }

    /// The cached image for this request, touching its last-use time; `None` on a miss.
    fn lookup(&self, request: &PullRequest, ref_key: &str) -> Option<CachedImage> {
        let by_ref = read_json::<RefRecord>(&self.layout.reference(ref_key))
            .map(|r| r.blob)
            .filter(|blob| !self.outdated_locally(request, blob));
        // An inline checksum of an uncompressed image names the blob directly.
        let by_checksum = request.inline_digest().map(blob_name);
        for name in by_ref.into_iter().chain(by_checksum) {
            let path = self.layout.images_dir().join(&name);
            let record_path = self.layout.images_dir().join(format!("{name}.json"));
            let (Ok(metadata), Some(mut record)) = (
                std::fs::metadata(&path),
                read_json::<BlobRecord>(&record_path),
            ) else {
                continue;
            };
            let digest = parse_blob_name(&name)?;
            record.last_used = now();
            let _ = write_json(&record_path, &record);
            return Some(CachedImage {
                name: request.name.clone(),
                path,
                digest,
                size: metadata.len(),
                from_cache: true,
            });
        }
        None
    }

    async fn lock(
        &self,
        key: &str,
        request: &PullRequest,
        reporter: &dyn PullReporter,
    ) -> Result<std::fs::File, PullError> {
        use std::os::unix::fs::OpenOptionsExt;
        let path = self.layout.lock(key);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(cache_layout::PRIVATE_MODE)
            .open(&path)
            .map_err(|e| cache_error(&path, e))?;
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => {
                reporter.waiting_for_lock(&request.name, &masked_url(&request.url));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(cache_error(&path, e)),
        }
        tokio::task::spawn_blocking(move || file.lock().map(|()| file))
            .await
            .map_err(|e| cache_error(&path, std::io::Error::other(e)))?
            .map_err(|e| cache_error(&path, e))
    }

    async fn listed_checksum(
        &self,
        list_url: &str,
        image_url: &str,
    ) -> Result<Checksum, PullError> {
        let text = match list_url.strip_prefix("file://") {
            Some(path) => local_source::read_list(Path::new(path), CHECKSUMS_LIMIT as u64)?,
            None => self.fetcher.fetch_text(list_url, CHECKSUMS_LIMIT).await?,
        };
        let file_name = checksums_file::file_name_of(image_url);
        checksums_file::find(&text, &file_name).ok_or(PullError::NotListed {
            checksums_url: list_url.to_string(),
            file_name,
        })
    }

    /// Brings the file at the request's URL, as published, into the partial file of `key`.
    /// A failure deletes the partial file, unless resuming it can help (a network failure).
    async fn fetch(
        &self,
        request: &PullRequest,
        key: &str,
        spec: SinkSpec,
        reporter: &dyn PullReporter,
    ) -> Result<SinkResult, PullError> {
        if let Some(path) = request.url.strip_prefix("file://") {
            let import = local_source::Import {
                name: &request.name,
                url: &request.url,
                path: Path::new(path),
                limit: self.max_image_size,
            };
            // A file is never resumed: whatever went wrong, the copy goes.
            return local_source::import(import, spec, &self.layout.root, reporter)
                .await
                .inspect_err(|_| self.discard_partial(key));
        }
        let record_path = self.layout.partial_record(key);
        let mut record = read_json::<PartialRecord>(&record_path)
            .filter(|r| r.url == request.url)
            .unwrap_or_else(|| PartialRecord {
                url: request.url.clone(),
                ..PartialRecord::default()
            });
        let resume = spec.part.exists() && record.if_range().is_some();
        let mut sink = DownloadSink::open(spec, resume)
            .await
            .map_err(|e| cache_error(&self.layout.root, e))?;
        let target = Target {
            name: &request.name,
            url: &request.url,
            limit: self.max_image_size,
            record_path: &record_path,
        };
        let downloaded = self
            .fetcher
            .download(target, &mut sink, &mut record, reporter)
            .await;
        if let Err(e) = downloaded {
            if !e.keeps_partial() {
                drop(sink);
                self.discard_partial(key);
            }
            return Err(e);
        }
        sink.finish()
            .await
            .map_err(|e| cache_error(&self.layout.root, e))
    }

    /// Removes a pull's partial files (after success, or a failure that resuming cannot fix).
    fn discard_partial(&self, key: &str) {
        for path in [
            self.layout.partial(key),
            self.layout.partial_record(key),
            self.layout.decoded(key),
        ] {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The verification as a stable string, part of the cache reference key.
fn verification_key(verification: &Verification) -> String {
    match verification {
        Verification::Checksum(c) => c.to_string(),
        Verification::ChecksumsUrl(url) => format!("list:{url}"),
        Verification::Unverified => "unverified".into(),
    }
}

fn cache_error(path: &Path, source: std::io::Error) -> PullError {
    PullError::Cache {
        path: path.display().to_string(),
        source,
    }
}
