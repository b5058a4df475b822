//! `vlab completions SHELL`: prints a completion script generated from the CLI definition.

use super::{CommandError, ExitStatus};
use crate::cli::Cli;
use clap::CommandFactory;
use clap_complete::Shell;

pub fn run(shell: Shell) -> Result<ExitStatus, CommandError> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "vlab", &mut script);
    crate::cli::output::write_stdout(&script);
    Ok(ExitStatus::Success)
}
