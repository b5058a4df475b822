//! `DomainXml`: the libvirt domain XML of a node, the one entry point for every hypervisor:
//! `element` writes it here for a node on a QEMU/KVM host and hands a node on a Xen host to
//! `xen_domain_xml` (same inputs, same metadata).
//!
//! Disks are volumes in vlab's pool (a qcow2 overlay on the image's base volume, extra qcow2
//! disks, the cidata seed read-only); NICs carry the node's stable MACs on vlab's networks;
//! the serial console is a pty whose output is also logged to a file in vlab's pool on the
//! host (`resource_names::console_log_volume`, read back by `vlab console --log`); `kvm`
//! false gives domain type `qemu` (software emulation, for hosts where KVM does not work).
//! The domain's `<metadata>` records the lab, the node, a digest of its declared spec, its
//! base image, seed and root size: that is how vlab recognises what it owns, notices drift
//! and tells an update in place from a rebuild; and, in `<vlab:record>`, the node's
//! `NodeRecord` (what it was built from), so a later plan can say what changed. This module only writes XML, it never talks
//! to libvirt.

use super::node_record::NodeRecord;
use super::resource_names as names;
use super::xml_element::XmlElement;
use crate::lab::choices::{DiskFormat, Hypervisor};
use crate::lab::{Interface, Lab, Node};

/// The XML namespace of vlab's domain and network metadata.
pub const METADATA_NS: &str = "urn:x-vlab:lab:1";

/// Host paths for direct kernel boot (the kernel and initrd are volumes in the pool).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectBoot {
    pub kernel: String,
    pub initrd: Option<String>,
    pub cmdline: Option<String>,
}

/// What the domain XML is made from, beyond the lab itself.
#[derive(Debug, Clone)]
pub struct DomainXml<'a> {
    pub lab: &'a Lab,
    pub node: &'a Node,
    pub pool: &'a str,
    /// The pool's directory on the host: Xen disks are files there (libxl needs paths), and
    /// a KVM node's console log is written there.
    pub pool_dir: &'a str,
    /// Hardware acceleration works on the host (domain type `kvm`), else `qemu`. KVM hosts
    /// only: Xen guests always run on the Xen hypervisor.
    pub kvm: bool,
    pub seed_volume: &'a str,
    /// The base image volume the root overlay sits on (recorded in the metadata).
    pub base_volume: &'a str,
    pub direct_boot: Option<DirectBoot>,
    /// Digest of the node's declared spec, recorded in the metadata.
    pub spec_digest: &'a str,
    /// What the domain is built from, recorded in the metadata (`<vlab:record>`) for later
    /// plans to compare with; `None` writes no record.
    pub record: Option<&'a NodeRecord>,
}

