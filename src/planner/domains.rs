//! Planning the nodes' domains: a missing one is created; one whose cloud-init data, image
//! or root disk size changed, or whose root volume vanished, is replaced (and the reason
//! says which); one whose other settings changed (cpus, memory, interfaces, extra disks) is
//! updated in place (redefined and restarted); one asked for (`--replace`) is replaced
//! though nothing changed; one shut off or paused is started, unless
//! `vlab stop` stopped it on purpose (its power record); one the
//! lab owns and no longer declares is deleted. An update or a replace carries what it changes,
//! attribute by attribute (`AttributeDiff`). The volumes a domain leaves behind are
//! `storage`'s business. Pure, like the whole planner.

use super::attribute_diff::AttributeDiff;
use super::desired::{DesiredDomain, DesiredHost};
use super::observed::{DomainState, ObservedDomain, ObservedHost};
use super::plan::{Action, Change};
use super::reason::Reason;
use super::target::Target;

/// The changes that bring the domains of `host` to the lab's nodes.
pub fn domains(host: &DesiredHost, seen: &ObservedHost) -> Vec<Change> {
    let mut changes = Vec::new();
    for domain in &host.domains {
        let existing = seen.domains.iter().find(|d| d.name == domain.name);
        if let Some((action, reason)) = declared(domain, existing, seen) {
            changes.push(Change {
                host: host.name.clone(),
                target: Target::Node {
                    node: domain.node.clone(),
                    domain: domain.name.clone(),
                    needs: Some(domain.needs.clone()),
                },
                action,
                before: existing.map(describe_observed),
                after: Some(describe_desired(domain)),
                reason,
                attributes: match action {
                    Action::Update | Action::Replace => Some(AttributeDiff::between(
                        existing.and_then(|e| e.record.as_ref()),
                        &domain.record,
                    )),
                    Action::Create | Action::Delete | Action::Start => None,
                },
            });
        }
    }
    for existing in seen
        .domains
        .iter()
        .filter(|d| !host.domains.iter().any(|w| w.name == d.name))
    {
        changes.push(Change {
            host: host.name.clone(),
            target: Target::Node {
                node: existing.node.clone(),
                domain: existing.name.clone(),
                needs: None,
            },
            action: Action::Delete,
            before: Some(describe_observed(existing)),
            after: None,
            reason: Reason::NoLongerInLab,
            attributes: None,
        });
    }
    changes
}

/// What to do with one declared domain, and why; `None` when it is as declared. A domain
/// to rebuild on request (`--replace`) is replaced whatever else it needs, with the reason
/// of a replacement it needs anyway.
fn declared(
    domain: &DesiredDomain,
    existing: Option<&ObservedDomain>,
    seen: &ObservedHost,
) -> Option<(Action, Reason)> {
    let Some(existing) = existing else {
        return Some((Action::Create, Reason::NewNode));
    };
    let needed = needed(domain, existing, seen);
    if !domain.replace {
        return needed;
    }
    match needed {
        Some((Action::Replace, reason)) => Some((Action::Replace, reason)),
        Some((Action::Create | Action::Update | Action::Delete | Action::Start, _)) | None => {
            Some((Action::Replace, Reason::ReplaceRequested))
        }
    }
}

/// What the lab's changes ask of an existing domain.
fn needed(
    domain: &DesiredDomain,
    existing: &ObservedDomain,
    seen: &ObservedHost,
) -> Option<(Action, Reason)> {
    // An inactive pool hides its volumes: none counts as missing then.
    let missing: Vec<&String> = domain
        .volumes
        .iter()
        .filter(|v| seen.pool_exists && !seen.volumes.contains(*v))
        .collect();
    if existing.seed_volume != domain.seed_volume {
        return Some((Action::Replace, Reason::SeedChanged));
    }
    if let Some(image) = &domain.image
        && existing.image != *image
    {
        let (from, to) = (existing.image.clone(), image.clone());
        return Some((Action::Replace, Reason::ImageChanged { from, to }));
    }
    if existing.root_size != domain.root_size {
        return Some((Action::Replace, Reason::RootSizeChanged));
    }
    if let Some(root) = domain.volumes.first().filter(|r| missing.contains(r)) {
        let volume = root.clone();
        return Some((Action::Replace, Reason::RootVolumeMissing { volume }));
    }
    if existing.digest != domain.digest || !missing.is_empty() {
        return Some((Action::Update, Reason::SettingsChanged));
    }
    match existing.state {
        DomainState::Running => None,
        DomainState::ShutOff if existing.stopped_on_purpose => None,
        DomainState::ShutOff => Some((Action::Start, Reason::ShutOff)),
        DomainState::Other => Some((Action::Start, Reason::PausedOrStopped)),
    }
}

fn describe_desired(domain: &DesiredDomain) -> String {
    format!("{} cpu, {} MiB", domain.cpus, domain.memory_kib / 1024)
}

fn describe_observed(domain: &ObservedDomain) -> String {
    format!("{} cpu, {} MiB", domain.cpus, domain.memory_kib / 1024)
}
