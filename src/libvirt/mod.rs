//! The libvirt layer: the only part of vlab that calls the `virt` crate. Everything that
//! reads or changes a host goes through here: the connection to each host, libvirt's event
//! loop, observing what a host holds, the applier's per-host session (pools, volumes,
//! networks, domains), uploads through storage-volume streams, the console stream (the
//! applier's readiness wait and `vlab console`'s sessions), console logs and seeds read back
//! (`volume_reader`).
//!
//! It carries out and reads; it decides nothing. What to change is the planner's
//! (`crate::planner`), in what order the applier's (`crate::applier`); the XML it sends is
//! written by the pure `crate::host` writers. Every call blocks: async callers use
//! `spawn_blocking`.

pub(crate) mod console_error;
pub(crate) mod console_log;
pub(crate) mod console_session;
pub(crate) mod console_watch;
pub(crate) mod domain_control;
pub(crate) mod domain_status;
pub(crate) mod events;
pub(crate) mod host_capacity;
pub mod host_connection;
pub(crate) mod host_session;
pub mod libvirt_error;
pub(crate) mod network_ranges;
pub mod observer;
pub mod pool_uploader;
pub mod power_record;
pub mod readiness_record;
pub mod volume_reader;

pub use host_connection::{Connections, HostConnection};
pub use libvirt_error::LibvirtError;
