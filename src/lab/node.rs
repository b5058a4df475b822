//! `Node`: a checked guest with its disks, interfaces and cloud-init inputs.

use super::XenPaths;
use super::choices::{DiskFormat, Hypervisor, XenBoot};
use crate::byte_size::ByteSize;
use crate::mac_address::MacAddress;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub name: String,
    /// The `count` index (from 1) this node was expanded from, if any.
    pub index: Option<u32>,
    /// The seat (from 1) of a node declared in `seats`; `None` for a shared node. Absent from
    /// the serialized form when `None`, so the spec digests of nodes outside `seats` (every
    /// node of a lab without seats) are what they were before seats existed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat: Option<u32>,
    pub host: String,
    pub hypervisor: Hypervisor,
    pub image: String,
    pub cpus: u32,
    pub memory: ByteSize,
    /// Root disk size; `None` keeps the image's own size.
    pub disk_size: Option<ByteSize>,
    pub disks: Vec<Disk>,
    pub interfaces: Vec<Interface>,
    pub cloud_init: CloudInit,
    /// Set on Xen hosts only.
    pub xen_boot: Option<XenBoot>,
    /// The host's Xen firmware and device model paths, copied onto the node (like
    /// `hypervisor`) so that its spec digest changes when they do. Set on Xen hosts only, and
    /// absent from the serialized form otherwise, so KVM nodes' digests do not see it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xen_paths: Option<XenPaths>,
    /// The Ansible groups the lab puts the node in (`groups`, the defaults' first, each once):
    /// valid Ansible group names. For `vlab inventory` only: not part of the serialized form,
    /// so the spec digest does not see it (a guest is not rebuilt because its group changed).
    #[serde(skip)]
    pub groups: Vec<String>,
    /// The name the node's `count` stands for, with the `{index}` placeholders taken out
    /// (`web` for `web-{index}`, see `index_template::base_name`): its group in
    /// `vlab inventory`. `None` for a node without `count`. Not serialized, like `groups`.
    #[serde(skip)]
    pub count_group: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Disk {
    pub name: String,
    pub size: ByteSize,
    pub format: DiskFormat,
}

#[derive(Debug, Clone, Serialize)]
pub struct Interface {
    pub name: String,
    pub attachment: Attachment,
    /// Static address; `None` means DHCP (or unconfigured on a network without IPv4).
    pub address: Option<Ipv4Addr>,
    pub prefix: Option<u8>,
    pub mac: MacAddress,
    /// True when vlab derived the MAC (stable across rebuilds) rather than the lab giving it.
    pub mac_derived: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "name")]
pub enum Attachment {
    Network(String),
    /// The link's name; the peer is on the other end.
    Link(String),
}

/// Template overrides (paths resolved against the lab file's directory) and node variables.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CloudInit {
    /// The lab file's folder: template paths stay below it, symbolic links included. Not
    /// part of the node's spec digest (moving the lab's folder changes no guest).
    #[serde(skip)]
    pub root: PathBuf,
    pub user_data: Option<PathBuf>,
    pub meta_data: Option<PathBuf>,
    pub network_config: Option<PathBuf>,
    pub vendor_data: Option<PathBuf>,
    pub vars: BTreeMap<String, Variable>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub value: serde_json::Value,
    /// Never printed by plan, render summaries or logs.
    pub secret: bool,
}

/// What printing a secret shows instead of its value.
pub const REDACTED: &str = "(secret)";

impl Serialize for Variable {
    /// Serializes the value, or `REDACTED` for a secret: serialized output is for people and
    /// scripts, never for templates (which read `value` directly).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.secret {
            serializer.serialize_str(REDACTED)
        } else {
            self.value.serialize(serializer)
        }
    }
}
