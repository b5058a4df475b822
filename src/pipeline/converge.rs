//! The converge stage of the pipeline: takes the lab's lock, pulls what a plan needs, and
//! has the applier carry the plan out on the command's connections; for destroy, plans the
//! removal of what the lab owns and, afterwards, removes the pools vlab made once empty.
//! It decides nothing about the hosts: the plan did.

use super::{PipelineError, Planned, images};
use crate::applier::{self, ApplyInputs, ApplyReport, ApplyReporter};
use crate::host::resource_names::base_volume;
use crate::image_store::CachedImage;
use crate::image_store::cache_layout::CacheLayout;
use crate::image_store::pull_reporter::PullReporter;
use crate::lab::{Host, Lab};
use crate::lab_lock::LabLock;
use crate::libvirt::host_session::HostSession;
use crate::libvirt::{Connections, LibvirtError};
use crate::planner::plan::Plan;
use crate::planner::plan_shift::PlanShift;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How apply runs, from its flags.
#[derive(Debug, Clone, Copy)]
pub struct ApplyOptions {
    /// Wait for started guests to be ready.
    pub wait: bool,
    /// Changes at once per host.
    pub parallelism: usize,
}

/// Takes the lab's lock on this machine for `what` (apply, destroy), waiting at most
/// `timeout` seconds (`None`: as long as it takes); `waiting` hears who holds it.
pub fn lock(
    lab: &Lab,
    what: &str,
    timeout: Option<u64>,
    waiting: &dyn Fn(&str),
) -> Result<LabLock, PipelineError> {
    let locks = CacheLayout::default_root().join("locks");
    LabLock::acquire(
        &locks,
        &lab.name,
        what,
        timeout.map(Duration::from_secs),
        waiting,
    )
    .map_err(PipelineError::Locked)
}

/// Pulls the images the plan needs, renders the nodes again with the digests now known (the
/// domains record them, so the next plan, which finds them in the cache, sees the nodes as
/// they are) and carries the plan out. When the digests now known change what a node needs
/// (an image that was not in the cache turned out to be new, so a node the plan updates or
/// leaves alone must be rebuilt), nothing is changed on the hosts: the plan made without
/// them is refused (`PlanShift`), and the next plan, which finds them cached, is right.
pub fn apply(
    lab: Lab,
    planned: &Planned,
    options: ApplyOptions,
    connections: Arc<Connections>,
    reporter: Arc<dyn ApplyReporter>,
    pull_reporter: &dyn PullReporter,
) -> Result<ApplyReport, PipelineError> {
    let requests = images::needed_by(&lab, &planned.plan);
    let images: BTreeMap<String, CachedImage> = images::pull(&requests, 4, pull_reporter)?
        .into_iter()
        .map(|i| (i.name.clone(), i))
        .collect();
    // What the cache knew when planning, and now also what was pulled.
    let mut digests = images::known_digests(&lab, &images::open_store()?);
    digests.extend(
        images
            .iter()
            .map(|(name, image)| (name.clone(), image.digest.clone())),
    );
    let nodes = super::render(&lab, &digests)?;
    let shifts = PlanShift::between(&planned.plan, &planned.again(&lab, &nodes, &digests));
    if !shifts.is_empty() {
        return Err(PipelineError::PulledImagesChangeThePlan(shifts));
    }
    let staging = CacheLayout::default_root().join("partial");
    // Seeds are staged here: a folder for the user alone, like the rest of the cache.
    crate::image_store::cache_layout::create_private_dir(&staging).map_err(|source| {
        PipelineError::Staging {
            path: staging.clone(),
            source,
        }
    })?;
    let inputs = ApplyInputs {
        lab,
        nodes,
        images,
        staging,
        connections,
        wait: options.wait,
        parallelism: options.parallelism,
    };
    Ok(applier::apply(&planned.plan, Arc::new(inputs), reporter))
}

/// The plan that removes what the lab owns from its hosts; with `purge_images`, also the
/// base volumes of the lab's images that this machine's cache knows.
pub fn destroy_plan(
    lab: &Lab,
    purge_images: bool,
    connections: &Connections,
) -> Result<Plan, PipelineError> {
    let observed = crate::libvirt::observer::observe(lab, connections)?;
    let purge: Vec<String> = if purge_images {
        let store = images::open_store()?;
        images::lab_requests(lab)
            .iter()
            .filter_map(|r| store.cached(r))
            .map(|i| base_volume(&i.digest))
            .collect()
    } else {
        Vec::new()
    };
    Ok(crate::planner::destroy_plan(&lab.name, &observed, &purge))
}

/// Carries out a destroy plan: nothing to pull, nothing to render, nothing to wait for.
pub fn destroy(
    lab: &Lab,
    plan: &Plan,
    connections: Arc<Connections>,
    reporter: Arc<dyn ApplyReporter>,
) -> ApplyReport {
    let inputs = ApplyInputs {
        lab: lab.clone(),
        nodes: BTreeMap::new(),
        images: BTreeMap::new(),
        staging: CacheLayout::default_root().join("partial"),
        connections,
        wait: false,
        parallelism: 10,
    };
    applier::apply(plan, Arc::new(inputs), reporter)
}

/// Removes the pools vlab created, once empty (base images purged, or none uploaded), on
/// each host: whether each was removed, or why it could not be checked.
pub fn remove_empty_pools<'a>(
    lab: &'a Lab,
    connections: &Connections,
) -> Vec<(&'a Host, Result<bool, LibvirtError>)> {
    lab.hosts
        .iter()
        .map(|host| {
            let removed = connections
                .to(host)
                .and_then(|c| HostSession::open(lab, host, &c).remove_pool_if_ours_and_empty());
            (host, removed)
        })
        .collect()
}
