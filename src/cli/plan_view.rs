//! How a plan reads on a terminal, Terraform-style: one line per change with its action
//! symbol and address, the reason dimmed under it, before -> after where they differ, and
//! the summary line. `vlab plan`, `apply` and `destroy` all show plans this way.

use super::output::Output;
use crate::pipeline::selected_plan::SelectionOutcome;
use crate::planner::plan::{Action, Plan};

pub fn print_plan(plan: &Plan, out: &Output) {
    if plan.is_empty() {
        crate::outln!("No changes. The hosts match lab `{}`.", plan.lab);
        return;
    }
    crate::outln!("vlab will make these changes for lab `{}`:\n", plan.lab);
    for change in &plan.changes {
        let symbol = out.paint_action(change.action);
        crate::outln!("  {symbol} {}", change.address());
        crate::outln!("      {}", out.dim(&change.reason.to_string()));
        match (change.action, &change.before, &change.after) {
            (Action::Update | Action::Replace, Some(before), Some(after)) if before != after => {
                crate::outln!("      {} -> {}", before, after);
            }
            (Action::Create, _, Some(after)) => crate::outln!("      {after}"),
            _ => {}
        }
    }
    crate::outln!("\nPlan: {}.", plan.summary());
}

/// What a plan of a selection covers, before the plan (nothing for the whole lab).
pub fn print_selection(outcome: Option<&SelectionOutcome>, out: &Output) {
    let Some(outcome) = outcome else { return };
    crate::outln!("{}", outcome.headline());
    if let Some(line) = outcome.left_out_line() {
        crate::outln!("{}", out.dim(&line));
    }
    crate::outln!("");
}

/// The plan, unless the output is quiet or JSON.
pub fn show(plan: &Plan, out: &Output) {
    if !out.quiet && !out.json {
        print_plan(plan, out);
    }
}
