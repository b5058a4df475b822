//! The planner: `plan(&Desired, &Observed) -> Plan`. Pure: no I/O, no clock, no randomness,
//! so every case is a unit test that builds both sides in memory.
//!
//! Rules, per host: a missing pool, base image, network or domain is created; a network whose
//! definition differs is replaced, one that is down is started; a domain whose cloud-init
//! data, image or root disk size changed is replaced (and the plan says which), one whose
//! other settings changed (cpus, memory, interfaces, extra disks) is updated in place
//! (redefined and restarted), one shut off by hand is started, one whose root volume vanished
//! is replaced; what the lab owns but no longer declares (domains, networks, volumes) is
//! deleted. Base images are never deleted here: `destroy --purge-images` does that.

pub mod desired;
pub mod observed;
pub mod plan;

use desired::{Desired, DesiredDomain, DesiredHost};
use observed::{DomainState, NetworkSummary, Observed, ObservedDomain, ObservedHost};
use plan::{Action, Change, Plan, ResourceKind};

pub fn plan(desired: &Desired, observed: &Observed) -> Plan {
    let mut changes = Vec::new();
    let empty = ObservedHost::default();
    for host in &desired.hosts {
        let seen = observed
            .hosts
            .iter()
            .find(|h| h.name == host.name)
            .unwrap_or(&empty);
        plan_host(&desired.lab, host, seen, &mut changes);
    }
    Plan {
        lab: desired.lab.clone(),
        changes,
    }
}

fn plan_host(lab: &str, host: &DesiredHost, seen: &ObservedHost, changes: &mut Vec<Change>) {
    let change = |kind,
                  name: &str,
                  action,
                  before: Option<String>,
                  after: Option<String>,
                  reason: String| Change {
        host: host.name.clone(),
        kind,
        name: name.to_string(),
        action,
        before,
        after,
        reason,
    };
    // An inactive pool hides its volumes: nothing is decided from their absence then.
    let volumes_known = seen.pool_exists;
    if !seen.pool_exists {
        changes.push(change(
            ResourceKind::Pool,
            &host.pool,
            Action::Create,
            None,
            None,
            "vlab's storage pool is missing or not running".into(),
        ));
    }
    for (image, volume) in &host.images {
        match volume {
            // A base image counts once its upload finished (its `.ready` marker exists).
            Some(volume)
                if seen.volumes.contains(volume)
                    && seen.volumes.contains(&format!("{volume}.ready")) => {}
            Some(volume) => changes.push(change(
                ResourceKind::Image,
                image,
                Action::Create,
                None,
                Some(volume.clone()),
                "the base image is not on the host".into(),
            )),
            None => changes.push(change(
                ResourceKind::Image,
                image,
                Action::Create,
                None,
                None,
                "the image is not pulled yet: apply pulls, verifies and uploads it".into(),
            )),
        }
    }
    for network in &host.networks {
        let wanted = NetworkSummary::from_xml(&network.xml).unwrap_or_default();
        match seen.networks.iter().find(|n| n.name == network.name) {
            None => changes.push(change(
                ResourceKind::Network,
                &network.name,
                Action::Create,
                None,
                Some(describe_network(&wanted)),
                "new network".into(),
            )),
            Some(existing)
                if existing.summary != wanted
                    && existing.active
                    && existing.summary.differs_only_in_hosts(&wanted) =>
            {
                changes.push(change(
                    ResourceKind::Network,
                    &network.name,
                    Action::Update,
                    Some(describe_hosts(&existing.summary)),
                    Some(describe_hosts(&wanted)),
                    "its DHCP and DNS host entries changed: updated in place, guests stay connected"
                        .into(),
                ))
            }
            Some(existing) if existing.summary != wanted => changes.push(change(
                ResourceKind::Network,
                &network.name,
                Action::Replace,
                Some(describe_network(&existing.summary)),
                Some(describe_network(&wanted)),
                format!(
                    "its definition differs from the lab ({})",
                    network_differences(&existing.summary, &wanted)
                ),
            )),
            Some(existing) if !existing.active => changes.push(change(
                ResourceKind::Network,
                &network.name,
                Action::Start,
                None,
                None,
                "the network is not running".into(),
            )),
            Some(_) => {}
        }
    }
    for existing in seen
        .networks
        .iter()
        .filter(|n| !host.networks.iter().any(|d| d.name == n.name))
    {
        changes.push(change(
            ResourceKind::Network,
            &existing.name,
            Action::Delete,
            Some(describe_network(&existing.summary)),
            None,
            "no longer in the lab".into(),
        ));
    }
    for domain in &host.domains {
        let existing = seen.domains.iter().find(|d| d.name == domain.name);
        if let Some((action, reason)) = domain_action(domain, existing, seen, volumes_known) {
            changes.push(change(
                ResourceKind::Node,
                &domain.name,
                action,
                existing.map(describe_observed),
                Some(describe_desired(domain)),
                reason,
            ));
        }
    }
    for existing in seen
        .domains
        .iter()
        .filter(|d| !host.domains.iter().any(|w| w.name == d.name))
    {
        changes.push(change(
            ResourceKind::Node,
            &existing.name,
            Action::Delete,
            Some(describe_observed(existing)),
            None,
            "no longer in the lab".into(),
        ));
    }
    let prefix = crate::host::resource_names::prefix(lab);
    let wanted: Vec<&String> = host.domains.iter().flat_map(|d| d.volumes.iter()).collect();
    for volume in seen
        .volumes
        .iter()
        .filter(|v| volumes_known && v.starts_with(&prefix) && !v.ends_with(".ready"))
    {
        if !wanted.contains(&volume) {
            changes.push(change(
                ResourceKind::Volume,
                volume,
                Action::Delete,
                Some(volume.clone()),
                None,
                "no node of the lab uses it".into(),
            ));
        }
    }
}

