//! One file per subcommand: flags in (clap parsed them), a pipeline call, output. No command
//! imports another; what several share (loading with diagnostics printed, the lock, the
//! confirmation, the outcome of an apply) is here.
//!
//! Every command returns `Result<ExitStatus, CommandError>`; `main` turns that into the
//! process exit code (0 success, 1 error, 2 changes present or no checks, 3 lab not up).

pub(crate) mod apply;
pub(crate) mod completions;
pub(crate) mod console;
pub(crate) mod destroy;
pub(crate) mod exec;
pub(crate) mod graph;
pub(crate) mod image;
pub(crate) mod image_push;
pub(crate) mod inventory;
pub(crate) mod man;
pub(crate) mod output;
pub(crate) mod plan;
pub(crate) mod render;
pub(crate) mod reset;
pub(crate) mod run;
pub(crate) mod seats;
pub(crate) mod snapshot;
pub(crate) mod ssh;
pub(crate) mod ssh_config;
pub(crate) mod start;
pub(crate) mod status;
pub(crate) mod stop;
pub(crate) mod test;
pub(crate) mod validate;

use crate::applier::ApplyReport;
use crate::cli::diagnostics_view;
use crate::cli::output::Output;
use crate::cli::{Cli, Command, ImageCommand, LabArgs, SelectionArgs, SnapshotCommand};
use crate::lab::Lab;
use crate::lab::selection::Selection;
use crate::lab_lock::LabLock;
use crate::language::name_rules::check_name;
use crate::pipeline::instance_load::InstanceRequest;
use crate::pipeline::{self, LoadedLab, PipelineError};
use crate::planner::targeting::TargetRequest;
use crate::printable::printable;
use crate::resolver::relocation::INSTANCE_NAME_MAX;
use std::io::{BufRead, IsTerminal, Write};

/// How a command that did its job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    /// `plan --detailed-exitcode` found changes.
    Changes,
    /// An exit code of its own (`vlab run`: its command's, or one of its codes).
    Code(u8),
    /// `vlab test`: the lab (or the selection) has no checks.
    NoChecks,
    /// `vlab test`: a node a check needs is not up, so the checks are incomplete.
    NotUp,
}

/// A failure already explained to the user (printed), or one still to print.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The command printed its own diagnostics; only the exit code remains.
    #[error("reported")]
    Reported,
    #[error("{message}")]
    Message {
        message: String,
        help: Option<String>,
    },
}

