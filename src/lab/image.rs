//! `Image`: a checked cloud image: where it comes from and how it is verified, and
//! `Artifact`: the files apply pulls for it (its disk, its direct-boot kernel and initrd) and
//! the one rule that names them (`<image>`, `<image>-kernel`, `<image>-initrd`). Fetching
//! them is the image store's job.

use super::choices::DiskFormat;
use crate::checksum::Checksum;
use serde::{Deserialize, Serialize};

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
    /// How long a guest may take to shut down when asked (ACPI power button) before an
    /// update stops it hard; zero stops it hard at once.
    #[serde(serialize_with = "super::readiness::seconds")]
    pub shutdown_timeout: std::time::Duration,
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

/// One file of an image that apply pulls, caches and uploads on its own: the disk, and the
/// optional direct-boot kernel and initrd.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Artifact {
    Disk,
    Kernel,
    Initrd,
}

impl Artifact {
    pub const ALL: [Artifact; 3] = [Artifact::Disk, Artifact::Kernel, Artifact::Initrd];

    /// The name this file of image `image` is pulled, cached and planned under: the image's
    /// own name for its disk, `<image>-kernel` and `<image>-initrd` for the boot files.
    pub fn name(self, image: &str) -> String {
        match self {
            Artifact::Disk => image.to_string(),
            Artifact::Kernel => format!("{image}-kernel"),
            Artifact::Initrd => format!("{image}-initrd"),
        }
    }
}

impl Image {
    /// The files of this image apply pulls, with where each comes from and how it is
    /// verified: the disk always, the kernel and initrd when declared.
    pub fn artifacts(&self) -> Vec<(Artifact, &str, Verification)> {
        let mut files = vec![(Artifact::Disk, self.url.as_str(), self.verification.clone())];
        for (artifact, file) in [
            (Artifact::Kernel, &self.kernel),
            (Artifact::Initrd, &self.initrd),
        ] {
            if let Some(file) = file {
                files.push((artifact, file.url.as_str(), file.verification()));
            }
        }
        files
    }
}

#[cfg(test)]
mod tests {
    use super::Artifact;

    #[test]
    fn artifact_names_follow_the_image() {
        let names: Vec<String> = Artifact::ALL.iter().map(|a| a.name("deb")).collect();
        assert_eq!(names, ["deb", "deb-kernel", "deb-initrd"]);
    }
}
