//! `ConsoleError`: why `vlab console` could not attach to a node's console, could not stay
//! attached, or could not read its log; each kind with what the user can do about it
//! (`hint`). The command line adds the node's name; this layer knows domains and hosts.

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The domain is not defined on the host.
    #[error("domain `{domain}` does not exist on host `{host}`")]
    Absent { domain: String, host: String },
    /// The domain is defined but its guest does not run.
    #[error("domain `{domain}` is {state} on host `{host}`")]
    NotRunning {
        domain: String,
        host: String,
        state: &'static str,
    },
    /// Another client holds the console (virsh, another `vlab console`, or `vlab apply`
    /// waiting for the guest to be ready).
    #[error("someone else is attached to the console of domain `{domain}` on host `{host}`")]
    Busy { domain: String, host: String },
    /// The console closed under a running guest: another client took it over.
    #[error("the console of domain `{domain}` was closed while its guest runs")]
    Lost { domain: String },
    /// The domain logs its console nowhere vlab can read (a Xen guest: libxl writes no log).
    #[error("domain `{domain}` on host `{host}` has no console log file")]
    NoLog { domain: String, host: String },
    /// The domain logs its console outside vlab's pool (made by a vlab before the log moved
    /// into the pool), so it cannot be read through libvirt.
    #[error("the console log of domain `{domain}` is {path} on host `{host}`, not in vlab's pool")]
    LogOutsidePool {
        domain: String,
        host: String,
        path: String,
    },
    /// The domain logs into the pool, but the file is not there (yet).
    #[error("the console log {volume} is not in pool `{pool}` on host `{host}` yet")]
    LogMissing {
        volume: String,
        pool: String,
        host: String,
    },
    /// The local terminal could not be read, written or put into raw mode.
    #[error("the terminal: {0}")]
    Terminal(#[from] std::io::Error),
    /// A libvirt call failed; `what` says which.
    #[error("{what}: {message}")]
    Call { what: String, message: String },
}

impl ConsoleError {
    pub(super) fn call(what: impl Into<String>, error: &virt::error::Error) -> ConsoleError {
        ConsoleError::Call {
            what: what.into(),
            message: error.message().to_string(),
        }
    }

    /// What the user can do about it, shown once after the error.
    pub fn hint(&self) -> Option<String> {
        match self {
            ConsoleError::Absent { .. } | ConsoleError::NotRunning { .. } => {
                Some("bring the lab up with `vlab apply`, then try again".into())
            }
            ConsoleError::Busy { .. } => Some(
                "detach the other client, or take the console over with --force \
                 (`vlab apply` also reads it while it waits for the guest to be ready)"
                    .into(),
            ),
            ConsoleError::Lost { .. } => Some(
                "another client took the console over (virsh console --force, vlab console \
                 --force, or vlab apply's readiness wait); attach again when it is done"
                    .into(),
            ),
            ConsoleError::NoLog { .. } => Some(
                "Xen guests have no console log through libvirt (libxl writes none); \
                 xenconsoled can keep one in the dom0 (docs/xen.md)"
                    .into(),
            ),
            ConsoleError::LogOutsidePool { .. } => Some(
                "read that file on the host, or re-create the node (`vlab destroy`, then \
                 `vlab apply`) so that its console is logged in the pool"
                    .into(),
            ),
            ConsoleError::LogMissing { .. } => Some(
                "virtlogd writes it once the guest prints on its console; start the node \
                 with `vlab apply`"
                    .into(),
            ),
            ConsoleError::Terminal(_) | ConsoleError::Call { .. } => None,
        }
    }
}
