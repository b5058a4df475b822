//! `vlab run -f LAB [--instance NAME] [--keep-on-failure] [--timeout DURATION] -- CMD...`:
//! brings the lab up (`vlab apply`, every guest ready), runs CMD on this machine with the
//! lab's access files in its environment, and always tears the lab down (`vlab destroy`):
//! also when CMD fails, at the timeout, and on Ctrl-C, SIGTERM or SIGHUP. Without CMD, it
//! runs the lab's own checks (`vlab test`).
//!
//! Each step is a child process of vlab itself, supervised (`process::supervised_child`): a
//! signal or the deadline stops the step that runs (an apply stopped half-way leaves what a
//! crash would, which destroy removes), and the teardown then runs to its end in a process
//! group of its own, out of the terminal's reach. CMD gets `VLAB_LAB`, `VLAB_INSTANCE`,
//! `VLAB_LAB_FILE`, `VLAB_RUN_DIR`, `VLAB_INVENTORY`, `VLAB_SSH_CONFIG` and `VLAB_OUTPUT`
//! (the files `vlab inventory`, `vlab ssh-config` and `vlab output --json` print), and
//! `VLAB_INSTANCE` makes every `vlab` it runs act on the same instance.
//!
//! Exit status: CMD's; 124 at the timeout; 125 when the lab could not be brought up (an
//! invalid lab file, a failed apply) or torn down after CMD succeeded; 127 when CMD could
//! not be started; 128 + N when signal N interrupted the run.

use super::{CommandError, ExitStatus, load_lab};
use crate::cli::LabArgs;
use crate::cli::output::Output;
use crate::process::signal_flag::{self, SignalFlag};
use crate::process::supervised_child::{Ended, SupervisedChild};
use std::io::IsTerminal;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `vlab run`'s own exit codes (CMD's pass through).
pub const TIMED_OUT: u8 = 124;
pub const NOT_BROUGHT_UP: u8 = 125;
pub const NOT_STARTED: u8 = 127;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub keep_on_failure: bool,
    /// Seconds for bringing the lab up and running CMD; the teardown is not counted.
    pub timeout: Option<u64>,
}

/// What ended the run before the teardown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// CMD ran and exited with this status.
    Ran(i32),
    NotBroughtUp,
    NotStarted,
    TimedOut,
    Interrupted(i32),
}

pub fn run(
    args: &LabArgs,
    command: &[String],
    options: &Options,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let signals = SignalFlag::install();
    let deadline = options
        .timeout
        .map(|seconds| Instant::now() + Duration::from_secs(seconds));
    let lab = match load_lab(args, out) {
        Ok(loaded) => loaded.lab,
        Err(e) => {
            super::print_error(&e, out);
            return Ok(ExitStatus::Code(NOT_BROUGHT_UP));
        }
    };
    let run_dir = tempfile::Builder::new()
        .prefix("vlab-run-")
        .tempdir()
        .map_err(|e| CommandError::new(format!("cannot make the run's folder: {e}")))?;
    let steps = Steps {
        file: &args.file,
        instance: args.instance.as_deref().filter(|n| !n.is_empty()),
        pool: &args.instance_pool,
        signals: &signals,
        deadline,
        quiet: out.quiet,
    };
    let what = match steps.instance {
        Some(instance) => format!("lab `{}` (instance `{instance}`)", lab.name),
        None => format!("lab `{}`", lab.name),
    };
    say(out, &format!("bringing up {what}"));
    let started = Instant::now();
    let mut outcome = match steps.vlab(&["apply", "--auto-approve"], None) {
        Ended::Exited(0) => None,
        Ended::Exited(_) => Some(Outcome::NotBroughtUp),
        Ended::TimedOut => Some(Outcome::TimedOut),
        Ended::Interrupted(signal) => Some(Outcome::Interrupted(signal)),
    };
    let up_after = started.elapsed();
    let brought_up = outcome.is_none();
    if brought_up {
        say(
            out,
            &format!("{what} is up after {:.1} s", up_after.as_secs_f64()),
        );
        outcome = Some(steps.command(command, run_dir.path(), &lab, out));
    }
    let outcome = outcome.unwrap_or(Outcome::NotBroughtUp);
    let failed = !matches!(outcome, Outcome::Ran(0));
    let keep = options.keep_on_failure
        && matches!(outcome, Outcome::Ran(_) | Outcome::NotBroughtUp)
        && failed;
    let torn_down = if keep {
        let instance = steps
            .instance
            .map(|i| format!(" --instance {i}"))
            .unwrap_or_default();
        say(
            out,
            &format!(
                "kept {what} (--keep-on-failure); remove it with: vlab destroy -f {}{instance} --auto-approve",
                args.file.display()
            ),
        );
        let kept = run_dir.keep();
        say(out, &format!("its access files stay in {}", kept.display()));
        true
    } else {
        say(out, &format!("tearing down {what}"));
        let started = Instant::now();
        let destroyed = steps.teardown(out);
        if destroyed {
            forget_instance_keys(&lab);
            say(
                out,
                &format!(
                    "{what} destroyed in {:.1} s",
                    started.elapsed().as_secs_f64()
                ),
            );
        }
        destroyed
    };
    let code = exit_code(outcome, torn_down);
    say(out, &describe(outcome));
    if out.json {
        crate::outln!(
            "{}",
            serde_json::json!({
                "lab": lab.name,
                "instance": steps.instance,
                "outcome": outcome_word(outcome),
                "exit_code": code,
                "up_seconds": brought_up.then_some(up_after.as_secs_f64()),
                "kept": keep,
                "torn_down": torn_down && !keep,
            })
        );
    }
    Ok(ExitStatus::Code(code))
}

