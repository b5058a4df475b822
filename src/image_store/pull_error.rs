//! `PullError`: why an image could not be brought into the cache, and whether the partial
//! download is worth keeping.

use crate::checksum::Checksum;

#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("checksum mismatch for {url}\n  expected {expected}\n  actual   {actual}")]
    Mismatch {
        url: String,
        expected: Checksum,
        actual: Checksum,
    },
    #[error("{url}: the server answered {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: {message} (gave up after {attempts} attempts)")]
    Network {
        url: String,
        message: String,
        attempts: u32,
    },
    #[error("{checksums_url} lists no checksum for `{file_name}`")]
    NotListed {
        checksums_url: String,
        file_name: String,
    },
    #[error("{url} has no checksum to verify it against")]
    NoChecksum { url: String },
    #[error("{url}: {message}")]
    Invalid { url: String, message: String },
    /// A download, or what a verified archive unpacks to, passed the size limit.
    #[error("{url}: {what} is larger than the limit of {}", crate::byte_size::ByteSize(*.limit))]
    TooLarge {
        url: String,
        what: &'static str,
        limit: u64,
    },
    #[error("cannot read {path}: {source}")]
    Source {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("image cache at {path}: {source}")]
    Cache {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl PullError {
    /// A hint on what to do next, shown under the error.
    pub fn help(&self) -> Option<&'static str> {
        match self {
            PullError::Mismatch { .. } => Some(
                "nothing entered the cache; check the checksum in the lab, or whether the image was replaced upstream",
            ),
            PullError::Network { .. } => {
                Some("the partial download is kept: run the same command again to resume it")
            }
            PullError::NoChecksum { .. } => {
                Some("give `--checksum sha256:<hex>` or `--checksums-url URL`")
            }
            PullError::Status { status, .. } if *status == 404 => Some("check the URL"),
            PullError::TooLarge { .. } => Some(
                "nothing entered the cache and the partial file is deleted; the limit keeps a hostile mirror or archive from filling the disk",
            ),
            PullError::Source { source, .. }
                if source.kind() == std::io::ErrorKind::InvalidInput =>
            {
                Some("a `file://` URL must name a regular file")
            }
            _ => None,
        }
    }

    /// Whether the partial download is worth keeping for a later pull to resume: only when
    /// the network failed. A file that failed verification, passed a limit or came from a
    /// refused source would only be fetched again or refused again.
    pub fn keeps_partial(&self) -> bool {
        match self {
            PullError::Network { .. } | PullError::Cache { .. } => true,
            PullError::Mismatch { .. }
            | PullError::Status { .. }
            | PullError::NotListed { .. }
            | PullError::NoChecksum { .. }
            | PullError::Invalid { .. }
            | PullError::TooLarge { .. }
            | PullError::Source { .. } => false,
        }
    }
}
