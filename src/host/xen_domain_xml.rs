//! The libvirt domain XML of a node on a Xen host, as libvirt's libxl driver accepts it.
//! `DomainXml::element` sends Xen nodes here; the inputs and the `<metadata>` are the same as
//! for KVM nodes, so the observer and the planner see no difference.
//!
//! - Boot modes: `pv` (`machine='xenpv'`, os type `linux`), `pvh` (`machine='xenpvh'`, os
//!   type `xenpvh`) and `hvm` (`machine='xenfv'`, hvmloader as a ROM loader). PV and PVH
//!   boot the image's own kernel, initrd and command line when it declares a kernel, and
//!   otherwise PV GRUB 2 from the host (grub-xen-host), which reads the guest's
//!   `/boot/grub/grub.cfg`; HVM boots the disk through hvmloader (or the declared kernel).
//! - Disks are files in vlab's pool (`type='file'`: libxl needs a path): `xvda` is the root
//!   overlay, extra disks follow, each through QEMU's qdisk backend (`driver name='qemu'`,
//!   qcow2 or raw); the cidata seed comes last, read-only, through the kernel's blkback
//!   (`driver name='phy'`: libxl attaches the file through a loop device), because Debian 12's
//!   QEMU 7.2 refuses read-only qdisk disks ("realization of device xen-disk failed: Block
//!   node is read-only") and libxl then starts the guest without the disk. On HVM, QEMU also emulates
//!   `xvda`-`xvdd` as IDE disks and refuses a read-only IDE disk, so the seed is at least
//!   `xvde` there (a paravirtual disk only: the guest needs xen-blkfront, as every Linux cloud
//!   kernel has).
//! - NICs are `netfront` on PV and PVH, and an emulated `e1000` on HVM (a guest with Xen
//!   drivers swaps it for netfront at boot).
//! - The console is Xen's PV console (`hvc0`) on PV and PVH, and the first serial port
//!   (`ttyS0`) on HVM; a direct kernel's command line without `console=` gets that one.
//! - The device model (`<emulator>`) and hvmloader paths are the host's (`XenPaths`, Debian's
//!   by default): libvirt's own defaults do not exist on Debian.
//!
//! Writing only; what Xen cannot run is refused by the resolver before any XML is written.

use super::domain_xml::DomainXml;
use super::resource_names as names;
use super::xml_element::XmlElement;
use crate::lab::XenPaths;
use crate::lab::choices::{DiskFormat, XenBoot};

/// The lowest disk index of the seed on HVM: `xvde`, past the four emulated IDE disks.
const HVM_FIRST_PV_ONLY_DISK: usize = 4;

pub fn element(xml: &DomainXml<'_>) -> XmlElement {
    let node = xml.node;
    let boot = node.xen_boot.unwrap_or(XenBoot::Hvm);
    let paths = node.xen_paths.clone().unwrap_or_default();
    let name = names::domain(&xml.lab.name, &node.name);
    let features = match boot {
        XenBoot::Hvm => Some(
            XmlElement::new("features")
                .child(XmlElement::new("acpi"))
                .child(XmlElement::new("apic"))
                .child(XmlElement::new("pae")),
        ),
        XenBoot::Pv | XenBoot::Pvh => None,
    };
    XmlElement::new("domain")
        .attr("type", "xen")
        .child(XmlElement::leaf("name", &name))
        .child(XmlElement::leaf(
            "description",
            format!("vlab lab {}, node {}", xml.lab.name, node.name),
        ))
        .child(xml.metadata())
        .child(XmlElement::leaf("memory", node.memory.bytes() / 1024).attr("unit", "KiB"))
        .child(XmlElement::leaf("vcpu", node.cpus))
        .child(os(xml, boot, &paths))
        .maybe(features)
        .child(XmlElement::leaf("on_poweroff", "destroy"))
        .child(XmlElement::leaf("on_reboot", "restart"))
        .child(XmlElement::leaf("on_crash", "destroy"))
        .child(devices(xml, boot, &paths))
}

fn os(xml: &DomainXml<'_>, boot: XenBoot, paths: &XenPaths) -> XmlElement {
    let (machine, os_type) = match boot {
        XenBoot::Pv => ("xenpv", "linux"),
        XenBoot::Pvh => ("xenpvh", "xenpvh"),
        XenBoot::Hvm => ("xenfv", "hvm"),
    };
    let os = XmlElement::new("os").child(
        XmlElement::leaf("type", os_type)
            .attr("arch", "x86_64")
            .attr("machine", machine),
    );
    let os = match boot {
        XenBoot::Hvm => os.child(XmlElement::leaf("loader", &paths.hvmloader).attr("type", "rom")),
        XenBoot::Pv | XenBoot::Pvh => os,
    };
    let console = match boot {
        XenBoot::Pv | XenBoot::Pvh => "console=hvc0",
        XenBoot::Hvm => "console=ttyS0",
    };
    match (&xml.direct_boot, boot) {
        (Some(direct), _) => os
            .child(XmlElement::leaf("kernel", &direct.kernel))
            .maybe(
                direct
                    .initrd
                    .as_ref()
                    .map(|i| XmlElement::leaf("initrd", i)),
            )
            .child(XmlElement::leaf(
                "cmdline",
                with_console(direct.cmdline.as_deref(), console),
            )),
        (None, XenBoot::Pv) => os.child(XmlElement::leaf("kernel", &paths.pvgrub)),
        (None, XenBoot::Pvh) => os.child(XmlElement::leaf("kernel", &paths.pvgrub_pvh)),
        (None, XenBoot::Hvm) => os.child(XmlElement::new("boot").attr("dev", "hd")),
    }
}

