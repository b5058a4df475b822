//! Address plans: CIDRs, gateways and DHCP ranges of networks, and the overlap check
//! across all networks and links.

use super::Resolver;
use super::expander::Instance;
use crate::lab::choices::NetworkMode;
use crate::lab::{DhcpRange, Ipv4Plan};
use crate::language::diagnostic::Diagnostic;
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::spanned::Spanned;
use crate::language::spec::{DhcpSpec, NetworkSpec};
use ipnet::Ipv4Net;
use miette::SourceSpan;
use std::net::Ipv4Addr;

impl Resolver<'_> {
    pub(super) fn address_plan(
        &mut self,
        spec: &NetworkSpec,
        mode: NetworkMode,
        cidr: Ipv4Net,
        at: Instance,
    ) -> Option<Ipv4Plan> {
        let cidr_span = spec.cidr.as_ref().map_or(spec.name.span, |c| c.span);
        if cidr.prefix_len() > 30 {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::InvalidCidr,
                    cidr_span,
                    format!("`{cidr}` is too small for a network"),
                )
                .label("too few addresses")
                .help("use a prefix of /30 or shorter, e.g. `/24`"),
            );
            return None;
        }
        let first_host = Ipv4Addr::from(u32::from(cidr.network()) + 1);
        let gateway = match &spec.gateway {
            Some(text) => {
                let text = self.expand(text, at)?;
                let parsed = self.parse_ipv4(&text)?;
                let gateway = self.relocate(parsed);
                if !usable(cidr, gateway) {
                    self.d.push(outside(&text, gateway, cidr, "the gateway"));
                    return None;
                }
                gateway
            }
            None => first_host,
        };
        let anchor = spec.gateway.as_ref().map_or(cidr_span, |g| g.span);
        let dhcp = self.dhcp_range(spec.dhcp.as_ref(), mode, cidr, gateway, anchor, at)?;
        Some(Ipv4Plan {
            cidr,
            gateway,
            dhcp,
        })
    }

    /// The DHCP range: given, or by default the upper half of the host addresses.
    fn dhcp_range(
        &mut self,
        dhcp: Option<&DhcpSpec>,
        mode: NetworkMode,
        cidr: Ipv4Net,
        gateway: Ipv4Addr,
        anchor: SourceSpan,
        at: Instance,
    ) -> Option<Option<DhcpRange>> {
        let enabled = self.dhcp_enabled(dhcp, mode)?;
        if !enabled {
            return Some(None);
        }
        let (first, last) = (
            u32::from(cidr.network()) + 1,
            u32::from(cidr.broadcast()) - 1,
        );
        let default_start = first + (last - first).div_ceil(2);
        let start = match dhcp.and_then(|d| d.start.as_ref()) {
            Some(text) => self.dhcp_bound(text, cidr, at)?,
            None => Ipv4Addr::from(default_start),
        };
        let end = match dhcp.and_then(|d| d.end.as_ref()) {
            Some(text) => self.dhcp_bound(text, cidr, at)?,
            None => Ipv4Addr::from(last),
        };
        let span = dhcp.map_or(anchor, |d| d.span);
        let range = DhcpRange { start, end };
        if start > end {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::InvalidRange,
                    span,
                    format!("the DHCP range starts at {start}, after its end {end}"),
                )
                .label("empty range")
                .help("`start` must not be greater than `end`"),
            );
            return None;
        }
        if range.contains(gateway) {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::AddressConflict,
                    span,
                    format!("the DHCP range {start}-{end} contains the gateway {gateway}"),
                )
                .label("overlaps the gateway")
                .help("move the range or the gateway"),
            );
            return None;
        }
        Some(Some(range))
    }

    /// Whether DHCP is on; `None` after reporting settings that contradict each other.
    pub(super) fn dhcp_enabled(
        &mut self,
        dhcp: Option<&DhcpSpec>,
        mode: NetworkMode,
    ) -> Option<bool> {
        let Some(spec) = dhcp else {
            return Some(mode != NetworkMode::Bridge);
        };
        let enabled = spec.enabled.as_ref().is_none_or(|e| e.value);
        if mode == NetworkMode::Bridge && enabled {
            self.d.push(
                Diagnostic::new(DiagnosticCode::ConflictingSettings, spec.span, "vlab does not serve DHCP on a host bridge")
                    .label("not for bridge networks")
                    .help("remove `dhcp` (or write `dhcp #false`): the bridge's own network provides addresses"),
            );
            return None;
        }
        if !enabled && let Some(bound) = spec.start.as_ref().or(spec.end.as_ref()) {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::ConflictingSettings,
                    bound.span,
                    "a DHCP range is given, but DHCP is off",
                )
                .label("unused range")
                .help("remove the range, or remove `#false` to turn DHCP on"),
            );
            return None;
        }
        Some(enabled)
    }

    fn dhcp_bound(
        &mut self,
        text: &Spanned<String>,
        cidr: Ipv4Net,
        at: Instance,
    ) -> Option<Ipv4Addr> {
        let text = self.expand(text, at)?;
        let parsed = self.parse_ipv4(&text)?;
        let address = self.relocate(parsed);
        if !usable(cidr, address) {
            self.d.push(outside(&text, address, cidr, "a DHCP address"));
            return None;
        }
        Some(address)
    }

    pub(super) fn parse_cidr(&mut self, text: &Spanned<String>) -> Option<Ipv4Net> {
        let parsed: Result<Ipv4Net, _> = text.value.parse();
        match parsed {
            Ok(net) if net.network() == net.addr() => Some(net),
            Ok(net) => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::InvalidCidr,
                        text.span,
                        format!("`{}` has host bits set", text.value),
                    )
                    .label("not a network address")
                    .help(format!("did you mean `{}`?", net.trunc())),
                );
                None
            }
            Err(_) => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::InvalidCidr,
                        text.span,
                        format!("`{}` is not an IPv4 CIDR", text.value),
                    )
                    .label("invalid CIDR")
                    .help("write a network as address/prefix, e.g. `10.0.0.0/24`"),
                );
                None
            }
        }
    }

    pub(super) fn parse_ipv4(&mut self, text: &Spanned<String>) -> Option<Ipv4Addr> {
        if let Ok(address) = text.value.parse() {
            Some(address)
        } else {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::InvalidAddress,
                    text.span,
                    format!("`{}` is not an IPv4 address", text.value),
                )
                .label("invalid address")
                .help("write four numbers 0-255, e.g. `10.0.0.10`"),
            );
            None
        }
    }

    /// Two networks (or links) whose address ranges overlap would route wrongly: refuse.
    pub(super) fn check_overlaps(&mut self) {
        let mut cidrs = std::mem::take(&mut self.ranges);
        cidrs.sort_by_key(|(net, span, _)| (net.network(), span.offset()));
        let mut widest: Option<(Ipv4Net, String)> = None;
        for (net, span, owner) in cidrs {
            if let Some((prev, prev_owner)) = &widest
                && prev.contains(&net.network())
            {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::OverlappingNetworks,
                        span,
                        format!("{owner} ({net}) overlaps {prev_owner} ({prev})"),
                    )
                    .label("overlapping range")
                    .help("give every network and link its own address range"),
                );
            }
            if widest
                .as_ref()
                .is_none_or(|(prev, _)| !prev.contains(&net.broadcast()))
            {
                widest = Some((net, owner));
            }
        }
    }
}

/// A host address of `cidr`: neither the network nor the broadcast address.
pub(super) fn usable(cidr: Ipv4Net, address: Ipv4Addr) -> bool {
    cidr.contains(&address) && address != cidr.network() && address != cidr.broadcast()
}

pub(super) fn outside(
    text: &Spanned<String>,
    address: Ipv4Addr,
    cidr: Ipv4Net,
    what: &str,
) -> Diagnostic {
    let why = if cidr.contains(&address) {
        format!("{address} is the network or broadcast address of {cidr}")
    } else {
        format!("{address} is outside {cidr}")
    };
    Diagnostic::new(
        DiagnosticCode::AddressOutside,
        text.span,
        format!("{what} {why}"),
    )
    .label("not a host address of the network")
    .help(format!(
        "use an address from {} to {}",
        Ipv4Addr::from(u32::from(cidr.network()) + 1),
        Ipv4Addr::from(u32::from(cidr.broadcast()) - 1)
    ))
}
