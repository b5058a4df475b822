//! `vlab apply`: plan, show, ask, pull what the plan needs, carry it out, report.

use super::{CommandError, ExitStatus, confirm, finish, load_lab, lock};
use crate::cli::LabArgs;
use crate::cli::diagnostics_view::warn_unverified;
use crate::cli::line_reporter::LineReporter;
use crate::cli::output::Output;
use crate::cli::plan_view::{print_plan_with, print_selection, print_targets};
use crate::cli::reporters;
use crate::lab::Lab;
use crate::lab::selection::Selection;
use crate::libvirt::Connections;
use crate::pipeline::converge::{self, ApplyOptions};
use crate::pipeline::seed_diffs::SeedDiffs;
use crate::pipeline::selected_plan;
use crate::pipeline::{PipelineError, Planned};
use crate::planner::targeting::TargetRequest;
use crate::saved_plan::SavedPlan;
use std::sync::Arc;

/// How `vlab apply` runs, from its flags.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub auto_approve: bool,
    pub lock_timeout: Option<u64>,
    /// Wait for started guests to be ready.
    pub wait: bool,
    /// Changes at once per host.
    pub parallelism: usize,
    /// Refuse a plan that does not fit its hosts' memory, CPUs or pool space.
    pub check_capacity: bool,
}

pub fn run(
    args: &LabArgs,
    selection: &Selection,
    request: &TargetRequest,
    plan_file: Option<&std::path::Path>,
    options: &Options,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    if let Some(path) = plan_file {
        if !selection.is_all() || !request.is_empty() {
            return Err(CommandError::with_help(
                "a saved plan carries its own selection and targets",
                "give --seat, --node, --target or --replace to `vlab plan -o`, or apply without the plan file",
            ));
        }
        return run_saved(path, options, out);
    }
    let lab = load_lab(args, out)?.lab;
    warn_unverified(&lab, out);
    let _lock = lock(&lab, "apply", options.lock_timeout, out)?;
    let connections = Arc::new(Connections::new());
    let (planned, outcome, targets) =
        selected_plan::plan_with(&lab, &connections, selection, request)
            .map_err(|e| CommandError::from_pipeline(e, out))?;
    if !out.quiet && !out.json {
        print_selection(outcome.as_ref(), out);
        print_targets(targets.as_ref(), out);
    }
    if planned.plan.is_empty() {
        if !out.quiet {
            crate::outln!("No changes. The hosts match lab `{}`.", lab.name);
        }
        return Ok(ExitStatus::Success);
    }
    if options.check_capacity {
        crate::pipeline::capacity::check(&lab, &planned.plan, &connections)
            .map_err(|e| CommandError::from_pipeline(e, out))?;
    }
    if !out.quiet && !out.json {
        let diffs = SeedDiffs::read(&lab, &planned, &connections);
        print_plan_with(&planned.plan, &diffs, out);
    }
    confirm(options.auto_approve, "apply")?;
    execute(lab, &planned, connections, options, out)
}

/// Applies a plan saved by `vlab plan -o`: exactly that plan, or nothing when the lab file or
/// the hosts changed since it was made. A saved plan was reviewed already: no question asked.
fn run_saved(
    path: &std::path::Path,
    options: &Options,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let saved = SavedPlan::read(path).map_err(|e| CommandError::from_pipeline(e.into(), out))?;
    let (instance, instance_pool) = match saved.instance.clone() {
        Some((name, pool)) => (Some(name), pool),
        None => (
            None,
            crate::pipeline::instance_load::DEFAULT_POOL.to_string(),
        ),
    };
    let args = LabArgs {
        file: saved.lab_file.clone(),
        instance,
        instance_pool,
    };
    let loaded = load_lab(&args, out)?;
    let fail = |e| CommandError::from_pipeline(e, out);
    if !saved.matches_lab(&loaded.source.text) {
        return Err(fail(PipelineError::LabChangedSincePlan(saved.lab_file)));
    }
    let lab = loaded.lab;
    let _lock = lock(&lab, "apply", options.lock_timeout, out)?;
    let connections = Arc::new(Connections::new());
    let selection = saved.selection.clone().unwrap_or_default();
    let request = saved.targets.clone().unwrap_or_default();
    let (planned, ..) =
        selected_plan::plan_with(&lab, &connections, &selection, &request).map_err(fail)?;
    if planned.plan != saved.plan {
        return Err(fail(PipelineError::HostsChangedSincePlan));
    }
    if options.check_capacity {
        crate::pipeline::capacity::check(&lab, &planned.plan, &connections).map_err(fail)?;
    }
    if planned.plan.is_empty() {
        if !out.quiet {
            crate::outln!("No changes. The hosts match lab `{}`.", lab.name);
        }
        return Ok(ExitStatus::Success);
    }
    execute(lab, &planned, connections, options, out)
}

fn execute(
    lab: Lab,
    planned: &Planned,
    connections: Arc<Connections>,
    options: &Options,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let options = ApplyOptions {
        wait: options.wait,
        parallelism: options.parallelism,
    };
    let reporter = Arc::new(LineReporter { out: *out });
    let pull_reporter = reporters::for_output(out);
    let report = converge::apply(
        lab,
        planned,
        options,
        connections,
        reporter,
        pull_reporter.as_ref(),
    )
    .map_err(|e| CommandError::from_pipeline(e, out))?;
    finish(&report, out)
}
