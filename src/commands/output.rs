//! `vlab output`: one JSON document with everything a pipeline needs about the lab as it
//! runs: the lab, its hosts, networks (with the libvirt and bridge names vlab gave them),
//! nodes (state, pending change, readiness, addresses, how to reach each one over SSH with
//! its host key pinned) and links. Its shape is `docs/output.schema.json`
//! (`format_version` 1; fields are only ever added within a version).
//!
//! Read-only on the hosts; makes the lab's SSH keys if they are missing (like `ssh-config`).
//! Secrets never appear: the document holds no cloud-init variables.

use super::{CommandError, ExitStatus, load_lab};
use crate::access::ssh_config::SshTarget;
use crate::cli::LabArgs;
use crate::cli::output::Output;
use crate::host::resource_names as names;
use crate::lab::choices::Choice;
use crate::lab::{Attachment, Lab, Node};
use crate::libvirt::Connections;
use crate::pipeline::node_status::{self, NodeStatus};
use crate::pipeline::{self, node_access};
use serde::Serialize;
use std::path::Path;

/// Bumped only when a field changes meaning or goes away.
const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
struct LabOutput {
    format_version: u32,
    lab: LabInfo,
    hosts: Vec<HostInfo>,
    networks: Vec<NetworkInfo>,
    nodes: Vec<NodeInfo>,
    links: Vec<LinkInfo>,
}

#[derive(Debug, Serialize)]
struct LabInfo {
    name: String,
    description: Option<String>,
    /// The lab file, as given on the command line.
    file: String,
}

#[derive(Debug, Serialize)]
struct HostInfo {
    name: String,
    uri: String,
    hypervisor: &'static str,
    pool: String,
}

#[derive(Debug, Serialize)]
struct NetworkInfo {
    name: String,
    /// The libvirt network's name on each host.
    libvirt_name: String,
    bridge: String,
    mode: String,
    cidr: Option<String>,
    gateway: Option<String>,
    dhcp: Option<DhcpInfo>,
    hosts: Vec<String>,
}

#[derive(Debug, Serialize)]
struct DhcpInfo {
    start: String,
    end: String,
}

#[derive(Debug, Serialize)]
struct NodeInfo {
    name: String,
    host: String,
    domain: String,
    image: String,
    hypervisor: &'static str,
    cpus: u32,
    memory_bytes: u64,
    /// The groups the lab declares for the node (`groups`, the defaults' first).
    groups: Vec<String>,
    /// The base name of the `count` that made the node (`web` for `web-{index}`), if any.
    count_group: Option<String>,
    /// The domain's state: `running`, `shut off`, `paused`, `other` or `absent`.
    state: String,
    /// The change `vlab plan` would make to the node (`create`, `update`, ...), if any.
    pending: Option<String>,
    readiness: Option<crate::pipeline::node_status::Readiness>,
    addresses: Vec<crate::pipeline::node_status::Address>,
    interfaces: Vec<InterfaceInfo>,
    ssh: SshInfo,
}

#[derive(Debug, Serialize)]
struct InterfaceInfo {
    name: String,
    mac: String,
    /// `network` or `link`.
    kind: &'static str,
    /// The network's or the link's name in the lab.
    attachment: String,
    /// The static address from the lab, if any (DHCP ones are under the node's `addresses`).
    address: Option<String>,
}

#[derive(Debug, Serialize)]
struct SshInfo {
    /// None until the node has an address vlab knows.
    address: Option<String>,
    user: String,
    /// The lab's own login key (None when the lab declares `ssh-key`s of its own).
    identity_file: Option<String>,
    known_hosts: String,
    host_key_alias: String,
    /// A whole ssh command line that reaches the node with its host key checked (None
    /// without an address).
    command: Option<Vec<String>>,
}

#[derive(Debug, Serialize)]
struct LinkInfo {
    name: String,
    host: String,
    libvirt_name: String,
    cidr: Option<String>,
    endpoints: [EndpointInfo; 2],
}

#[derive(Debug, Serialize)]
struct EndpointInfo {
    node: String,
    interface: String,
    address: Option<String>,
}

