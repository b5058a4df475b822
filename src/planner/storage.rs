//! Planning vlab's storage pool and what the lab keeps in it. A missing pool is created. A
//! file of an image (disk, kernel, initrd) whose base volume is missing, or whose upload never
//! finished, is uploaded, and one not pulled yet is planned for pull and upload; base images
//! are never deleted here (`destroy --purge-images` does that). A volume with the lab's
//! prefix that no declared node uses (an old seed, the disks of a removed node) is deleted;
//! a declared node's console log (and the older files virtlogd rotated it into) counts as
//! used, though its absence never rebuilds the node (virtlogd writes it, not vlab). The
//! volumes a node needs are made by the node's own change. Pure, like the whole planner.

use super::desired::DesiredHost;
use super::observed::ObservedHost;
use super::plan::{Action, Change};
use super::reason::Reason;
use super::target::Target;
use crate::host::resource_names::{is_console_log_of, is_ready_marker, prefix, ready_marker};

/// The pool's change, if it needs one.
pub fn pool(host: &DesiredHost, seen: &ObservedHost) -> Option<Change> {
    (!seen.pool_exists).then(|| Change {
        host: host.name.clone(),
        target: Target::Pool {
            name: host.pool.clone(),
        },
        action: Action::Create,
        before: None,
        after: None,
        reason: Reason::PoolMissing,
        attributes: None,
    })
}

/// The uploads (and pulls) of the image files the host's nodes boot from.
pub fn images(host: &DesiredHost, seen: &ObservedHost) -> Vec<Change> {
    let mut changes = Vec::new();
    for wanted in &host.images {
        let reason = match &wanted.volume {
            // A base image counts once its upload finished (its `.ready` marker exists).
            Some(volume)
                if seen.volumes.contains(volume)
                    && seen.volumes.contains(&ready_marker(volume)) =>
            {
                continue;
            }
            Some(_) => Reason::BaseImageMissing,
            None => Reason::ImageNotPulled,
        };
        changes.push(Change {
            host: host.name.clone(),
            target: Target::Image {
                image: wanted.image.clone(),
                artifact: wanted.artifact,
                volume: wanted.volume.clone(),
            },
            action: Action::Create,
            before: None,
            after: wanted.volume.clone(),
            reason,
            attributes: None,
        });
    }
    changes
}

/// The deletions of the lab's volumes that no node of `host` uses.
pub fn unused_volumes(lab: &str, host: &DesiredHost, seen: &ObservedHost) -> Vec<Change> {
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
        .filter(|v| {
            !host
                .domains
                .iter()
                .any(|d| is_console_log_of(v, lab, &d.node))
        })
        .map(|volume| Change {
            host: host.name.clone(),
            target: Target::Volume {
                name: volume.clone(),
            },
            action: Action::Delete,
            before: Some(volume.clone()),
            after: None,
            reason: Reason::VolumeUnused,
            attributes: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::planner::observed::ObservedDomain;
    use crate::planner::plan::Action;
    use crate::planner::target::ResourceKind;
    use crate::planner::tests::{actions, converged, desired};

    #[test]
    fn a_declared_nodes_console_logs_are_kept_and_a_removed_nodes_deleted() {
        let mut o = converged();
        let host = &mut o.hosts[0];
        host.domains.push(ObservedDomain {
            name: "lab_old".into(),
            node: "old".into(),
            ..host.domains[0].clone()
        });
        for volume in [
            "vlab_lab_a_console.log",
            "vlab_lab_a_console.log.0",
            "vlab_lab_a_console.log.1",
            "vlab_lab_old_console.log",
        ] {
            host.volumes.insert(volume.into());
        }
        assert_eq!(
            actions(&o, &desired()),
            [
                (ResourceKind::Node, "lab_old".into(), Action::Delete),
                (
                    ResourceKind::Volume,
                    "vlab_lab_old_console.log".into(),
                    Action::Delete
                ),
            ]
        );
        let destroy = crate::planner::destroy_plan("lab", &o, &[]);
        assert!(
            destroy
                .changes
                .iter()
                .any(|c| c.name() == "vlab_lab_a_console.log.1" && c.action == Action::Delete),
            "destroy removes every console log of the lab"
        );
    }

    #[test]
    fn a_missing_console_log_changes_nothing() {
        // `converged()` holds no console log at all: a node whose log is not there yet (or
        // was removed by hand, or whose domain logs elsewhere) is neither rebuilt nor updated.
        assert!(actions(&converged(), &desired()).is_empty());
    }
}
