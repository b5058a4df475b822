//! `LibvirtError`: what went wrong talking to a host, naming the host or the resource.
//! libvirt's "not found" is never an error here: callers that look something up get
//! `None` for it (see `host_session::found`), so absent never passes for broken, nor the
//! other way round.

use super::pool_uploader::UploadError;

#[derive(Debug, thiserror::Error)]
pub enum LibvirtError {
    /// The host could not be reached at all.
    #[error("host `{host}` ({uri}): {message}")]
    Connect {
        host: String,
        uri: String,
        message: String,
    },
    /// A call about one resource failed; `what` names it.
    #[error("{what}: {message}")]
    Call { what: String, message: String },
    #[error(transparent)]
    Upload(#[from] UploadError),
    /// A guest did not start under KVM on a host whose lab asks for KVM.
    #[error("{error}")]
    KvmFailed {
        error: Box<LibvirtError>,
        host: String,
    },
    #[error("{0}")]
    Console(String),
    /// A thread doing this layer's blocking calls ended without a result.
    #[error("{0} stopped unexpectedly")]
    Stopped(&'static str),
}

impl LibvirtError {
    pub fn call(what: &str, error: &virt::error::Error) -> LibvirtError {
        LibvirtError::Call {
            what: what.to_string(),
            message: error.message().to_string(),
        }
    }

    /// What the user can do about it, shown once after the error.
    pub fn hint(&self) -> Option<String> {
        match self {
            LibvirtError::Connect { .. } => {
                Some("is libvirtd running there, and can this user reach it?".into())
            }
            LibvirtError::KvmFailed { host, .. } => Some(format!(
                "if KVM does not work on host `{host}`, set `accel \"tcg\"` there"
            )),
            LibvirtError::Call { .. }
            | LibvirtError::Upload(_)
            | LibvirtError::Console(_)
            | LibvirtError::Stopped(_) => None,
        }
    }
}
