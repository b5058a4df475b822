//! How a plan reads on a terminal, Terraform-style: one line per change with its action
//! symbol and address, the reason dimmed under it, then what changes: attribute by attribute
//! for a node's update or replace (`~ memory 64 MiB -> 96 MiB`), the unified diff of its
//! cloud-init files for a node rebuilt for new ones, before -> after for the rest; and the
//! summary line; before it, what a selection or `--target` covers. `vlab plan`, `apply` and
//! `destroy` all show plans this way; `changes_json`
//! is the same for `plan --json`. Values that come from a host are printed through
//! `printable`, so no escape sequence a host holds reaches the terminal.

use super::output::Output;
use crate::cloud_init::seed_diff::SeedDiff;
use crate::pipeline::seed_diffs::SeedDiffs;
use crate::pipeline::selected_plan::{SelectionOutcome, TargetOutcome};
use crate::planner::attribute_diff::{AttributeChange, AttributeDiff};
use crate::planner::plan::{Action, Change, Plan};
use crate::printable::printable;

/// The plan without cloud-init diffs.
pub fn print_plan(plan: &Plan, out: &Output) {
    print_plan_with(plan, &SeedDiffs::none(), out);
}

/// The plan with the cloud-init diffs read for it.
pub fn print_plan_with(plan: &Plan, diffs: &SeedDiffs, out: &Output) {
    crate::cli::output::write_stdout(plan_text(plan, diffs, out).as_bytes());
}

/// The plan as `print_plan_with` prints it.
pub fn plan_text(plan: &Plan, diffs: &SeedDiffs, out: &Output) -> String {
    if plan.is_empty() {
        return format!("No changes. The hosts match lab `{}`.\n", plan.lab);
    }
    let mut text = format!("vlab will make these changes for lab `{}`:\n\n", plan.lab);
    for change in &plan.changes {
        let symbol = out.paint_action(change.action);
        text.push_str(&format!("  {symbol} {}\n", change.address()));
        text.push_str(&format!("      {}\n", out.dim(&change.reason.to_string())));
        details(&mut text, change, out);
        if let Some(diff) = diffs.of(change) {
            seed_diff(&mut text, diff, out);
        }
    }
    text.push_str(&format!("\nPlan: {}.\n", plan.summary()));
    text
}

/// What changes, under the reason.
fn details(text: &mut String, change: &Change, out: &Output) {
    let summary = match (change.action, &change.before, &change.after) {
        (Action::Update | Action::Replace, Some(before), Some(after)) if before != after => {
            Some(format!("{before} -> {after}"))
        }
        (Action::Create, _, Some(after)) => Some(after.clone()),
        _ => None,
    };
    match &change.attributes {
        Some(AttributeDiff::Changed { changes }) if changes.is_empty() => {
            text.push_str("      no recorded attribute changed\n");
        }
        Some(AttributeDiff::Changed { changes }) => {
            for attribute in changes {
                text.push_str(&format!("      {}\n", attribute_line(attribute, out)));
            }
        }
        Some(AttributeDiff::BeforeUnknown) => {
            if let Some(summary) = summary {
                text.push_str(&format!("      {}\n", printable(&summary)));
            }
            text.push_str(
                "      before: unknown (built by an older vlab, which kept no record of its attributes)\n",
            );
        }
        None => {
            if let Some(summary) = summary {
                text.push_str(&format!("      {}\n", printable(&summary)));
            }
        }
    }
}

/// `~ memory 64 MiB -> 96 MiB`, `+ disk.data.size 1 GiB`, `- interface.eth1.network lan`.
fn attribute_line(change: &AttributeChange, out: &Output) -> String {
    let name = printable(&change.attribute);
    match (&change.before, &change.after) {
        (Some(before), Some(after)) => format!(
            "{} {name} {} -> {}",
            out.paint_action(Action::Update).trim_start(),
            printable(before),
            printable(after)
        ),
        (None, Some(after)) => format!(
            "{} {name} {}",
            out.paint_action(Action::Create).trim_start(),
            printable(after)
        ),
        (Some(before), None) => format!(
            "{} {name} {}",
            out.paint_action(Action::Delete).trim_start(),
            printable(before)
        ),
        (None, None) => format!("  {name}"),
    }
}

/// The cloud-init diff of a node rebuilt for new cloud-init data, indented under it.
fn seed_diff(text: &mut String, diff: &SeedDiff, out: &Output) {
    match diff {
        SeedDiff::Changed { files } if files.is_empty() => {
            text.push_str("      cloud-init: only masked (secret) values changed\n");
        }
        SeedDiff::Changed { files } => {
            for file in files {
                text.push_str(&format!("      cloud-init {}:\n", printable(&file.file)));
                for line in printable(&file.diff).lines() {
                    text.push_str(&format!("        {}\n", diff_line(line, out)));
                }
            }
        }
        SeedDiff::Unknown { why } => {
            text.push_str(&format!(
                "      cloud-init: the old files cannot be shown: {}\n",
                printable(why)
            ));
        }
    }
}

/// A line of a unified diff, coloured as `git diff` colours it.
fn diff_line(line: &str, out: &Output) -> String {
    if !out.color || line.starts_with("---") || line.starts_with("+++") {
        return line.to_string();
    }
    let code = match line.chars().next() {
        Some('-') => "31",
        Some('+') => "32",
        Some('@') => "36",
        _ => return line.to_string(),
    };
    format!("\x1b[{code}m{line}\x1b[0m")
}

/// The changes as `plan --json` lists them: each change's record, and under a node rebuilt
/// for new cloud-init data its `cloud_init_diff`.
pub fn changes_json(plan: &Plan, diffs: &SeedDiffs) -> serde_json::Value {
    plan.changes
        .iter()
        .map(|change| {
            let mut value = serde_json::json!(change);
            if let Some(diff) = diffs.of(change) {
                value["cloud_init_diff"] = serde_json::json!(diff);
            }
            value
        })
        .collect()
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

/// What a plan with `--target` or `--replace` covers, before the plan (nothing without).
pub fn print_targets(outcome: Option<&TargetOutcome>, out: &Output) {
    let Some(outcome) = outcome else { return };
    crate::outln!("{}", printable(&outcome.headline()));
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

#[cfg(test)]
mod tests;
