//! `vlab apply`: plan, show, ask, pull what the plan needs, carry it out, report.

use super::image::{lab_requests, pull_images};
use super::plan::{compute, print_plan};
use super::validate::load_lab;
use super::{CommandError, ExitStatus};
use crate::applier::{self, ApplyInputs, ApplyReporter};
use crate::cli::LabArgs;
use crate::image_store::PullRequest;
use crate::image_store::cache_layout::CacheLayout;
use crate::lab::Lab;
use crate::lab_lock::LabLock;
use crate::output::Output;
use crate::planner::plan::{Change, Plan};
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

/// How `vlab apply` runs, from its flags.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub auto_approve: bool,
    pub lock_timeout: Option<u64>,
    /// Wait for started guests to be ready.
    pub wait: bool,
    /// Changes at once per host.
    pub parallelism: usize,
}

pub fn run(
    args: &LabArgs,
    plan_file: Option<&std::path::Path>,
    options: &Options,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    if let Some(path) = plan_file {
        return run_saved(path, options, out);
    }
    let (_, lab) = load_lab(args, out)?;
    super::validate::warn_unverified(&lab, out);
    let _lock = lock(&lab, "apply", options.lock_timeout, out)?;
    let planned = compute(&lab)?;
    if planned.plan.is_empty() {
        if !out.quiet {
            crate::outln!("No changes. The hosts match lab `{}`.", lab.name);
        }
        return Ok(ExitStatus::Success);
    }
    if !out.quiet && !out.json {
        print_plan(&planned.plan, out);
    }
    confirm(options.auto_approve, "apply")?;
    execute(lab, &planned, options, out)
}

/// Applies a plan saved by `vlab plan -o`: exactly that plan, or nothing when the lab file or
/// the hosts changed since it was made. A saved plan was reviewed already: no question asked.
fn run_saved(
    path: &std::path::Path,
    options: &Options,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let saved = crate::saved_plan::SavedPlan::read(path).map_err(CommandError::new)?;
    let args = LabArgs {
        file: saved.lab_file.clone(),
    };
    let (source, lab) = load_lab(&args, out)?;
    if !saved.matches_lab(&source.text) {
        return Err(CommandError::with_help(
            format!(
                "{} changed since the plan was made",
                saved.lab_file.display()
            ),
            "run `vlab plan -o FILE` again and review the new plan",
        ));
    }
    let _lock = lock(&lab, "apply", options.lock_timeout, out)?;
    let planned = compute(&lab)?;
    if planned.plan != saved.plan {
        return Err(CommandError::with_help(
            "the hosts changed since the plan was made: it no longer describes what apply would do",
            "run `vlab plan -o FILE` again and review the new plan",
        ));
    }
    if planned.plan.is_empty() {
        if !out.quiet {
            crate::outln!("No changes. The hosts match lab `{}`.", lab.name);
        }
        return Ok(ExitStatus::Success);
    }
    execute(lab, &planned, options, out)
}

fn execute(
    lab: Lab,
    planned: &super::plan::Planned,
    options: &Options,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let needed = needed_images(&planned.plan);
    let requests: Vec<PullRequest> = lab_requests(&lab)
        .into_iter()
        .filter(|r| needed.contains(&r.name))
        .collect();
    let images = pull_images(&requests, 4, out)?;
    let images: std::collections::BTreeMap<String, crate::image_store::CachedImage> =
        images.into_iter().map(|i| (i.name.clone(), i)).collect();
    // The digests of what was just pulled are now known: the domains record them, so the
    // next plan (which finds them in the cache) sees the nodes as they are.
    let nodes = super::plan::node_inputs(&lab, &crate::applier::digests(&images))?;
    let staging = CacheLayout::default_root().join("partial");
    std::fs::create_dir_all(&staging)
        .map_err(|e| CommandError::new(format!("cannot create {}: {e}", staging.display())))?;
    let inputs = ApplyInputs {
        lab,
        nodes,
        images,
        staging,
        wait: options.wait,
        parallelism: options.parallelism,
    };
    let reporter = std::sync::Arc::new(LineReporter { out: *out });
    finish(
        applier::apply(&planned.plan, std::sync::Arc::new(inputs), reporter),
        out,
    )
}

