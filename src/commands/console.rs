//! `vlab console NODE`: attaches the terminal to a running node's serial console through
//! libvirt (any host URI), until Ctrl-] detaches; or, with `--log`, prints the last lines of
//! what the console printed so far (its log in vlab's pool on the host) and exits.
//!
//! On a terminal, the terminal is in raw mode while attached and restored however the
//! session ends. Piped input is sent as it is (Ctrl-] included) and its end ends the session
//! once the guest is quiet. Exit status: 0 when detached, at the end of piped input, or when
//! the guest stopped (the console closed with it); 1 when the node is not there or not
//! running, someone else holds the console (without `--force`), or the console was taken
//! over while attached. Which node, host and domain is the lab's; the session and the log
//! are `libvirt::console_session` and `libvirt::console_log`.

use super::{CommandError, ExitStatus, load_lab};
use crate::cli::LabArgs;
use crate::cli::output::Output;
use crate::cli::raw_terminal::RawTerminal;
use crate::host::resource_names as names;
use crate::libvirt::Connections;
use crate::libvirt::console_error::ConsoleError;
use crate::libvirt::console_log::ConsoleLog;
use crate::libvirt::console_session::{ConsoleSession, Input, SessionEnd};
use std::io::{IsTerminal, Write};
use std::os::fd::AsFd;

/// Ctrl-], as in `virsh console` and telnet.
pub const DETACH_KEY: u8 = 0x1d;

/// The most of the log file `--log` reads: the size at which virtlogd rotates it.
const LOG_READ_MAX: u64 = 2 * 1024 * 1024;

pub struct Options {
    pub log: bool,
    /// With `log`: how many of the last lines to print; 0 for all that was read.
    pub tail: usize,
    pub force: bool,
}

pub fn run(
    args: &LabArgs,
    node: &str,
    options: &Options,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let lab = load_lab(args, out)?.lab;
    let Some(spec) = lab.node(node) else {
        let known: Vec<&str> = lab.nodes.iter().map(|n| n.name.as_str()).collect();
        return Err(CommandError::with_help(
            format!("the lab has no node `{node}`"),
            format!("its nodes: {}", known.join(", ")),
        ));
    };
    let Some(host) = lab.host(&spec.host) else {
        return Err(CommandError::new(format!(
            "node `{node}` is on host `{}`, which the lab does not declare",
            spec.host
        )));
    };
    let connections = Connections::new();
    let connection = connections.to(host).map_err(|e| CommandError::Message {
        help: e.hint(),
        message: e.to_string(),
    })?;
    let domain = names::domain(&lab.name, node);
    let failed = |e: ConsoleError| CommandError::Message {
        help: e.hint(),
        message: format!("node `{node}`: {e}"),
    };
    if options.log {
        let text = ConsoleLog::read_tail(&connection, &domain, &host.pool, LOG_READ_MAX)
            .map_err(failed)?;
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(last_lines(&text, options.tail))
            .and_then(|()| stdout.flush())
            .map_err(|e| CommandError::new(format!("cannot write the log: {e}")))?;
        return Ok(ExitStatus::Success);
    }
    let mut session =
        ConsoleSession::attach(&connection, &domain, options.force).map_err(failed)?;
    let stdin = std::io::stdin();
    let input = stdin.as_fd();
    if !out.quiet {
        if stdin.is_terminal() {
            eprintln!(
                "connected to {node} (host {}); detach with Ctrl-]",
                spec.host
            );
        } else {
            eprintln!(
                "connected to {node} (host {}); sending the piped input, the session ends at its end",
                spec.host
            );
        }
    }
    let raw = RawTerminal::enter(input).map_err(|e| failed(ConsoleError::Terminal(e)))?;
    let mode = if raw.is_some() {
        Input::Terminal { detach: DETACH_KEY }
    } else {
        Input::Pipe
    };
    let ended = session.run(input, &mut std::io::stdout().lock(), mode);
    // The terminal's own mode first: what follows is printed as usual.
    drop(raw);
    match ended.map_err(failed)? {
        SessionEnd::Detached => {
            if !out.quiet {
                eprintln!("\ndetached from {node}");
            }
        }
        SessionEnd::InputEnded => {}
        SessionEnd::GuestStopped => {
            if !out.quiet {
                eprintln!("\nnode `{node}` stopped; its console closed");
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// The last `count` lines of `text` (all of it for 0). The first line of a log read from
/// the middle is partial and counts like any other.
fn last_lines(text: &[u8], count: usize) -> &[u8] {
    if count == 0 {
        return text;
    }
    // A final line without its newline yet is a line too.
    let body = text.strip_suffix(b"\n").unwrap_or(text);
    let start = body
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, b)| **b == b'\n')
        .nth(count - 1)
        .map_or(0, |(i, _)| i + 1);
    &text[start..]
}

#[cfg(test)]
mod tests {
    use super::last_lines;

    #[test]
    fn the_last_lines_of_a_log() {
        let log = b"one\ntwo\nthree\n";
        assert_eq!(last_lines(log, 2), b"two\nthree\n");
        assert_eq!(last_lines(log, 3), log);
        assert_eq!(last_lines(log, 10), log);
        assert_eq!(last_lines(log, 0), log);
        assert_eq!(last_lines(b"one\ntwo", 1), b"two");
        assert_eq!(last_lines(b"one\r\ntwo\r\n", 1), b"two\r\n");
        assert_eq!(last_lines(b"", 5), b"");
    }
}
