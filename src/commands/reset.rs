//! `vlab reset [--seat N] [--node NAME|GLOB]...`: returns the selected guests to the state they were in
//! when apply first saw them ready: apply took an internal snapshot of each (disks and
//! memory: `HostSession::save_baseline`), and reset reverts to it, all at once. Nothing is
//! downloaded or rendered, and cloud-init does not run again: a reset guest runs at once, as
//! ready as it was then (its readiness record says ready from now). A node without that
//! snapshot (started without a readiness wait, a Xen node, or a node with a raw disk) is
//! refused before any node is touched.

use super::{CommandError, ExitStatus, load_lab, lock};
use crate::cli::LabArgs;
use crate::cli::output::Output;
use crate::host::resource_names::BASELINE_SNAPSHOT;
use crate::lab::selection::Selection;
use crate::libvirt::Connections;
use crate::pipeline::node_control::{self, ControlledNode};
use crate::printable::printable;
use std::time::Instant;

pub fn run(
    args: &LabArgs,
    selection: &Selection,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let lab = load_lab(args, out)?.lab;
    let _lock = lock(&lab, "reset", None, out)?;
    let connections = Connections::new();
    let selected = node_control::select(&lab, selection, &connections)
        .map_err(|e| CommandError::new(e.to_string()))?;
    for c in &selected {
        check(c)?;
    }
    let results: Vec<(String, Result<f64, String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = selected
            .iter()
            .map(|c| scope.spawn(|| (c.node.name.clone(), reset_one(c))))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| (String::new(), Err("stopped unexpectedly".into())))
            })
            .collect()
    });
    let mut failed = false;
    for (node, result) in results {
        match result {
            Ok(seconds) if !out.quiet => {
                crate::outln!("  ~ {node}: reset to its first ready state in {seconds:.1} s");
            }
            Ok(_) => {}
            Err(why) => {
                failed = true;
                eprintln!("{}: {node}: {}", out.error_word(), printable(&why));
            }
        }
    }
    if failed {
        return Err(CommandError::Reported);
    }
    Ok(ExitStatus::Success)
}

/// Refuses a node that cannot be reset, with why and what to do.
fn check(c: &ControlledNode) -> Result<(), CommandError> {
    let Some(domain) = &c.domain else {
        return Err(CommandError::with_help(
            format!("node `{}` does not exist on host `{}`", c.node.name, c.host),
            "bring the lab up with `vlab apply`",
        ));
    };
    let has = domain
        .snapshots()
        .map_err(|e| CommandError::new(e.to_string()))?
        .iter()
        .any(|s| s.name == BASELINE_SNAPSHOT);
    if has {
        return Ok(());
    }
    Err(CommandError::with_help(
        format!("node `{}` has no reset point", c.node.name),
        "apply takes it when it sees the guest ready: KVM nodes with qcow2 disks, started by \
         `vlab apply` with its readiness wait (not --no-wait, not `ready \"none\"`); Xen nodes have \
         none. `vlab destroy` and `vlab apply` make the node anew",
    ))
}

fn reset_one(c: &ControlledNode) -> Result<f64, String> {
    let domain = c.domain.as_ref().ok_or("the node does not exist")?;
    let started = Instant::now();
    domain
        .revert(BASELINE_SNAPSHOT)
        .map_err(|e| e.to_string())?;
    let took = started.elapsed();
    domain.mark_ready(took);
    Ok(took.as_secs_f64())
}
