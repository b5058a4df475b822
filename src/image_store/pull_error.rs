//! `PullError`: why an image could not be brought into the cache.

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
            _ => None,
        }
    }
}
