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
                attributes: None,
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
            attributes: None,
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

#[cfg(test)]
mod tests {
    use super::super::observed::NetworkSummary;
    use super::super::plan;
    use super::super::plan::Action;
    use super::super::reason::{NetworkPart, Reason};
    use super::super::target::ResourceKind;
    use super::super::tests::{NET_XML, actions, converged, desired};

    #[test]
    fn network_drift_replaces_and_a_stopped_network_starts() {
        let mut o = converged();
        o.hosts[0].networks[0].summary.dhcp_range = Some("10.0.0.2-10.0.0.254".into());
        let p = plan(&desired(), &o);
        assert_eq!(p.changes.len(), 1);
        assert_eq!(p.changes[0].action, Action::Replace);
        assert_eq!(
            p.changes[0].reason,
            Reason::NetworkDiffers {
                differences: vec![NetworkPart::DhcpRange]
            }
        );
        let mut o = converged();
        o.hosts[0].networks[0].active = false;
        assert_eq!(
            actions(&o, &desired()),
            [(ResourceKind::Network, "vlab_lab_lan".into(), Action::Start)]
        );
    }

    #[test]
    fn host_entries_alone_update_a_running_network_in_place() {
        let mut o = converged();
        o.hosts[0].networks[0]
            .summary
            .dhcp_hosts
            .push("52:54:00:00:00:0b b 10.0.0.11".into());
        o.hosts[0].networks[0]
            .summary
            .dns_hosts
            .push("10.0.0.11 b".into());
        let p = plan(&desired(), &o);
        assert_eq!(p.changes.len(), 1);
        assert_eq!(p.changes[0].action, Action::Update);
        assert_eq!(p.changes[0].reason, Reason::NetworkHostsChanged);
        assert_eq!(p.changes[0].before.as_deref(), Some("fixed hosts: b"));
        // A stopped network has no guests to keep: it is replaced like any other drift.
        o.hosts[0].networks[0].active = false;
        assert_eq!(plan(&desired(), &o).changes[0].action, Action::Replace);
    }

    #[test]
    fn network_summaries_ignore_what_libvirt_adds() {
        let from_libvirt = "<network connections='1'><name>vlab_lab_lan</name><uuid>0b7c0a7e-1111-2222-3333-444455556666</uuid><forward mode='nat'><nat><port start='1024' end='65535'/></nat></forward><bridge name='vl1' stp='on' delay='0'/><mac address='52:54:00:aa:bb:cc'/><ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.128' end='10.0.0.254'/></dhcp></ip></network>";
        assert_eq!(
            NetworkSummary::from_xml(from_libvirt),
            NetworkSummary::from_xml(NET_XML)
        );
    }
}
