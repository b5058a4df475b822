//! `ControlledNode`: the selected nodes of a lab with a handle on each one's domain, for
//! `vlab stop`, `start`, `snapshot` and `reset`: every node of the lab, or those that
//! `--node` names or globs select, each with its host and its domain (`None` when the host
//! holds none). A host that cannot be reached is an error: these commands act, they do not
//! guess.
//!
//! Reads the hosts; what to do with each domain is the command's.

use crate::access::node_selector::NodeSelector;
use crate::host::resource_names as names;
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
    #[error("no node of lab `{lab}` matches `{pattern}`")]
    NoMatch { lab: String, pattern: String },
    #[error("cannot reach host `{host}`: {message}")]
    Host { host: String, message: String },
}

/// The nodes `patterns` select (all of them when empty), in the lab's order.
pub fn select(
    lab: &Lab,
    patterns: &[String],
    connections: &Connections,
) -> Result<Vec<ControlledNode>, ControlError> {
    let selector = if patterns.is_empty() {
        NodeSelector::All
    } else {
        NodeSelector::Patterns(patterns.to_vec())
    };
    let all: Vec<&str> = lab.nodes.iter().map(|n| n.name.as_str()).collect();
    let chosen = selector
        .select(&all)
        .map_err(|pattern| ControlError::NoMatch {
            lab: lab.name.clone(),
            pattern,
        })?;
    let mut out = Vec::new();
    for node in lab
        .nodes
        .iter()
        .filter(|n| chosen.contains(&n.name.as_str()))
    {
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
