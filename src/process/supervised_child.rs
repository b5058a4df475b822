//! `SupervisedChild`: a child process waited for with an optional deadline while vlab's own
//! signals (`SignalFlag`) are passed on to it. At the deadline it is sent SIGTERM; a child
//! that outlives `grace` after a signal or the deadline gets SIGKILL. A child started in a
//! process group of its own is signalled as a group, so what it started stops with it.

use super::signal_flag::SignalFlag;
use std::process::Child;
use std::time::{Duration, Instant};

/// How a supervised child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Its exit status (128 + N when signal N ended it).
    Exited(i32),
    /// The deadline came first; it was stopped.
    TimedOut,
    /// vlab received this signal, passed it on, and the child ended.
    Interrupted(i32),
}

pub struct SupervisedChild {
    child: Child,
    /// Whether the child leads a process group of its own.
    own_group: bool,
    grace: Duration,
}

impl SupervisedChild {
    pub fn new(child: Child, own_group: bool, grace: Duration) -> SupervisedChild {
        SupervisedChild {
            child,
            own_group,
            grace,
        }
    }

    /// Waits until the child ends. A signal vlab receives meanwhile is passed on (and
    /// `pass_on` is false only for a child that must finish, such as a teardown: then the
    /// signal is only reported by `on_signal`).
    pub fn wait(
        mut self,
        signals: &SignalFlag,
        deadline: Option<Instant>,
        pass_on: bool,
        on_signal: &dyn Fn(i32),
    ) -> Ended {
        let mut interrupted = None;
        let mut timed_out = false;
        let mut kill_at: Option<Instant> = None;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    use std::os::unix::process::ExitStatusExt;
                    let code = status
                        .code()
                        .or_else(|| status.signal().map(|s| 128 + s))
                        .unwrap_or(1);
                    return match (interrupted, timed_out) {
                        (Some(signal), _) => Ended::Interrupted(signal),
                        (None, true) => Ended::TimedOut,
                        (None, false) => Ended::Exited(code),
                    };
                }
                Ok(None) => {}
                Err(_) => return Ended::Exited(1),
            }
            if let Some(signal) = signals.take() {
                on_signal(signal);
                if pass_on {
                    interrupted.get_or_insert(signal);
                    self.send(signal);
                    kill_at.get_or_insert(Instant::now() + self.grace);
                }
            }
            if !timed_out && deadline.is_some_and(|d| Instant::now() >= d) {
                timed_out = true;
                self.send(libc::SIGTERM);
                kill_at.get_or_insert(Instant::now() + self.grace);
            }
            if kill_at.is_some_and(|k| Instant::now() >= k) {
                self.send(libc::SIGKILL);
                kill_at = None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn send(&self, signal: i32) {
        let Ok(pid) = libc::pid_t::try_from(self.child.id()) else {
            return;
        };
        let target = if self.own_group { -pid } else { pid };
        // SAFETY: kill(2) with a pid (or process group) of our own child; a child that has
        // just ended makes it fail with ESRCH, which is fine.
        unsafe {
            libc::kill(target, signal);
        }
    }
}
