//! `AttributeDiff`: what a node's update or replace changes, attribute by attribute (cpus,
//! memory, image, each disk, each interface's network, MAC and address, boot settings), from
//! the record the host keeps of what its domain was built from to the lab's. A domain built
//! by a vlab that kept no record has no "before": the diff says so rather than guess.
//!
//! Pure, like the whole planner: it compares two `NodeRecord`s' attribute lists. A value
//! this machine cannot know yet (an image's digest before the pull) is not compared with a
//! known one, so a plan made before the pull shows no change that is not there.

use crate::host::node_record::{NOT_PULLED, NodeRecord};
use serde::{Deserialize, Serialize};

/// One attribute that differs; `None` on a side that does not have it (a disk added).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeChange {
    /// `memory`, `disk.data.size`, `interface.eth0.address`, `boot.kernel`, ...
    pub attribute: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum AttributeDiff {
    /// The attributes that differ (none: what changed is outside the record, such as a
    /// template's text or the Xen device model's path).
    Changed { changes: Vec<AttributeChange> },
    /// The domain has no record to compare with: built by an older vlab.
    BeforeUnknown,
}

impl AttributeDiff {
    /// From the host's record (`None`: it kept none) to the lab's.
    pub fn between(before: Option<&NodeRecord>, after: &NodeRecord) -> AttributeDiff {
        let Some(before) = before else {
            return AttributeDiff::BeforeUnknown;
        };
        let old = before.attributes();
        let new = after.attributes();
        let lookup = |list: &[(String, Option<String>)], name: &str| {
            list.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
        };
        let mut changes = Vec::new();
        for (name, value) in &new {
            match (lookup(&old, name), value) {
                // Unknown on one side: not compared.
                (Some(None), _) | (Some(Some(_)), None) => {}
                (Some(Some(was)), Some(is)) if was == *is => {}
                (Some(Some(was)), Some(is)) => {
                    changes.push(change(name, Some(was), Some(is.clone())));
                }
                (None, value) => changes.push(change(
                    name,
                    None,
                    Some(value.clone().unwrap_or_else(|| NOT_PULLED.into())),
                )),
            }
        }
        for (name, value) in old.iter().filter(|(n, _)| lookup(&new, n).is_none()) {
            let was = value.clone().unwrap_or_else(|| NOT_PULLED.into());
            changes.push(change(name, Some(was), None));
        }
        AttributeDiff::Changed { changes }
    }
}

fn change(attribute: &str, before: Option<String>, after: Option<String>) -> AttributeChange {
    AttributeChange {
        attribute: attribute.to_string(),
        before,
        after,
    }
}

#[cfg(test)]
mod tests;
