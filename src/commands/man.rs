//! `vlab man`: prints the man page (roff) generated from the CLI definition.

use super::{CommandError, ExitStatus};
use crate::cli::Cli;
use clap::CommandFactory;

pub fn run() -> Result<ExitStatus, CommandError> {
    let man = clap_mangen::Man::new(Cli::command());
    man.render(&mut std::io::stdout())
        .map_err(|e| CommandError::new(format!("cannot write the man page: {e}")))?;
    Ok(ExitStatus::Success)
}
