//! `Desired`: what the hosts should hold for a lab, per host: the pool, base images,
//! networks (lab networks and links, each with its XML and that XML's `NetworkSummary`), and
//! each node's domain and volumes.
//!
//! Built from the checked `Lab`, each node's rendered seed and the images' digests (from the
//! cache; `None` for an image not pulled yet). No I/O here: callers render and look up.

use super::observed::NetworkSummary;
use super::target::NodeNeeds;
use crate::checksum::Checksum;
use crate::host::node_record::NodeRecord;
use crate::host::resource_names::base_volume;
use crate::host::{network_xml, resource_names as names};
use crate::lab::{Artifact, Lab, Node};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    pub lab: String,
    pub hosts: Vec<DesiredHost>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredHost {
    pub name: String,
    pub pool: String,
    /// Each file of the images its nodes boot, once each.
    pub images: Vec<DesiredImage>,
    pub networks: Vec<DesiredNetwork>,
    pub domains: Vec<DesiredDomain>,
}

/// One file of a lab image, as a base volume on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredImage {
    pub image: String,
    pub artifact: Artifact,
    /// Its base volume, `None` until the file is pulled (its digest is unknown until then).
    pub volume: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredNetwork {
    pub name: String,
    /// The network's definition as vlab writes it.
    pub xml: String,
    /// `xml` reduced to what is compared with what the host holds. Read from `xml` by the
    /// same reader as the host's definitions, so both sides are reduced alike.
    pub summary: NetworkSummary,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredDomain {
    pub name: String,
    pub node: String,
    /// Digest of the node's whole declared spec (seed included), kept in the metadata.
    pub digest: String,
    /// The parts whose change means a rebuild rather than an update in place. `image` is the
    /// base volume, `None` when this machine cannot know it (an image verified by a checksums
    /// file and not in the local cache): then the image is not compared.
    pub image: Option<String>,
    pub seed_volume: String,
    pub root_size: Option<u64>,
    pub cpus: u32,
    pub memory_kib: u64,
    /// Every volume the node owns: root overlay, extra disks, seed.
    pub volumes: Vec<String>,
    /// The lab image and host networks building it needs.
    pub needs: NodeNeeds,
    /// What the domain is built from, compared with the record the host keeps to say what
    /// an update or a replace changes.
    pub record: NodeRecord,
    /// Rebuild it even if nothing changed (`--replace`, marked by `Targeting`).
    pub replace: bool,
}

/// Per node: its seed (rendered), spec digest and record, computed by the caller.
pub struct NodeInputs {
    pub seed: Vec<u8>,
    pub digest: String,
    /// What its domain is built from (kept in the domain's metadata).
    pub record: NodeRecord,
}

pub fn desired(
    lab: &Lab,
    nodes: &BTreeMap<String, NodeInputs>,
    image_digests: &BTreeMap<String, Checksum>,
) -> Desired {
    let hosts = lab
        .hosts
        .iter()
        .map(|host| {
            let on_host: Vec<&Node> = lab.nodes.iter().filter(|n| n.host == host.name).collect();
            DesiredHost {
                name: host.name.clone(),
                pool: host.pool.clone(),
                images: images(lab, &on_host, image_digests),
                networks: networks(lab, &host.name),
                domains: on_host
                    .iter()
                    .filter_map(|node| {
                        let inputs = nodes.get(&node.name)?;
                        Some(domain(lab, node, inputs, image_digests))
                    })
                    .collect(),
            }
        })
        .collect();
    Desired {
        lab: lab.name.clone(),
        hosts,
    }
}

/// Each image the nodes boot, and its direct-boot kernel and initrd as images of their own.
fn images(
    lab: &Lab,
    on_host: &[&Node],
    image_digests: &BTreeMap<String, Checksum>,
) -> Vec<DesiredImage> {
    let mut images: Vec<DesiredImage> = Vec::new();
    for image in on_host.iter().filter_map(|node| lab.image(&node.image)) {
        for (artifact, ..) in image.artifacts() {
            if !images
                .iter()
                .any(|i| i.image == image.name && i.artifact == artifact)
            {
                images.push(DesiredImage {
                    image: image.name.clone(),
                    artifact,
                    volume: image_digests
                        .get(&artifact.name(&image.name))
                        .map(base_volume),
                });
            }
        }
    }
    images
}

/// The lab networks on `host`, then the networks of the links there.
fn networks(lab: &Lab, host: &str) -> Vec<DesiredNetwork> {
    let written = |name: String, xml: String| DesiredNetwork {
        name,
        summary: NetworkSummary::from_xml(&xml).unwrap_or_default(),
        xml,
    };
    lab.networks
        .iter()
        .filter(|n| n.hosts.iter().any(|h| h == host))
        .map(|n| {
            written(
                names::network(&lab.name, &n.name),
                network_xml::network(lab, n).render(),
            )
        })
        .chain(lab.links.iter().filter(|l| l.host == host).map(|l| {
            written(
                names::link_network(&lab.name, &l.name),
                network_xml::link(lab, l).render(),
            )
        }))
        .collect()
}

fn domain(
    lab: &Lab,
    node: &Node,
    inputs: &NodeInputs,
    image_digests: &BTreeMap<String, Checksum>,
) -> DesiredDomain {
    let seed_volume = names::seed_volume(&lab.name, &node.name, &inputs.seed);
    let mut volumes = vec![names::root_volume(&lab.name, &node.name)];
    volumes.extend(
        node.disks
            .iter()
            .map(|d| names::disk_volume(&lab.name, &node.name, &d.name)),
    );
    volumes.push(seed_volume.clone());
    DesiredDomain {
        name: names::domain(&lab.name, &node.name),
        node: node.name.clone(),
        digest: inputs.digest.clone(),
        image: image_digests.get(&node.image).map(base_volume),
        seed_volume,
        root_size: node.disk_size.map(super::super::byte_size::ByteSize::bytes),
        cpus: node.cpus,
        memory_kib: node.memory.bytes() / 1024,
        volumes,
        needs: NodeNeeds {
            image: node.image.clone(),
            networks: node
                .interfaces
                .iter()
                .map(|i| names::attachment_network(&lab.name, &i.attachment))
                .collect(),
        },
        record: inputs.record.clone(),
        replace: false,
    }
}
