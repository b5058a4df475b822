//! Reporters: the CLI's side of progress reporting (human on a terminal, plain lines in logs,
//! JSON events for machines). Library code only sees the `PullReporter` trait.

pub mod json_reporter;
pub mod terminal_reporter;

pub use json_reporter::JsonReporter;
pub use terminal_reporter::TerminalReporter;

use crate::cli::output::Output;
use crate::image_store::pull_reporter::{PullReporter, QuietReporter};

/// The reporter the output settings ask for.
pub fn for_output(out: &Output) -> Box<dyn PullReporter> {
    if out.json {
        Box::new(JsonReporter)
    } else if out.quiet {
        Box::new(QuietReporter)
    } else {
        Box::new(TerminalReporter::new(out))
    }
}

/// `1.5 GiB`, `12.0 MiB`, `512 B`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
