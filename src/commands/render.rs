//! `vlab render NODE`: a node's rendered cloud-init files and seed, printed for review
//! (secrets masked) or written to a directory with the node's domain XML (mode 0600: they
//! may hold secrets).

use super::validate::load_lab;
use super::{CommandError, ExitStatus};
use crate::cli::LabArgs;
use crate::cloud_init::{self, RenderedNode, ssh_keys};
use crate::host::domain_xml::{DirectBoot, DomainXml};
use crate::host::resource_names::base_volume;
use crate::host::{resource_names, spec_digest};
use crate::lab::choices::Accel;
use crate::lab::host::DEFAULT_POOL;
use crate::lab::{Lab, Node};
use crate::language::name_rules::unknown_help;
use crate::output::Output;
use serde_json::json;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

pub fn run(
    args: &LabArgs,
    node_name: &str,
    out_dir: Option<&Path>,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let (_, lab) = load_lab(args, out)?;
    let Some(node) = lab.node(node_name) else {
        return Err(CommandError::with_help(
            format!("the lab has no node `{node_name}`"),
            unknown_help("node", node_name, lab.nodes.iter().map(|n| n.name.as_str())),
        ));
    };
    let keys = ssh_keys::for_lab(&lab.ssh_keys);
    let rendered = cloud_init::render(&lab, node, &keys).map_err(|e| match &e.help {
        Some(help) => CommandError::with_help(e.to_string(), help.clone()),
        None => CommandError::new(e.to_string()),
    })?;
    let seed = rendered
        .seed()
        .map_err(|e| CommandError::new(format!("cannot build the seed image: {e}")))?;
    let domain = domain_xml(&lab, node, &seed);
    match out_dir {
        Some(dir) => write_files(dir, &rendered, &seed, &domain, out)?,
        None => print_files(&rendered, seed.len(), out),
    }
    if keys.is_empty() && !out.quiet {
        eprintln!(
            "{}: no SSH keys: the lab has no `ssh-key` and ~/.ssh holds no *.pub; the user cannot log in over SSH",
            out.warning_word()
        );
    }
    Ok(ExitStatus::Success)
}

fn print_files(rendered: &RenderedNode, seed_len: usize, out: &Output) {
    if out.json {
        let files: serde_json::Map<String, serde_json::Value> = rendered
            .files()
            .into_iter()
            .map(|(name, text)| (name.to_string(), json!(rendered.masked(text))))
            .collect();
        crate::outln!(
            "{}",
            json!({"node": rendered.node, "instance_id": rendered.instance_id, "files": files, "seed_bytes": seed_len})
        );
        return;
    }
    for (name, text) in rendered.files() {
        crate::outln!("{}", out.dim(&format!("--- {name} ---")));
        crate::outln!("{}", rendered.masked(text).trim_end());
    }
    if !out.quiet {
        eprintln!(
            "node {}: instance-id {}, seed {} bytes (vfat, label cidata)",
            rendered.node, rendered.instance_id, seed_len
        );
    }
}

/// The node's domain XML (KVM or Xen) as apply would define it. A preview: with `accel
/// "auto"` apply finds out on the host whether KVM works (this assumes it does), and kernel,
/// initrd and (on Xen) disk paths assume the pool is the directory vlab creates.
fn domain_xml(lab: &Lab, node: &Node, seed: &[u8]) -> String {
    let host = lab.host(&node.host);
    let pool = host.map_or(DEFAULT_POOL, |h| h.pool.as_str());
    let kvm = matches!(host.and_then(|h| h.accel), Some(Accel::Auto | Accel::Kvm));
    let pool_dir = format!("/var/lib/libvirt/images/{pool}");
    let boot_path = |file: &crate::lab::BootFile| match &file.checksum {
        Some(digest) => format!("{pool_dir}/{}", base_volume(digest)),
        None => format!(
            "{pool_dir}/{}",
            crate::image_store::checksums_file::file_name_of(&file.url)
        ),
    };
    let direct_boot = lab.image(&node.image).and_then(|image| {
        image.kernel.as_ref().map(|kernel| DirectBoot {
            kernel: boot_path(kernel),
            initrd: image.initrd.as_ref().map(boot_path),
            cmdline: image.cmdline.clone(),
        })
    });
    let seed_volume = resource_names::seed_volume(&lab.name, &node.name, seed);
    let image = lab.image(&node.image);
    let inline = |f: Option<&crate::lab::BootFile>| f.and_then(|f| f.checksum.clone());
    let kernel = inline(image.and_then(|i| i.kernel.as_ref()));
    let initrd = inline(image.and_then(|i| i.initrd.as_ref()));
    let digest = spec_digest::node_digest(node, image, (kernel.as_ref(), initrd.as_ref()), seed);
    // Known from an inline checksum of an uncompressed image; else once apply has pulled it.
    let base_volume = lab
        .image(&node.image)
        .and_then(|image| crate::image_store::inline_digest(&image.url, &image.verification))
        .map(base_volume)
        .unwrap_or_else(|| format!("{} (digest known once pulled)", node.image));
    DomainXml {
        lab,
        node,
        pool,
        pool_dir: &pool_dir,
        kvm,
        seed_volume: &seed_volume,
        base_volume: &base_volume,
        direct_boot,
        spec_digest: &digest,
    }
    .render()
}

fn write_files(
    dir: &Path,
    rendered: &RenderedNode,
    seed: &[u8],
    domain: &str,
    out: &Output,
) -> Result<(), CommandError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CommandError::new(format!("cannot create {}: {e}", dir.display())))?;
    let mut written = Vec::new();
    for (name, text) in rendered.files() {
        written.push(write_private(&dir.join(name), text.as_bytes())?);
    }
    written.push(write_private(&dir.join("seed.img"), seed)?);
    written.push(write_private(&dir.join("domain.xml"), domain.as_bytes())?);
    if out.json {
        crate::outln!(
            "{}",
            json!({"node": rendered.node, "instance_id": rendered.instance_id, "written": written})
        );
    } else if !out.quiet {
        for path in &written {
            crate::outln!("{path}");
        }
    }
    Ok(())
}

/// Writes a file readable by its owner only (rendered data may hold secrets).
fn write_private(path: &Path, data: &[u8]) -> Result<String, CommandError> {
    let error =
        |e: std::io::Error| CommandError::new(format!("cannot write {}: {e}", path.display()));
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(error)?;
    file.write_all(data).map_err(error)?;
    Ok(path.display().to_string())
}
