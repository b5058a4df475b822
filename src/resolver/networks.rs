//! Networks: `count` expansion, names, mode rules (bridge, cidr needs), DNS domain, and
//! placement on the hosts of the nodes attached. The address plan has its own file.

use super::Resolver;
use super::expander::Instance;
use super::names::invalid_name;
use crate::lab::Network;
use crate::lab::choices::NetworkMode;
use crate::language::diagnostic::Diagnostic;
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::name_rules::check_name;
use crate::language::spanned::Spanned;
use crate::language::spec::NetworkSpec;

/// Network names become libvirt network names prefixed by the lab's; keep them short.
const NETWORK_NAME_MAX: usize = 32;

impl Resolver<'_> {
    pub(super) fn resolve_networks(&mut self) {
        let spec = self.spec;
        for (spec, seat) in super::expander::seated(spec, &spec.networks, |s| &s.networks) {
            for at in super::expander::instances(seat, spec.count.as_ref()) {
                let Some(name) = self.expand(&spec.name, at) else {
                    continue;
                };
                // Recorded even when invalid, so references to it raise no second error.
                if let Err(e) = self.network_names.insert(&name.value, name.span) {
                    self.d.push(e);
                    continue;
                }
                let name_ok = match check_name(&name.value, NETWORK_NAME_MAX) {
                    Ok(()) => true,
                    Err(why) => {
                        self.d.push(invalid_name("network", name.span, why));
                        false
                    }
                };
                let network = self.resolve_network(spec, name.value.clone(), at);
                if let Some(network) = network.filter(|_| name_ok) {
                    if let (Some(plan), Some(span)) =
                        (&network.ipv4, spec.cidr.as_ref().map(|c| c.span))
                    {
                        self.ranges
                            .push((plan.cidr, span, format!("network `{}`", network.name)));
                    }
                    self.network_index
                        .insert(network.name.clone(), self.networks.len());
                    self.networks.push(network);
                }
            }
        }
    }

    fn resolve_network(
        &mut self,
        spec: &NetworkSpec,
        name: String,
        at: Instance,
    ) -> Option<Network> {
        let mode = spec.mode.as_ref().map_or(NetworkMode::Nat, |m| m.value);
        let cidr = match &spec.cidr {
            Some(text) => {
                let text = self.expand(text, at)?;
                let cidr = self.parse_cidr(&text)?;
                Some(self.relocated_cidr(&name, cidr))
            }
            None => None,
        };
        let bridge = self.network_bridge(spec, mode, at)?;
        let ipv4 = if let Some(cidr) = cidr {
            Some(self.address_plan(spec, mode, cidr, at)?)
        } else {
            if matches!(mode, NetworkMode::Nat | NetworkMode::Route) {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::MissingSetting,
                        spec.name.span,
                        format!("a `{mode}` network needs a `cidr`"),
                    )
                    .label("cidr missing")
                    .help("add e.g. `cidr \"10.0.0.0/24\"`"),
                );
                return None;
            }
            // Contradictions (DHCP on a bridge, a range with DHCP off) first: adding a
            // cidr would not fix those.
            let dhcp_on = self.dhcp_enabled(spec.dhcp.as_ref(), mode)?;
            let dhcp_span = spec.dhcp.as_ref().filter(|_| dhcp_on).map(|d| d.span);
            for (what, span) in [
                ("gateway", spec.gateway.as_ref().map(|g| g.span)),
                ("dhcp", dhcp_span),
            ] {
                if let Some(span) = span {
                    self.d.push(
                        Diagnostic::new(
                            DiagnosticCode::MissingSetting,
                            span,
                            format!("`{what}` needs the network's `cidr`"),
                        )
                        .label("no cidr to go with it")
                        .help("add `cidr \"10.0.0.0/24\"` to the network"),
                    );
                }
            }
            None
        };
        let domain = match &spec.domain {
            Some(domain) => {
                let domain = self.expand(domain, at)?;
                Some(self.check_domain(&domain)?)
            }
            None => None,
        };
        Some(Network {
            name,
            index: at.index,
            seat: at.seat,
            mode,
            ipv4,
            domain,
            bridge,
            hosts: Vec::new(),
        })
    }

    fn network_bridge(
        &mut self,
        spec: &NetworkSpec,
        mode: NetworkMode,
        at: Instance,
    ) -> Option<Option<String>> {
        match (mode, &spec.bridge) {
            (NetworkMode::Bridge, Some(bridge)) => {
                let bridge = self.expand(bridge, at)?;
                let valid = !bridge.value.is_empty()
                    && bridge.value.len() <= 15
                    && bridge
                        .value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
                if !valid {
                    self.d.push(
                        Diagnostic::new(
                            DiagnosticCode::InvalidName,
                            bridge.span,
                            format!("`{}` is not a Linux bridge name", bridge.value),
                        )
                        .label("invalid bridge name")
                        .help("an interface name has 1 to 15 letters, digits, `-`, `_` or `.`"),
                    );
                    return None;
                }
                Some(Some(bridge.value))
            }
            (NetworkMode::Bridge, None) => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::MissingSetting,
                        spec.name.span,
                        "a `bridge` network needs the host bridge's name",
                    )
                    .label("bridge missing")
                    .help("add `bridge \"br0\"` naming an existing bridge on the host"),
                );
                None
            }
            (_, Some(bridge)) => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::ConflictingSettings,
                        bridge.span,
                        format!("`bridge` applies to `mode \"bridge\"` networks, not `{mode}`"),
                    )
                    .label("not used in this mode")
                    .help("remove `bridge`, or set `mode \"bridge\"`"),
                );
                None
            }
            (_, None) => Some(None),
        }
    }

    fn check_domain(&mut self, domain: &Spanned<String>) -> Option<String> {
        let valid = !domain.value.is_empty()
            && domain.value.len() <= 253
            && domain.value.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            });
        if valid {
            return Some(domain.value.clone());
        }
        self.d.push(
            Diagnostic::new(
                DiagnosticCode::InvalidDomain,
                domain.span,
                format!("`{}` is not a DNS domain", domain.value),
            )
            .label("invalid domain")
            .help("use dot-separated labels of letters, digits and `-`, e.g. `lab.test`"),
        );
        None
    }

    /// Each network goes on the hosts of the nodes attached to it, in the order the nodes
    /// are declared (or on the first host when no node uses it). One pass over the nodes.
    pub(super) fn place_networks(&mut self) {
        let mut hosts: Vec<Vec<String>> = vec![Vec::new(); self.networks.len()];
        for node in &self.nodes {
            for interface in &node.interfaces {
                if let crate::lab::Attachment::Network(name) = &interface.attachment
                    && let Some(&network) = self.network_index.get(name)
                    && !hosts[network].contains(&node.host)
                {
                    hosts[network].push(node.host.clone());
                }
            }
        }
        let first = self
            .hosts
            .first()
            .map(|h| h.name.clone())
            .unwrap_or_default();
        for (network, mut hosts) in self.networks.iter_mut().zip(hosts) {
            if hosts.is_empty() {
                hosts.push(first.clone());
            }
            network.hosts = hosts;
        }
    }
}
