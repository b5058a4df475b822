//! Xen guests: the boot mode (`xen-boot`, HVM unless the node says otherwise), the host's
//! firmware paths copied onto the node, and what Xen cannot run, reported at validate time
//! rather than half-way through an apply. `accel` on Xen hosts and Xen paths on KVM hosts
//! are host checks (hosts.rs).

use super::Resolver;
use crate::lab::XenPaths;
use crate::lab::choices::{Choice, Hypervisor, XenBoot};
use crate::language::diagnostic::Diagnostic;
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::spanned::Spanned;
use crate::language::spec::{NodeSettings, NodeSpec};

/// Xen 4.17's limit for HVM and PVH guests (`HVM_MAX_VCPUS`).
const XEN_HVM_MAX_VCPUS: i128 = 128;

impl Resolver<'_> {
    pub(super) fn xen_boot(
        &mut self,
        node: &str,
        spec: &NodeSpec,
        s: &NodeSettings,
        hypervisor: Hypervisor,
    ) -> Option<XenBoot> {
        match hypervisor {
            Hypervisor::Xen => Some(s.xen_boot.as_ref().map_or(XenBoot::Hvm, |b| b.value)),
            Hypervisor::Kvm => {
                // From `defaults` it is simply not for this node; on the node itself it is a mistake.
                if let Some(boot) = &spec.settings.xen_boot {
                    self.d.push(
                        Diagnostic::new(
                            DiagnosticCode::NotForKvm,
                            boot.span,
                            format!(
                                "`xen-boot` applies to Xen hosts; node `{node}` is on a KVM host"
                            ),
                        )
                        .label("not for KVM")
                        .help("remove `xen-boot`, or place the node on a Xen host"),
                    );
                }
                None
            }
        }
    }

    /// The firmware paths of the node's Xen host (`None` off Xen), after checking what the
    /// boot mode allows.
    pub(super) fn xen_guest(
        &mut self,
        host: &str,
        boot: Option<XenBoot>,
        cpus: Option<&Spanned<i128>>,
    ) -> Option<XenPaths> {
        let boot = boot?;
        match boot {
            XenBoot::Hvm | XenBoot::Pvh => {
                if let Some(cpus) = cpus.filter(|c| c.value > XEN_HVM_MAX_VCPUS) {
                    self.d.push(
                        Diagnostic::new(
                            DiagnosticCode::NotForXen,
                            cpus.span,
                            format!(
                                "Xen runs {} guests with at most {XEN_HVM_MAX_VCPUS} vCPUs",
                                boot.word().to_uppercase()
                            ),
                        )
                        .label("too many for Xen")
                        .help(format!(
                            "use `cpus {XEN_HVM_MAX_VCPUS}` or fewer, or `xen-boot \"pv\"` (up to 512)"
                        )),
                    );
                }
            }
            XenBoot::Pv => {}
        }
        self.hosts
            .iter()
            .find(|h| h.name == host)
            .and_then(|h| h.xen.clone())
    }
}
