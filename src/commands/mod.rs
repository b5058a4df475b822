//! One file per subcommand: parse nothing (clap did), call the pipeline, print.
//!
//! Every command returns `Result<ExitStatus, CommandError>`; `main` turns that into the
//! process exit code (0 success, 1 error, 2 changes present).

pub mod apply;
pub mod completions;
pub mod destroy;
pub mod image;
pub mod image_push;
pub mod man;
pub mod plan;
pub mod render;
pub mod status;
pub mod validate;

use crate::cli::{Cli, Command};
use crate::output::Output;

/// How a command that did its job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    /// `plan --detailed-exitcode` found changes.
    Changes,
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
}

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
            out: save,
            detailed_exitcode,
        } => plan::run(&lab, detailed_exitcode, save.as_deref(), &out),
        Command::Apply {
            lab,
            plan,
            auto_approve,
            lock_timeout,
            no_wait,
            parallelism,
        } => apply::run(
            &lab,
            plan.as_deref(),
            &apply::Options {
                auto_approve,
                lock_timeout,
                wait: !no_wait,
                parallelism: usize::from(parallelism),
            },
            &out,
        ),
        Command::Destroy {
            lab,
            auto_approve,
            purge_images,
            lock_timeout,
        } => destroy::run(&lab, auto_approve, purge_images, lock_timeout, &out),
        Command::Status(lab) => status::run(&lab, &out),
        Command::Render {
            lab,
            node,
            out: dir,
        } => render::run(&lab, &node, dir.as_deref(), &out),
        Command::Image(command) => image::run(&command, &out),
        Command::Completions { shell } => completions::run(shell),
        Command::Man => man::run(),
    }
}
