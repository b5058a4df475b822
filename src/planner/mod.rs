//! The planner: `plan(&Desired, &Observed) -> Plan`. Pure: no I/O, no clock, no randomness,
//! so every case is a unit test that builds both sides in memory.
//!
//! Per host, one module per resource kind decides: `storage` (the pool, the base images and
//! the lab's volumes in it), `networks` and `domains`; each module's header states its rules. Every change
//! carries a typed `Target` with what carrying it out needs, and a `Reason` for people.
//! What the lab owns but no longer declares is deleted; base images are never deleted here:
//! `destroy_plan` with `--purge-images` does that. A plan can be restricted afterwards to a
//! selection of nodes (`scope`) or to resources named by address (`targeting`, which also
//! marks nodes to rebuild before planning). Observing and carrying out are the observer's
//! and the applier's jobs.

pub mod attribute_diff;
pub mod capacity;
pub mod desired;
pub mod domains;
pub mod instance_ranges;
pub mod name_conflict;
pub mod networks;
pub mod observed;
pub mod plan;
pub mod plan_shift;
pub mod reason;
pub mod resource_address;
pub mod scope;
pub mod storage;
pub mod target;
pub mod targeting;

use crate::host::resource_names::{is_ready_marker, prefix};
use desired::{Desired, DesiredHost};
use observed::{Observed, ObservedHost};
use plan::{Action, Change, Plan};
use reason::Reason;
use target::Target;

pub fn plan(desired: &Desired, observed: &Observed) -> Plan {
    let mut changes = Vec::new();
    let mut conflicts = Vec::new();
    let empty = ObservedHost::default();
    for host in &desired.hosts {
        let seen = observed
            .hosts
            .iter()
            .find(|h| h.name == host.name)
            .unwrap_or(&empty);
        changes.extend(plan_host(&desired.lab, host, seen));
        conflicts.extend(name_conflict::conflicts(host, seen));
    }
    Plan {
        lab: desired.lab.clone(),
        changes,
        conflicts,
    }
}

/// One host's changes, in the order the plan lists them: pool, images, networks, domains,
/// volumes.
fn plan_host(lab: &str, host: &DesiredHost, seen: &ObservedHost) -> Vec<Change> {
    let mut changes: Vec<Change> = storage::pool(host, seen).into_iter().collect();
    changes.extend(storage::images(host, seen));
    changes.extend(networks::networks(host, seen));
    changes.extend(domains::domains(host, seen));
    changes.extend(storage::unused_volumes(lab, host, seen));
    changes
}

/// The plan that removes everything the lab owns on its hosts: its domains, networks and
/// volumes, and with `purge_images` the base volumes of the lab's images (named by digest).
/// Volumes, networks and domains of other labs, and what vlab did not create, stay.
pub fn destroy_plan(lab: &str, observed: &Observed, purge_images: &[String]) -> Plan {
    let prefix = prefix(lab);
    let mut changes = Vec::new();
    for host in &observed.hosts {
        let delete = |target, reason| Change {
            host: host.name.clone(),
            target,
            action: Action::Delete,
            before: None,
            after: None,
            reason,
            attributes: None,
        };
        for domain in &host.domains {
            let target = Target::Node {
                node: domain.node.clone(),
                domain: domain.name.clone(),
                needs: None,
            };
            changes.push(delete(target, Reason::Destroy));
        }
        for network in &host.networks {
            let name = network.name.clone();
            changes.push(delete(Target::Network { name, xml: None }, Reason::Destroy));
        }
        for volume in host.volumes.iter().filter(|v| !is_ready_marker(v)) {
            let target = Target::Volume {
                name: volume.clone(),
            };
            if volume.starts_with(&prefix) {
                changes.push(delete(target, Reason::Destroy));
            } else if purge_images.contains(volume) {
                changes.push(delete(target, Reason::PurgeImages));
            }
        }
    }
    Plan {
        lab: lab.to_string(),
        changes,
        conflicts: Vec::new(),
    }
}

#[cfg(test)]
mod tests;