/// The kernel command line, with `console` added when it names no console of its own.
fn with_console(cmdline: Option<&str>, console: &str) -> String {
    match cmdline.map(str::trim) {
        Some(line) if line.split_whitespace().any(|w| w.starts_with("console=")) => {
            line.to_string()
        }
        Some(line) if !line.is_empty() => format!("{line} {console}"),
        Some(_) | None => console.to_string(),
    }
}

fn devices(xml: &DomainXml<'_>, boot: XenBoot, paths: &XenPaths) -> XmlElement {
    let lab = &xml.lab.name;
    let node = &xml.node.name;
    let mut disks = vec![disk(xml, &names::root_volume(lab, node), "qcow2", 0, false)];
    for (i, extra) in xml.node.disks.iter().enumerate() {
        let format = match extra.format {
            DiskFormat::Qcow2 => "qcow2",
            DiskFormat::Raw => "raw",
        };
        let volume = names::disk_volume(lab, node, &extra.name);
        disks.push(disk(xml, &volume, format, i + 1, false));
    }
    let seed_at = match boot {
        XenBoot::Hvm => (xml.node.disks.len() + 1).max(HVM_FIRST_PV_ONLY_DISK),
        XenBoot::Pv | XenBoot::Pvh => xml.node.disks.len() + 1,
    };
    disks.push(disk(xml, xml.seed_volume, "raw", seed_at, true));
    let nic_model = match boot {
        XenBoot::Pv | XenBoot::Pvh => "netfront",
        XenBoot::Hvm => "e1000",
    };
    let interfaces = xml
        .node
        .interfaces
        .iter()
        .map(|interface| super::domain_xml::interface_element(lab, interface, nic_model));
    let devices = XmlElement::new("devices")
        .child(XmlElement::leaf("emulator", &paths.device_model))
        .children(disks)
        .children(interfaces);
    match boot {
        XenBoot::Pv | XenBoot::Pvh => devices.child(console("xen")),
        XenBoot::Hvm => devices
            .child(
                XmlElement::new("serial")
                    .attr("type", "pty")
                    .child(XmlElement::new("target").attr("port", 0)),
            )
            .child(console("serial")),
    }
}

fn console(target: &str) -> XmlElement {
    XmlElement::new("console").attr("type", "pty").child(
        XmlElement::new("target")
            .attr("type", target)
            .attr("port", 0),
    )
}

/// A Xen virtual disk from a file in the pool, `xvda` for position 0, `xvdb` for 1, ...
fn disk(
    xml: &DomainXml<'_>,
    volume: &str,
    format: &str,
    position: usize,
    readonly: bool,
) -> XmlElement {
    let letter = char::from(b'a' + (position % 26) as u8);
    // Read-only disks (the seed) go through blkback: QEMU 7.2's qdisk cannot open them.
    let backend = if readonly { "phy" } else { "qemu" };
    XmlElement::new("disk")
        .attr("type", "file")
        .attr("device", "disk")
        .child(
            XmlElement::new("driver")
                .attr("name", backend)
                .attr("type", format),
        )
        .child(XmlElement::new("source").attr("file", format!("{}/{volume}", xml.pool_dir)))
        .child(
            XmlElement::new("target")
                .attr("dev", format!("xvd{letter}"))
                .attr("bus", "xen"),
        )
        .maybe(readonly.then(|| XmlElement::new("readonly")))
}

#[cfg(test)]
mod tests {
    use super::with_console;

    #[test]
    fn a_command_line_gets_the_console_only_when_it_names_none() {
        let hvc = "console=hvc0";
        assert_eq!(with_console(None, hvc), "console=hvc0");
        assert_eq!(with_console(Some("  "), hvc), "console=hvc0");
        assert_eq!(
            with_console(Some("root=/dev/xvda1 ro"), hvc),
            "root=/dev/xvda1 ro console=hvc0"
        );
        assert_eq!(
            with_console(Some("console=ttyS0 root=/dev/xvda1"), hvc),
            "console=ttyS0 root=/dev/xvda1"
        );
        // `xconsole=` is not a console setting.
        assert_eq!(
            with_console(Some("xconsole=1"), hvc),
            "xconsole=1 console=hvc0"
        );
    }
}
