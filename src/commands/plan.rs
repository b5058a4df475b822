//! `vlab plan`: observe the lab's hosts, compute the plan, print it Terraform-style (or as
//! JSON), with the cloud-init diff of each node rebuilt for new cloud-init data. Read-only:
//! nothing on any host changes.

use super::{CommandError, ExitStatus, load_lab};
use crate::cli::LabArgs;
use crate::cli::diagnostics_view::warn_unverified;
use crate::cli::output::Output;
use crate::cli::plan_view::{changes_json, print_plan_with, print_selection, print_targets};
use crate::lab::selection::Selection;
use crate::libvirt::Connections;
use crate::pipeline::seed_diffs::SeedDiffs;
use crate::pipeline::selected_plan;
use crate::planner::targeting::TargetRequest;
use crate::saved_plan::SavedPlan;

pub fn run(
    args: &LabArgs,
    selection: &Selection,
    request: &TargetRequest,
    detailed_exitcode: bool,
    save: Option<&std::path::Path>,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let loaded = load_lab(args, out)?;
    warn_unverified(&loaded.lab, out);
    let connections = Connections::new();
    let (planned, outcome, targets) =
        selected_plan::plan_with(&loaded.lab, &connections, selection, request)
            .map_err(|e| CommandError::from_pipeline(e, out))?;
    // The old cloud-init files of rebuilt nodes cost a download each: only for a plan shown.
    let diffs = if out.quiet {
        SeedDiffs::none()
    } else {
        SeedDiffs::read(&loaded.lab, &planned, &connections)
    };
    if let Some(path) = save {
        SavedPlan::new(&args.file, &loaded.source.text, planned.plan.clone())
            .with_selection(selection)
            .with_instance(
                args.instance
                    .clone()
                    .filter(|n| !n.is_empty())
                    .map(|n| (n, args.instance_pool.clone())),
            )
            .with_targets(&planned.targeting.request())
            .write(path)
            .map_err(|e| CommandError::from_pipeline(e.into(), out))?;
        if !out.quiet && !out.json {
            eprintln!(
                "Saved the plan to {}: `vlab apply {}` carries out exactly this plan.",
                path.display(),
                path.display()
            );
        }
    }
    let plan = planned.plan;
    if out.json {
        let mut document = serde_json::json!({"format_version": 1, "lab": plan.lab, "changes": changes_json(&plan, &diffs), "summary": plan.summary()});
        if let Some(outcome) = &outcome {
            document["selection"] = serde_json::json!(outcome);
        }
        if let Some(targets) = &targets {
            document["targets"] = serde_json::json!(targets);
        }
        crate::outln!("{document}");
    } else {
        print_selection(outcome.as_ref(), out);
        print_targets(targets.as_ref(), out);
        print_plan_with(&plan, &diffs, out);
    }
    Ok(if detailed_exitcode && !plan.is_empty() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
