//! Interfaces of a node: names, network references, static addresses (inside the network,
//! clear of the gateway and the DHCP range, not taken twice) and explicit MACs.

use super::Resolver;
use super::address_plan::{outside, usable};
use super::expander::Instance;
use super::names::invalid_name;
use super::nodes::unknown_reference;
use crate::lab::{Attachment, Interface};
use crate::language::diagnostic::Diagnostic;
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::name_rules::{check_name, unknown_help};
use crate::language::spanned::Spanned;
use crate::language::spec::InterfaceSpec;
use crate::mac_address::MacAddress;
use std::net::Ipv4Addr;

/// Linux limits interface names to 15 bytes.
pub(super) const IFNAME_MAX: usize = 15;

impl Resolver<'_> {
    /// `None` when any interface is wrong (the problems are reported).
    pub(super) fn node_interfaces(
        &mut self,
        node: &str,
        specs: &[InterfaceSpec],
        at: Instance,
    ) -> Option<Vec<Interface>> {
        let mut out: Vec<Interface> = Vec::new();
        let mut ok = true;
        for (position, spec) in specs.iter().enumerate() {
            match self.interface(node, spec, position, at, &out) {
                Some(interface) => out.push(interface),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn interface(
        &mut self,
        node: &str,
        spec: &InterfaceSpec,
        position: usize,
        at: Instance,
        siblings: &[Interface],
    ) -> Option<Interface> {
        let name = self.interface_name(node, spec, position, at, siblings)?;
        let Some(network_text) = &spec.network else {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::MissingSetting,
                    spec.span,
                    format!("interface `{}` has no `network`", name.value),
                )
                .label("network missing")
                .help("add `network=\"name\"`; point-to-point wires are declared with `link`"),
            );
            return None;
        };
        let network_name = self.expand(network_text, at)?;
        let Some(&network) = self.network_index.get(&network_name.value) else {
            if !self.network_names.contains(&network_name.value) {
                let help = unknown_help("network", &network_name.value, self.network_names.names());
                self.d
                    .push(unknown_reference("network", &network_name, help));
            }
            return None;
        };
        if let Some(seat) = self.networks[network].seat
            && Some(seat) != at.seat
        {
            self.seat_crossing(node, at.seat, &network_name, seat);
            return None;
        }
        let (address, prefix) = match &spec.address {
            Some(text) => {
                let text = self.expand(text, at)?;
                let address =
                    self.static_address(&text, network, &format!("{node}:{}", name.value))?;
                (
                    Some(address),
                    self.networks[network]
                        .ipv4
                        .as_ref()
                        .map(|p| p.cidr.prefix_len()),
                )
            }
            None => (None, None),
        };
        let mac = match &spec.mac {
            Some(text) => {
                let text = self.expand(text, at)?;
                match MacAddress::parse(&text.value) {
                    Ok(mac) => Some((mac, text.span)),
                    Err(why) => {
                        self.d.push(
                            Diagnostic::new(
                                DiagnosticCode::InvalidMac,
                                text.span,
                                format!("invalid MAC address: {why}"),
                            )
                            .label("invalid MAC")
                            .help("or leave `mac` out: vlab derives a stable one"),
                        );
                        return None;
                    }
                }
            }
            None => None,
        };
        if let Some((mac, span)) = mac {
            self.claim_mac(mac, span, &format!("{node}:{}", name.value));
        }
        Some(Interface {
            name: name.value,
            attachment: Attachment::Network(network_name.value),
            address,
            prefix,
            mac: mac.map_or(MacAddress([0; 6]), |(m, _)| m),
            mac_derived: mac.is_none(),
        })
    }

    /// The interface's name (given, or `eth<position>`), checked and unique on its node.
    fn interface_name(
        &mut self,
        node: &str,
        spec: &InterfaceSpec,
        position: usize,
        at: Instance,
        siblings: &[Interface],
    ) -> Option<Spanned<String>> {
        let name = match &spec.name {
            Some(name) => {
                let name = self.expand(name, at)?;
                if let Err(why) = check_name(&name.value, IFNAME_MAX) {
                    self.d.push(invalid_name("interface", name.span, why));
                    return None;
                }
                name
            }
            None => Spanned::new(format!("eth{position}"), spec.span),
        };
        if siblings.iter().any(|i| i.name == name.value) {
            let (message, help) = if spec.name.is_some() {
                (
                    format!(
                        "interface `{}` is declared twice on node `{node}`",
                        name.value
                    ),
                    "give each interface its own name".to_string(),
                )
            } else {
                (
                    format!(
                        "this interface is named `{}` by its position, but node `{node}` already has one",
                        name.value
                    ),
                    format!(
                        "name it: `interface \"eth{}\" network=...`",
                        siblings.len() + 1
                    ),
                )
            };
            self.d.push(
                Diagnostic::new(DiagnosticCode::DuplicateName, name.span, message)
                    .label("duplicate interface")
                    .help(help),
            );
            return None;
        }
        Some(name)
    }

    /// Checks a static address against network `network`'s plan and records it as taken.
    fn static_address(
        &mut self,
        text: &Spanned<String>,
        network: usize,
        owner: &str,
    ) -> Option<Ipv4Addr> {
        let (address_text, prefix) = match text.value.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text.value.as_str(), None),
        };
        let network_name = self.networks[network].name.clone();
        let Some(plan) = self.networks[network].ipv4.clone() else {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::MissingSetting,
                    text.span,
                    format!(
                        "network `{network_name}` has no `cidr`, so it has no addresses to give"
                    ),
                )
                .label("no address plan")
                .help(format!(
                    "add `cidr` to network `{network_name}`, or remove `address`"
                )),
            );
            return None;
        };
        let parsed = self.parse_ipv4(&Spanned::new(address_text.to_string(), text.span))?;
        let address = self.relocate(parsed);
        if let Some(prefix) = prefix
            && prefix.parse::<u8>().is_err()
        {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::InvalidAddress,
                    text.span,
                    format!("`/{prefix}` is not a prefix length"),
                )
                .label("invalid prefix")
                .help(format!(
                    "write `{address}` or `{address}/{}`",
                    plan.cidr.prefix_len()
                )),
            );
            return None;
        }
        if let Some(prefix) = prefix
            && prefix.parse::<u8>().ok() != Some(plan.cidr.prefix_len())
        {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::InvalidAddress,
                    text.span,
                    format!("prefix /{prefix} differs from the network's {}", plan.cidr),
                )
                .label("wrong prefix")
                .help(format!(
                    "write `{address}` or `{address}/{}`",
                    plan.cidr.prefix_len()
                )),
            );
            return None;
        }
        if !usable(plan.cidr, address) {
            self.d
                .push(outside(text, address, plan.cidr, "the address"));
            return None;
        }
        let conflict = if address == plan.gateway {
            Some(format!(
                "{address} is the gateway of network `{network_name}`"
            ))
        } else if plan.dhcp.is_some_and(|r| r.contains(address)) {
            let r = plan.dhcp.expect("checked");
            Some(format!(
                "{address} is inside the DHCP range {}-{} of network `{network_name}`",
                r.start, r.end
            ))
        } else {
            self.taken.get(&(network, address)).map(|other| {
                format!("{address} is already used by `{other}` on network `{network_name}`")
            })
        };
        if let Some(why) = conflict {
            self.d.push(
                Diagnostic::new(DiagnosticCode::AddressConflict, text.span, why)
                    .label("address taken")
                    .help("give every interface its own address outside the gateway and the DHCP range"),
            );
            return None;
        }
        self.taken.insert((network, address), owner.to_string());
        Some(address)
    }

    /// Reports a node attached to a network of another seat (once per place in the file:
    /// every seat's copy would report it again).
    fn seat_crossing(
        &mut self,
        node: &str,
        node_seat: Option<u32>,
        network: &Spanned<String>,
        network_seat: u32,
    ) {
        if !self
            .crossings
            .insert((network.span.offset(), network.span.len()))
        {
            return;
        }
        let (message, help) = match node_seat {
            Some(own) => (
                format!(
                    "node `{node}` of seat {own} is attached to network `{}` of seat {network_seat}",
                    network.value
                ),
                "seats are isolated from each other: attach the node to its own seat's network \
                 (a name with `{seat}`) or to a shared one",
            ),
            None => (
                format!(
                    "shared node `{node}` is attached to network `{}` of seat {network_seat}",
                    network.value
                ),
                "a seat's network comes and goes with the number of seats: attach the node to \
                 a shared network, or declare it inside `seats`",
            ),
        };
        self.d.push(
            Diagnostic::new(DiagnosticCode::SeatCrossing, network.span, message)
                .label("another seat's network")
                .help(help),
        );
    }
}
