//! `vlab destroy`: remove exactly what the lab owns from its hosts (domains, networks, the
//! lab's volumes; base images only with `--purge-images`), then forget the SSH host keys
//! vlab made for its guests (the lab's login key stays). Idempotent: a second run finds
//! nothing to do.

use super::{CommandError, ExitStatus, confirm, finish, load_lab, lock};
use crate::cli::LabArgs;
use crate::cli::line_reporter::LineReporter;
use crate::cli::output::Output;
use crate::cli::plan_view::{print_selection, show};
use crate::lab::Lab;
use crate::lab::selection::Selection;
use crate::libvirt::Connections;
use crate::pipeline::{converge, selected_plan};
use std::sync::Arc;

/// How `vlab destroy` runs, from its flags.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub auto_approve: bool,
    pub purge_images: bool,
    pub lock_timeout: Option<u64>,
}

pub fn run(
    args: &LabArgs,
    selection: &Selection,
    options: &Options,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    if !selection.is_all() {
        return run_selected(args, selection, options, out);
    }
    let lab = load_lab(args, out)?.lab;
    let _lock = lock(&lab, "destroy", options.lock_timeout, out)?;
    let connections = Arc::new(Connections::new());
    let plan = converge::destroy_plan(&lab, options.purge_images, &connections)
        .map_err(|e| CommandError::from_pipeline(e, out))?;
    if plan.is_empty() {
        remove_empty_pools(&lab, &connections, out);
        forget_host_keys(&lab, out);
        if !out.quiet {
            crate::outln!(
                "Nothing to destroy: the hosts hold nothing of lab `{}`.",
                lab.name
            );
        }
        return Ok(ExitStatus::Success);
    }
    show(&plan, out);
    confirm(options.auto_approve, "destroy")?;
    let reporter = Arc::new(LineReporter { out: *out });
    let report = converge::destroy(&lab, &plan, connections.clone(), reporter);
    let status = finish(&report, out)?;
    remove_empty_pools(&lab, &connections, out);
    forget_host_keys(&lab, out);
    Ok(status)
}

/// Destroys a selection: its nodes, and the networks of the seats it holds whole; shared
/// networks, pools, base images and the lab's SSH keys stay (the other seats use them).
fn run_selected(
    args: &LabArgs,
    selection: &Selection,
    options: &Options,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    if options.purge_images {
        return Err(CommandError::with_help(
            "--purge-images removes base images every seat shares",
            "destroy the selection without it, or the whole lab with it",
        ));
    }
    let lab = load_lab(args, out)?.lab;
    let _lock = lock(&lab, "destroy", options.lock_timeout, out)?;
    let connections = Arc::new(Connections::new());
    let (plan, outcome) = selected_plan::destroy_plan(&lab, false, &connections, selection)
        .map_err(|e| CommandError::from_pipeline(e, out))?;
    if !out.quiet && !out.json {
        print_selection(outcome.as_ref(), out);
    }
    if plan.is_empty() {
        if !out.quiet {
            crate::outln!(
                "Nothing to destroy: the hosts hold nothing of {} in lab `{}`.",
                selection.describe(),
                lab.name
            );
        }
        return Ok(ExitStatus::Success);
    }
    show(&plan, out);
    confirm(options.auto_approve, "destroy")?;
    let reporter = Arc::new(LineReporter { out: *out });
    finish(&converge::destroy(&lab, &plan, connections, reporter), out)
}

/// The guests are gone, and so is the reason to trust their host keys: guests made again
/// get new ones (and `known_hosts` pins those). The lab's login key stays.
fn forget_host_keys(lab: &Lab, out: &Output) {
    let forgotten = crate::access::lab_keys::LabKeys::for_lab(&lab.name)
        .and_then(|keys| keys.forget_host_keys().map(|had| (keys, had)));
    match forgotten {
        Ok((keys, true)) if !out.quiet && !out.json => eprintln!(
            "  - the lab's SSH host keys: forgotten ({})",
            keys.known_hosts_path().display()
        ),
        Ok(_) => {}
        Err(e) => eprintln!(
            "{}: cannot forget the lab's SSH host keys: {e}",
            out.warning_word()
        ),
    }
}

/// The pools vlab created, once empty (base images purged, or none uploaded), go too.
fn remove_empty_pools(lab: &Lab, connections: &Connections, out: &Output) {
    for (host, removed) in converge::remove_empty_pools(lab, connections) {
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
