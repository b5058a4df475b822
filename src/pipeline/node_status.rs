//! `NodeStatus`: one node as `vlab status` and `vlab output` show it: its host and domain,
//! the domain's state, the change a plan holds for it, the readiness apply recorded on this
//! boot, and its addresses (static ones from the lab, DHCP ones from libvirt's leases; no
//! guest agent needed).
//!
//! Reads the hosts through the command's connections (the plan was observed on them); it
//! changes nothing and decides nothing.

use crate::host::resource_names as names;
use crate::lab::{Lab, Node};
use crate::libvirt::Connections;
use crate::libvirt::domain_status::DomainStatus;
use crate::libvirt::readiness_record::{ReadinessRecord, ReadyState};
use crate::planner::plan::Plan;
use crate::planner::target::Target;
use crate::utc_time::UtcTime;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeStatus {
    pub node: String,
    pub host: String,
    pub domain: String,
    pub state: String,
    /// The change the plan holds for this node, if any ("create", "update", ...).
    pub pending: Option<String>,
    /// What apply's readiness wait recorded on the guest's current boot; `None` when it
    /// does not run or was started without a wait.
    pub readiness: Option<Readiness>,
    pub addresses: Vec<Address>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Readiness {
    /// `waiting`, `ready` or `failed`.
    pub state: ReadyState,
    /// When that state began (RFC 3339, UTC).
    pub since: String,
    /// Seconds from start to ready (`ready` only).
    pub after_seconds: Option<f64>,
    /// Why the wait failed, one line (`failed` only).
    pub detail: Option<String>,
}

impl Readiness {
    fn from_record(record: ReadinessRecord) -> Readiness {
        Readiness {
            state: record.state,
            since: UtcTime(record.since).rfc3339(),
            after_seconds: record.after,
            detail: record.detail,
        }
    }

    /// `ready since 21:03:44` (UTC), for tables.
    pub fn describe(&self) -> String {
        let clock = self.since.get(11..19).unwrap_or(&self.since);
        match self.state {
            ReadyState::Failed => format!("failed at {clock}"),
            state => format!("{} since {clock}", state.word()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    pub interface: String,
    pub mac: String,
    /// With its prefix length: `10.0.0.5/24`.
    pub address: String,
    /// `static` (from the lab) or `dhcp` (a lease of libvirt's network).
    pub source: &'static str,
}

/// Each node's status, host by host in the lab's order, read on `connections`.
pub fn read(lab: &Lab, plan: &Plan, connections: &Connections) -> Result<Vec<NodeStatus>, String> {
    let mut out = Vec::new();
    for host in &lab.hosts {
        let connection = connections.to(host).map_err(|e| e.to_string())?;
        for node in lab.nodes.iter().filter(|n| n.host == host.name) {
            let domain = names::domain(&lab.name, &node.name);
            let status = DomainStatus::read(&connection, &domain);
            out.push(node_status(node, domain, status, plan));
        }
    }
    Ok(out)
}

fn node_status(node: &Node, domain: String, status: DomainStatus, plan: &Plan) -> NodeStatus {
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
    let DomainStatus {
        state,
        leases,
        readiness,
    } = status;
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
        domain,
        state: state.to_string(),
        pending,
        readiness: readiness.map(Readiness::from_record),
        addresses,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_reads_as_a_state_and_a_utc_time() {
        let record = |state, detail: Option<&str>| ReadinessRecord {
            state,
            since: 1_796_159_024,
            after: Some(12.5),
            detail: detail.map(str::to_string),
        };
        let ready = Readiness::from_record(record(ReadyState::Ready, None));
        assert_eq!(ready.since, "2026-12-01T21:03:44Z");
        assert_eq!(ready.describe(), "ready since 21:03:44");
        let waiting = Readiness::from_record(record(ReadyState::Waiting, None));
        assert_eq!(waiting.describe(), "waiting since 21:03:44");
        let failed = Readiness::from_record(record(ReadyState::Failed, Some("not ready")));
        assert_eq!(failed.describe(), "failed at 21:03:44");
    }
}
