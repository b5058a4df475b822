//! `LabGraph`: what `vlab graph` draws of a lab: its hosts, networks, nodes, the interfaces
//! that attach nodes to networks, and the links between nodes, each with the state its host
//! reported when one was read.
//!
//! Built from the checked `Lab` and, optionally, the `LabStates` read from the hosts; pure
//! (no I/O). Drawing it is for the renderers (`dot`, `mermaid`, `html_page`); reading the
//! states is the pipeline's (`pipeline::node_states`).

use super::node_state::{HostReach, LabStates, NodeState};
use crate::lab::{Attachment, Lab, Link, Node};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabGraph {
    pub lab: String,
    pub description: Option<String>,
    pub hosts: Vec<GraphHost>,
    pub networks: Vec<GraphNetwork>,
    pub nodes: Vec<GraphNode>,
    /// Node interfaces on lab networks, in the nodes' order.
    pub attachments: Vec<NetworkAttachment>,
    pub links: Vec<GraphLink>,
    /// False when the graph was drawn from the lab file alone (`--offline`).
    pub states_read: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphHost {
    pub name: String,
    pub uri: String,
    pub hypervisor: String,
    pub reach: HostReach,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphNetwork {
    pub name: String,
    /// `nat`, `isolated`, `route` or `bridge`.
    pub mode: String,
    pub cidr: Option<String>,
    /// The host bridge a `bridge` network joins.
    pub bridge: Option<String>,
    /// The hosts it is created on (at least one).
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphNode {
    pub name: String,
    pub host: String,
    pub image: String,
    pub cpus: u32,
    pub memory: String,
    pub state: NodeState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkAttachment {
    pub node: String,
    pub interface: String,
    pub network: String,
    /// `10.0.0.5/24`, or `None` for DHCP (or no address on a layer-2 network).
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphLink {
    pub a: GraphLinkEnd,
    pub b: GraphLinkEnd,
    pub cidr: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphLinkEnd {
    pub node: String,
    pub interface: String,
    pub address: Option<String>,
}

impl LabGraph {
    /// The graph of `lab`; `states` is `None` when the hosts were not asked.
    pub fn new(lab: &Lab, states: Option<&LabStates>) -> LabGraph {
        let hosts = lab
            .hosts
            .iter()
            .map(|h| GraphHost {
                name: h.name.clone(),
                uri: h.uri.raw.clone(),
                hypervisor: h.hypervisor.to_string(),
                reach: states.map_or(HostReach::NotAsked, |s| s.reach(&h.name)),
            })
            .collect();
        let networks = lab
            .networks
            .iter()
            .map(|n| GraphNetwork {
                name: n.name.clone(),
                mode: n.mode.to_string(),
                cidr: n.ipv4.as_ref().map(|p| p.cidr.to_string()),
                bridge: n.bridge.clone(),
                hosts: n.hosts.clone(),
            })
            .collect();
        LabGraph {
            lab: lab.name.clone(),
            description: lab.description.clone(),
            hosts,
            networks,
            nodes: lab.nodes.iter().map(|n| graph_node(n, states)).collect(),
            attachments: lab.nodes.iter().flat_map(attachments).collect(),
            links: lab.links.iter().map(graph_link).collect(),
            states_read: states.is_some(),
        }
    }

    pub fn node(&self, name: &str) -> Option<&GraphNode> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// The nodes placed on `host`, in the lab's order.
    pub fn nodes_on<'a>(&'a self, host: &'a str) -> impl Iterator<Item = &'a GraphNode> + 'a {
        self.nodes.iter().filter(move |n| n.host == host)
    }
}

fn graph_node(node: &Node, states: Option<&LabStates>) -> GraphNode {
    GraphNode {
        name: node.name.clone(),
        host: node.host.clone(),
        image: node.image.clone(),
        cpus: node.cpus,
        memory: node.memory.to_string(),
        state: states.map_or(NodeState::NotRead, |s| s.node(&node.host, &node.name)),
    }
}

fn attachments(node: &Node) -> Vec<NetworkAttachment> {
    node.interfaces
        .iter()
        .filter_map(|interface| match &interface.attachment {
            Attachment::Network(network) => Some(NetworkAttachment {
                node: node.name.clone(),
                interface: interface.name.clone(),
                network: network.clone(),
                address: interface.address.map(|a| match interface.prefix {
                    Some(prefix) => format!("{a}/{prefix}"),
                    None => a.to_string(),
                }),
            }),
            // Links are drawn from the lab's links, once each, not from both ends.
            Attachment::Link(_) => None,
        })
        .collect()
}

fn graph_link(link: &Link) -> GraphLink {
    let prefix = link.cidr.map(|c| c.prefix_len());
    let end = |end: &crate::lab::LinkEnd| GraphLinkEnd {
        node: end.node.clone(),
        interface: end.interface.clone(),
        address: end.address.map(|a| match prefix {
            Some(p) => format!("{a}/{p}"),
            None => a.to_string(),
        }),
    };
    GraphLink {
        a: end(&link.a),
        b: end(&link.b),
        cidr: link.cidr.map(|c| c.to_string()),
    }
}

impl GraphHost {
    /// `kvm qemu:///system`.
    pub fn summary(&self) -> String {
        format!("{} {}", self.hypervisor, self.uri)
    }
}

impl GraphNetwork {
    /// `nat 10.40.0.0/24`, `bridge br0`, `isolated`.
    pub fn summary(&self) -> String {
        let mut words = vec![self.mode.clone()];
        words.extend(self.cidr.clone());
        words.extend(self.bridge.clone());
        words.join(" ")
    }
}

impl NetworkAttachment {
    /// `eth0 10.40.0.5/24`, or `eth0` for DHCP.
    pub fn label(&self) -> String {
        match &self.address {
            Some(address) => format!("{} {address}", self.interface),
            None => self.interface.clone(),
        }
    }
}

impl GraphLink {
    /// `eth1 -- eth1` and the link's CIDR.
    pub fn label(&self) -> String {
        let ends = format!("{} -- {}", self.a.interface, self.b.interface);
        match &self.cidr {
            Some(cidr) => format!("{ends} {cidr}"),
            None => ends,
        }
    }
}
