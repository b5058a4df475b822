//! `PullReporter`: how the image store tells the outside about progress, without knowing
//! whether that is a progress bar, plain lines, JSON events or nothing.

use crate::checksum::Checksum;
use std::path::Path;

/// Progress of pulls; every method has an empty default so reporters pick what they show.
pub trait PullReporter: Send + Sync {
    /// A download (or file import) starts; `resumed_from` bytes are already on disk.
    fn started(&self, _name: &str, _url: &str, _total: Option<u64>, _resumed_from: u64) {}
    /// `bytes` more arrived.
    fn progress(&self, _name: &str, _bytes: u64) {}
    /// A transient failure; the pull tries again after a pause.
    fn retrying(&self, _name: &str, _attempt: u32, _error: &str) {}
    /// Another vlab process is pulling the same URL; this one waits for it.
    fn waiting_for_lock(&self, _name: &str, _url: &str) {}
    /// The image is in the cache: downloaded and verified now, or found there.
    fn done(&self, _name: &str, _digest: &Checksum, _path: &Path, _from_cache: bool) {}
    /// The image could not be pulled.
    fn failed(&self, _name: &str, _error: &str) {}
}

/// Reports nothing.
pub struct QuietReporter;

impl PullReporter for QuietReporter {}
