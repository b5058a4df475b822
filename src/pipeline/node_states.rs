//! `read`: each node's domain state on its host, for `vlab graph`: every host of the lab is
//! asked once; a host that cannot be reached is recorded as such (its nodes' states are then
//! unknown) instead of failing the command, since a drawing is still worth having.
//!
//! Read-only on the hosts; decides nothing about what is drawn (`graph::LabGraph`).

use crate::graph::{HostReach, LabStates};
use crate::host::resource_names as names;
use crate::lab::Lab;
use crate::libvirt::domain_status::DomainStatus;
use crate::libvirt::{Connections, LibvirtError};

pub fn read(lab: &Lab, connections: &Connections) -> LabStates {
    let mut states = LabStates::default();
    for host in &lab.hosts {
        let connection = match connections.to(host) {
            Ok(connection) => connection,
            Err(e) => {
                // The graph names the host already; libvirt's own words say why.
                let why = match e {
                    LibvirtError::Connect { message, .. } => message,
                    other => other.to_string(),
                };
                states
                    .hosts
                    .insert(host.name.clone(), HostReach::Unreachable(why));
                continue;
            }
        };
        states.hosts.insert(host.name.clone(), HostReach::Reached);
        for node in lab.nodes.iter().filter(|n| n.host == host.name) {
            let status = DomainStatus::read(&connection, &names::domain(&lab.name, &node.name));
            states.nodes.insert(node.name.clone(), status.state);
        }
    }
    states
}
