//! `vlab status`: each node of the lab with its host, state, whether the hosts match the lab
//! file for it, and its addresses (static ones from the lab, DHCP ones from libvirt's leases;
//! no guest agent needed). Read-only.

use super::{CommandError, ExitStatus, load_lab};
use crate::cli::LabArgs;
use crate::cli::output::Output;
use crate::host::resource_names as names;
use crate::lab::{Lab, Node};
use crate::libvirt::domain_status::DomainStatus;
use crate::libvirt::{Connections, HostConnection};
use crate::pipeline;
use crate::planner::plan::Plan;
use crate::planner::target::Target;
use serde::Serialize;

#[derive(Debug, Serialize)]
struct NodeStatus {
    node: String,
    host: String,
    domain: String,
    state: String,
    /// The change the plan holds for this node, if any ("create", "update", ...).
    pending: Option<String>,
    addresses: Vec<Address>,
}

#[derive(Debug, Serialize)]
struct Address {
    interface: String,
    mac: String,
    address: String,
    source: &'static str,
}

pub fn run(args: &LabArgs, out: &Output) -> Result<ExitStatus, CommandError> {
    let lab = load_lab(args, out)?.lab;
    let connections = Connections::new();
    let plan = pipeline::plan(&lab, &connections)
        .map_err(|e| CommandError::from_pipeline(e, out))?
        .plan;
    let statuses = statuses(&lab, &plan, &connections)?;
    if out.json {
        crate::outln!(
            "{}",
            serde_json::json!({"lab": lab.name, "nodes": statuses})
        );
        return Ok(ExitStatus::Success);
    }
    crate::outln!(
        "{:<20} {:<10} {:<12} {:<10} ADDRESSES",
        "NODE",
        "HOST",
        "STATE",
        "PENDING"
    );
    for s in &statuses {
        let addresses: Vec<String> = s
            .addresses
            .iter()
            .map(|a| format!("{} {}", a.interface, a.address))
            .collect();
        crate::outln!(
            "{:<20} {:<10} {:<12} {:<10} {}",
            s.node,
            s.host,
            s.state,
            s.pending.as_deref().unwrap_or("-"),
            addresses.join(", ")
        );
    }
    Ok(ExitStatus::Success)
}

/// Each node's status, read on the connections the plan was observed through.
fn statuses(
    lab: &Lab,
    plan: &Plan,
    connections: &Connections,
) -> Result<Vec<NodeStatus>, CommandError> {
    let mut out = Vec::new();
    for host in &lab.hosts {
        let connection = connections
            .to(host)
            .map_err(|e| CommandError::new(e.to_string()))?;
        for node in lab.nodes.iter().filter(|n| n.host == host.name) {
            out.push(node_status(lab, &connection, node, plan));
        }
    }
    Ok(out)
}

fn node_status(lab: &Lab, connection: &HostConnection, node: &Node, plan: &Plan) -> NodeStatus {
    let domain_name = names::domain(&lab.name, &node.name);
    let pending = plan
        .changes
        .iter()
        .find(|c| {
            c.host == node.host
                && matches!(&c.target, Target::Node { node: n, .. } if *n == node.name)
        })
        .map(|c| {
            serde_json::to_value(c.action)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        });
    let DomainStatus { state, leases } = DomainStatus::read(connection, &domain_name);
    let mut addresses = Vec::new();
    for interface in &node.interfaces {
        let mac = interface.mac.to_string();
        if let Some(address) = interface.address {
            let prefix = interface
                .prefix
                .map(|p| format!("/{p}"))
                .unwrap_or_default();
            addresses.push(Address {
                interface: interface.name.clone(),
                mac,
                address: format!("{address}{prefix}"),
                source: "static",
            });
            continue;
        }
        for lease in leases.iter().filter(|l| l.mac == mac) {
            addresses.push(Address {
                interface: interface.name.clone(),
                mac: mac.clone(),
                address: format!("{}/{}", lease.address, lease.prefix),
                source: "dhcp",
            });
        }
    }
    NodeStatus {
        node: node.name.clone(),
        host: node.host.clone(),
        domain: domain_name,
        state: state.to_string(),
        pending,
        addresses,
    }
}
