//! `NodeRecord`: the attributes a node's domain was built from (cpus, memory, image, disks,
//! interfaces, boot settings) and the lines of its cloud-init files that show a secret, as
//! masked. Apply keeps it as compact JSON in the domain's vlab metadata
//! (`<vlab:record>`), so that a later plan can say what changed attribute by attribute, and
//! show the old cloud-init files with the secrets they held masked, not only "it changed".
//!
//! Typed values, formatted only when shown (`attributes`), so both sides of a comparison are
//! formatted alike. Pure: building the record, its JSON and its attribute list. Writing it
//! is the domain XML writer's, reading it the observer's, comparing the planner's
//! (`planner::attribute_diff`).

use crate::checksum::Checksum;
use crate::lab::choices::{Choice, DiskFormat, Hypervisor, XenBoot};
use crate::lab::{Artifact, Attachment, Image, Node};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Shown for a value this machine cannot know yet (an image digest before the pull).
pub const NOT_PULLED: &str = "(known once pulled)";

/// The record's format; a record of another version is not compared.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NodeRecord {
    pub v: u32,
    pub cpus: u32,
    /// Bytes.
    pub memory: u64,
    /// The lab's image name.
    pub image: String,
    /// Its content digest; `None` when this machine cannot know it yet (a plan made before
    /// the image is in the cache). Always known when apply builds the domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<String>,
    /// The image's disk format (`qcow2`, `raw`).
    pub image_format: String,
    /// Root disk size in bytes; `None` keeps the image's own size.
    pub root_size: Option<u64>,
    pub disks: Vec<DiskRecord>,
    pub interfaces: Vec<InterfaceRecord>,
    pub boot: BootRecord,
    /// Per cloud-init file (`user-data`, ...): the lines that show a secret, by index from 0
    /// (as `str::lines` counts), each as `vlab render` prints it (masked).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub secret_lines: BTreeMap<String, BTreeMap<usize, String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DiskRecord {
    pub name: String,
    /// Bytes.
    pub size: u64,
    pub format: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct InterfaceRecord {
    pub name: String,
    /// The lab network's name, or `link <name>` for a link's end.
    pub network: String,
    pub mac: String,
    /// `10.0.0.5/24`; `None` for DHCP.
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BootRecord {
    /// What runs first: `bios` on QEMU/KVM, `hvmloader PATH`, `pvgrub PATH` or
    /// `none (direct kernel)` on Xen.
    pub firmware: String,
    /// Xen's boot mode (`pv`, `pvh`, `hvm`); `None` on QEMU/KVM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xen_mode: Option<String>,
    /// The Xen device model's path; `None` on QEMU/KVM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel: Option<BootFileRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initrd: Option<BootFileRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmdline: Option<String>,
}

/// A direct-boot kernel or initrd, by its content digest (`None`: not known yet).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BootFileRecord {
    pub digest: Option<String>,
}

impl NodeRecord {
    /// The record of `node` booting `image`, with the content digests known for the image
    /// and its boot files (`digests`, by `Artifact::name`), and the masked secret lines of
    /// its rendered cloud-init files.
    pub fn of(
        node: &Node,
        image: Option<&Image>,
        digests: &BTreeMap<String, Checksum>,
        secret_lines: BTreeMap<String, BTreeMap<usize, String>>,
    ) -> NodeRecord {
        let digest = |artifact: Artifact| {
            digests
                .get(&artifact.name(&node.image))
                .map(ToString::to_string)
        };
        let boot_file = |declared: bool, artifact| {
            declared.then(|| BootFileRecord {
                digest: digest(artifact),
            })
        };
        let has_kernel = image.is_some_and(|i| i.kernel.is_some());
        NodeRecord {
            v: VERSION,
            cpus: node.cpus,
            memory: node.memory.bytes(),
            image: node.image.clone(),
            image_digest: digest(Artifact::Disk),
            image_format: image
                .map(|i| format_word(i.format))
                .unwrap_or_default()
                .to_string(),
            root_size: node.disk_size.map(crate::byte_size::ByteSize::bytes),
            disks: node
                .disks
                .iter()
                .map(|d| DiskRecord {
                    name: d.name.clone(),
                    size: d.size.bytes(),
                    format: format_word(d.format).to_string(),
                })
                .collect(),
            interfaces: node
                .interfaces
                .iter()
                .map(|i| InterfaceRecord {
                    name: i.name.clone(),
                    network: match &i.attachment {
                        Attachment::Network(name) => name.clone(),
                        Attachment::Link(name) => format!("link {name}"),
                    },
                    mac: i.mac.to_string(),
                    address: i.address.map(|a| match i.prefix {
                        Some(prefix) => format!("{a}/{prefix}"),
                        None => a.to_string(),
                    }),
                })
                .collect(),
            boot: BootRecord {
                firmware: firmware(node, has_kernel),
                xen_mode: (node.hypervisor == Hypervisor::Xen)
                    .then(|| xen_boot(node).word().to_string()),
                device_model: node.xen_paths.as_ref().map(|p| p.device_model.clone()),
                kernel: boot_file(has_kernel, Artifact::Kernel),
                initrd: boot_file(image.is_some_and(|i| i.initrd.is_some()), Artifact::Initrd),
                cmdline: image.filter(|_| has_kernel).and_then(|i| i.cmdline.clone()),
            },
            secret_lines,
        }
    }

