//! The capacity stage: before apply changes anything, each host's offer (its CPUs, the
//! memory it can give, its pool's free space: `libvirt::host_capacity`) is compared with what
//! the plan asks of it (`planner::capacity`). A plan that does not fit is refused with the
//! figures, instead of failing half-way through twenty seats. Image sizes come from the
//! cache; an image not pulled yet counts as nothing (its size is not known before the pull).

use super::PipelineError;
use super::images;
use crate::lab::Lab;
use crate::libvirt::Connections;
use crate::libvirt::host_capacity::HostCapacity;
use crate::planner::capacity::{self, Offer};
use crate::planner::plan::Plan;
use std::collections::BTreeMap;

/// `Ok` when the plan fits every host it changes.
pub fn check(lab: &Lab, plan: &Plan, connections: &Connections) -> Result<(), PipelineError> {
    let store = images::open_store()?;
    let uploads: BTreeMap<String, u64> = images::lab_requests(lab)
        .iter()
        .filter_map(|request| {
            let cached = store.cached(request)?;
            let size = std::fs::metadata(&cached.path).ok()?.len();
            Some((request.name.clone(), size))
        })
        .collect();
    let mut shortfalls = Vec::new();
    for (host_name, need) in capacity::needs(lab, plan, &uploads) {
        let Some(host) = lab.host(&host_name) else {
            continue;
        };
        let connection = connections
            .to(host)
            .map_err(|e| PipelineError::Capacity(vec![format!("host `{host_name}`: {e}")]))?;
        let offer = HostCapacity::read(
            &connection,
            &host.pool,
            host.hypervisor == crate::lab::choices::Hypervisor::Xen,
        )
        .map_err(|e| PipelineError::Capacity(vec![format!("host `{host_name}`: {e}")]))?;
        shortfalls.extend(capacity::shortfalls(
            &host_name,
            &need,
            &Offer {
                cpus: offer.cpus,
                memory_available: offer.memory_available,
                pool_available: offer.pool_available,
            },
        ));
    }
    if shortfalls.is_empty() {
        Ok(())
    } else {
        Err(PipelineError::Capacity(shortfalls))
    }
}
