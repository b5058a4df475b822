//! `vlab destroy`: remove exactly what the lab owns from its hosts (domains, networks, the
//! lab's volumes; base images only with `--purge-images`). Idempotent: a second run finds
//! nothing to do.

use super::apply::{confirm, finish, lock, show};
use super::image::lab_requests;
use super::validate::load_lab;
use super::{CommandError, ExitStatus};
use crate::applier::{self, ApplyInputs};
use crate::cli::LabArgs;
use crate::host::resource_names::base_volume;
use crate::image_store::ImageStore;
use crate::image_store::cache_layout::CacheLayout;
use crate::image_store::fetcher::FetchPolicy;
use crate::output::Output;
use std::collections::BTreeMap;

pub fn run(
    args: &LabArgs,
    auto_approve: bool,
    purge_images: bool,
    lock_timeout: Option<u64>,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let (_, lab) = load_lab(args, out)?;
    let _lock = lock(&lab, "destroy", lock_timeout, out)?;
    let observed = crate::libvirt::observer::observe(&lab).map_err(|e| {
        CommandError::with_help(
            e.to_string(),
            "is libvirtd running there, and can this user reach it?",
        )
    })?;
    let purge: Vec<String> = if purge_images {
        let store = ImageStore::open(CacheLayout::default_root(), FetchPolicy::default())
            .map_err(|e| CommandError::new(e.to_string()))?;
        lab_requests(&lab)
            .iter()
            .filter_map(|r| store.cached(r))
            .map(|i| base_volume(&i.digest))
            .collect()
    } else {
        Vec::new()
    };
    let plan = crate::planner::destroy_plan(&lab.name, &observed, &purge);
    if plan.is_empty() {
        remove_empty_pools(&lab, out);
        if !out.quiet {
            crate::outln!(
                "Nothing to destroy: the hosts hold nothing of lab `{}`.",
                lab.name
            );
        }
        return Ok(ExitStatus::Success);
    }
    show(&plan, out);
    confirm(auto_approve, "destroy")?;
    let inputs = ApplyInputs {
        lab: lab.clone(),
        nodes: BTreeMap::new(),
        images: BTreeMap::new(),
        staging: CacheLayout::default_root().join("partial"),
        wait: false,
        parallelism: 10,
    };
    let reporter = std::sync::Arc::new(super::apply::LineReporter { out: *out });
    let status = finish(
        applier::apply(&plan, std::sync::Arc::new(inputs), reporter),
        out,
    )?;
    remove_empty_pools(&lab, out);
    Ok(status)
}

/// The pools vlab created, once empty (base images purged, or none uploaded), go too.
fn remove_empty_pools(lab: &crate::lab::Lab, out: &Output) {
    for host in &lab.hosts {
        let removed = crate::libvirt::host_session::HostSession::open(lab, host)
            .and_then(|s| s.remove_pool_if_ours_and_empty());
        match removed {
            Ok(true) if !out.quiet && !out.json => eprintln!(
                "  - pool.{}@{}: removed (empty, created by vlab)",
                host.pool, host.name
            ),
            Ok(_) => {}
            Err(e) => eprintln!(
                "{}: pool.{}@{}: {e}",
                out.warning_word(),
                host.pool,
                host.name
            ),
        }
    }
}
