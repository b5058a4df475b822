//! `NodeState`: what the graph says of a node's domain, and `HostReach`, of its host; with
//! `LabStates`, the states read from the hosts that a `LabGraph` is built with.
//!
//! Data only: reading them from libvirt is `pipeline::node_states`'s; a graph drawn from the
//! lab file alone has none.

use std::collections::BTreeMap;

/// A node's state as the graph shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeState {
    /// The hosts were not asked (`vlab graph --offline`).
    NotRead,
    /// Its host could not be reached.
    Unknown,
    /// Its domain's state in words, as `vlab status` shows it: `running`, `shut off`,
    /// `paused`, `other` or `absent`.
    Domain(&'static str),
}

impl NodeState {
    /// The words shown next to the node, if any.
    pub fn label(&self) -> Option<&'static str> {
        match self {
            NodeState::NotRead => None,
            NodeState::Unknown => Some("state unknown"),
            NodeState::Domain(state) => Some(state),
        }
    }

    /// A one-word class for styling: `running`, `shut-off`, `absent`, `unknown`, `not-read`...
    /// Only letters and `-`.
    pub fn class(&self) -> String {
        match self {
            NodeState::NotRead => "not-read".to_string(),
            NodeState::Unknown => "unknown".to_string(),
            NodeState::Domain(state) => state
                .chars()
                .map(|c| if c.is_ascii_lowercase() { c } else { '-' })
                .collect(),
        }
    }
}

/// Whether a host answered when its nodes' states were read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostReach {
    NotAsked,
    Reached,
    /// It could not be reached; why, in libvirt's words.
    Unreachable(String),
}

/// What the hosts said: each host's reach, and the domain state of each node read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabStates {
    pub hosts: BTreeMap<String, HostReach>,
    /// By node name.
    pub nodes: BTreeMap<String, &'static str>,
}

impl LabStates {
    pub fn reach(&self, host: &str) -> HostReach {
        self.hosts.get(host).cloned().unwrap_or(HostReach::NotAsked)
    }

    /// The state of `node` on `host`: unknown unless the host was reached and the node read.
    pub fn node(&self, host: &str, node: &str) -> NodeState {
        match (self.reach(host), self.nodes.get(node)) {
            (HostReach::Reached, Some(state)) => NodeState::Domain(state),
            (HostReach::Reached | HostReach::Unreachable(_) | HostReach::NotAsked, _) => {
                NodeState::Unknown
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_is_unknown_unless_its_host_answered() {
        let states = LabStates {
            hosts: [
                ("up".to_string(), HostReach::Reached),
                (
                    "down".to_string(),
                    HostReach::Unreachable("no route".into()),
                ),
            ]
            .into(),
            nodes: [("a".to_string(), "running"), ("b".to_string(), "shut off")].into(),
        };
        assert_eq!(states.node("up", "a"), NodeState::Domain("running"));
        assert_eq!(states.node("down", "b"), NodeState::Unknown);
        assert_eq!(states.node("up", "c"), NodeState::Unknown);
        assert_eq!(states.node("elsewhere", "a"), NodeState::Unknown);
        assert_eq!(NodeState::Domain("shut off").class(), "shut-off");
        assert_eq!(NodeState::NotRead.label(), None);
    }
}
