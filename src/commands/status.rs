//! `vlab status`: each node of the lab with its host, state, whether the hosts match the lab
//! file for it, and its addresses (static ones from the lab, DHCP ones from libvirt's leases;
//! no guest agent needed). Read-only.

use super::plan::compute;
use super::validate::load_lab;
use super::{CommandError, ExitStatus};
use crate::cli::LabArgs;
use crate::host::resource_names as names;
use crate::lab::{Lab, Node};
use crate::output::Output;
use crate::planner::plan::Plan;
use crate::planner::target::Target;
use serde::Serialize;
use virt::connect::Connect;

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
    let (_, lab) = load_lab(args, out)?;
    let plan = compute(&lab)?.plan;
    let statuses = statuses(&lab, &plan)?;
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

fn statuses(lab: &Lab, plan: &Plan) -> Result<Vec<NodeStatus>, CommandError> {
    virt::error::clear_error_callback();
    let mut out = Vec::new();
    for host in &lab.hosts {
        let conn = Connect::open(Some(&host.uri.raw)).map_err(|e| {
            CommandError::new(format!(
                "host `{}` ({}): {}",
                host.name,
                host.uri,
                e.message()
            ))
        })?;
        for node in lab.nodes.iter().filter(|n| n.host == host.name) {
            out.push(node_status(lab, &conn, node, plan));
        }
    }
    Ok(out)
}

fn node_status(lab: &Lab, conn: &Connect, node: &Node, plan: &Plan) -> NodeStatus {
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
    let domain = conn.lookup_domain_by_name(&domain_name).ok();
    let state = match &domain {
        None => "absent".to_string(),
        Some(d) => match d.state().ok().and_then(|(s, _)| s.known()) {
            Some(virt::domain::DomainState::Running) => "running".into(),
            Some(virt::domain::DomainState::Shutoff) => "shut off".into(),
            Some(virt::domain::DomainState::Paused) => "paused".into(),
            _ => "other".into(),
        },
    };
    let leases = domain
        .as_ref()
        .and_then(|d| {
            d.interface_addresses(virt::sys::VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, 0)
                .ok()
        })
        .unwrap_or_default();
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
        for lease in leases
            .iter()
            .filter(|l| l.hwaddr.as_deref() == Some(mac.as_str()))
        {
            for ip in &lease.addrs {
                addresses.push(Address {
                    interface: interface.name.clone(),
                    mac: mac.clone(),
                    address: format!("{}/{}", ip.addr, ip.prefix),
                    source: "dhcp",
                });
            }
        }
    }
    NodeStatus {
        node: node.name.clone(),
        host: node.host.clone(),
        domain: domain_name,
        state,
        pending,
        addresses,
    }
}
