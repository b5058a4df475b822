//! The digest of a node's declared spec: what its domain's metadata records, so the planner
//! can tell a domain built from the current lab file from one built from an older one (or
//! edited by hand). It covers everything the node's domain and disks are made from,
//! including the cloud-init seed.

use crate::lab::Node;
use sha2::{Digest, Sha256};

/// `sha256:<hex>` of the node's resolved spec (as JSON) and its seed image.
pub fn node_digest(node: &Node, seed: &[u8]) -> String {
    let mut hasher = Sha256::new();
    // Serializing a checked `Node` cannot fail; the fallback keeps this total.
    hasher.update(serde_json::to_vec(node).unwrap_or_default());
    hasher.update([0]);
    hasher.update(seed);
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}
