//! `HostConnection`: the one libvirt connection a command holds to a host, and
//! `Connections`, the lab's connections opened on first use. Observing, carrying out a plan,
//! status reads and pool cleanup of one command all share it, so a command connects to each
//! host once (one ssh session per remote host).
//!
//! Opening registers libvirt's event loop first (console streams need it before the
//! connection exists) and silences libvirt's own error printing: vlab reports errors itself.
//! It does not decide anything about the host; it only reaches it.

use super::LibvirtError;
use crate::lab::Host;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use virt::connect::Connect;

pub struct HostConnection {
    pub host: String,
    pub uri: String,
    conn: Connect,
}

impl HostConnection {
    pub fn open(host: &Host) -> Result<HostConnection, LibvirtError> {
        super::events::ensure();
        virt::error::clear_error_callback();
        let conn = Connect::open(Some(&host.uri.raw)).map_err(|e| LibvirtError::Connect {
            host: host.name.clone(),
            uri: host.uri.raw.clone(),
            message: e.message().to_string(),
        })?;
        Ok(HostConnection {
            host: host.name.clone(),
            uri: host.uri.raw.clone(),
            conn,
        })
    }

    /// The libvirt handle, for the rest of this layer only.
    pub(super) fn conn(&self) -> &Connect {
        &self.conn
    }
}

/// The connections of one command, by host name; each opened when first asked for.
#[derive(Default)]
pub struct Connections {
    open: Mutex<BTreeMap<String, Arc<HostConnection>>>,
}

impl Connections {
    pub fn new() -> Connections {
        Connections::default()
    }

    /// The connection to `host`, opening it on first use.
    pub fn to(&self, host: &Host) -> Result<Arc<HostConnection>, LibvirtError> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(connection) = open.get(&host.name) {
            return Ok(connection.clone());
        }
        let connection = Arc::new(HostConnection::open(host)?);
        open.insert(host.name.clone(), connection.clone());
        Ok(connection)
    }
}
