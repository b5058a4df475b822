//! `HostNeed`: what a plan asks of each host, and whether the host has it. Memory: every
//! guest the plan creates, replaces or starts (an update restarts a guest that already holds
//! its memory, so it is not counted). vCPUs: no guest may have more than the host's CPUs.
//! Disk: the images the plan uploads, the raw extra disks it makes (qcow2 ones and root
//! overlays grow as the guest writes), and, for KVM guests, the reset point apply takes of
//! each started guest (its memory, at most). Pure: the host's figures come from the caller.

use super::plan::{Action, Plan};
use super::target::Target;
use crate::byte_size::ByteSize;
use crate::lab::Lab;
use crate::lab::choices::{DiskFormat, Hypervisor};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostNeed {
    pub memory: u64,
    pub disk: u64,
    /// The guest with the most vCPUs the plan starts, and how many.
    pub widest: Option<(String, u32)>,
    /// How many guests the plan starts.
    pub guests: usize,
}

/// What the host offers (read by the libvirt layer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    pub cpus: u32,
    pub memory_available: u64,
    pub pool_available: Option<u64>,
}

/// Each host's need under `plan`; `upload_bytes` holds the size of each image file the plan
/// may upload, by lab image name and artifact (`debian`, `debian.kernel`).
pub fn needs(
    lab: &Lab,
    plan: &Plan,
    upload_bytes: &BTreeMap<String, u64>,
) -> BTreeMap<String, HostNeed> {
    let mut out: BTreeMap<String, HostNeed> = BTreeMap::new();
    for change in &plan.changes {
        let need = out.entry(change.host.clone()).or_default();
        match (&change.target, change.action) {
            (
                Target::Image {
                    image, artifact, ..
                },
                Action::Create,
            ) => {
                need.disk += upload_bytes
                    .get(&artifact.name(image))
                    .copied()
                    .unwrap_or(0);
            }
            (Target::Node { node, .. }, Action::Create | Action::Replace | Action::Start) => {
                let Some(node) = lab.node(node) else { continue };
                need.guests += 1;
                need.memory += node.memory.bytes();
                if node.hypervisor == Hypervisor::Kvm {
                    need.disk += node.memory.bytes();
                }
                if change.action != Action::Start {
                    need.disk += node
                        .disks
                        .iter()
                        .filter(|d| d.format == DiskFormat::Raw)
                        .map(|d| d.size.bytes())
                        .sum::<u64>();
                }
                if need
                    .widest
                    .as_ref()
                    .is_none_or(|(_, cpus)| node.cpus > *cpus)
                {
                    need.widest = Some((node.name.clone(), node.cpus));
                }
            }
            _ => {}
        }
    }
    out.retain(|_, need| *need != HostNeed::default());
    out
}

/// What does not fit on `host`, one line each (empty when everything does).
pub fn shortfalls(host: &str, need: &HostNeed, offer: &Offer) -> Vec<String> {
    let mut out = Vec::new();
    if need.memory > offer.memory_available {
        out.push(format!(
            "host `{host}`: the plan starts {} guest(s) needing {} of memory; the host has {} available",
            need.guests,
            ByteSize(need.memory),
            ByteSize(offer.memory_available)
        ));
    }
    if let Some((node, cpus)) = &need.widest
        && *cpus > offer.cpus
    {
        out.push(format!(
            "host `{host}`: node `{node}` has {cpus} vCPUs; the host has {} CPUs",
            offer.cpus
        ));
    }
    if let Some(free) = offer.pool_available
        && need.disk > free
    {
        out.push(format!(
            "host `{host}`: the plan needs {} in the pool (uploads, raw disks, reset points); it has {} free",
            ByteSize(need.disk),
            ByteSize(free)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    #[test]
    fn a_need_larger_than_the_offer_is_named_with_its_figures() {
        let need = HostNeed {
            memory: 40 * GIB,
            disk: 50 * GIB,
            widest: Some(("big".into(), 8)),
            guests: 20,
        };
        let offer = Offer {
            cpus: 2,
            memory_available: 22 * GIB,
            pool_available: Some(26 * GIB),
        };
        let lines = shortfalls("local", &need, &offer);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(
            lines[0].contains("20 guest(s) needing 40GiB") && lines[0].contains("22GiB available"),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].contains("`big` has 8 vCPUs; the host has 2 CPUs"),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].contains("50GiB") && lines[2].contains("26GiB free"),
            "{}",
            lines[2]
        );
        let fits = Offer {
            cpus: 8,
            memory_available: 64 * GIB,
            pool_available: None,
        };
        assert!(shortfalls("local", &need, &fits).is_empty());
    }
}