impl DomainXml<'_> {
    pub fn render(&self) -> String {
        self.element().render()
    }

    pub fn element(&self) -> XmlElement {
        match self.node.hypervisor {
            Hypervisor::Kvm => self.kvm_element(),
            Hypervisor::Xen => super::xen_domain_xml::element(self),
        }
    }

    fn kvm_element(&self) -> XmlElement {
        let node = self.node;
        let name = names::domain(&self.lab.name, &node.name);
        let kib = node.memory.bytes() / 1024;
        XmlElement::new("domain")
            .attr("type", if self.kvm { "kvm" } else { "qemu" })
            .child(XmlElement::leaf("name", &name))
            .child(XmlElement::leaf(
                "description",
                format!("vlab lab {}, node {}", self.lab.name, node.name),
            ))
            .child(self.metadata())
            .child(XmlElement::leaf("memory", kib).attr("unit", "KiB"))
            .child(XmlElement::leaf("vcpu", node.cpus))
            .child(self.os())
            .child(
                XmlElement::new("features")
                    .child(XmlElement::new("acpi"))
                    .child(XmlElement::new("apic")),
            )
            .maybe(
                self.kvm
                    .then(|| XmlElement::new("cpu").attr("mode", "host-passthrough")),
            )
            .child(XmlElement::new("clock").attr("offset", "utc"))
            .child(XmlElement::leaf("on_poweroff", "destroy"))
            .child(XmlElement::leaf("on_reboot", "restart"))
            .child(XmlElement::leaf("on_crash", "destroy"))
            .child(self.devices())
    }

    /// vlab's `<metadata>`, the same for every hypervisor.
    pub(super) fn metadata(&self) -> XmlElement {
        XmlElement::new("metadata").child(
            XmlElement::new("vlab:lab")
                .attr("xmlns:vlab", METADATA_NS)
                .attr("name", &self.lab.name)
                .attr("node", &self.node.name)
                .attr("digest", self.spec_digest)
                .attr("image", self.base_volume)
                .attr("seed", self.seed_volume)
                .attr(
                    "root-size",
                    self.node
                        .disk_size
                        .map_or(0, super::super::byte_size::ByteSize::bytes),
                )
                .maybe(
                    self.record
                        .map(|r| XmlElement::leaf("vlab:record", r.to_json())),
                ),
        )
    }

    fn os(&self) -> XmlElement {
        let os =
            XmlElement::new("os").child(XmlElement::leaf("type", "hvm").attr("arch", "x86_64"));
        match &self.direct_boot {
            Some(boot) => os
                .child(XmlElement::leaf("kernel", &boot.kernel))
                .maybe(boot.initrd.as_ref().map(|i| XmlElement::leaf("initrd", i)))
                .maybe(
                    boot.cmdline
                        .as_ref()
                        .map(|c| XmlElement::leaf("cmdline", c)),
                ),
            None => os.child(XmlElement::new("boot").attr("dev", "hd")),
        }
    }

    fn devices(&self) -> XmlElement {
        let lab = &self.lab.name;
        let node = &self.node.name;
        let mut disks = vec![self.disk(&names::root_volume(lab, node), "qcow2", 0, false)];
        for (i, disk) in self.node.disks.iter().enumerate() {
            let format = match disk.format {
                DiskFormat::Qcow2 => "qcow2",
                DiskFormat::Raw => "raw",
            };
            disks.push(self.disk(
                &names::disk_volume(lab, node, &disk.name),
                format,
                i + 1,
                false,
            ));
        }
        disks.push(self.disk(self.seed_volume, "raw", self.node.disks.len() + 1, true));
        let log = XmlElement::new("log")
            .attr(
                "file",
                format!("{}/{}", self.pool_dir, names::console_log_volume(lab, node)),
            )
            .attr("append", "on");
        XmlElement::new("devices")
            .children(disks)
            .children(
                self.node
                    .interfaces
                    .iter()
                    .map(|interface| interface_element(lab, interface, "virtio")),
            )
            .child(
                XmlElement::new("serial")
                    .attr("type", "pty")
                    .child(log)
                    .child(XmlElement::new("target").attr("port", 0)),
            )
            .child(
                XmlElement::new("console").attr("type", "pty").child(
                    XmlElement::new("target")
                        .attr("type", "serial")
                        .attr("port", 0),
                ),
            )
            .child(
                XmlElement::new("rng")
                    .attr("model", "virtio")
                    .child(XmlElement::leaf("backend", "/dev/urandom").attr("model", "random")),
            )
    }

    /// A virtio disk from a pool volume, `vda` for position 0, `vdb` for 1, ...
    fn disk(&self, volume: &str, format: &str, position: usize, readonly: bool) -> XmlElement {
        let letter = char::from(b'a' + (position % 26) as u8);
        XmlElement::new("disk")
            .attr("type", "volume")
            .attr("device", "disk")
            .child(
                XmlElement::new("driver")
                    .attr("name", "qemu")
                    .attr("type", format),
            )
            .child(
                XmlElement::new("source")
                    .attr("pool", self.pool)
                    .attr("volume", volume),
            )
            .child(
                XmlElement::new("target")
                    .attr("dev", format!("vd{letter}"))
                    .attr("bus", "virtio"),
            )
            .maybe(readonly.then(|| XmlElement::new("readonly")))
    }
}

/// A NIC on its libvirt network, with the node's stable MAC and the given device model
/// (`virtio` on QEMU/KVM; `netfront` or `e1000` on Xen).
pub(super) fn interface_element(lab: &str, interface: &Interface, model: &str) -> XmlElement {
    XmlElement::new("interface")
        .attr("type", "network")
        .child(XmlElement::new("source").attr(
            "network",
            names::attachment_network(lab, &interface.attachment),
        ))
        .child(XmlElement::new("mac").attr("address", interface.mac))
        .child(XmlElement::new("model").attr("type", model))
}
