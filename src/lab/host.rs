//! `Host`: a checked libvirt host of the lab.

use super::XenPaths;
use super::choices::{Accel, Hypervisor};
use crate::host_uri::HostUri;
use serde::Serialize;

/// The host used when a lab declares none.
pub const DEFAULT_HOST: &str = "local";
pub const DEFAULT_URI: &str = "qemu:///system";
pub const DEFAULT_POOL: &str = "vlab";

#[derive(Debug, Clone, Serialize)]
pub struct Host {
    pub name: String,
    pub uri: HostUri,
    pub hypervisor: Hypervisor,
    /// How QEMU guests are accelerated; `None` on Xen hosts, where it does not apply.
    pub accel: Option<Accel>,
    /// The libvirt storage pool vlab keeps images, overlays and seeds in.
    pub pool: String,
    /// Firmware and device model paths; `Some` on Xen hosts only (and only then serialized).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xen: Option<XenPaths>,
    /// True for the `local` host vlab supplies when the lab declares no host.
    pub implicit: bool,
}
