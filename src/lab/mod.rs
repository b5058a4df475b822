//! `Lab`: the checked lab model, the only view of the lab file that later stages see.
//!
//! Built by the resolver: every reference resolved, `count` expanded, defaults applied,
//! addresses and MACs final. Nothing here performs I/O or validation; a `Lab` that exists is
//! consistent by construction.

pub mod check;
pub mod choices;
pub mod expectation;
pub mod host;
pub mod image;
pub mod link;
pub mod network;
pub mod node;
pub mod readiness;
pub mod selection;
pub mod xen_paths;

pub use check::{Check, CheckKind};
pub use expectation::{Expectation, OutputPattern};
pub use host::Host;
pub use image::{Artifact, BootFile, Image, Verification};
pub use link::{Link, LinkEnd};
pub use network::{DhcpRange, Ipv4Plan, Network};
pub use node::{Attachment, CloudInit, Disk, Interface, Node, Variable};
pub use readiness::Readiness;
pub use xen_paths::XenPaths;

use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Lab {
    pub name: String,
    pub description: Option<String>,
    pub ssh_keys: Vec<String>,
    pub vars: BTreeMap<String, Variable>,
    pub hosts: Vec<Host>,
    pub images: Vec<Image>,
    pub networks: Vec<Network>,
    pub nodes: Vec<Node>,
    pub links: Vec<Link>,
    /// The number of seats of a lab with a `seats` block (which may be 0); `None` without.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seats: Option<u32>,
    /// The instance this is (`--instance`), whose name is then part of `name`
    /// (`LAB.INSTANCE`); `None` for the lab itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The lab's `test` blocks, shared ones first, then each seat's: what `vlab test` runs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
}

impl Lab {
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }

    pub fn image(&self, name: &str) -> Option<&Image> {
        self.images.iter().find(|i| i.name == name)
    }

    pub fn network(&self, name: &str) -> Option<&Network> {
        self.networks.iter().find(|n| n.name == name)
    }

    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// The nodes of seat `seat`, in declaration order.
    pub fn seat_nodes(&self, seat: u32) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(move |n| n.seat == Some(seat))
    }
}
