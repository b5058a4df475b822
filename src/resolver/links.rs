//! Links: endpoints `node:interface` resolved, one link per endpoint, both ends on one host,
//! optional `/30` or `/31` addressing; the link's interfaces are added to both nodes.

use super::Resolver;
use super::expander::Instance;
use super::interfaces::IFNAME_MAX;
use super::names::invalid_name;
use super::nodes::unknown_reference;
use crate::lab::{Attachment, Interface, Link, LinkEnd};
use crate::language::diagnostic::Diagnostic;
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::name_rules::{check_name, unknown_help};
use crate::language::spanned::Spanned;
use crate::language::spec::LinkSpec;
use crate::mac_address::MacAddress;
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

impl Resolver<'_> {
    pub(super) fn resolve_links(&mut self) {
        let spec = self.spec;
        for (spec, seat) in super::expander::seated(spec, &spec.links, |s| &s.links) {
            for at in super::expander::instances(seat, spec.count.as_ref()) {
                if let Some(link) = self.resolve_link(spec, at) {
                    self.attach(&link);
                    self.links.push(link);
                }
            }
        }
    }

    fn resolve_link(&mut self, spec: &LinkSpec, at: Instance) -> Option<Link> {
        let a_text = self.expand(&spec.a, at)?;
        let b_text = self.expand(&spec.b, at)?;
        let a = self.endpoint(&a_text);
        let b = self.endpoint(&b_text);
        let ((a_node, a_if, a_host), (b_node, b_if, b_host)) = (a?, b?);
        for (node, text) in [(&a_node, &a_text), (&b_node, &b_text)] {
            let seat = self.node_index.get(node).and_then(|&i| self.nodes[i].seat);
            if seat != at.seat {
                self.link_crossing(node, seat, text, at.seat);
                return None;
            }
        }
        if a_node == b_node && a_if == b_if {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::InvalidLink,
                    b_text.span,
                    "a link needs two different endpoints",
                )
                .label("same as the first endpoint")
                .help("connect two interfaces, e.g. `link \"r1:eth1\" \"r2:eth1\"`"),
            );
            return None;
        }
        if a_host != b_host {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::InvalidLink,
                    b_text.span,
                    format!(
                        "`{a_node}` is on host `{a_host}` but `{b_node}` is on host `{b_host}`"
                    ),
                )
                .label("other host")
                .help(
                    "a link wires two guests on the same host; use a `bridge` network across hosts",
                ),
            );
            return None;
        }
        let name = format!("{a_node}:{a_if}--{b_node}:{b_if}");
        let cidr = match &spec.cidr {
            Some(text) => {
                let text = self.expand(text, at)?;
                Some((self.link_cidr(&text)?, text.span))
            }
            None => None,
        };
        let (a_addr, b_addr) = match cidr {
            Some((net, span)) => {
                self.ranges.push((net, span, format!("link `{name}`")));
                let first = if net.prefix_len() == 31 {
                    u32::from(net.network())
                } else {
                    u32::from(net.network()) + 1
                };
                (Some(Ipv4Addr::from(first)), Some(Ipv4Addr::from(first + 1)))
            }
            None => (None, None),
        };
        Some(Link {
            name,
            a: LinkEnd {
                node: a_node,
                interface: a_if,
                address: a_addr,
            },
            b: LinkEnd {
                node: b_node,
                interface: b_if,
                address: b_addr,
            },
            cidr: cidr.map(|(net, _)| net),
            seat: at.seat,
            host: a_host,
        })
    }

    /// Resolves `node:interface`; the interface must be new on that node.
    fn endpoint(&mut self, text: &Spanned<String>) -> Option<(String, String, String)> {
        let Some((node, interface)) = text.value.split_once(':') else {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::InvalidLink,
                    text.span,
                    format!("`{}` is not a link endpoint", text.value),
                )
                .label("expected node:interface")
                .help("write an endpoint as `node:interface`, e.g. `\"r1:eth1\"`"),
            );
            return None;
        };
        if let Err(why) = check_name(interface, IFNAME_MAX) {
            self.d.push(invalid_name("interface", text.span, why));
            return None;
        }
        let Some(found) = self.node_index.get(node).map(|&i| &self.nodes[i]) else {
            if !self.node_names.contains(node) {
                let help = unknown_help("node", node, self.node_names.names());
                self.d.push(unknown_reference(
                    "node",
                    &Spanned::new(node.to_string(), text.span),
                    help,
                ));
            }
            return None;
        };
        if let Some(existing) = found.interfaces.iter().find(|i| i.name == interface) {
            let why = match &existing.attachment {
                Attachment::Network(net) => {
                    format!("`{node}` already has interface `{interface}` (on network `{net}`)")
                }
                Attachment::Link(link) => {
                    format!("`{node}:{interface}` is already wired by link `{link}`")
                }
            };
            self.d.push(
                Diagnostic::new(DiagnosticCode::InvalidLink, text.span, why)
                    .label("interface taken")
                    .help(
                        "a link creates its own interface: pick a name the node does not use yet",
                    ),
            );
            return None;
        }
        Some((node.to_string(), interface.to_string(), found.host.clone()))
    }

    fn link_cidr(&mut self, text: &Spanned<String>) -> Option<Ipv4Net> {
        let net = self.parse_cidr(text)?;
        if net.prefix_len() > 31 {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::InvalidCidr,
                    text.span,
                    format!("`{net}` has room for one address; a link needs two"),
                )
                .label("too small")
                .help("use a /30 or a /31"),
            );
            return None;
        }
        Some(net)
    }

    /// Adds the link's interface to both of its nodes.
    fn attach(&mut self, link: &Link) {
        let prefix = link.cidr.map(|c| c.prefix_len());
        for end in [&link.a, &link.b] {
            if let Some(node) = self.node_index.get(&end.node).map(|&i| &mut self.nodes[i]) {
                node.interfaces.push(Interface {
                    name: end.interface.clone(),
                    attachment: Attachment::Link(link.name.clone()),
                    address: end.address,
                    prefix,
                    mac: MacAddress([0; 6]),
                    mac_derived: true,
                });
            }
        }
    }

    /// Reports a link whose end is outside its own seat (a shared link to a seat's node, a
    /// seat's link to a shared node or another seat's), once per place in the file.
    fn link_crossing(
        &mut self,
        node: &str,
        node_seat: Option<u32>,
        end: &Spanned<String>,
        link_seat: Option<u32>,
    ) {
        if !self.crossings.insert((end.span.offset(), end.span.len())) {
            return;
        }
        let whose =
            |seat: Option<u32>| seat.map_or("shared".to_string(), |s| format!("of seat {s}"));
        let message = match link_seat {
            Some(seat) => format!(
                "a link of seat {seat} ends at node `{node}`, which is {}",
                whose(node_seat)
            ),
            None => format!(
                "a shared link ends at node `{node}`, which is {}",
                whose(node_seat)
            ),
        };
        self.d.push(
            Diagnostic::new(DiagnosticCode::SeatCrossing, end.span, message)
                .label("outside the link's seat")
                .help(
                    "a link wires two nodes of one seat (declare it inside `seats`, both ends \
                     with `{seat}`) or two shared nodes; a seat reaches a shared node through \
                     a shared network",
                ),
        );
    }
}
