//! `SeedDiffs`: for each node a plan replaces because its cloud-init data changed, what
//! changed in its files (`SeedDiff`): the old seed downloaded from its host's pool through
//! libvirt (`VolumeReader`), unpacked, and masked by the record the domain keeps of its
//! secret lines; the new one as the lab renders it, masked by its own.
//!
//! It costs one download per such node, so only the commands that show a plan to people
//! (`plan`, `apply` before it asks) call it, never apply's plan made again after the pull:
//! the diffs are for review, not part of the plan (a saved plan does not hold them). A seed
//! that cannot be read is said, never guessed.

use super::Planned;
use crate::cloud_init::seed_diff::SeedDiff;
use crate::cloud_init::seed_image;
use crate::lab::Lab;
use crate::libvirt::Connections;
use crate::libvirt::volume_reader::VolumeReader;
use crate::planner::observed::ObservedDomain;
use crate::planner::plan::{Action, Change};
use crate::planner::reason::Reason;
use crate::planner::target::Target;
use std::collections::BTreeMap;

/// The seed diffs of a plan, by the address of the node change they belong to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedDiffs {
    by_change: BTreeMap<String, SeedDiff>,
}

impl SeedDiffs {
    /// No diffs: what a plan shows when nothing was read (quiet output, destroy).
    pub fn none() -> SeedDiffs {
        SeedDiffs::default()
    }

    /// Adds the diff shown under `change`.
    pub fn insert(&mut self, change: &Change, diff: SeedDiff) {
        self.by_change.insert(change.address(), diff);
    }

    /// The diff shown under `change`, if it has one.
    pub fn of(&self, change: &Change) -> Option<&SeedDiff> {
        self.by_change.get(&change.address())
    }

    /// Reads the old seed of every node `planned` replaces for changed cloud-init data and
    /// diffs it with the new one.
    pub fn read(lab: &Lab, planned: &Planned, connections: &Connections) -> SeedDiffs {
        let by_change = planned
            .plan
            .changes
            .iter()
            .filter(|c| c.action == Action::Replace && c.reason == Reason::SeedChanged)
            .filter_map(|change| {
                let Target::Node { node, domain, .. } = &change.target else {
                    return None;
                };
                let seen = planned
                    .observed
                    .hosts
                    .iter()
                    .find(|h| h.name == change.host)?
                    .domains
                    .iter()
                    .find(|d| d.name == *domain)?;
                let diff = diff(lab, planned, connections, &change.host, node, seen)
                    .unwrap_or_else(|why| SeedDiff::Unknown { why });
                Some((change.address(), diff))
            })
            .collect();
        SeedDiffs { by_change }
    }
}

/// The diff of one node's seeds, or why the old one cannot be shown.
fn diff(
    lab: &Lab,
    planned: &Planned,
    connections: &Connections,
    host: &str,
    node: &str,
    seen: &ObservedDomain,
) -> Result<SeedDiff, String> {
    let Some(record) = &seen.record else {
        return Err(
            "the domain was built by an older vlab, which kept no record of its files' secrets"
                .into(),
        );
    };
    let new = planned
        .nodes
        .get(node)
        .ok_or_else(|| format!("node `{node}` was not rendered"))?;
    let host = lab
        .host(host)
        .ok_or_else(|| format!("the lab has no host `{host}`"))?;
    let connection = connections.to(host).map_err(|e| e.to_string())?;
    let old = VolumeReader::read_seed(&connection, &host.pool, &seen.seed_volume)
        .map_err(|e| format!("cannot read its seed from the host: {e}"))?
        .ok_or_else(|| format!("its seed {} is not on the host", seen.seed_volume))?;
    let old = seed_image::files(&old)
        .map_err(|e| format!("its seed {} cannot be read: {e}", seen.seed_volume))?;
    let rendered = seed_image::files(&new.seed).map_err(|e| e.to_string())?;
    Ok(SeedDiff::between(
        &old,
        &record.secret_lines,
        &rendered,
        &new.record.secret_lines,
    ))
}
