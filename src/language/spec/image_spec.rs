//! `ImageSpec`: an `image "name" { url ...; checksum ... }` node, a cloud image to boot from.
//!
//! ```kdl
//! image "debian-12" {
//!     url "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2"
//!     checksums-url "https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS"
//!     kernel "https://example.net/vmlinuz" checksum="sha256:..."
//! }
//! ```

use super::ReadySpec;
use super::read_choice;
use crate::lab::choices::DiskFormat;
use crate::language::diagnostic::Diagnostics;
use crate::language::node_reader::NodeReader;
use crate::language::spanned::Spanned;
use kdl::KdlNode;

#[derive(Debug, Clone)]
pub struct ImageSpec {
    pub name: Spanned<String>,
    pub url: Option<Spanned<String>>,
    pub checksum: Option<Spanned<String>>,
    pub checksums_url: Option<Spanned<String>>,
    pub format: Option<Spanned<DiskFormat>>,
    pub unverified: Option<Spanned<bool>>,
    pub kernel: Option<BootFileSpec>,
    pub initrd: Option<BootFileSpec>,
    pub cmdline: Option<Spanned<String>>,
    pub ready: Option<ReadySpec>,
    pub shutdown_timeout: Option<Spanned<String>>,
}

/// A direct-boot kernel or initrd: `kernel "URL" checksum="sha256:..."`.
#[derive(Debug, Clone)]
pub struct BootFileSpec {
    pub url: Spanned<String>,
    pub checksum: Option<Spanned<String>>,
}

impl ImageSpec {
    pub fn read(node: &KdlNode, d: &mut Diagnostics) -> Option<ImageSpec> {
        let r = NodeReader::new(node);
        let name = r.required_arg_string(0, "name", "image \"debian-12\" { url \"...\" }", d);
        let spec = ImageSpec {
            name: name
                .clone()
                .unwrap_or_else(|| Spanned::new(String::new(), r.name_span())),
            url: r.string("url", d),
            checksum: r.string("checksum", d),
            checksums_url: r.string("checksums-url", d),
            format: read_choice(&r, "format", d),
            unverified: r.bool("unverified", d),
            kernel: r.child("kernel", d).and_then(|n| BootFileSpec::read(n, d)),
            initrd: r.child("initrd", d).and_then(|n| BootFileSpec::read(n, d)),
            cmdline: r.string("cmdline", d),
            ready: r.child("ready", d).map(|n| ReadySpec::read(n, d)),
            shutdown_timeout: r.string("shutdown-timeout", d),
        };
        r.finish(d);
        name.map(|_| spec)
    }
}

impl BootFileSpec {
    fn read(node: &KdlNode, d: &mut Diagnostics) -> Option<BootFileSpec> {
        let r = NodeReader::new(node);
        let url = r.required_arg_string(
            0,
            "URL",
            "kernel \"https://...\" checksum=\"sha256:...\"",
            d,
        );
        let checksum = r.string("checksum", d);
        r.finish(d);
        Some(BootFileSpec {
            url: url?,
            checksum,
        })
    }
}