/// What to do with one declared domain, and why; `None` when it is as declared.
fn domain_action(
    domain: &DesiredDomain,
    existing: Option<&ObservedDomain>,
    seen: &ObservedHost,
    volumes_known: bool,
) -> Option<(Action, String)> {
    let Some(existing) = existing else {
        return Some((Action::Create, "new node".into()));
    };
    let root = domain.volumes.first();
    let missing: Vec<&String> = domain
        .volumes
        .iter()
        .filter(|v| volumes_known && !seen.volumes.contains(*v))
        .collect();
    if existing.seed_volume != domain.seed_volume {
        return Some((Action::Replace, "its cloud-init data changed: it is rebuilt so cloud-init applies the new data to a fresh disk".into()));
    }
    if let Some(image) = &domain.image
        && existing.image != *image
    {
        return Some((
            Action::Replace,
            format!("its image changed ({} -> {image})", existing.image),
        ));
    }
    if existing.root_size != domain.root_size {
        return Some((Action::Replace, "its root disk size changed".into()));
    }
    if let Some(root) = root.filter(|r| missing.contains(r)) {
        return Some((
            Action::Replace,
            format!("its root volume {root} is missing from the host"),
        ));
    }
    if existing.digest != domain.digest || !missing.is_empty() {
        return Some((
            Action::Update,
            "its cpus, memory, interfaces or disks changed: redefined and restarted in place"
                .into(),
        ));
    }
    match existing.state {
        DomainState::Running => None,
        DomainState::ShutOff => Some((Action::Start, "the guest is shut off".into())),
        DomainState::Other => Some((Action::Start, "the guest is paused or stopped".into())),
    }
}

fn describe_desired(domain: &DesiredDomain) -> String {
    format!("{} cpu, {} MiB", domain.cpus, domain.memory_kib / 1024)
}

fn describe_observed(domain: &ObservedDomain) -> String {
    format!("{} cpu, {} MiB", domain.cpus, domain.memory_kib / 1024)
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

fn network_differences(a: &NetworkSummary, b: &NetworkSummary) -> String {
    let mut out = Vec::new();
    for (what, x, y) in [
        ("forward mode", &a.forward, &b.forward),
        ("bridge", &a.bridge, &b.bridge),
        ("domain", &a.domain, &b.domain),
        ("address", &a.ip, &b.ip),
        ("DHCP range", &a.dhcp_range, &b.dhcp_range),
    ] {
        if x != y {
            out.push(what);
        }
    }
    if a.dhcp_hosts != b.dhcp_hosts {
        out.push("DHCP hosts");
    }
    if a.dns_hosts != b.dns_hosts {
        out.push("DNS hosts");
    }
    out.join(", ")
}

#[cfg(test)]
mod tests;

/// The plan that removes everything the lab owns on its hosts: its domains, networks and
/// volumes, and with `purge_images` the base volumes of the lab's images (named by digest).
/// Volumes, networks and domains of other labs, and what vlab did not create, stay.
pub fn destroy_plan(lab: &str, observed: &Observed, purge_images: &[String]) -> Plan {
    let prefix = crate::host::resource_names::prefix(lab);
    let mut changes = Vec::new();
    for host in &observed.hosts {
        let delete = |kind, name: &str, reason: &str| Change {
            host: host.name.clone(),
            kind,
            name: name.to_string(),
            action: Action::Delete,
            before: None,
            after: None,
            reason: reason.to_string(),
        };
        for domain in &host.domains {
            changes.push(delete(ResourceKind::Node, &domain.name, "destroy"));
        }
        for network in &host.networks {
            changes.push(delete(ResourceKind::Network, &network.name, "destroy"));
        }
        for volume in host.volumes.iter().filter(|v| !v.ends_with(".ready")) {
            if volume.starts_with(&prefix) {
                changes.push(delete(ResourceKind::Volume, volume, "destroy"));
            } else if purge_images.contains(volume) {
                changes.push(delete(ResourceKind::Volume, volume, "--purge-images"));
            }
        }
    }
    Plan {
        lab: lab.to_string(),
        changes,
    }
}
