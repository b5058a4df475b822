//! `NodePreview`: one node as apply would make it, without a host: its rendered cloud-init
//! files, the seed image and the domain XML (KVM or Xen), for `vlab render`. A preview: with
//! `accel "auto"` apply finds out on the host whether KVM works (this assumes it does), and
//! kernel, initrd and (on Xen) disk paths assume the pool is the directory vlab creates.

use super::PipelineError;
use crate::cloud_init::{self, GuestKeys, RenderedNode};
use crate::host::domain_xml::{DirectBoot, DomainXml};
use crate::host::node_record::NodeRecord;
use crate::host::resource_names::base_volume;
use crate::host::{resource_names, spec_digest};
use crate::lab::choices::Accel;
use crate::lab::host::DEFAULT_POOL;
use crate::lab::{Artifact, Lab, Node};

pub struct NodePreview {
    pub rendered: RenderedNode,
    pub seed: Vec<u8>,
    pub domain_xml: String,
}

impl NodePreview {
    pub fn of(lab: &Lab, node_name: &str) -> Result<NodePreview, PipelineError> {
        let node = lab
            .node(node_name)
            .ok_or_else(|| PipelineError::UnknownNode {
                node: node_name.to_string(),
                known: lab.nodes.iter().map(|n| n.name.clone()).collect(),
            })?;
        let lab_keys = super::node_access::lab_keys(lab)?;
        let keys = GuestKeys::for_node(lab, node, &lab_keys).map_err(|source| {
            super::node_access::AccessError::Keys {
                dir: lab_keys.dir().display().to_string(),
                source,
            }
        })?;
        let rendered = cloud_init::render_with(lab, node, &keys)?;
        let seed = rendered.seed().map_err(PipelineError::SeedImage)?;
        let domain_xml = domain_xml(lab, node, &seed, &rendered);
        Ok(NodePreview {
            rendered,
            seed,
            domain_xml,
        })
    }
}

/// The node's domain XML (KVM or Xen) as apply would define it. A preview: with `accel
/// "auto"` apply finds out on the host whether KVM works (this assumes it does), and kernel,
/// initrd and (on Xen) disk paths assume the pool is the directory vlab creates.
fn domain_xml(lab: &Lab, node: &Node, seed: &[u8], rendered: &RenderedNode) -> String {
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
    let image_digest = lab
        .image(&node.image)
        .and_then(|image| crate::image_store::inline_digest(&image.url, &image.verification));
    let known = [
        (Artifact::Disk, image_digest.cloned()),
        (Artifact::Kernel, kernel),
        (Artifact::Initrd, initrd),
    ]
    .into_iter()
    .filter_map(|(artifact, digest)| Some((artifact.name(&node.image), digest?)))
    .collect();
    let record = NodeRecord::of(node, image, &known, rendered.secret_lines());
    let base_volume = image_digest.map_or_else(
        || format!("{} (digest known once pulled)", node.image),
        base_volume,
    );
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
        record: Some(&record),
    }
    .render()
}