/// The steps of one run: children of this vlab, on the same lab file and instance.
struct Steps<'a> {
    file: &'a Path,
    instance: Option<&'a str>,
    pool: &'a str,
    signals: &'a SignalFlag,
    deadline: Option<Instant>,
    /// `-q`, passed on to the steps.
    quiet: bool,
}

impl Steps<'_> {
    fn child(&self, program: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(program);
        // A global flag, so before the subcommand.
        if self.quiet && program == std::env::current_exe().unwrap_or_default() {
            command.arg("-q");
        }
        command.args(args);
        match self.instance {
            Some(instance) => command
                .env("VLAB_INSTANCE", instance)
                .env("VLAB_INSTANCE_POOL", self.pool),
            None => command.env_remove("VLAB_INSTANCE"),
        };
        command
    }

    /// `vlab SUBCOMMAND -f FILE`, in a process group of its own, stdout to `stdout` (or
    /// vlab's own), until it ends, the deadline comes, or a signal stops it.
    fn vlab(&self, args: &[&str], stdout: Option<std::fs::File>) -> Ended {
        let Ok(program) = std::env::current_exe() else {
            return Ended::Exited(1);
        };
        let (subcommand, rest) = args.split_first().unwrap_or((&"help", &[]));
        let mut command = self.child(&program, &[subcommand, "-f"]);
        command.arg(self.file).args(rest).process_group(0);
        match stdout {
            Some(file) => command.stdout(file),
            // Plans and progress go to stderr: stdout is CMD's (and --json's).
            None => command.stdout(to_stderr()),
        };
        match command.spawn() {
            Ok(child) => SupervisedChild::new(child, true, Duration::from_secs(30)).wait(
                self.signals,
                self.deadline,
                true,
                &|_| {},
            ),
            Err(_) => Ended::Exited(1),
        }
    }

    /// Writes the access files, then runs CMD (or `vlab test`) with them in its
    /// environment.
    fn command(
        &self,
        command: &[String],
        dir: &Path,
        lab: &crate::lab::Lab,
        out: &Output,
    ) -> Outcome {
        let files = [
            ("VLAB_INVENTORY", "inventory.yml", &["inventory"][..]),
            ("VLAB_SSH_CONFIG", "ssh_config", &["ssh-config"][..]),
            ("VLAB_OUTPUT", "output.json", &["output", "--json"][..]),
        ];
        let mut env: Vec<(&str, PathBuf)> = Vec::new();
        for (variable, name, args) in files {
            let path = dir.join(name);
            let Ok(file) = std::fs::File::create(&path) else {
                return Outcome::NotBroughtUp;
            };
            match self.vlab(args, Some(file)) {
                Ended::Exited(0) => env.push((variable, path)),
                Ended::Exited(_) => return Outcome::NotBroughtUp,
                Ended::TimedOut => return Outcome::TimedOut,
                Ended::Interrupted(signal) => return Outcome::Interrupted(signal),
            }
        }
        let (program, args): (PathBuf, Vec<String>) = match command.split_first() {
            Some((program, args)) => (PathBuf::from(program), args.to_vec()),
            None => match std::env::current_exe() {
                Ok(vlab) => (
                    vlab,
                    vec!["test".into(), "-f".into(), self.file.display().to_string()],
                ),
                Err(_) => return Outcome::NotStarted,
            },
        };
        let shown = if command.is_empty() {
            "the lab's checks (vlab test)".to_string()
        } else {
            command.join(" ")
        };
        say(out, &format!("running {shown}"));
        let base_name = lab.name.split('.').next().unwrap_or(&lab.name);
        let mut child = self.child(&program, &[]);
        child
            .args(&args)
            .envs(env)
            .env("VLAB_LAB", base_name)
            .env("VLAB_INSTANCE", self.instance.unwrap_or_default())
            .env("VLAB_LAB_FILE", absolute(self.file))
            .env("VLAB_RUN_DIR", dir);
        // At a terminal, CMD shares vlab's process group (it may read the terminal, and
        // Ctrl-C reaches it directly); otherwise it leads its own, so that a timeout or a
        // signal stops everything it started.
        let interactive = std::io::stdin().is_terminal();
        if !interactive {
            child.process_group(0).stdin(Stdio::null());
        }
        match child.spawn() {
            Ok(child) => match SupervisedChild::new(child, !interactive, Duration::from_secs(10))
                .wait(self.signals, self.deadline, true, &|_| {})
            {
                Ended::Exited(code) => Outcome::Ran(code),
                Ended::TimedOut => Outcome::TimedOut,
                Ended::Interrupted(signal) => Outcome::Interrupted(signal),
            },
            Err(e) => {
                say(out, &format!("cannot run {}: {e}", program.display()));
                Outcome::NotStarted
            }
        }
    }

    /// `vlab destroy`, run to its end: signals meanwhile are only reported.
    fn teardown(&self, out: &Output) -> bool {
        let Ok(program) = std::env::current_exe() else {
            return false;
        };
        let mut command = self.child(&program, &["destroy", "-f"]);
        command
            .arg(self.file)
            .args(["--auto-approve", "--lock-timeout", "600"])
            .stdout(to_stderr())
            .process_group(0);
        let Ok(child) = command.spawn() else {
            return false;
        };
        let quiet = out.quiet;
        let ended = SupervisedChild::new(child, true, Duration::from_secs(30)).wait(
            self.signals,
            None,
            false,
            &|signal| {
                if !quiet {
                    eprintln!(
                        "vlab run: {} received while tearing down: the teardown goes on",
                        signal_flag::name(signal)
                    );
                }
            },
        );
        ended == Ended::Exited(0)
    }
}

