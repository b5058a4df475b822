//! `BatchSsh`: one command line run on a node over OpenSSH, with no terminal and no prompt:
//! the lab's login key and the node's pinned host key (`SshTarget::ssh_options`),
//! `BatchMode=yes` (no password or host-key prompt can hang a run), a connect timeout, stdin
//! closed, stdout and stderr captured, and optionally a time limit after which ssh is
//! stopped. For `vlab exec` and `vlab test`.
//!
//! It runs ssh and reads what it prints; which node, which address and what to run are the
//! caller's, and so is what the exit status means.

use super::ssh_config::SshTarget;
use std::io::{self, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long ssh may take to connect (`ConnectTimeout`).
pub const CONNECT_TIMEOUT_SECS: u32 = 20;

/// How long the output of a stopped ssh is still read: a program ssh started itself (a
/// `ProxyCommand` from the user's configuration) may hold its pipes open after it.
const DRAIN_AFTER_KILL: Duration = Duration::from_secs(5);

/// How a command ended on a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchSsh {
    /// The exit status: the command's, or 255 for ssh's own errors; `None` when ssh ended by
    /// a signal or was stopped at the time limit.
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Stopped because it ran past the time limit.
    pub timed_out: bool,
}

impl BatchSsh {
    /// The ssh command line that runs `remote` (handed to the login shell of
    /// `target.user`) on the node at `address`.
    pub fn command(target: &SshTarget, address: &str, remote: &[String]) -> Command {
        let mut ssh = Command::new("ssh");
        ssh.args(target.ssh_options())
            .args(["-o", "BatchMode=yes", "-o"])
            .arg(format!("ConnectTimeout={CONNECT_TIMEOUT_SECS}"))
            .arg("-l")
            .arg(&target.user)
            .arg("--")
            .arg(address)
            .args(remote)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        ssh
    }

    /// Runs `remote` on the node at `address` and waits for it, at most `limit` (stopping
    /// ssh then). An error: ssh could not be started.
    pub fn run(
        target: &SshTarget,
        address: &str,
        remote: &[String],
        limit: Option<Duration>,
    ) -> io::Result<BatchSsh> {
        let mut child = BatchSsh::command(target, address, remote).spawn()?;
        let (sender, outputs) = mpsc::channel();
        for (which, pipe) in [
            (
                0,
                child
                    .stdout
                    .take()
                    .map(|p| Box::new(p) as Box<dyn Read + Send>),
            ),
            (
                1,
                child
                    .stderr
                    .take()
                    .map(|p| Box::new(p) as Box<dyn Read + Send>),
            ),
        ] {
            let sender = sender.clone();
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                if let Some(mut pipe) = pipe {
                    let _ = pipe.read_to_end(&mut bytes);
                }
                let _ = sender.send((which, bytes));
            });
        }
        drop(sender);
        let deadline = limit.map(|l| Instant::now() + l);
        let mut streams = [Vec::new(), Vec::new()];
        let mut timed_out = false;
        for _ in 0..2 {
            // ssh closes its output when it ends: both pipes at their end is the event.
            let mut received = match deadline {
                None => outputs.recv().ok(),
                Some(_) if timed_out => outputs.recv_timeout(DRAIN_AFTER_KILL).ok(),
                Some(deadline) => outputs
                    .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                    .ok(),
            };
            if received.is_none() && deadline.is_some() && !timed_out {
                timed_out = true;
                stop(&mut child);
                received = outputs.recv_timeout(DRAIN_AFTER_KILL).ok();
            }
            if let Some((which, bytes)) = received {
                streams[which] = bytes;
            }
        }
        let status = child.wait()?;
        let [stdout, stderr] = streams.map(|s| String::from_utf8_lossy(&s).into_owned());
        Ok(BatchSsh {
            status: if timed_out { None } else { status.code() },
            stdout,
            stderr,
            timed_out,
        })
    }
}

/// Stops ssh (which has not been waited for, so its process ID is still its own).
fn stop(child: &mut Child) {
    let _ = child.kill();
}
