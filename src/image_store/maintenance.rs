//! Cache upkeep: `list` what is stored, `prune` what is unused or old, `verify` every blob
//! against its own name (and remove the corrupt ones).

use super::cache_layout::{BlobRecord, CacheLayout, RefRecord, now, read_json};
use super::hasher::hash_file;
use super::parse_blob_name;
use std::collections::HashSet;
use std::path::PathBuf;

/// A stored image and what the cache knows of it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    pub path: PathBuf,
    pub record: BlobRecord,
}

pub fn list(layout: &CacheLayout) -> std::io::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    let dir = match std::fs::read_dir(layout.images_dir()) {
        Ok(dir) => dir,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(entries),
        Err(e) => return Err(e),
    };
    for item in dir {
        let path = item?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.ends_with(".json") || parse_blob_name(name).is_none() {
            continue;
        }
        let record = read_json::<BlobRecord>(&path.with_file_name(format!("{name}.json")))
            .unwrap_or_else(|| BlobRecord {
                digest: name.to_string(),
                size: std::fs::metadata(&path).map_or(0, |m| m.len()),
                source_url: String::new(),
                compressed_digest: None,
                verified: false,
                added: 0,
                last_used: 0,
            });
        entries.push(Entry { path, record });
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.record.last_used));
    Ok(entries)
}

/// What `prune` removed (or, with `dry_run`, would remove).
#[derive(Debug, Default, serde::Serialize)]
pub struct Pruned {
    pub images: Vec<Entry>,
    pub partial_files: Vec<PathBuf>,
    pub bytes: u64,
}

/// Removes images no reference points at, images unused for `older_than` seconds, and
/// partial downloads untouched for a day (none that a running pull holds).
pub fn prune(
    layout: &CacheLayout,
    older_than: Option<u64>,
    dry_run: bool,
) -> std::io::Result<Pruned> {
    let referenced = referenced_blobs(layout)?;
    let mut pruned = Pruned::default();
    let cutoff = older_than.map(|age| now().saturating_sub(age));
    for entry in list(layout)? {
        let stale = cutoff.is_some_and(|c| entry.record.last_used <= c);
        if stale || !referenced.contains(&entry.record.digest) {
            pruned.bytes += entry.record.size;
            if !dry_run {
                remove_blob(&entry.path)?;
            }
            pruned.images.push(entry);
        }
    }
    if !dry_run {
        remove_dangling_refs(layout)?;
    }
    for item in std::fs::read_dir(layout.partial_dir())? {
        let path = item?.path();
        let age = std::fs::metadata(&path)?
            .modified()?
            .elapsed()
            .map_or(0, |d| d.as_secs());
        let key = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        if age < 24 * 3600 || is_locked(layout, &key) {
            continue;
        }
        pruned.bytes += std::fs::metadata(&path)?.len();
        if !dry_run {
            std::fs::remove_file(&path)?;
        }
        pruned.partial_files.push(path);
    }
    Ok(pruned)
}

/// The outcome of re-hashing one stored image.
#[derive(Debug, serde::Serialize)]
pub struct Checked {
    pub path: PathBuf,
    pub ok: bool,
    /// The digest the content actually has, when it differs from its name.
    pub actual: Option<String>,
}

/// Re-hashes every image; removes those whose content does not match their name.
pub fn verify(layout: &CacheLayout) -> std::io::Result<Vec<Checked>> {
    let mut checked = Vec::new();
    for entry in list(layout)? {
        let Some(expected) = parse_blob_name(&entry.record.digest) else {
            continue;
        };
        let (actual, _) = hash_file(&entry.path, expected.algorithm)?;
        let ok = actual == expected;
        if !ok {
            remove_blob(&entry.path)?;
        }
        checked.push(Checked {
            path: entry.path,
            ok,
            actual: (!ok).then(|| format!("{}-{}", actual.algorithm.name(), actual.hex)),
        });
    }
    Ok(checked)
}

fn referenced_blobs(layout: &CacheLayout) -> std::io::Result<HashSet<String>> {
    let mut set = HashSet::new();
    for item in std::fs::read_dir(layout.root.join("refs"))? {
        if let Some(record) = read_json::<RefRecord>(&item?.path()) {
            set.insert(record.blob);
        }
    }
    Ok(set)
}

/// Removes references whose image is gone, so the next pull downloads it again cleanly.
fn remove_dangling_refs(layout: &CacheLayout) -> std::io::Result<()> {
    for item in std::fs::read_dir(layout.root.join("refs"))? {
        let path = item?.path();
        if let Some(record) = read_json::<RefRecord>(&path)
            && !layout.images_dir().join(&record.blob).exists()
        {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

fn remove_blob(path: &std::path::Path) -> std::io::Result<()> {
    std::fs::remove_file(path)?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let _ = std::fs::remove_file(path.with_file_name(format!("{name}.json")));
    Ok(())
}

/// Whether a running pull holds the lock for `key`.
fn is_locked(layout: &CacheLayout, key: &str) -> bool {
    let Ok(file) = std::fs::File::open(layout.lock(key)) else {
        return false;
    };
    matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock))
}