fn exit_code(outcome: Outcome, torn_down: bool) -> u8 {
    match outcome {
        Outcome::Ran(0) if !torn_down => NOT_BROUGHT_UP,
        Outcome::Ran(code) => u8::try_from(code).unwrap_or(1),
        Outcome::NotBroughtUp => NOT_BROUGHT_UP,
        Outcome::NotStarted => NOT_STARTED,
        Outcome::TimedOut => TIMED_OUT,
        Outcome::Interrupted(signal) => u8::try_from(128 + signal).unwrap_or(1),
    }
}

fn describe(outcome: Outcome) -> String {
    match outcome {
        Outcome::Ran(code) => format!("the command exited {code}"),
        Outcome::NotBroughtUp => format!("the lab could not be brought up (exit {NOT_BROUGHT_UP})"),
        Outcome::NotStarted => format!("the command could not be started (exit {NOT_STARTED})"),
        Outcome::TimedOut => format!("the run timed out (exit {TIMED_OUT})"),
        Outcome::Interrupted(signal) => format!(
            "interrupted by {} (exit {})",
            signal_flag::name(signal),
            128 + signal
        ),
    }
}

fn outcome_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Ran(0) => "passed",
        Outcome::Ran(_) => "failed",
        Outcome::NotBroughtUp => "not_brought_up",
        Outcome::NotStarted => "not_started",
        Outcome::TimedOut => "timed_out",
        Outcome::Interrupted(_) => "interrupted",
    }
}

fn say(out: &Output, line: &str) {
    if !out.quiet {
        eprintln!("vlab run: {line}");
    }
}

/// vlab's stderr, for a child's stdout.
fn to_stderr() -> Stdio {
    use std::os::fd::AsFd;
    std::io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .map_or_else(|_| Stdio::inherit(), Stdio::from)
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// An instance is made for one run: once it is gone, so are its keys (the lab's own keys,
/// which later applies of the lab reuse, are kept).
fn forget_instance_keys(lab: &crate::lab::Lab) {
    if lab.instance.is_none() {
        return;
    }
    if let Ok(keys) = crate::access::lab_keys::LabKeys::for_lab(&lab.name) {
        let _ = std::fs::remove_dir_all(keys.dir());
    }
}
