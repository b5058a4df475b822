//! `CacheLayout`: where everything lives in the image cache, and the records kept beside it.
//!
//! ```text
//! <root>/images/<algo>-<hex>         verified image content, named only by its digest
//! <root>/images/<algo>-<hex>.json    BlobRecord: size, source, last use
//! <root>/refs/<key>.json             RefRecord: (URL, verification) -> blob, for offline hits
//! <root>/partial/<key>.part          a download in progress (resumable)
//! <root>/partial/<key>.json          PartialRecord: the validators that make resuming safe
//! <root>/partial/<key>.decoded       a verified compressed download being unpacked
//! <root>/locks/<key>.lock            held while a process pulls that URL
//! ```
//! No path component ever comes from a URL: keys are digests of the URL. Paths only; the
//! store decides what to do with them.

use crate::checksum::Checksum;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct CacheLayout {
    pub root: PathBuf,
}

impl CacheLayout {
    pub fn new(root: PathBuf) -> Self {
        CacheLayout { root }
    }

    /// `VLAB_CACHE_DIR`, else `$XDG_CACHE_HOME/vlab`, else `~/.cache/vlab`.
    pub fn default_root() -> PathBuf {
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Some(dir) = env("VLAB_CACHE_DIR") {
            return dir;
        }
        if let Some(dir) = env("XDG_CACHE_HOME") {
            return dir.join("vlab");
        }
        match env("HOME") {
            Some(home) => home.join(".cache").join("vlab"),
            None => PathBuf::from("/var/cache/vlab"),
        }
    }

    pub fn create_dirs(&self) -> std::io::Result<()> {
        for dir in ["images", "refs", "partial", "locks"] {
            std::fs::create_dir_all(self.root.join(dir))?;
        }
        Ok(())
    }

    pub fn images_dir(&self) -> PathBuf {
        self.root.join("images")
    }

    pub fn partial_dir(&self) -> PathBuf {
        self.root.join("partial")
    }

    pub fn blob(&self, digest: &Checksum) -> PathBuf {
        self.images_dir().join(blob_name(digest))
    }

    pub fn blob_record(&self, digest: &Checksum) -> PathBuf {
        self.images_dir()
            .join(format!("{}.json", blob_name(digest)))
    }

    pub fn reference(&self, key: &str) -> PathBuf {
        self.root.join("refs").join(format!("{key}.json"))
    }

    pub fn partial(&self, key: &str) -> PathBuf {
        self.partial_dir().join(format!("{key}.part"))
    }

    pub fn partial_record(&self, key: &str) -> PathBuf {
        self.partial_dir().join(format!("{key}.json"))
    }

    pub fn decoded(&self, key: &str) -> PathBuf {
        self.partial_dir().join(format!("{key}.decoded"))
    }

    pub fn lock(&self, key: &str) -> PathBuf {
        self.root.join("locks").join(format!("{key}.lock"))
    }
}

/// `sha256-<hex>`: the only name a blob ever has.
pub fn blob_name(digest: &Checksum) -> String {
    format!("{}-{}", digest.algorithm.name(), digest.hex)
}

/// `sha256-<hex>` back to a digest.
pub fn parse_blob_name(name: &str) -> Option<Checksum> {
    let (algo, hex) = name.split_once('-')?;
    Checksum::parse(&format!("{algo}:{hex}")).ok()
}

/// Creates `path` anew with `mode` (under the umask) from the first byte, replacing any file
/// there: a left-over file would keep its old mode.
pub fn create_file(path: &Path, mode: u32) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
}

/// A short, fixed-length key for a string (a URL, or a URL and its verification).
pub fn key_of(parts: &[&str]) -> String {
    crate::checksum::hex(&crate::checksum::sha256_of_parts(parts)[..16])
}

/// What the cache knows about one stored image.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BlobRecord {
    pub digest: String,
    pub size: u64,
    pub source_url: String,
    /// The digest of the download when it was compressed (the one the checksum verified).
    pub compressed_digest: Option<String>,
    /// False for an image pulled explicitly unverified.
    pub verified: bool,
    /// Seconds since the Unix epoch.
    pub added: u64,
    pub last_used: u64,
}

/// Maps a (URL, verification) pair to the blob it produced, so a second pull needs no network.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RefRecord {
    pub url: String,
    pub verification: String,
    pub blob: String,
}

/// What makes resuming a partial download safe: the server's validators for the content.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct PartialRecord {
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub total: Option<u64>,
}

impl PartialRecord {
    /// The `If-Range` value: a strong ETag, else Last-Modified; `None` means "cannot resume".
    pub fn if_range(&self) -> Option<&str> {
        match &self.etag {
            Some(etag) if !etag.starts_with("W/") => Some(etag),
            _ => self.last_modified.as_deref(),
        }
    }
}

pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Option<T> {
    let text = std::fs::read(path).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Writes JSON atomically (temp file + rename), so a reader never sees half a record.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(
        &tmp,
        serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?,
    )?;
    std::fs::rename(&tmp, path)
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
