//! `XenPaths`: where a Xen host keeps the firmware and device model that Xen domain XML
//! names. libvirt's own defaults (`/usr/lib/xen/boot/hvmloader`,
//! `/usr/lib/xen/bin/qemu-system-i386`) do not exist on Debian, so vlab always writes the
//! paths explicitly; the defaults here are Debian 12's (Xen 4.17, `qemu-system-xen`,
//! `grub-xen-host`) and a host overrides each one in the lab file. Only paths: nothing here
//! checks that the files exist on the host (libvirt does when the domain starts).

use serde::Serialize;

/// Debian 12's hvmloader (xen-utils-4.17).
pub const DEFAULT_HVMLOADER: &str = "/usr/lib/xen-4.17/boot/hvmloader";
/// Debian 12's QEMU built for Xen (qemu-system-xen): disk backend and HVM device model.
pub const DEFAULT_DEVICE_MODEL: &str = "/usr/libexec/xen-qemu-system-i386";
/// Debian 12's PV GRUB 2 image (grub-xen-host): boots PV guests without a kernel of their own.
pub const DEFAULT_PVGRUB: &str = "/usr/lib/grub-xen/grub-x86_64-xen.bin";
/// Debian 12's PVH GRUB 2 image (grub-xen-host): boots PVH guests without a kernel of their own.
pub const DEFAULT_PVGRUB_PVH: &str = "/usr/lib/grub-xen/grub-i386-xen_pvh.bin";

/// Absolute paths on a Xen host (dom0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct XenPaths {
    /// The HVM firmware loader (`<loader type='rom'>` of HVM guests).
    pub hvmloader: String,
    /// The QEMU that serves qcow2 disks (qdisk) and emulates HVM devices (`<emulator>`).
    pub device_model: String,
    /// PV GRUB 2, the `<kernel>` of PV guests whose image declares no kernel.
    pub pvgrub: String,
    /// PVH GRUB 2, the `<kernel>` of PVH guests whose image declares no kernel.
    pub pvgrub_pvh: String,
}

impl Default for XenPaths {
    fn default() -> XenPaths {
        XenPaths {
            hvmloader: DEFAULT_HVMLOADER.to_string(),
            device_model: DEFAULT_DEVICE_MODEL.to_string(),
            pvgrub: DEFAULT_PVGRUB.to_string(),
            pvgrub_pvh: DEFAULT_PVGRUB_PVH.to_string(),
        }
    }
}
