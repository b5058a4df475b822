//! Planning the lab's volumes: a volume with the lab's prefix that no declared node uses
//! (an old seed, the disks of a removed node) is deleted. Nothing is decided while the pool
//! is inactive, since it hides its volumes then. Volumes a node needs are created by the
//! node's own change, not here. Pure, like the whole planner.

use super::desired::DesiredHost;
use super::observed::ObservedHost;
use super::plan::{Action, Change};
use super::reason::Reason;
use super::target::Target;
use crate::host::resource_names::{is_ready_marker, prefix};

/// The deletions of the lab's volumes that no node of `host` uses.
pub fn unused(lab: &str, host: &DesiredHost, seen: &ObservedHost) -> Vec<Change> {
    // An inactive pool hides its volumes: nothing is decided from their absence then.
    if !seen.pool_exists {
        return Vec::new();
    }
    let prefix = prefix(lab);
    let wanted: Vec<&String> = host.domains.iter().flat_map(|d| d.volumes.iter()).collect();
    seen.volumes
        .iter()
        .filter(|v| v.starts_with(&prefix) && !is_ready_marker(v))
        .filter(|v| !wanted.contains(v))
        .map(|volume| Change {
            host: host.name.clone(),
            target: Target::Volume {
                name: volume.clone(),
            },
            action: Action::Delete,
            before: Some(volume.clone()),
            after: None,
            reason: Reason::VolumeUnused,
        })
        .collect()
}
