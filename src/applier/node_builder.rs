//! Building one node on its host: disks, seed, domain XML, define and launch. Also the
//! uploads the node needs (its image, its seed) and the declared XML of a network. Blocking
//! libvirt calls only; the applier runs these off its async threads.

use super::{ApplyError, ApplyInputs};
use crate::host::domain_xml::DomainXml;
use crate::host::resource_names as names;
use crate::host::resource_names::base_volume;
use crate::image_store::CachedImage;
use crate::lab::choices::Accel;
use crate::lab::{Lab, Node};
use crate::libvirt::console_watch::ConsoleWatch;
use crate::libvirt::host_session::HostSession;
use crate::planner::plan::Action;

/// The declared XML of a lab network or link network named `name`.
pub fn network_xml(lab: &Lab, name: &str) -> Result<String, ApplyError> {
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
        .ok_or_else(|| ApplyError::UnknownNetwork(name.to_string()))
}

/// Uploads a pulled image, kernel or initrd (each is an image change of its own: `<image>`,
/// `<image>-kernel`, `<image>-initrd`) to the host's pool.
pub fn upload_image(
    session: &HostSession,
    inputs: &ApplyInputs,
    image: &str,
) -> Result<(), ApplyError> {
    let cached = inputs
        .images
        .get(image)
        .ok_or_else(|| ApplyError::NotPulled(image.to_string()))?;
    Ok(session.place_base(&cached.path, &cached.digest)?)
}

/// Creates, rebuilds or updates the node's domain and starts it. With `watch`, the domain
/// starts paused and its console is attached before it runs, for the readiness wait;
/// `force_tcg` uses software emulation whatever the host's `accel` says.
pub fn build_node(
    session: &HostSession,
    inputs: &ApplyInputs,
    node: &Node,
    action: Action,
    watch: bool,
    force_tcg: bool,
    warn: &dyn Fn(String),
) -> Result<Option<ConsoleWatch>, ApplyError> {
    let lab = &inputs.lab;
    let node_inputs = inputs
        .nodes
        .get(&node.name)
        .ok_or_else(|| ApplyError::NotRendered(node.name.clone()))?;
    let image = lab
        .image(&node.image)
        .ok_or_else(|| ApplyError::UnknownImage(node.image.clone()))?;
    let cached = inputs
        .images
        .get(&node.image)
        .ok_or_else(|| ApplyError::NotPulled(node.image.clone()))?;
    let base = base_volume(&cached.digest);
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
            .map(|c: &CachedImage| base_volume(&c.digest))
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
        kvm: !force_tcg && matches!(session.host.accel, Some(Accel::Auto | Accel::Kvm)),
        seed_volume: &seed_volume,
        base_volume: &base,
        direct_boot,
        spec_digest: &node_inputs.digest,
    };
    Ok(session.define_and_start(&xml, watch, warn)?)
}

fn upload_seed(
    session: &HostSession,
    inputs: &ApplyInputs,
    volume: &str,
    seed: &[u8],
) -> Result<(), ApplyError> {
    let staged = inputs.staging.join(volume);
    std::fs::write(&staged, seed).map_err(|source| ApplyError::Staging {
        path: staged.clone(),
        source,
    })?;
    let result = session
        .uploader
        .place_named(&session.host.pool, volume, &staged, &|_| {})
        .map(|_| ())
        .map_err(|e| ApplyError::Libvirt(e.into()));
    let _ = std::fs::remove_file(&staged);
    result
}
