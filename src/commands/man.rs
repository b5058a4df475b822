//! `vlab man`: prints the man page (roff) generated from the CLI definition.

use super::{CommandError, ExitStatus};
use crate::cli::Cli;
use clap::CommandFactory;

pub fn run() -> Result<ExitStatus, CommandError> {
    let man = clap_mangen::Man::new(Cli::command());
    let mut page = Vec::new();
    man.render(&mut page)
        .map_err(|e| CommandError::new(format!("cannot render the man page: {e}")))?;
    crate::cli::output::write_stdout(&page);
    Ok(ExitStatus::Success)
}
