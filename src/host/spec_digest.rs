//! The digest of a node's declared spec: what its domain's metadata records, so the planner
//! can tell a domain built from the current lab file from one built from an older one (or
//! edited by hand). It covers everything the node's domain and disks are made from,
//! including the cloud-init seed.

use crate::checksum::Checksum;
use crate::lab::{Image, Node};
use sha2::{Digest, Sha256};

/// `sha256:<hex>` of the node's resolved spec, what of its image shapes the domain (format,
/// command line, and the content digests of its direct-boot kernel and initrd as far as they
/// are known: `boot`; not the URL, which may move while the content stays), and its seed.
pub fn node_digest(
    node: &Node,
    image: Option<&Image>,
    boot: (Option<&Checksum>, Option<&Checksum>),
    seed: &[u8],
) -> String {
    let mut hasher = Sha256::new();
    // Serializing checked model types cannot fail; the fallback keeps this total.
    hasher.update(serde_json::to_vec(node).unwrap_or_default());
    hasher.update([0]);
    if let Some(image) = image {
        let digest = |known: Option<&Checksum>, file: &Option<crate::lab::BootFile>| {
            file.as_ref()
                .map(|_| known.map(std::string::ToString::to_string))
        };
        let shape = serde_json::json!([
            image.format,
            digest(boot.0, &image.kernel),
            digest(boot.1, &image.initrd),
            image.cmdline
        ]);
        hasher.update(shape.to_string().as_bytes());
    }
    hasher.update([0]);
    hasher.update(seed);
    format!("sha256:{}", crate::checksum::hex(&hasher.finalize()))
}
