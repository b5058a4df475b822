//! Building one node on its host: disks, seed, domain XML, define and launch. Also the
//! uploads the node needs (its image files, its seed). Blocking libvirt calls only; the
//! applier runs these off its async threads. Network definitions come in the plan.

use super::{ApplyError, ApplyInputs};
use crate::host::domain_xml::DomainXml;
use crate::host::resource_names as names;
use crate::host::resource_names::base_volume;
use crate::image_store::CachedImage;
use crate::lab::choices::Accel;
use crate::lab::{Artifact, Node};
use crate::libvirt::console_watch::ConsoleWatch;
use crate::libvirt::host_session::HostSession;
use crate::planner::plan::Action;
use std::path::{Path, PathBuf};

/// Uploads a pulled image file (disk, kernel or initrd, each an image change of its own,
/// named by `Artifact::name`) to the host's pool.
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
    let boot_volume = |artifact: Artifact| {
        inputs
            .images
            .get(&artifact.name(&node.image))
            .map(|c: &CachedImage| base_volume(&c.digest))
    };
    let direct_boot = match boot_volume(Artifact::Kernel) {
        Some(kernel) => Some(session.direct_boot(
            &kernel,
            boot_volume(Artifact::Initrd).as_deref(),
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
        record: Some(&node_inputs.record),
    };
    Ok(session.define_and_start(&xml, watch, warn)?)
}

fn upload_seed(
    session: &HostSession,
    inputs: &ApplyInputs,
    volume: &str,
    seed: &[u8],
) -> Result<(), ApplyError> {
    let staged = stage_seed(&inputs.staging, volume, seed)?;
    let result = session
        .uploader
        .place_private(&session.host.pool, volume, &staged, &|_| {})
        .map(|_| ())
        .map_err(|e| ApplyError::Libvirt(e.into()));
    let _ = std::fs::remove_file(&staged);
    result
}

/// Writes the seed (user-data with secrets) into the staging directory for the upload,
/// mode 0600 from the start.
fn stage_seed(staging: &Path, volume: &str, seed: &[u8]) -> Result<PathBuf, ApplyError> {
    let staged = staging.join(volume);
    crate::private_file::write(&staged, seed).map_err(|source| ApplyError::Staging {
        path: staged.clone(),
        source,
    })?;
    Ok(staged)
}

#[cfg(test)]
mod tests {
    use super::stage_seed;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_staged_seed_is_0600() {
        let dir = tempfile::tempdir().expect("tempdir");
        let staged = stage_seed(dir.path(), "vlab_web_lb_seed_1.img", b"seed").expect("staged");
        let mode = std::fs::metadata(&staged)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(std::fs::read(&staged).expect("read"), b"seed");
    }
}
