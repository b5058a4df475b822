//! The applier: carries out a `Plan` on the lab's hosts. It decides nothing: every step is a
//! change the planner listed, done in an order that respects dependencies (images and
//! networks before the nodes on them; deletions before creations that reuse names). Hosts
//! are worked on in parallel; within a host, a change whose prerequisite failed is skipped,
//! and everything independent still runs. The report says what was and was not done, and the
//! next plan picks up from there.

pub mod host_session;

use crate::checksum::Checksum;
use crate::host::domain_xml::DomainXml;
use crate::host::resource_names as names;
use crate::image_store::CachedImage;
use crate::lab::choices::Accel;
use crate::lab::{Host, Lab, Node};
use crate::planner::desired::NodeInputs;
use crate::planner::plan::{Action, Change, Plan, ResourceKind};
use crate::pool_upload::base_volume_name;
use host_session::HostSession;
use std::collections::BTreeMap;
use std::path::Path;

/// How the applier tells the outside what it does.
pub trait ApplyReporter: Send + Sync {
    fn started(&self, change: &Change);
    fn done(&self, change: &Change);
    fn failed(&self, change: &Change, error: &str);
    fn skipped(&self, change: &Change, why: &str);
    fn warn(&self, text: &str);
}

/// What happened to each change, by address.
#[derive(Debug, Default, serde::Serialize)]
pub struct ApplyReport {
    pub done: Vec<String>,
    pub failed: Vec<(String, String)>,
    pub skipped: Vec<(String, String)>,
}

/// Everything the applier needs besides the plan: the lab, each node's seed and digest, the
/// pulled images (by lab image name, including `<image>-kernel` and `<image>-initrd`), and a
/// directory to stage seeds in before upload.
pub struct ApplyInputs<'a> {
    pub lab: &'a Lab,
    pub nodes: &'a BTreeMap<String, NodeInputs>,
    pub images: &'a BTreeMap<String, CachedImage>,
    pub staging: &'a Path,
}