impl CommandError {
    pub fn new(message: impl Into<String>) -> Self {
        CommandError::Message {
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(message: impl Into<String>, help: impl Into<String>) -> Self {
        CommandError::Message {
            message: message.into(),
            help: Some(help.into()),
        }
    }

    /// A pipeline failure for the user: a lab file's diagnostics and failed pulls are
    /// printed here, one by one; any other error is left for `main`, message and hint.
    pub fn from_pipeline(error: PipelineError, out: &Output) -> CommandError {
        match error {
            PipelineError::Invalid { file, diagnostics } => {
                diagnostics_view::print_diagnostics(&file, &diagnostics, out);
                CommandError::Reported
            }
            PipelineError::Pull(failures) => {
                if !out.json {
                    for e in failures {
                        let message = e.to_string();
                        eprintln!("{}: {}", out.error_word(), printable(&message));
                        if let Some(help) = e.help() {
                            eprintln!("  help: {}", printable(help));
                        }
                    }
                }
                CommandError::Reported
            }
            other => CommandError::Message {
                help: other.hint(),
                message: other.to_string(),
            },
        }
    }
}

// A dispatch table, one arm per subcommand: it grows with the commands, not in depth.
#[allow(clippy::too_many_lines)]
pub fn run(cli: Cli) -> Result<ExitStatus, CommandError> {
    let out = Output::new(
        cli.global.color,
        cli.global.quiet,
        cli.global.verbose,
        cli.global.json,
    );
    match cli.command {
        Command::Validate(lab) => validate::run(&lab, &out),
        Command::Plan {
            lab,
            select,
            targets,
            out: save,
            detailed_exitcode,
        } => plan::run(
            &lab,
            &selection(&select)?,
            &target_request(&targets),
            detailed_exitcode,
            save.as_deref(),
            &out,
        ),
        Command::Apply {
            lab,
            select,
            targets,
            plan,
            auto_approve,
            lock_timeout,
            no_wait,
            parallelism,
            skip_capacity_check,
        } => apply::run(
            &lab,
            &selection(&select)?,
            &target_request(&targets),
            plan.as_deref(),
            &apply::Options {
                auto_approve,
                lock_timeout,
                wait: !no_wait,
                parallelism: usize::from(parallelism),
                check_capacity: !skip_capacity_check,
            },
            &out,
        ),
        Command::Run {
            lab,
            keep_on_failure,
            timeout,
            command,
        } => {
            let timeout = timeout
                .map(|text| {
                    crate::cli::duration_arg::seconds(&text).ok_or_else(|| {
                        CommandError::with_help(
                            format!("invalid duration `{text}`"),
                            "write a number and a unit: 90s, 20m, 1h",
                        )
                    })
                })
                .transpose()?;
            run::run(
                &lab,
                &command,
                &run::Options {
                    keep_on_failure,
                    timeout,
                },
                &out,
            )
        }
        Command::Destroy {
            lab,
            select,
            auto_approve,
            purge_images,
            lock_timeout,
        } => destroy::run(
            &lab,
            &selection(&select)?,
            &destroy::Options {
                auto_approve,
                purge_images,
                lock_timeout,
            },
            &out,
        ),
        Command::Status {
            lab,
            select,
            watch,
            interval,
        } => status::run(
            &lab,
            &selection(&select)?,
            watch.then(|| std::time::Duration::from_secs(interval)),
            &out,
        ),
        Command::Seats {
            lab,
            select,
            format,
            offline,
        } => seats::run(
            &lab,
            &selection(&select)?,
            seats::Options { format, offline },
            &out,
        ),
        Command::Ssh {
            lab,
            node,
            select,
            command,
        } => ssh::run(&lab, &node, &select, &command, &out),
        Command::Test {
            lab,
            select,
            junit,
            parallel,
        } => test::run(
            &lab,
            &selection(&select)?,
            junit.as_deref(),
            usize::from(parallel),
            &out,
        ),
        Command::SshConfig(lab) => ssh_config::run(&lab, &out),
        Command::Output(lab) => output::run(&lab, &out),
        Command::Inventory {
            lab,
            select,
            format,
        } => inventory::run(&lab, &select, format, &out),
        Command::Console {
            lab,
            node,
            log,
            tail,
            force,
        } => console::run(&lab, &node, &console::Options { log, tail, force }, &out),
        Command::Exec {
            lab,
            all,
            patterns,
            select,
            command,
        } => {
            let selector = if all || patterns.is_empty() {
                crate::access::node_selector::NodeSelector::All
            } else {
                crate::access::node_selector::NodeSelector::Patterns(patterns)
            };
            exec::run(&lab, &selector, &select, &command, &out)
        }
        Command::Graph {
            lab,
            format,
            out: file,
            offline,
        } => graph::run(
            &lab,
            &graph::Options {
                format,
                file: file.as_deref(),
                offline,
            },
            &out,
        ),
        Command::Render {
            lab,
            node,
            out: dir,
        } => render::run(&lab, &node, dir.as_deref(), &out),
        Command::Image(command) => run_image(command, &out),
        Command::Stop { lab, select } => stop::run(&lab, &selection(&select)?, &out),
        Command::Start { lab, select } => start::run(&lab, &selection(&select)?, &out),
        Command::Reset { lab, select } => reset::run(&lab, &selection(&select)?, &out),
        Command::Snapshot(command) => run_snapshot(command, &out),
        Command::Completions { shell } => completions::run(shell),
        Command::Man => man::run(),
    }
}

/// `vlab snapshot ...`.
fn run_snapshot(command: SnapshotCommand, out: &Output) -> Result<ExitStatus, CommandError> {
    use snapshot::Verb;
    let (verb, target, name) = match command {
        SnapshotCommand::Save { target, name } => (Verb::Save, target, Some(name)),
        SnapshotCommand::List { target, name } => (Verb::List, target, name),
        SnapshotCommand::Restore { target, name } => (Verb::Restore, target, Some(name)),
        SnapshotCommand::Delete { target, name } => (Verb::Delete, target, Some(name)),
    };
    let select = selection(&target.select)?;
    snapshot::run(&target.lab, verb, name.as_deref(), &select, out)
}

/// `vlab image ...`.
fn run_image(command: ImageCommand, out: &Output) -> Result<ExitStatus, CommandError> {
    match command {
        ImageCommand::Push { lab, parallel } => image_push::run(&lab, parallel, out),
        ImageCommand::Pull {
            lab,
            url,
            checksum,
            checksums_url,
            parallel,
        } => image::pull(
            &lab,
            url.as_deref(),
            checksum.as_deref(),
            checksums_url.as_deref(),
            parallel,
            out,
        ),
        ImageCommand::List => image::list(out),
        ImageCommand::Prune {
            older_than,
            dry_run,
        } => image::prune(older_than.as_deref(), dry_run, out),
        ImageCommand::Verify => image::verify(out),
    }
}

/// The selection `--seat` and `--node` ask for (none of them: the whole lab).
fn selection(args: &SelectionArgs) -> Result<Selection, CommandError> {
    Selection::from_flags(&args.seats, &args.nodes)
        .map_err(|e| CommandError::with_help(e.to_string(), e.hint()))
}

/// `--target` and `--replace` as given; the pipeline resolves them.
fn target_request(args: &crate::cli::args::TargetArgs) -> TargetRequest {
    TargetRequest {
        targets: args.targets.clone(),
        replace: args.replace.clone(),
    }
}

/// The names of the nodes of `lab` that `--seat` and `--node` select, in the lab's order
/// (every node when they select nothing).
fn selected_nodes(lab: &Lab, args: &SelectionArgs) -> Result<Vec<String>, CommandError> {
    selection(args)?
        .resolve(lab)
        .map(|selected| selected.nodes)
        .map_err(|e| CommandError::with_help(e.to_string(), e.hint()))
}

/// Loads and checks the lab, its diagnostics printed when it has problems.
fn load_lab(args: &LabArgs, out: &Output) -> Result<LoadedLab, CommandError> {
    let instance = instance_request(args)?;
    let loaded = pipeline::load_as(&args.file, instance.as_ref())
        .map_err(|e| CommandError::from_pipeline(e, out))?;
    diagnostics_view::warn_uri_opt_ins(&loaded.lab, out);
    Ok(loaded)
}

/// Prints `error` as vlab's main would (for a command that exits with a code of its own).
fn print_error(error: &CommandError, out: &Output) {
    if let CommandError::Message { message, help } = error {
        eprintln!(
            "{}: {}",
            out.error_word(),
            crate::printable::printable(message)
        );
        if let Some(help) = help {
            eprintln!("  help: {}", crate::printable::printable(help));
        }
    }
}

/// The instance `--instance` (or `VLAB_INSTANCE`) asks for, checked, with its pool.
fn instance_request(args: &LabArgs) -> Result<Option<InstanceRequest>, CommandError> {
    let Some(name) = args.instance.as_deref().filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    check_name(name, INSTANCE_NAME_MAX).map_err(|why| {
        CommandError::with_help(
            format!("invalid instance name: {why}"),
            "an instance name is like a node name: lowercase letters, digits and `-`, such as `ci-1234`",
        )
    })?;
    let pool = args.instance_pool.parse::<ipnet::Ipv4Net>().map_err(|_| {
        CommandError::with_help(
            format!("`{}` is not an IPv4 range", args.instance_pool),
            "give the instance pool as a CIDR, such as 10.224.0.0/12",
        )
    })?;
    Ok(Some(InstanceRequest {
        name: name.to_string(),
        pool: pool.trunc(),
    }))
}

/// The lab's lock for `what`, saying whom it waits for.
fn lock(
    lab: &Lab,
    what: &str,
    timeout: Option<u64>,
    out: &Output,
) -> Result<LabLock, CommandError> {
    let waiting = |holder: &str| {
        if !out.quiet {
            eprintln!("lab `{}` is locked by {holder}; waiting for it", lab.name);
        }
    };
    pipeline::converge::lock(lab, what, timeout, &waiting)
        .map_err(|e| CommandError::from_pipeline(e, out))
}

/// Asks for `yes` on a terminal; without one, `--auto-approve` is required.
fn confirm(auto_approve: bool, verb: &str) -> Result<(), CommandError> {
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

/// The end of an apply or destroy: the JSON report, the count of changes made, and exit 1
/// when anything failed or was skipped.
fn finish(report: &ApplyReport, out: &Output) -> Result<ExitStatus, CommandError> {
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
