//! `Targeting`: `--target` and `--replace`, as Terraform has them.
//!
//! - `--target ADDRESS` (repeatable) keeps the changes of the resources named (a node's with
//!   its volumes') and, with `Scope`'s rule, what a kept node needs: the pool, its base
//!   image and its networks, created or started, never updated, replaced or deleted.
//!   Everything else is left out, and counted.
//! - `--replace ADDRESS` (repeatable) rebuilds a node the lab declares though nothing changed:
//!   its change becomes `-/+` with the reason "replace requested"; a node the plan replaces
//!   anyway keeps its own reason, and one not built yet is created. With `--target`, the
//!   nodes to replace are targets too.
//!
//! Addresses are resolved by `AddressBook` (full or short forms); the request is kept as the
//! full addresses (`request`), so a saved plan names exactly what it was made for. Pure: it
//! marks `Desired` before the planner runs and filters the plan it made.

use super::desired::Desired;
use super::observed::Observed;
use super::plan::{Change, Plan};
use super::resource_address::{AddressBook, AddressError, ResourceAddress};
use super::target::{ResourceKind, Target};
use crate::host::resource_names as names;
use serde::{Deserialize, Serialize};

/// What the person asked for, as given (or, from `Targeting::request`, as resolved).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRequest {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace: Vec<String>,
}

impl TargetRequest {
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty() && self.replace.is_empty()
    }
}

/// A request resolved against a lab and its hosts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targeting {
    /// Empty: the plan is not restricted.
    targets: Vec<ResourceAddress>,
    /// `(host, vlab_<lab>_<node>_)` of each targeted node: its volumes are its own.
    volume_prefixes: Vec<(String, String)>,
    replace: Vec<ResourceAddress>,
}

impl Targeting {
    pub fn resolve(
        request: &TargetRequest,
        desired: &Desired,
        observed: &Observed,
    ) -> Result<Targeting, AddressError> {
        let book = AddressBook::new(desired, observed);
        let mut targeting = Targeting::default();
        for given in &request.replace {
            for entry in book.resolve(given)? {
                if entry.address.kind != ResourceKind::Node || !entry.declared {
                    return Err(AddressError::NotReplaceable {
                        given: given.clone(),
                    });
                }
                push_new(&mut targeting.replace, &entry.address);
            }
        }
        let replaced = if request.targets.is_empty() {
            Vec::new()
        } else {
            targeting.replace.iter().map(ToString::to_string).collect()
        };
        for given in request.targets.iter().chain(&replaced) {
            for entry in book.resolve(given)? {
                push_new(&mut targeting.targets, &entry.address);
                if let Some(node) = &entry.node {
                    let prefix = format!("{}{node}_", names::prefix(&desired.lab));
                    let host_prefix = (entry.address.host.clone(), prefix);
                    if !targeting.volume_prefixes.contains(&host_prefix) {
                        targeting.volume_prefixes.push(host_prefix);
                    }
                }
            }
        }
        Ok(targeting)
    }

    /// Whether anything was asked for.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty() && self.replace.is_empty()
    }

    /// The request as resolved: full addresses.
    pub fn request(&self) -> TargetRequest {
        TargetRequest {
            targets: self.targets.iter().map(ToString::to_string).collect(),
            replace: self.replace.iter().map(ToString::to_string).collect(),
        }
    }

    /// Marks the domains to rebuild, before the planner runs.
    pub fn mark(&self, desired: &mut Desired) {
        for host in &mut desired.hosts {
            for domain in &mut host.domains {
                domain.replace = self.replace.iter().any(|a| {
                    a.kind == ResourceKind::Node && a.name == domain.name && a.host == host.name
                });
            }
        }
    }

    /// The changes of `plan` the targets keep, in the plan's order, and how many were left
    /// out; the whole plan when nothing is targeted.
    pub fn restrict(&self, plan: Plan) -> (Plan, usize) {
        if self.targets.is_empty() {
            return (plan, 0);
        }
        let total = plan.changes.len();
        let own: Vec<bool> = plan.changes.iter().map(|c| self.owns(c)).collect();
        let keep = super::scope::with_needs(&plan.changes, &own);
        let changes: Vec<Change> = plan
            .changes
            .into_iter()
            .zip(keep)
            .filter_map(|(c, keep)| keep.then_some(c))
            .collect();
        let left_out = total - changes.len();
        (Plan { changes, ..plan }, left_out)
    }

    fn owns(&self, change: &Change) -> bool {
        self.targets.iter().any(|t| t.matches(change))
            || match &change.target {
                Target::Volume { name } => self
                    .volume_prefixes
                    .iter()
                    .any(|(host, prefix)| *host == change.host && name.starts_with(prefix)),
                Target::Pool { .. }
                | Target::Image { .. }
                | Target::Network { .. }
                | Target::Node { .. } => false,
            }
    }
}

fn push_new(list: &mut Vec<ResourceAddress>, address: &ResourceAddress) {
    if !list.contains(address) {
        list.push(address.clone());
    }
}

#[cfg(test)]
mod tests;
