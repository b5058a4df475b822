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
    /// `None` only when the image is explicitly unverified.
    pub checksum: Option<Checksum>,
}
