//! `Output`: how the user asked vlab to talk (colour, quiet, verbose, JSON).
//!
//! Decides once, from the global flags and the environment, whether to colour and what to
//! print; commands ask it rather than reading flags or `NO_COLOR` themselves.

use clap::ValueEnum;
use std::io::IsTerminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub color: bool,
    pub quiet: bool,
    pub verbose: u8,
    pub json: bool,
}

impl Output {
    pub fn new(choice: ColorChoice, quiet: bool, verbose: u8, json: bool) -> Output {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && std::io::stderr().is_terminal(),
        };
        Output {
            color,
            quiet,
            verbose,
            json,
        }
    }

    /// `text` in bold green when colouring.
    pub fn success(&self, text: &str) -> String {
        self.paint("1;32", text)
    }

    /// `text` in bold red when colouring.
    pub fn failure(&self, text: &str) -> String {
        self.paint("1;31", text)
    }

    pub fn error_word(&self) -> String {
        self.paint("1;31", "error")
    }

    pub fn warning_word(&self) -> String {
        self.paint("1;33", "warning")
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    /// A plan action's symbol in its colour: `+` green, `~` yellow, `-/+` magenta, `-` red,
    /// `>` cyan.
    pub fn paint_action(&self, action: crate::planner::plan::Action) -> String {
        use crate::planner::plan::Action;
        let code = match action {
            Action::Create => "32",
            Action::Update => "33",
            Action::Replace => "35",
            Action::Delete => "31",
            Action::Start => "36",
        };
        self.paint(code, &format!("{:>3}", action.symbol()))
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Writes `text` to stdout. A closed pipe (`vlab ... | head`) ends the process quietly, as
/// other Unix tools do; any other write error ends it with exit code 1.
pub fn write_stdout(text: &[u8]) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write output: {e}");
        std::process::exit(1);
    }
}

/// `println!` through `write_stdout`.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::output::write_stdout(format!("{}\n", format_args!($($arg)*)).as_bytes())
    };
}
