//! `LineReporter`: apply's progress as lines on stderr, one as each change starts and ends
//! (with the seconds a guest took to be ready), skips and warnings; silent in quiet and
//! JSON output, where the final report says it all.

use super::output::Output;
use crate::applier::ApplyReporter;
use crate::planner::plan::{Action, Change};
use crate::printable::printable;
use std::time::Duration;

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
            // An apply error can quote a guest's console: printed escaped.
            let error = printable(error);
            eprintln!("{}: {}: {error}", self.out.error_word(), change.address());
        }
    }

    fn skipped(&self, change: &Change, why: &str) {
        if !self.out.json {
            eprintln!("  skipped {}: {}", change.address(), printable(why));
        }
    }

    fn warn(&self, text: &str) {
        eprintln!("{}: {}", self.out.warning_word(), printable(text));
    }
}

fn verb(change: &Change) -> &'static str {
    match change.action {
        Action::Create => "creating",
        Action::Update => "updating",
        Action::Replace => "replacing",
        Action::Delete => "deleting",
        Action::Start => "starting",
    }
}
