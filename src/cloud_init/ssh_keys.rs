//! `GuestKeys`: the SSH keys a node's seed carries: the public keys authorized for the
//! default user (the lab's `ssh-key` entries, else the lab's own login key) and the node's
//! SSH host key, which the guest then presents (so `vlab ssh` checks it against a key it
//! knew before the guest booted). Both come from `access::LabKeys`; nothing is read from the
//! home directory of whoever runs vlab.

use crate::access::lab_keys::{KeyPair, LabKeys};
use crate::lab::{Lab, Node};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuestKeys {
    pub authorized: Vec<String>,
    /// None renders a seed without a host key (the guest makes its own).
    pub host_key: Option<KeyPair>,
}

impl GuestKeys {
    /// Only these authorized keys, no host key.
    pub fn authorized(keys: &[String]) -> GuestKeys {
        GuestKeys {
            authorized: keys.to_vec(),
            host_key: None,
        }
    }

    /// The keys of `node` of `lab`, made in the lab's key folder on first use.
    pub fn for_node(lab: &Lab, node: &Node, keys: &LabKeys) -> std::io::Result<GuestKeys> {
        let authorized = if lab.ssh_keys.is_empty() {
            vec![keys.login_key()?.public]
        } else {
            lab.ssh_keys.clone()
        };
        Ok(GuestKeys {
            authorized,
            host_key: Some(keys.host_key(&node.name)?),
        })
    }
}
