//! `ApplyError`: why one change of a plan could not be carried out. A host's own failure is
//! a `LibvirtError`; the rest are inputs the change needed and did not get (they point at a
//! bug in the wiring, not at the host) or a task that stopped. The hint, where there is one,
//! is rendered once, with the message, for the change's report line.

use crate::libvirt::LibvirtError;
use crate::planner::plan::Action;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Libvirt(#[from] LibvirtError),
    #[error("image `{0}` was not pulled")]
    NotPulled(String),
    #[error("node `{0}` was not rendered")]
    NotRendered(String),
    #[error("image `{0}` is not in the lab")]
    UnknownImage(String),
    #[error("node `{0}` is not in the lab")]
    UnknownNode(String),
    #[error("{0} is not a node")]
    NotANode(String),
    #[error("the plan holds no definition for {0}")]
    NoDefinition(String),
    /// An action the planner never plans for that kind of resource.
    #[error("the planner never plans {action:?} for {address}")]
    Unplanned { action: Action, address: String },
    #[error("cannot stage the seed {}: {source}", path.display())]
    Staging {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A blocking task ended without a result; `what` says which.
    #[error("the {what} stopped unexpectedly: {message}")]
    Stopped { what: &'static str, message: String },
    #[error("the restarted guest has no console to watch")]
    NoConsole,
}

impl ApplyError {
    /// The message with its hint, as a change's report shows it.
    pub fn report(&self) -> String {
        let hint = match self {
            ApplyError::Libvirt(e) => e.hint(),
            ApplyError::NotPulled(_)
            | ApplyError::NotRendered(_)
            | ApplyError::UnknownImage(_)
            | ApplyError::UnknownNode(_)
            | ApplyError::NotANode(_)
            | ApplyError::NoDefinition(_)
            | ApplyError::Unplanned { .. }
            | ApplyError::Staging { .. }
            | ApplyError::Stopped { .. }
            | ApplyError::NoConsole => None,
        };
        match hint {
            Some(hint) => format!("{self}\n  help: {hint}"),
            None => self.to_string(),
        }
    }
}
