//! `Scope`: a selection of a lab's nodes (`lab::selection::Selected`) in the hosts' names,
//! and the plan restricted to it. A selection never touches anything outside it:
//!
//! - the selected nodes' domains and volumes: every change;
//! - the networks the selection owns (the networks of the seats it holds whole, the links
//!   both of whose nodes it holds): every change;
//! - any other network a selected node attaches to (a shared one, or its seat's when the
//!   seat is not held whole), the pool and the base images the selected nodes boot: created
//!   or started when a kept change needs them, never updated, replaced or deleted;
//! - everything else (other nodes, even drifted ones; what the lab no longer declares):
//!   left out, and counted.
//!
//! Pure: it filters a plan the planner made for the whole lab. Each resource's decision in
//! that plan depends on that resource alone, so the filtered plan is the plan of the
//! selection.

use super::plan::{Action, Change, Plan};
use super::target::Target;
use crate::host::resource_names as names;
use crate::lab::Lab;
use crate::lab::selection::Selected;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The selected nodes' domain names.
    domains: BTreeSet<String>,
    /// Each selected node's volume prefix, `vlab_<lab>_<node>_` (node names hold no `_`, so
    /// no prefix is another node's).
    volume_prefixes: Vec<String>,
    /// The host names of the networks the selection owns.
    networks: BTreeSet<String>,
}

impl Scope {
    pub fn new(lab: &Lab, selected: &Selected) -> Scope {
        let picked = |node: &str| selected.nodes.iter().any(|n| n == node);
        let seat_networks = lab
            .networks
            .iter()
            .filter(|n| n.seat.is_some_and(|s| selected.whole_seats.contains(&s)))
            .map(|n| names::network(&lab.name, &n.name));
        let link_networks = lab
            .links
            .iter()
            .filter(|l| picked(&l.a.node) && picked(&l.b.node))
            .map(|l| names::link_network(&lab.name, &l.name));
        Scope {
            domains: selected
                .nodes
                .iter()
                .map(|n| names::domain(&lab.name, n))
                .collect(),
            volume_prefixes: selected
                .nodes
                .iter()
                .map(|n| format!("{}{n}_", names::prefix(&lab.name)))
                .collect(),
            networks: seat_networks.chain(link_networks).collect(),
        }
    }

    /// The changes of `plan` inside the scope, in the plan's order, and how many were left
    /// out.
    pub fn restrict(&self, plan: Plan) -> (Plan, usize) {
        let total = plan.changes.len();
        let own: Vec<bool> = plan.changes.iter().map(|c| self.owns(c)).collect();
        let keep = with_needs(&plan.changes, &own);
        let changes: Vec<Change> = plan
            .changes
            .into_iter()
            .zip(keep)
            .filter_map(|(c, keep)| keep.then_some(c))
            .collect();
        let left_out = total - changes.len();
        (Plan { changes, ..plan }, left_out)
    }

    /// Whether the change acts on something the selection owns.
    fn owns(&self, change: &Change) -> bool {
        match &change.target {
            Target::Node { domain, .. } => self.domains.contains(domain),
            Target::Volume { name } => self.volume_prefixes.iter().any(|p| name.starts_with(p)),
            Target::Network { name, .. } => self.networks.contains(name),
            Target::Pool { .. } | Target::Image { .. } => false,
        }
    }
}

/// Which of `changes` to keep: those a restriction owns (`own`), and those a kept node
/// change needs: the creation or start of the pool, the base image it boots and the networks
/// it attaches to on its host, and of the pool a kept image upload needs. Never an update, a
/// replacement or a deletion of something not owned. `Scope` and `Targeting` both keep this.
pub(super) fn with_needs(changes: &[Change], own: &[bool]) -> Vec<bool> {
    let kept: Vec<&Change> = changes
        .iter()
        .zip(own)
        .filter(|(c, own)| **own && matches!(c.target, Target::Node { .. } | Target::Image { .. }))
        .map(|(c, _)| c)
        .collect();
    let needed = |change: &Change| -> bool {
        if !matches!(change.action, Action::Create | Action::Start) {
            return false;
        }
        kept.iter().any(|kept| {
            if kept.host != change.host {
                return false;
            }
            match (&kept.target, &change.target) {
                (
                    Target::Node {
                        needs: Some(needs), ..
                    },
                    Target::Network { name, .. },
                ) => needs.networks.contains(name),
                (
                    Target::Node {
                        needs: Some(needs), ..
                    },
                    Target::Image { image, .. },
                ) => *image == needs.image,
                (
                    Target::Node { needs: Some(_), .. } | Target::Image { .. },
                    Target::Pool { .. },
                ) => true,
                (
                    Target::Node { .. } | Target::Image { .. },
                    Target::Node { .. }
                    | Target::Volume { .. }
                    | Target::Network { .. }
                    | Target::Image { .. },
                )
                | (Target::Node { needs: None, .. }, Target::Pool { .. })
                | (
                    Target::Pool { .. } | Target::Network { .. } | Target::Volume { .. },
                    Target::Pool { .. }
                    | Target::Image { .. }
                    | Target::Network { .. }
                    | Target::Node { .. }
                    | Target::Volume { .. },
                ) => false,
            }
        })
    };
    changes
        .iter()
        .zip(own)
        .map(|(c, own)| *own || needed(c))
        .collect()
}

#[cfg(test)]
mod tests;
