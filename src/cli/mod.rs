//! The command line's side of vlab: the clap declaration (`args`), how the user asked vlab
//! to talk (`output`), and the views that print what the pipeline returns: plans, apply
//! progress, diagnostics, pull progress (`reporters`), checks (`check_view`), and the terminal's raw mode while
//! `vlab console` is attached (`raw_terminal`). It prints; it computes nothing about
//! labs or hosts. Which view a command uses is the command's business (`crate::commands`).

pub mod args;
pub(crate) mod check_view;
pub(crate) mod diagnostics_view;
pub mod duration_arg;
pub(crate) mod line_reporter;
pub mod output;
pub(crate) mod plan_view;
pub(crate) mod raw_terminal;
pub(crate) mod reporters;

pub use args::{Cli, Command, GlobalArgs, ImageCommand, LabArgs, SelectionArgs, SnapshotCommand};
