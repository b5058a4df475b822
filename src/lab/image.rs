//! `Image`: a checked cloud image: where it comes from and how it is verified.

use super::choices::DiskFormat;
use crate::checksum::Checksum;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Image {
    pub name: String,
    pub url: String,
    pub verification: Verification,
    pub format: DiskFormat,
    pub kernel: Option<BootFile>,
    pub initrd: Option<BootFile>,
    pub cmdline: Option<String>,
    /// What apply waits for after starting a guest of this image.
    pub ready: super::Readiness,
}

/// How a download is proven intact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "value")]
pub enum Verification {
    /// An inline digest.
    Checksum(Checksum),
    /// A SHA256SUMS / SHA512SUMS file, matched by the image's file name.
    ChecksumsUrl(String),
    /// Explicitly unverified: every plan and apply warns.
    Unverified,
}

/// A direct-boot kernel or initrd.
#[derive(Debug, Clone, Serialize)]
pub struct BootFile {
    pub url: String,
    /// Its own inline checksum; without one it is verified through the image's checksums
    /// file (`checksums_url`), and only an explicitly unverified image has neither.
    pub checksum: Option<Checksum>,
    pub checksums_url: Option<String>,
}

impl BootFile {
    /// How a download of this file is proven intact.
    pub fn verification(&self) -> Verification {
        match (&self.checksum, &self.checksums_url) {
            (Some(c), _) => Verification::Checksum(c.clone()),
            (None, Some(list)) => Verification::ChecksumsUrl(list.clone()),
            (None, None) => Verification::Unverified,
        }
    }
}
