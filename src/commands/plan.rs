//! `vlab plan`: observe the lab's hosts, compute the plan, print it Terraform-style (or as
//! JSON). Read-only: nothing on any host changes.

use super::{CommandError, ExitStatus, load_lab};
use crate::cli::LabArgs;
use crate::cli::diagnostics_view::warn_unverified;
use crate::cli::output::Output;
use crate::cli::plan_view::print_plan;
use crate::libvirt::Connections;
use crate::pipeline;
use crate::saved_plan::SavedPlan;

pub fn run(
    args: &LabArgs,
    detailed_exitcode: bool,
    save: Option<&std::path::Path>,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let loaded = load_lab(args, out)?;
    warn_unverified(&loaded.lab, out);
    let plan = pipeline::plan(&loaded.lab, &Connections::new())
        .map_err(|e| CommandError::from_pipeline(e, out))?
        .plan;
    if let Some(path) = save {
        SavedPlan::new(&args.file, &loaded.source.text, plan.clone())
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
    if out.json {
        crate::outln!(
            "{}",
            serde_json::json!({"format_version": 1, "lab": plan.lab, "changes": plan.changes, "summary": plan.summary()})
        );
    } else {
        print_plan(&plan, out);
    }
    Ok(if detailed_exitcode && !plan.is_empty() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