    /// The record as the metadata keeps it: one line of JSON.
    pub fn to_json(&self) -> String {
        // A record of plain strings and numbers always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The record read back from the metadata; `None` for text that is not a record of this
    /// version (so nothing is compared with a record vlab cannot read).
    pub fn from_json(text: &str) -> Option<NodeRecord> {
        serde_json::from_str::<NodeRecord>(text.trim())
            .ok()
            .filter(|r| r.v == VERSION)
    }

    /// Every attribute as plan output names it, with its value as shown (`None`: this
    /// machine cannot know it yet), in a fixed order: cpus, memory, image, disks,
    /// interfaces, boot settings.
    pub fn attributes(&self) -> Vec<(String, Option<String>)> {
        let mut out: Vec<(String, Option<String>)> = vec![
            ("cpus".into(), Some(self.cpus.to_string())),
            ("memory".into(), Some(size(self.memory))),
            ("image".into(), Some(self.image.clone())),
            (
                "image.digest".into(),
                self.image_digest.as_deref().map(short),
            ),
            ("image.format".into(), Some(self.image_format.clone())),
            (
                "disk.root.size".into(),
                Some(
                    self.root_size
                        .map_or_else(|| "the image's own".into(), size),
                ),
            ),
        ];
        for disk in &self.disks {
            let at = format!("disk.{}", disk.name);
            out.push((format!("{at}.size"), Some(size(disk.size))));
            out.push((format!("{at}.format"), Some(disk.format.clone())));
        }
        for interface in &self.interfaces {
            let at = format!("interface.{}", interface.name);
            out.push((format!("{at}.network"), Some(interface.network.clone())));
            out.push((format!("{at}.mac"), Some(interface.mac.clone())));
            out.push((
                format!("{at}.address"),
                Some(interface.address.clone().unwrap_or_else(|| "dhcp".into())),
            ));
        }
        let boot = &self.boot;
        out.push(("boot.firmware".into(), Some(boot.firmware.clone())));
        let optional = [
            ("boot.xen-mode", boot.xen_mode.clone()),
            ("boot.device-model", boot.device_model.clone()),
        ];
        out.extend(
            optional
                .into_iter()
                .filter_map(|(name, value)| value.map(|v| (name.to_string(), Some(v)))),
        );
        for (name, file) in [("boot.kernel", &boot.kernel), ("boot.initrd", &boot.initrd)] {
            if let Some(file) = file {
                out.push((name.into(), file.digest.as_deref().map(short)));
            }
        }
        if let Some(cmdline) = &boot.cmdline {
            out.push(("boot.cmdline".into(), Some(cmdline.clone())));
        }
        out
    }
}

fn format_word(format: DiskFormat) -> &'static str {
    match format {
        DiskFormat::Qcow2 => "qcow2",
        DiskFormat::Raw => "raw",
    }
}

fn xen_boot(node: &Node) -> XenBoot {
    node.xen_boot.unwrap_or(XenBoot::Hvm)
}

/// What runs first, as `xen_domain_xml` and `domain_xml` write it.
fn firmware(node: &Node, has_kernel: bool) -> String {
    match node.hypervisor {
        Hypervisor::Kvm => "bios".into(),
        Hypervisor::Xen => {
            let paths = node.xen_paths.clone().unwrap_or_default();
            match (xen_boot(node), has_kernel) {
                (XenBoot::Hvm, _) => format!("hvmloader {}", paths.hvmloader),
                (XenBoot::Pv | XenBoot::Pvh, true) => "none (direct kernel)".into(),
                (XenBoot::Pv, false) => format!("pvgrub {}", paths.pvgrub),
                (XenBoot::Pvh, false) => format!("pvgrub {}", paths.pvgrub_pvh),
            }
        }
    }
}

/// `64 MiB`, `1 GiB`, `1536 KiB`: the largest binary unit that divides the size exactly.
pub fn size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 4] = [
        ("TiB", 1 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ];
    UNITS
        .iter()
        .find(|(_, unit)| bytes >= *unit && bytes.is_multiple_of(*unit))
        .map_or_else(
            || format!("{bytes} B"),
            |(name, unit)| format!("{} {name}", bytes / unit),
        )
}

/// `sha256:` and the first 12 hex digits of a digest: enough to tell two apart.
fn short(digest: &str) -> String {
    match digest.split_once(':') {
        Some((algorithm, hex)) => {
            format!("{algorithm}:{}", hex.chars().take(12).collect::<String>())
        }
        None => digest.chars().take(19).collect(),
    }
}

#[cfg(test)]
mod tests;
