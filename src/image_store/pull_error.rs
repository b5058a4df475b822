//! `PullError`: why an image could not be brought into the cache, and whether the partial
//! download is worth keeping. URLs are shown with any password masked (`masked_url`).

use crate::checksum::Checksum;
use std::borrow::Cow;

#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("checksum mismatch for {}\n  expected {expected}\n  actual   {actual}", masked_url(.url))]
    Mismatch {
        url: String,
        expected: Checksum,
        actual: Checksum,
    },
    #[error("{}: the server answered {status}", masked_url(.url))]
    Status { url: String, status: u16 },
    #[error("{}: {message} (gave up after {attempts} attempts)", masked_url(.url))]
    Network {
        url: String,
        message: String,
        attempts: u32,
    },
    #[error("{} lists no checksum for `{file_name}`", masked_url(.checksums_url))]
    NotListed {
        checksums_url: String,
        file_name: String,
    },
    #[error("{} has no checksum to verify it against", masked_url(.url))]
    NoChecksum { url: String },
    #[error("{}: {message}", masked_url(.url))]
    Invalid { url: String, message: String },
    /// A download, or what a verified archive unpacks to, passed the size limit.
    #[error("{}: {what} is larger than the limit of {}", masked_url(.url), crate::byte_size::ByteSize(*.limit))]
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

/// `url` with the password of its user info (or a user info with no password, often a
/// token) replaced by `***`, for messages.
pub fn masked_url(url: &str) -> Cow<'_, str> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Cow::Borrowed(url);
    };
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let Some(at) = authority.rfind('@') else {
        return Cow::Borrowed(url);
    };
    let host_on = &rest[at + 1..];
    match authority[..at].split_once(':') {
        Some((user, _)) => Cow::Owned(format!("{scheme}://{user}:***@{host_on}")),
        None => Cow::Owned(format!("{scheme}://***@{host_on}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_passwords_and_tokens_in_urls() {
        assert_eq!(
            masked_url("https://me:s3cret@mirror.example/a/b.qcow2"),
            "https://me:***@mirror.example/a/b.qcow2"
        );
        assert_eq!(
            masked_url("https://ghp_token@host/x?y=a@b"),
            "https://***@host/x?y=a@b"
        );
        assert_eq!(masked_url("https://host/p@q"), "https://host/p@q");
        assert_eq!(masked_url("file:///srv/a.img"), "file:///srv/a.img");
        let e = PullError::Status {
            url: "http://u:pw@h/x".into(),
            status: 403,
        };
        assert_eq!(e.to_string(), "http://u:***@h/x: the server answered 403");
    }
}