pub fn run(args: &LabArgs, out: &Output) -> Result<ExitStatus, CommandError> {
    let lab = load_lab(args, out)?.lab;
    let connections = Connections::new();
    let plan = pipeline::plan(&lab, &connections)
        .map_err(|e| CommandError::from_pipeline(e, out))?
        .plan;
    let statuses = node_status::read(&lab, &plan, &connections).map_err(CommandError::new)?;
    let access =
        node_access::read(&lab, &connections).map_err(|e| CommandError::new(e.to_string()))?;
    let nodes = lab
        .nodes
        .iter()
        .filter_map(|node| {
            let status = statuses.iter().find(|s| s.node == node.name)?.clone();
            let target = &access.iter().find(|a| a.target.node == node.name)?.target;
            Some(node_info(&lab, node, status, target))
        })
        .collect();
    let document = LabOutput {
        format_version: FORMAT_VERSION,
        lab: LabInfo {
            name: lab.name.clone(),
            description: lab.description.clone(),
            file: args.file.display().to_string(),
        },
        hosts: lab
            .hosts
            .iter()
            .map(|h| HostInfo {
                name: h.name.clone(),
                uri: h.uri.to_string(),
                hypervisor: h.hypervisor.word(),
                pool: h.pool.clone(),
            })
            .collect(),
        networks: lab.networks.iter().map(|n| network_info(&lab, n)).collect(),
        nodes,
        links: lab.links.iter().map(|l| link_info(&lab, l)).collect(),
    };
    let text = serde_json::to_string_pretty(&document)
        .map_err(|e| CommandError::new(format!("cannot write the output: {e}")))?;
    crate::outln!("{text}");
    Ok(ExitStatus::Success)
}

fn network_info(lab: &Lab, network: &crate::lab::Network) -> NetworkInfo {
    let ipv4 = network.ipv4.as_ref();
    NetworkInfo {
        name: network.name.clone(),
        libvirt_name: names::network(&lab.name, &network.name),
        bridge: network
            .bridge
            .clone()
            .unwrap_or_else(|| names::bridge(&lab.name, &network.name)),
        mode: network.mode.word().to_string(),
        cidr: ipv4.map(|p| p.cidr.to_string()),
        gateway: ipv4.map(|p| p.gateway.to_string()),
        dhcp: ipv4.and_then(|p| p.dhcp).map(|d| DhcpInfo {
            start: d.start.to_string(),
            end: d.end.to_string(),
        }),
        hosts: network.hosts.clone(),
    }
}

fn link_info(lab: &Lab, link: &crate::lab::Link) -> LinkInfo {
    let end = |e: &crate::lab::LinkEnd| EndpointInfo {
        node: e.node.clone(),
        interface: e.interface.clone(),
        address: e.address.map(|a| a.to_string()),
    };
    LinkInfo {
        name: link.name.clone(),
        host: link.host.clone(),
        libvirt_name: names::link_network(&lab.name, &link.name),
        cidr: link.cidr.map(|c| c.to_string()),
        endpoints: [end(&link.a), end(&link.b)],
    }
}

fn node_info(lab: &Lab, node: &Node, status: NodeStatus, target: &SshTarget) -> NodeInfo {
    let path = |p: &Path| p.display().to_string();
    let command = target.address.as_ref().map(|address| {
        let mut command = vec!["ssh".to_string()];
        command.extend(target.ssh_options());
        command.extend(["-l".to_string(), target.user.clone(), address.clone()]);
        command
    });
    NodeInfo {
        name: node.name.clone(),
        host: node.host.clone(),
        domain: names::domain(&lab.name, &node.name),
        image: node.image.clone(),
        hypervisor: node.hypervisor.word(),
        cpus: node.cpus,
        memory_bytes: node.memory.bytes(),
        groups: node.groups.clone(),
        count_group: node.count_group.clone(),
        state: status.state,
        pending: status.pending,
        readiness: status.readiness,
        addresses: status.addresses,
        interfaces: node
            .interfaces
            .iter()
            .map(|i| {
                let (kind, attachment) = match &i.attachment {
                    Attachment::Network(n) => ("network", n.clone()),
                    Attachment::Link(l) => ("link", l.clone()),
                };
                InterfaceInfo {
                    name: i.name.clone(),
                    mac: i.mac.to_string(),
                    kind,
                    attachment,
                    address: i.address.map(|a| a.to_string()),
                }
            })
            .collect(),
        ssh: SshInfo {
            address: target.address.clone(),
            user: target.user.clone(),
            identity_file: target.identity.as_deref().map(path),
            known_hosts: path(&target.known_hosts),
            host_key_alias: target.host_key_alias.clone(),
            command,
        },
    }
}
