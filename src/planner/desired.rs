//! `Desired`: what the hosts should hold for a lab, per host: the pool, base images,
//! networks (lab networks and links), and each node's domain and volumes.
//!
//! Built from the checked `Lab`, each node's rendered seed and the images' digests (from the
//! cache; `None` for an image not pulled yet). No I/O here: callers render and look up.

use crate::checksum::Checksum;
use crate::host::resource_names::base_volume;
use crate::host::{network_xml, resource_names as names};
use crate::lab::Lab;
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
    /// Base image volumes: image name and its volume (`None` until the image is pulled).
    pub images: Vec<(String, Option<String>)>,
    pub networks: Vec<DesiredNetwork>,
    pub domains: Vec<DesiredDomain>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredNetwork {
    pub name: String,
    /// The network's definition as vlab writes it; compared with what the host holds.
    pub xml: String,
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
}

/// Per node: its seed (rendered) and spec digest, computed by the caller.
pub struct NodeInputs {
    pub seed: Vec<u8>,
    pub digest: String,
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
            let on_host: Vec<_> = lab.nodes.iter().filter(|n| n.host == host.name).collect();
            // Each image, and its direct-boot kernel and initrd as images of their own.
            let mut images: Vec<(String, Option<String>)> = Vec::new();
            for node in &on_host {
                let Some(image) = lab.image(&node.image) else {
                    continue;
                };
                for name in image.artifacts().iter().map(|(a, ..)| a.name(&image.name)) {
                    if !images.iter().any(|(n, _)| *n == name) {
                        let volume = image_digests.get(&name).map(base_volume);
                        images.push((name, volume));
                    }
                }
            }
            let networks =
                lab.networks
                    .iter()
                    .filter(|n| n.hosts.contains(&host.name))
                    .map(|n| DesiredNetwork {
                        name: names::network(&lab.name, &n.name),
                        xml: network_xml::network(lab, n).render(),
                    })
                    .chain(lab.links.iter().filter(|l| l.host == host.name).map(|l| {
                        DesiredNetwork {
                            name: names::link_network(&lab.name, &l.name),
                            xml: network_xml::link(lab, l).render(),
                        }
                    }))
                    .collect();
            let domains = on_host
                .iter()
                .filter_map(|node| {
                    let inputs = nodes.get(&node.name)?;
                    let seed_volume = names::seed_volume(&lab.name, &node.name, &inputs.seed);
                    let mut volumes = vec![names::root_volume(&lab.name, &node.name)];
                    volumes.extend(
                        node.disks
                            .iter()
                            .map(|d| names::disk_volume(&lab.name, &node.name, &d.name)),
                    );
                    volumes.push(seed_volume.clone());
                    Some(DesiredDomain {
                        name: names::domain(&lab.name, &node.name),
                        node: node.name.clone(),
                        digest: inputs.digest.clone(),
                        image: image_digests.get(&node.image).map(base_volume),
                        seed_volume,
                        root_size: node.disk_size.map(|s| s.bytes()),
                        cpus: node.cpus,
                        memory_kib: node.memory.bytes() / 1024,
                        volumes,
                    })
                })
                .collect();
            DesiredHost {
                name: host.name.clone(),
                pool: host.pool.clone(),
                images,
                networks,
                domains,
            }
        })
        .collect();
    Desired {
        lab: lab.name.clone(),
        hosts,
    }
}