/// The images (and kernels and initrds) the plan's changes need: those it uploads, and those
/// of the nodes it builds or rebuilds. A plan that only deletes or starts needs none, and
/// runs offline.
fn needed_images(plan: &Plan) -> Vec<String> {
    plan.changes
        .iter()
        .flat_map(Change::images_needed)
        .collect()
}

pub fn lock(
    lab: &Lab,
    what: &str,
    timeout: Option<u64>,
    out: &Output,
) -> Result<LabLock, CommandError> {
    let locks = CacheLayout::default_root().join("locks");
    let waiting = |holder: &str| {
        if !out.quiet {
            eprintln!("lab `{}` is locked by {holder}; waiting for it", lab.name);
        }
    };
    LabLock::acquire(
        &locks,
        &lab.name,
        what,
        timeout.map(Duration::from_secs),
        &waiting,
    )
    .map_err(|e| {
        CommandError::with_help(
            e,
            "another apply or destroy of this lab is running; wait, or use --lock-timeout",
        )
    })
}

/// Asks for `yes` on a terminal; without one, `--auto-approve` is required.
pub fn confirm(auto_approve: bool, verb: &str) -> Result<(), CommandError> {
    if auto_approve {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CommandError::with_help(
            format!("not confirmed: {verb} asks on a terminal"),
            "pass --auto-approve to run it without asking",
        ));
    }
    eprint!("\nDo you want to {verb} these changes? Only 'yes' is accepted: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(CommandError::new(format!("{verb} cancelled")))
    }
}

pub fn finish(report: applier::ApplyReport, out: &Output) -> Result<ExitStatus, CommandError> {
    if out.json {
        crate::outln!("{}", serde_json::json!({"report": report}));
    }
    if report.failed.is_empty() && report.skipped.is_empty() {
        if !out.quiet && !out.json {
            crate::outln!("\nDone: {} change(s) made.", report.done.len());
        }
        return Ok(ExitStatus::Success);
    }
    Err(CommandError::with_help(
        format!(
            "{} change(s) made, {} failed, {} skipped",
            report.done.len(),
            report.failed.len(),
            report.skipped.len()
        ),
        "fix the cause and run the command again: it continues from where this run stopped",
    ))
}

/// One line per change as it starts and ends.
pub struct LineReporter {
    pub out: Output,
}

impl ApplyReporter for LineReporter {
    fn started(&self, change: &Change) {
        if !self.out.quiet && !self.out.json {
            eprintln!(
                "{} {}: {}...",
                self.out.paint_action(change.action),
                change.address(),
                verb(change)
            );
        }
    }

    fn waiting(&self, change: &Change, what: &str) {
        if !self.out.quiet && !self.out.json {
            eprintln!("  … {}: running; waiting for {what}", change.address());
        }
    }

    fn done(&self, change: &Change, ready_after: Option<Duration>) {
        if self.out.quiet || self.out.json {
            return;
        }
        match ready_after {
            Some(after) => eprintln!(
                "{} {}: ready after {:.1} s",
                self.out.success("  ✓"),
                change.address(),
                after.as_secs_f64()
            ),
            None => eprintln!("{} {}: done", self.out.success("  ✓"), change.address()),
        }
    }

    fn failed(&self, change: &Change, error: &str) {
        if !self.out.json {
            eprintln!("{}: {}: {error}", self.out.error_word(), change.address());
        }
    }

    fn skipped(&self, change: &Change, why: &str) {
        if !self.out.json {
            eprintln!("  skipped {}: {why}", change.address());
        }
    }

    fn warn(&self, text: &str) {
        eprintln!("{}: {text}", self.out.warning_word());
    }
}

fn verb(change: &Change) -> &'static str {
    use crate::planner::plan::Action;
    match change.action {
        Action::Create => "creating",
        Action::Update => "updating",
        Action::Replace => "replacing",
        Action::Delete => "deleting",
        Action::Start => "starting",
    }
}

/// For destroy: the plan printed the same way.
pub fn show(plan: &Plan, out: &Output) {
    if !out.quiet && !out.json {
        print_plan(plan, out);
    }
}
