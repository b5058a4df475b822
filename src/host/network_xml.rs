//! `NetworkXml`: the libvirt network XML of a lab network or of a link.
//!
//! - `nat`, `route`: a vlab bridge with the gateway address, libvirt's dnsmasq for DHCP and
//!   DNS (with a DHCP host and a DNS name for every static address, so nodes resolve each
//!   other by name);
//! - `isolated`: the same without forwarding (no way out);
//! - `bridge`: a libvirt network over an existing host bridge (addresses come from outside);
//! - a link: a private bridge with no address, no DHCP and no forwarding, which only its two
//!   guests join.
//!
//! Every bridge vlab makes has STP off: a Linux bridge with STP on holds each new port in
//! the listening and learning states for at least 2 s each, whatever `delay` says, so a
//! guest whose QEMU process is new (a reset, a snapshot restored, a start) could not be
//! reached for 4 s. A lab bridge has the host and its guests' taps on it, no second path to
//! loop over.
//!
//! Networks carry no metadata (libvirt 9.0 has no network metadata): vlab owns the networks
//! named `vlab-<lab>-...`. Writing only; defining networks is the host backend's job.

use super::resource_names as names;
use super::xml_element::XmlElement;
use crate::lab::choices::NetworkMode;
use crate::lab::{Attachment, Lab, Link, Network};

pub fn network(lab: &Lab, network: &Network) -> XmlElement {
    let name = names::network(&lab.name, &network.name);
    let base = XmlElement::new("network").child(XmlElement::leaf("name", &name));
    if network.mode == NetworkMode::Bridge {
        return base
            .child(XmlElement::new("forward").attr("mode", "bridge"))
            .child(
                XmlElement::new("bridge")
                    .attr("name", network.bridge.as_deref().unwrap_or_default()),
            );
    }
    let forward = match network.mode {
        NetworkMode::Nat => Some(XmlElement::new("forward").attr("mode", "nat")),
        NetworkMode::Route => Some(XmlElement::new("forward").attr("mode", "route")),
        NetworkMode::Isolated | NetworkMode::Bridge => None,
    };
    let statics = static_hosts(lab, network);
    let mut xml = base
        .maybe(forward)
        .child(
            XmlElement::new("bridge")
                .attr("name", names::bridge(&lab.name, &network.name))
                .attr("stp", "off")
                .attr("delay", 0),
        )
        .maybe(network.domain.as_ref().map(|d| {
            XmlElement::new("domain")
                .attr("name", d)
                .attr("localOnly", "yes")
        }));
    if let Some(plan) = &network.ipv4 {
        if !statics.is_empty() {
            xml = xml.child(XmlElement::new("dns").children(statics.iter().map(
                |(_, host, ip)| {
                    XmlElement::new("host")
                        .attr("ip", ip)
                        .child(XmlElement::leaf("hostname", host))
                },
            )));
        }
        let dhcp = plan.dhcp.map(|range| {
            XmlElement::new("dhcp")
                .child(
                    XmlElement::new("range")
                        .attr("start", range.start)
                        .attr("end", range.end),
                )
                .children(statics.iter().map(|(mac, host, ip)| {
                    XmlElement::new("host")
                        .attr("mac", mac)
                        .attr("name", host)
                        .attr("ip", ip)
                }))
        });
        xml = xml.child(
            XmlElement::new("ip")
                .attr("address", plan.gateway)
                .attr("prefix", plan.cidr.prefix_len())
                .maybe(dhcp),
        );
    }
    xml
}

/// A link's private network: a bridge only its two guests join.
pub fn link(lab: &Lab, link: &Link) -> XmlElement {
    XmlElement::new("network")
        .child(XmlElement::leaf(
            "name",
            names::link_network(&lab.name, &link.name),
        ))
        .child(
            XmlElement::new("bridge")
                .attr(
                    "name",
                    names::bridge(&lab.name, &format!("link:{}", link.name)),
                )
                .attr("stp", "off")
                .attr("delay", 0),
        )
}

/// (MAC, hostname, address) of every interface with a static address on `network`.
fn static_hosts(lab: &Lab, network: &Network) -> Vec<(String, String, String)> {
    let mut hosts = Vec::new();
    for node in &lab.nodes {
        for interface in &node.interfaces {
            if interface.attachment == Attachment::Network(network.name.clone())
                && let Some(address) = interface.address
            {
                hosts.push((
                    interface.mac.to_string(),
                    node.name.clone(),
                    address.to_string(),
                ));
            }
        }
    }
    hosts
}
