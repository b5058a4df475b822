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
//! No path component ever comes from a URL: keys are digests of the URL. The folders are
//! private to the user (0700) and every file is created with its final mode
//! (`private_file::create`, `write_json`): the records hold source URLs, which may carry credentials. Paths and modes
//! only; the store decides what to do with them.

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

    /// Creates the cache's folders (`create_private_dir`).
    pub fn create_dirs(&self) -> std::io::Result<()> {
        for dir in ["images", "refs", "partial", "locks"] {
            create_private_dir(&self.root.join(dir))?;
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

/// The mode of the cache's folders: the user's alone. Nothing needs them readable by others:
/// images reach libvirt hosts through upload streams that vlab itself reads and writes.
pub const DIR_MODE: u32 = 0o700;

/// Creates one of vlab's folders in the cache, private to the user (0700, and so are any
/// missing parents it creates). One from an older version that is wider is narrowed to 0700;
/// the cache root, which the user may have chosen, is left as it is.
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(path)?;
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o7777;
    if mode & !DIR_MODE != 0 {
        // Best effort: a cache shared read-only by another user stays usable.
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & DIR_MODE));
    }
    Ok(())
}

/// The mode of records, locks, and of downloaded images: a download may come from a private
/// mirror, and nobody but the user needs to read the cache.
pub const PRIVATE_MODE: u32 = 0o600;

/// The mode of a cached copy of a local file with `source_mode`: the user's, readable by
/// others only if the source is readable by everyone. (The copy's group is the user's, not
/// the source's, so a group-readable source does not make a group-readable copy.)
pub fn copy_mode(source_mode: u32) -> u32 {
    if source_mode & 0o004 == 0 {
        PRIVATE_MODE
    } else {
        PRIVATE_MODE | (source_mode & 0o044)
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

/// Writes JSON atomically (temp file + rename), so a reader never sees half a record; the
/// file is 0600 from its creation (records hold URLs, which may carry credentials).
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let bytes = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    crate::private_file::create(&tmp, PRIVATE_MODE)?.write_all(&bytes)?;
    std::fs::rename(&tmp, path)
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode_of(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn copies_are_no_wider_than_their_source() {
        assert_eq!(copy_mode(0o600), 0o600);
        assert_eq!(copy_mode(0o400), 0o600);
        assert_eq!(copy_mode(0o640), 0o600);
        assert_eq!(copy_mode(0o644), 0o644);
        assert_eq!(copy_mode(0o755), 0o644);
        assert_eq!(copy_mode(0o604), 0o604);
    }

    #[test]
    fn folders_are_private_and_old_wide_ones_are_narrowed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fresh = CacheLayout::new(dir.path().join("a/b"));
        fresh.create_dirs().expect("dirs");
        assert_eq!(mode_of(&dir.path().join("a")), 0o700, "created parents too");
        let old = CacheLayout::new(dir.path().join("old"));
        std::fs::create_dir_all(old.root.join("images")).expect("mkdir");
        std::fs::set_permissions(
            old.root.join("images"),
            std::fs::Permissions::from_mode(0o755),
        )
        .expect("chmod");
        old.create_dirs().expect("dirs");
        for layout in [&fresh, &old] {
            for sub in ["images", "refs", "partial", "locks"] {
                assert_eq!(mode_of(&layout.root.join(sub)), 0o700, "{sub}");
            }
        }
    }

    #[test]
    fn files_have_their_mode_from_creation_even_over_an_old_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("r.json");
        std::fs::write(&path, "{}").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        write_json(&path, &"x").expect("json");
        assert_eq!(mode_of(&path), 0o600);
        crate::private_file::create(&path, 0o600).expect("create");
        assert_eq!(mode_of(&path), 0o600);
    }
}
