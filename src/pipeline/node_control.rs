//! `ControlledNode`: the selected nodes of a lab with a handle on each one's domain, for
//! `vlab stop`, `start`, `snapshot` and `reset`: every node of the lab, or those a
//! `Selection` (`--seat`, `--node`) selects, each with its host and its domain (`None` when the host
//! holds none). A host that cannot be reached is an error: these commands act, they do not
//! guess.
//!
//! Reads the hosts; what to do with each domain is the command's.

use crate::host::resource_names as names;
use crate::lab::selection::Selection;
use crate::lab::{Lab, Node};
use crate::libvirt::Connections;
use crate::libvirt::domain_control::DomainControl;

pub struct ControlledNode {
    pub node: Node,
    pub host: String,
    pub domain: Option<DomainControl>,
}

/// Why the nodes could not be found.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("{0}")]
    Selection(#[from] crate::lab::selection::SelectionError),
    #[error("cannot reach host `{host}`: {message}")]
    Host { host: String, message: String },
}

/// The nodes `selection` selects (all of them when it is empty), in the lab's order.
pub fn select(
    lab: &Lab,
    selection: &Selection,
    connections: &Connections,
) -> Result<Vec<ControlledNode>, ControlError> {
    let chosen = selection.resolve(lab)?.nodes;
    let mut out = Vec::new();
    for node in lab.nodes.iter().filter(|n| chosen.contains(&n.name)) {
        let Some(host) = lab.host(&node.host) else {
            continue;
        };
        let unreachable = |message: String| ControlError::Host {
            host: host.name.clone(),
            message,
        };
        let connection = connections
            .to(host)
            .map_err(|e| unreachable(e.to_string()))?;
        let domain = DomainControl::find(&connection, &names::domain(&lab.name, &node.name))
            .map_err(|e| unreachable(e.to_string()))?;
        out.push(ControlledNode {
            node: node.clone(),
            host: host.name.clone(),
            domain,
        });
    }
    Ok(out)
}
