//! Planning the lab's networks (lab networks and link networks): a missing one is created;
//! a running one whose DHCP and DNS host entries alone differ is updated in place (guests
//! stay connected); one whose definition differs otherwise is replaced; one that is down is
//! started; one the lab owns and no longer declares is deleted. Definitions are compared as
//! `NetworkSummary`s, both read by the same reader. Pure, like the whole planner.

use super::desired::{DesiredHost, DesiredNetwork};
use super::observed::{NetworkSummary, ObservedHost, ObservedNetwork};
use super::plan::{Action, Change};
use super::reason::{NetworkPart, Reason};
use super::target::Target;

/// The changes that bring the networks of `host` to the lab's.
pub fn networks(host: &DesiredHost, seen: &ObservedHost) -> Vec<Change> {
    let mut changes: Vec<Change> = host
        .networks
        .iter()
        .filter_map(|network| {
            let existing = seen.networks.iter().find(|n| n.name == network.name);
            declared(network, existing).map(|(action, before, after, reason)| Change {
                host: host.name.clone(),
                target: Target::Network {
                    name: network.name.clone(),
                    xml: (action != Action::Start).then(|| network.xml.clone()),
                },
                action,
                before,
                after,
                reason,
            })
        })
        .collect();
    for existing in seen
        .networks
        .iter()
        .filter(|n| !host.networks.iter().any(|d| d.name == n.name))
    {
        changes.push(Change {
            host: host.name.clone(),
            target: Target::Network {
                name: existing.name.clone(),
                xml: None,
            },
            action: Action::Delete,
            before: Some(describe_network(&existing.summary)),
            after: None,
            reason: Reason::NoLongerInLab,
        });
    }
    changes
}

type Decision = (Action, Option<String>, Option<String>, Reason);

/// What to do with one declared network (action, before, after, reason); `None` when it is
/// as declared and running.
fn declared(network: &DesiredNetwork, existing: Option<&ObservedNetwork>) -> Option<Decision> {
    let wanted = &network.summary;
    let Some(existing) = existing else {
        return Some((
            Action::Create,
            None,
            Some(describe_network(wanted)),
            Reason::NewNetwork,
        ));
    };
    let have = &existing.summary;
    if have != wanted && existing.active && have.differs_only_in_hosts(wanted) {
        return Some((
            Action::Update,
            Some(describe_hosts(have)),
            Some(describe_hosts(wanted)),
            Reason::NetworkHostsChanged,
        ));
    }
    if have != wanted {
        return Some((
            Action::Replace,
            Some(describe_network(have)),
            Some(describe_network(wanted)),
            Reason::NetworkDiffers {
                differences: differences(have, wanted),
            },
        ));
    }
    (!existing.active).then_some((Action::Start, None, None, Reason::NetworkStopped))
}

fn describe_network(summary: &NetworkSummary) -> String {
    let mut parts = vec![summary.forward.clone().unwrap_or_else(|| "isolated".into())];
    parts.extend(summary.ip.clone());
    parts.extend(summary.dhcp_range.as_ref().map(|r| format!("dhcp {r}")));
    parts.join(", ")
}

fn describe_hosts(summary: &NetworkSummary) -> String {
    let hosts: Vec<&str> = summary
        .dhcp_hosts
        .iter()
        .filter_map(|h| h.split(' ').nth(1))
        .collect();
    if hosts.is_empty() {
        "no fixed hosts".into()
    } else {
        format!("fixed hosts: {}", hosts.join(", "))
    }
}

/// The parts in which two definitions differ, in a fixed order.
fn differences(a: &NetworkSummary, b: &NetworkSummary) -> Vec<NetworkPart> {
    let mut out = Vec::new();
    for (part, x, y) in [
        (NetworkPart::ForwardMode, &a.forward, &b.forward),
        (NetworkPart::Bridge, &a.bridge, &b.bridge),
        (NetworkPart::Domain, &a.domain, &b.domain),
        (NetworkPart::Address, &a.ip, &b.ip),
        (NetworkPart::DhcpRange, &a.dhcp_range, &b.dhcp_range),
    ] {
        if x != y {
            out.push(part);
        }
    }
    if a.dhcp_hosts != b.dhcp_hosts {
        out.push(NetworkPart::DhcpHosts);
    }
    if a.dns_hosts != b.dns_hosts {
        out.push(NetworkPart::DnsHosts);
    }
    out
}