pub fn apply(plan: &Plan, inputs: &ApplyInputs<'_>, reporter: &dyn ApplyReporter) -> ApplyReport {
    let reports: Vec<ApplyReport> = std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .lab
            .hosts
            .iter()
            .filter(|h| plan.changes.iter().any(|c| c.host == h.name))
            .map(|host| scope.spawn(move || apply_host(plan, inputs, host, reporter)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut report = ApplyReport::default();
    for r in reports {
        report.done.extend(r.done);
        report.failed.extend(r.failed);
        report.skipped.extend(r.skipped);
    }
    report
}

/// The phases of one host, in dependency order.
const PHASES: [(ResourceKind, &[Action]); 7] = [
    (ResourceKind::Pool, &[Action::Create]),
    (ResourceKind::Node, &[Action::Delete]),
    (ResourceKind::Volume, &[Action::Delete]),
    (ResourceKind::Network, &[Action::Delete]),
    (ResourceKind::Image, &[Action::Create]),
    (
        ResourceKind::Network,
        &[Action::Create, Action::Replace, Action::Start],
    ),
    (
        ResourceKind::Node,
        &[
            Action::Create,
            Action::Replace,
            Action::Update,
            Action::Start,
        ],
    ),
];

fn apply_host(
    plan: &Plan,
    inputs: &ApplyInputs<'_>,
    host: &Host,
    reporter: &dyn ApplyReporter,
) -> ApplyReport {
    let mut report = ApplyReport::default();
    let changes: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| c.host == host.name)
        .collect();
    let session = match HostSession::open(inputs.lab, host) {
        Ok(session) => session,
        Err(e) => {
            for change in changes {
                reporter.failed(change, &e);
                report.failed.push((change.address(), e.clone()));
            }
            return report;
        }
    };
    let mut failed_kinds: Vec<ResourceKind> = Vec::new();
    for (kind, actions) in PHASES {
        for change in changes
            .iter()
            .filter(|c| c.kind == kind && actions.contains(&c.action))
        {
            // Nodes need the pool, their image and their networks; images need the pool.
            let blocked = match change.kind {
                ResourceKind::Node if change.action != Action::Delete => {
                    failed_kinds.iter().find(|k| {
                        matches!(
                            k,
                            ResourceKind::Pool | ResourceKind::Image | ResourceKind::Network
                        )
                    })
                }
                ResourceKind::Image => failed_kinds.iter().find(|k| **k == ResourceKind::Pool),
                _ => None,
            };
            if let Some(kind) = blocked {
                let why = format!("a {} it depends on failed", kind.word());
                reporter.skipped(change, &why);
                report.skipped.push((change.address(), why));
                continue;
            }
            reporter.started(change);
            match carry_out(&session, inputs, change, reporter) {
                Ok(()) => {
                    reporter.done(change);
                    report.done.push(change.address());
                }
                Err(e) => {
                    reporter.failed(change, &e);
                    report.failed.push((change.address(), e));
                    failed_kinds.push(change.kind);
                }
            }
        }
    }
    report
}

fn carry_out(
    session: &HostSession<'_>,
    inputs: &ApplyInputs<'_>,
    change: &Change,
    reporter: &dyn ApplyReporter,
) -> Result<(), String> {
    let lab = inputs.lab;
    match (change.kind, change.action) {
        (ResourceKind::Pool, _) => session.ensure_pool(),
        (ResourceKind::Image, _) => upload_image(session, inputs, &change.name),
        (ResourceKind::Volume, _) => session.delete_volume(&change.name),
        (ResourceKind::Network, Action::Delete) => session.delete_network(&change.name),
        (ResourceKind::Network, Action::Start) => session.start_network(&change.name),
        (ResourceKind::Network, _) => {
            session.delete_network(&change.name)?;
            session.define_network(&change.name, &network_xml(lab, &change.name)?)
        }
        (ResourceKind::Node, Action::Delete) => session.delete_domain(&change.name),
        (ResourceKind::Node, Action::Start) => session.start_domain(&change.name),
        (ResourceKind::Node, action) => {
            let node = lab
                .nodes
                .iter()
                .find(|n| names::domain(&lab.name, &n.name) == change.name)
                .ok_or_else(|| format!("no node for domain {}", change.name))?;
            build_node(session, inputs, node, action, reporter)
        }
    }
}

/// The declared XML of a lab network or link network named `name`.
fn network_xml(lab: &Lab, name: &str) -> Result<String, String> {
    use crate::host::network_xml;
    if let Some(network) = lab
        .networks
        .iter()
        .find(|n| names::network(&lab.name, &n.name) == name)
    {
        return Ok(network_xml::network(lab, network).render());
    }
    lab.links
        .iter()
        .find(|l| names::link_network(&lab.name, &l.name) == name)
        .map(|l| network_xml::link(lab, l).render())
        .ok_or_else(|| format!("no network of the lab is named {name}"))
}

/// Uploads a pulled image (and its kernel and initrd, if any) to the host's pool.
fn upload_image(
    session: &HostSession<'_>,
    inputs: &ApplyInputs<'_>,
    image: &str,
) -> Result<(), String> {
    for name in [
        image.to_string(),
        format!("{image}-kernel"),
        format!("{image}-initrd"),
    ] {
        if let Some(cached) = inputs.images.get(&name) {
            session
                .uploader
                .place(&session.host.pool, &cached.path, &cached.digest, &|_| {})
                .map_err(|e| e.to_string())?;
        }
    }
    if inputs.images.contains_key(image) {
        Ok(())
    } else {
        Err(format!("image `{image}` was not pulled"))
    }
}

fn build_node(
    session: &HostSession<'_>,
    inputs: &ApplyInputs<'_>,
    node: &Node,
    action: Action,
    reporter: &dyn ApplyReporter,
) -> Result<(), String> {
    let lab = inputs.lab;
    let node_inputs = inputs
        .nodes
        .get(&node.name)
        .ok_or_else(|| format!("node `{}` was not rendered", node.name))?;
    let image = lab
        .image(&node.image)
        .ok_or_else(|| format!("image `{}` is not in the lab", node.image))?;
    let cached = inputs
        .images
        .get(&node.image)
        .ok_or_else(|| format!("image `{}` was not pulled", node.image))?;
    let base = base_volume_name(&cached.digest);
    let seed_volume = names::seed_volume(&lab.name, &node.name, &node_inputs.seed);
    let domain = names::domain(&lab.name, &node.name);
    if action == Action::Replace {
        session.delete_domain(&domain)?;
    }
    session.create_disks(
        node,
        &base,
        image.format,
        matches!(action, Action::Create | Action::Replace),
    )?;
    upload_seed(session, inputs, &seed_volume, &node_inputs.seed)?;
    let boot_volume = |suffix: &str| {
        inputs
            .images
            .get(&format!("{}-{suffix}", node.image))
            .map(|c: &CachedImage| base_volume_name(&c.digest))
    };
    let direct_boot = match boot_volume("kernel") {
        Some(kernel) => Some(session.direct_boot(
            &kernel,
            boot_volume("initrd").as_deref(),
            image.cmdline.clone(),
        )?),
        None => None,
    };
    let pool_dir = session.pool_path()?;
    let xml = DomainXml {
        lab,
        node,
        pool: &session.host.pool,
        pool_dir: &pool_dir,
        // Xen hosts have no `accel`: their guests never get KVM's domain type or its fallback.
        kvm: matches!(session.host.accel, Some(Accel::Auto | Accel::Kvm)),
        seed_volume: &seed_volume,
        base_volume: &base,
        direct_boot,
        spec_digest: &node_inputs.digest,
    };
    let warn = |text: String| reporter.warn(&text);
    match action {
        Action::Update => session.redefine(&xml),
        _ => session.define_and_start(&xml, &warn),
    }
}

fn upload_seed(
    session: &HostSession<'_>,
    inputs: &ApplyInputs<'_>,
    volume: &str,
    seed: &[u8],
) -> Result<(), String> {
    let staged = inputs.staging.join(volume);
    std::fs::write(&staged, seed)
        .map_err(|e| format!("cannot stage the seed {}: {e}", staged.display()))?;
    let result = session
        .uploader
        .place_named(&session.host.pool, volume, &staged, &|_| {})
        .map(|_| ())
        .map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&staged);
    result
}

/// The digest of a pulled image, for the planner's desired state.
pub fn digests(images: &BTreeMap<String, CachedImage>) -> BTreeMap<String, Checksum> {
    images
        .iter()
        .map(|(name, image)| (name.clone(), image.digest.clone()))
        .collect()
}
