//! `Probe`: what one attempt of a check does, ready to run: a shell command line on a node
//! over ssh (`BatchSsh`: the lab's key, the pinned host key, no prompt), or a TCP connection
//! from the machine running vlab. `attempt` runs it once within a time limit and says how it
//! ended; whether that passes is `CheckRunner`'s to judge.
//!
//! Also the command lines of the built-ins, which run in the guest with the tools a guest
//! has: `ping` for `reach`; for `port`, bash's `/dev/tcp` where there is bash, else `nc`
//! (OpenBSD's `-z`, or busybox's `-e true`, which connects and exits).

use crate::access::batch_ssh::BatchSsh;
use crate::access::ssh_config::SshTarget;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The longest a TCP connection from the machine running vlab waits for an answer.
const CONNECT_LIMIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// `script` through the login shell of the node's user.
    Ssh {
        target: SshTarget,
        address: String,
        script: String,
    },
    /// A TCP connection from here.
    Connect { address: String, port: u16 },
}

/// How one attempt ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbeOutcome {
    /// The exit status (a connection from here: 0 when it was made, else 1); `None` when
    /// the command was stopped (a signal, the time limit) or could not be started.
    pub rc: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Why there is no exit status: `timed out after 60s`, `cannot run ssh: ...`.
    pub broken: Option<String>,
}

impl Probe {
    /// Runs the probe once, for at most `limit`.
    pub fn attempt(&self, limit: Duration) -> ProbeOutcome {
        match self {
            Probe::Ssh {
                target,
                address,
                script,
            } => match BatchSsh::run(target, address, std::slice::from_ref(script), Some(limit)) {
                Ok(run) => ProbeOutcome {
                    rc: run.status,
                    broken: run
                        .timed_out
                        .then(|| format!("timed out after {}s", limit.as_secs())),
                    stdout: run.stdout,
                    stderr: run.stderr,
                },
                Err(e) => ProbeOutcome {
                    broken: Some(format!("cannot run ssh: {e}")),
                    ..ProbeOutcome::default()
                },
            },
            Probe::Connect { address, port } => connect(address, *port, limit.min(CONNECT_LIMIT)),
        }
    }
}

fn connect(address: &str, port: u16, limit: Duration) -> ProbeOutcome {
    let to: SocketAddr = match format!("{address}:{port}").parse() {
        Ok(to) => to,
        Err(e) => {
            return ProbeOutcome {
                rc: Some(1),
                stderr: format!("{address}:{port}: {e}\n"),
                ..ProbeOutcome::default()
            };
        }
    };
    match TcpStream::connect_timeout(&to, limit) {
        Ok(_) => ProbeOutcome {
            rc: Some(0),
            stdout: format!("connected to {to}\n"),
            ..ProbeOutcome::default()
        },
        Err(e) => ProbeOutcome {
            rc: Some(1),
            stderr: format!("connecting to {to}: {e}\n"),
            ..ProbeOutcome::default()
        },
    }
}

/// The guest's command line that pings `address` (an IPv4 address): three echo requests,
/// passing on any reply.
pub fn ping_script(address: &str) -> String {
    format!("ping -c 3 -W 2 {address}")
}

/// The guest's command line that opens a TCP connection to `address` (an IPv4 address) and
/// `port`, and exits 0 when it was made: bash's `/dev/tcp` where there is bash (every
/// mainstream distribution), else `nc` (OpenBSD's `-z`, then busybox's `-e true`).
pub fn port_script(address: &str, port: u16) -> String {
    format!(
        "a={address} p={port}; \
         if command -v bash >/dev/null 2>&1; then \
         t=; command -v timeout >/dev/null 2>&1 && t='timeout 5'; \
         exec $t bash -c 'exec 3<>\"/dev/tcp/$0/$1\"' \"$a\" \"$p\"; fi; \
         nc -z -w 5 \"$a\" \"$p\" </dev/null 2>/dev/null && exit 0; \
         exec nc -w 5 \"$a\" \"$p\" -e true </dev/null"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn a_connection_from_here_passes_on_an_open_port_and_fails_on_a_closed_one() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
        let port = listener.local_addr().expect("address").port();
        let open = Probe::Connect {
            address: "127.0.0.1".into(),
            port,
        }
        .attempt(Duration::from_secs(5));
        assert_eq!(open.rc, Some(0), "{open:?}");
        drop(listener);
        let closed = Probe::Connect {
            address: "127.0.0.1".into(),
            port,
        }
        .attempt(Duration::from_secs(5));
        assert_eq!(closed.rc, Some(1), "{closed:?}");
        assert!(closed.stderr.contains("127.0.0.1"), "{closed:?}");
    }

    #[test]
    fn the_port_script_is_one_shell_line_that_connects() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
        let port = listener.local_addr().expect("address").port();
        let script = port_script("127.0.0.1", port);
        assert!(!script.contains('\n'));
        let run = |script: &str| {
            std::process::Command::new("sh")
                .args(["-c", script])
                .stderr(std::process::Stdio::null())
                .status()
                .expect("sh")
                .success()
        };
        assert!(run(&script), "connects to an open port: {script}");
        drop(listener);
        assert!(!run(&script), "fails on a closed one: {script}");
    }
}
