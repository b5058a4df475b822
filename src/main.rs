//! The `vlab` binary: parse the command line, run the command, map the outcome to an exit code.
//!
//! Exit codes: 0 success, 1 error, 2 changes present (`plan --detailed-exitcode`) or no
//! checks (`vlab test`), 3 the lab is not up (`vlab test`). A bug that
//! panics is reported as an internal error with exit code 1, never as a raw backtrace.

use clap::Parser;

/// The KDL parser allocates heavily; mimalloc cuts validate time of large labs by a fifth.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;
use vlab::cli::Cli;
use vlab::commands::{self, CommandError, ExitStatus};

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal error in vlab: {info}");
        eprintln!(
            "help: this is a bug; please report it with the command and lab file that caused it"
        );
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let color = vlab::cli::output::Output::new(cli.global.color, false, 0, false);
    match std::panic::catch_unwind(|| commands::run(cli)) {
        Ok(Ok(ExitStatus::Success)) => ExitCode::SUCCESS,
        Ok(Ok(ExitStatus::Changes | ExitStatus::NoChecks)) => ExitCode::from(2),
        Ok(Ok(ExitStatus::NotUp)) => ExitCode::from(3),
        Ok(Ok(ExitStatus::Code(code))) => ExitCode::from(code),
        // Reported already, or a panic the hook reported: exit 1 either way.
        Ok(Err(CommandError::Reported)) | Err(_) => ExitCode::from(1),
        Ok(Err(CommandError::Message { message, help })) => {
            // Messages quote lab text, URLs and libvirt's words: never an escape sequence.
            let message = vlab::printable::printable(&message);
            eprintln!("{}: {message}", color.error_word());
            if let Some(help) = help {
                eprintln!("  help: {}", vlab::printable::printable(&help));
            }
            ExitCode::from(1)
        }
    }
}
