//! `NodeAccess`: how to reach each node of a lab over SSH, for `vlab ssh`, `vlab ssh-config`,
//! `vlab exec` and `vlab test`: its state and addresses on its host (a static address from
//! the lab, else a DHCP lease from libvirt: no guest agent), the default user, the lab's
//! login key and its pinned host key (`access::LabKeys`).
//!
//! Reads the hosts and the lab's key folder (making the lab's keys if they are missing); it
//! runs nothing.

use crate::access::lab_keys::LabKeys;
use crate::access::ssh_config::SshTarget;
use crate::cloud_init::render_context::DEFAULT_USER;
use crate::host::resource_names as names;
use crate::lab::{Attachment, Lab, Node};
use crate::libvirt::Connections;
use crate::libvirt::domain_status::DomainStatus;

#[derive(Debug, Clone)]
pub struct NodeAccess {
    pub host: String,
    /// The domain's state in words (`running`, `shut off`, `absent`, ...).
    pub state: &'static str,
    pub target: SshTarget,
    /// The address of each interface that has one (static, else leased), in the node's
    /// interface order, links included: what another guest reaches it at.
    pub addresses: Vec<InterfaceAddress>,
}

/// One interface's IPv4 address and what it is attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceAddress {
    pub attachment: Attachment,
    pub address: String,
}

/// Why a node's access could not be worked out.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("cannot keep the lab's SSH keys in {dir}: {source}")]
    Keys {
        dir: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot reach host `{host}`: {message}")]
    Host { host: String, message: String },
}

/// Each node of `lab` (in the lab's order), read on its host.
pub fn read(lab: &Lab, connections: &Connections) -> Result<Vec<NodeAccess>, AccessError> {
    let keys = lab_keys(lab)?;
    let mut out = Vec::new();
    for node in &lab.nodes {
        let host = lab.host(&node.host);
        let status = match host {
            Some(host) => {
                let connection = connections.to(host).map_err(|e| AccessError::Host {
                    host: host.name.clone(),
                    message: e.to_string(),
                })?;
                DomainStatus::read(&connection, &names::domain(&lab.name, &node.name))
            }
            None => DomainStatus::absent(),
        };
        let addresses = addresses(node, &status);
        out.push(NodeAccess {
            host: node.host.clone(),
            state: status.state,
            target: target(lab, node, &keys, &addresses),
            addresses,
        });
    }
    Ok(out)
}

/// The lab's keys, with every node's host key made and pinned (so `known_hosts` is whole
/// even for a node whose seed has not been rendered on this machine yet).
pub fn lab_keys(lab: &Lab) -> Result<LabKeys, AccessError> {
    let keys = LabKeys::for_lab(&lab.name).map_err(|source| AccessError::Keys {
        dir: "vlab's data directory".to_string(),
        source,
    })?;
    let failed = |source| AccessError::Keys {
        dir: keys.dir().display().to_string(),
        source,
    };
    if lab.ssh_keys.is_empty() {
        keys.login_key().map_err(failed)?;
    }
    keys.ensure_host_keys(lab.nodes.iter().map(|n| n.name.as_str()))
        .map_err(failed)?;
    Ok(keys)
}

/// Each interface's address: its static one, else the IPv4 lease libvirt gave its MAC.
fn addresses(node: &Node, status: &DomainStatus) -> Vec<InterfaceAddress> {
    node.interfaces
        .iter()
        .filter_map(|interface| {
            let address = interface.address.map(|a| a.to_string()).or_else(|| {
                let mac = interface.mac.to_string();
                status
                    .leases
                    .iter()
                    .find(|l| l.mac == mac && !l.address.contains(':'))
                    .map(|l| l.address.clone())
            })?;
            Some(InterfaceAddress {
                attachment: interface.attachment.clone(),
                address,
            })
        })
        .collect()
}

fn target(lab: &Lab, node: &Node, keys: &LabKeys, addresses: &[InterfaceAddress]) -> SshTarget {
    // A link is a wire between two guests: the machine running vlab cannot reach it.
    let address = addresses
        .iter()
        .find(|a| matches!(a.attachment, Attachment::Network(_)))
        .map(|a| a.address.clone());
    SshTarget {
        node: node.name.clone(),
        address,
        user: user(lab, node),
        identity: lab.ssh_keys.is_empty().then(|| keys.identity_path()),
        known_hosts: keys.known_hosts_path(),
        host_key_alias: keys.host_alias(&node.name),
    }
}

/// The default user the built-in user-data creates: the node's `user` variable, else the
/// lab's, else `vlab`.
pub fn user(lab: &Lab, node: &Node) -> String {
    node.cloud_init
        .vars
        .get("user")
        .or_else(|| lab.vars.get("user"))
        .and_then(|v| v.value.as_str())
        .unwrap_or(DEFAULT_USER)
        .to_string()
}
