//! `Target`: what a change acts on, typed, with what carrying it out needs (a network's
//! definition, a node's image and networks), so the applier and its schedule never look a
//! resource up again by its host name nor rebuild what the planner built. Data only.

use crate::lab::Artifact;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Target {
    /// vlab's storage pool on the host.
    Pool { name: String },
    /// One file of a lab image, uploaded as a base volume.
    Image {
        /// The lab's image name.
        image: String,
        artifact: Artifact,
        /// The base volume it becomes, `None` while its digest is unknown (not pulled yet).
        volume: Option<String>,
    },
    /// A libvirt network: a lab network or the private network of a link.
    Network {
        name: String,
        /// The definition to create, replace or update it with; `None` for a start or a
        /// delete, which need none.
        xml: Option<String>,
    },
    /// A node's domain.
    Node {
        /// The lab's node name (what the domain's metadata records).
        node: String,
        domain: String,
        /// What building the node needs; `None` for a domain that is deleted.
        needs: Option<NodeNeeds>,
    },
    /// A volume of the lab's (or a base image, when purged).
    Volume { name: String },
}

/// What a node's domain is built from, for the schedule and the pull: the lab image it boots
/// (all of its artifacts) and the host networks its interfaces attach to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeNeeds {
    pub image: String,
    pub networks: Vec<String>,
}

impl Target {
    pub fn kind(&self) -> ResourceKind {
        match self {
            Target::Pool { .. } => ResourceKind::Pool,
            Target::Image { .. } => ResourceKind::Image,
            Target::Network { .. } => ResourceKind::Network,
            Target::Node { .. } => ResourceKind::Node,
            Target::Volume { .. } => ResourceKind::Volume,
        }
    }

    /// The resource's name on the host (pool, network, domain or volume name), or for an
    /// image the name its file is pulled under (`Artifact::name`).
    pub fn name(&self) -> String {
        match self {
            Target::Pool { name } | Target::Network { name, .. } | Target::Volume { name } => {
                name.clone()
            }
            Target::Image {
                image, artifact, ..
            } => artifact.name(image),
            Target::Node { domain, .. } => domain.clone(),
        }
    }
}

/// The kind of resource a target is, as plans name it (`node.web_web-1@local`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    Pool,
    Image,
    Network,
    Node,
    Volume,
}

impl ResourceKind {
    pub fn word(self) -> &'static str {
        match self {
            ResourceKind::Pool => "pool",
            ResourceKind::Image => "image",
            ResourceKind::Network => "network",
            ResourceKind::Node => "node",
            ResourceKind::Volume => "volume",
        }
    }
}
