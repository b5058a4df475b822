//! Planning vlab's storage pool and the base images in it: a missing pool is created; a
//! file of an image (disk, kernel, initrd) whose base volume is missing, or whose upload never
//! finished, is uploaded, and one not pulled yet is planned for pull and upload. Base images
//! are never deleted here (`destroy --purge-images` does that). Pure, like the whole planner.

use super::desired::DesiredHost;
use super::observed::ObservedHost;
use super::plan::{Action, Change};
use super::reason::Reason;
use super::target::Target;
use crate::host::resource_names::ready_marker;

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
        });
    }
    changes
}
