//! Commands whose implementation has not landed yet: a clear message and exit code 1.

use super::{CommandError, ExitStatus};

pub fn run(command: &str, arrives_with: &str) -> Result<ExitStatus, CommandError> {
    Err(CommandError::with_help(
        format!("`vlab {command}` is not implemented yet"),
        format!("it arrives with {arrives_with}; `vlab validate` works today"),
    ))
}
