//! `vlab start [--seat N] [--node NAME|GLOB]...`: starts the selected guests that are shut off (stopped
//! with `vlab stop`, or by hand) and waits until they are ready, as `vlab apply` would: their
//! "stopped on purpose" record is removed first, then only the plan's starts of the selected
//! nodes are carried out. Nothing else changes: a node that needs another change, or does
//! not exist, is left to `vlab apply` (and said so).

use super::{CommandError, ExitStatus, finish, load_lab, lock};
use crate::cli::LabArgs;
use crate::cli::line_reporter::LineReporter;
use crate::cli::output::Output;
use crate::cli::reporters;
use crate::lab::selection::Selection;
use crate::libvirt::Connections;
use crate::pipeline::converge::{self, ApplyOptions};
use crate::pipeline::{self, node_control};
use crate::planner::plan::Action;
use crate::planner::target::Target;
use std::sync::Arc;

pub fn run(
    args: &LabArgs,
    selection: &Selection,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let lab = load_lab(args, out)?.lab;
    let _lock = lock(&lab, "start", None, out)?;
    let connections = Arc::new(Connections::new());
    let selected = node_control::select(&lab, selection, &connections)
        .map_err(|e| CommandError::new(e.to_string()))?;
    for c in &selected {
        if let Some(domain) = &c.domain {
            domain
                .clear_stopped()
                .map_err(|e| CommandError::new(e.to_string()))?;
        }
    }
    let names: Vec<&str> = selected.iter().map(|c| c.node.name.as_str()).collect();
    let mut planned =
        pipeline::plan(&lab, &connections).map_err(|e| CommandError::from_pipeline(e, out))?;
    let of_selected = |target: &Target| matches!(target, Target::Node { node, .. } if names.contains(&node.as_str()));
    for change in planned
        .plan
        .changes
        .iter()
        .filter(|c| of_selected(&c.target) && c.action != Action::Start && !out.quiet)
    {
        eprintln!(
            "{}: {}: not started here: it needs `vlab apply` ({})",
            out.warning_word(),
            change.address(),
            change.reason
        );
    }
    planned
        .plan
        .changes
        .retain(|c| c.action == Action::Start && of_selected(&c.target));
    if planned.plan.is_empty() {
        if !out.quiet {
            crate::outln!("Nothing to start: the selected guests run already.");
        }
        return Ok(ExitStatus::Success);
    }
    let reporter = Arc::new(LineReporter { out: *out });
    let pull_reporter = reporters::for_output(out);
    let options = ApplyOptions {
        wait: true,
        parallelism: 10,
    };
    let report = converge::apply(
        lab,
        &planned,
        options,
        connections,
        reporter,
        pull_reporter.as_ref(),
    )
    .map_err(|e| CommandError::from_pipeline(e, out))?;
    finish(&report, out)
}
