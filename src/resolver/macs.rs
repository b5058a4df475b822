//! MAC addresses: explicit ones must be unique; the rest are derived from lab, node and
//! interface names (so a rebuilt node keeps its address) and steered clear of collisions.

use super::Resolver;
use crate::lab::choices::Hypervisor;
use crate::language::diagnostic::Diagnostic;
use crate::language::diagnostic_code::DiagnosticCode;
use crate::mac_address::MacAddress;
use miette::SourceSpan;

/// QEMU's locally administered prefix.
const KVM_OUI: [u8; 3] = [0x52, 0x54, 0x00];
/// Xen's registered prefix.
const XEN_OUI: [u8; 3] = [0x00, 0x16, 0x3e];

impl Resolver<'_> {
    /// Records an explicit MAC, reporting a second use.
    pub(super) fn claim_mac(&mut self, mac: MacAddress, span: SourceSpan, owner: &str) {
        if let Some(other) = self.macs.get(&mac) {
            self.d.push(
                Diagnostic::new(DiagnosticCode::DuplicateMac, span, format!("MAC {mac} is already used by `{other}`"))
                    .label("duplicate MAC")
                    .help("every interface needs its own MAC; leave `mac` out and vlab derives a unique one"),
            );
            return;
        }
        self.macs.insert(mac, owner.to_string());
    }

    /// Derives the MAC of every interface that has none, in declaration order.
    pub(super) fn assign_macs(&mut self) {
        for node in &mut self.nodes {
            let oui = match node.hypervisor {
                Hypervisor::Kvm => KVM_OUI,
                Hypervisor::Xen => XEN_OUI,
            };
            for interface in node.interfaces.iter_mut().filter(|i| i.mac_derived) {
                // A collision (rare: 24 bits of hash) is resolved by re-deriving with a salt,
                // which keeps the result a pure function of the lab file.
                let mut salt = 0u32;
                let mac = loop {
                    let key = if salt == 0 {
                        interface.name.clone()
                    } else {
                        format!("{}#{salt}", interface.name)
                    };
                    let mac = MacAddress::derive(oui, &self.lab_name, &node.name, &key);
                    if !self.macs.contains_key(&mac) {
                        break mac;
                    }
                    salt += 1;
                };
                self.macs
                    .insert(mac, format!("{}:{}", node.name, interface.name));
                interface.mac = mac;
            }
        }
    }
}
