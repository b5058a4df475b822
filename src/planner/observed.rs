//! `Observed`: what the lab's hosts actually hold, as the observer read it, reduced to what
//! the planner compares. Data only: reading it from libvirt is the observer's job.

use crate::host::node_record::NodeRecord;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Observed {
    pub hosts: Vec<ObservedHost>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObservedHost {
    pub name: String,
    pub pool_exists: bool,
    /// Names of the volumes in vlab's pool.
    pub volumes: BTreeSet<String>,
    /// Networks named with the lab's prefix.
    pub networks: Vec<ObservedNetwork>,
    /// Domains whose metadata names the lab.
    pub domains: Vec<ObservedDomain>,
    /// Every other domain on the host, by name: the lab must not take these names.
    pub foreign_domains: Vec<ForeignDomain>,
}

/// A domain the lab does not own: no vlab metadata, or metadata naming another lab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignDomain {
    pub name: String,
    /// The vlab lab that owns it, `None` when vlab did not create it.
    pub lab: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedNetwork {
    pub name: String,
    /// The parts of its definition vlab sets, normalised (see `NetworkSummary`).
    pub summary: NetworkSummary,
    pub active: bool,
}

/// A network definition reduced to what vlab decides: libvirt adds UUIDs, MACs and defaults
/// that must not count as drift.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkSummary {
    pub forward: Option<String>,
    pub bridge: Option<String>,
    pub domain: Option<String>,
    pub ip: Option<String>,
    pub dhcp_range: Option<String>,
    /// `mac name ip` of each DHCP host entry, sorted.
    pub dhcp_hosts: Vec<String>,
    /// `ip hostname...` of each DNS host entry, sorted.
    pub dns_hosts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedDomain {
    pub name: String,
    pub node: String,
    pub digest: String,
    pub image: String,
    pub seed_volume: String,
    pub root_size: Option<u64>,
    pub cpus: u32,
    pub memory_kib: u64,
    pub state: DomainState,
    /// `vlab stop` stopped it (its power record): shut off is then as wanted, not drift.
    pub stopped_on_purpose: bool,
    /// What apply built it from (its metadata's record); `None` for a domain built by a
    /// vlab that kept no record, or one whose record this vlab cannot read.
    pub record: Option<NodeRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainState {
    Running,
    ShutOff,
    /// Paused, crashed, suspended, starting: anything vlab does not converge from.
    Other,
}

impl NetworkSummary {
    /// Reads the summary out of network XML (as vlab writes it, or as libvirt returns it).
    pub fn from_xml(xml: &str) -> Option<NetworkSummary> {
        let doc = roxmltree::Document::parse(xml).ok()?;
        let root = doc.root_element();
        let child = |name: &str| root.children().find(|n| n.has_tag_name(name));
        let ip = child("ip");
        let dhcp = ip.and_then(|ip| ip.children().find(|n| n.has_tag_name("dhcp")));
        let range = dhcp.and_then(|d| d.children().find(|n| n.has_tag_name("range")));
        let mut dhcp_hosts: Vec<String> = dhcp
            .map(|d| {
                d.children()
                    .filter(|n| n.has_tag_name("host"))
                    .map(|h| {
                        format!(
                            "{} {} {}",
                            h.attribute("mac").unwrap_or_default(),
                            h.attribute("name").unwrap_or_default(),
                            h.attribute("ip").unwrap_or_default()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        dhcp_hosts.sort();
        let mut dns_hosts: Vec<String> = child("dns")
            .map(|dns| {
                dns.children()
                    .filter(|n| n.has_tag_name("host"))
                    .map(|h| {
                        let mut entry = h.attribute("ip").unwrap_or_default().to_string();
                        for name in h.children().filter(|n| n.has_tag_name("hostname")) {
                            entry.push(' ');
                            entry.push_str(name.text().unwrap_or_default().trim());
                        }
                        entry
                    })
                    .collect()
            })
            .unwrap_or_default();
        dns_hosts.sort();
        Some(NetworkSummary {
            forward: child("forward")
                .and_then(|f| f.attribute("mode"))
                .map(str::to_string),
            bridge: child("bridge")
                .and_then(|b| b.attribute("name"))
                .map(str::to_string),
            domain: child("domain")
                .and_then(|d| d.attribute("name"))
                .map(str::to_string),
            ip: ip.map(|ip| {
                format!(
                    "{}/{}",
                    ip.attribute("address").unwrap_or_default(),
                    ip.attribute("prefix").unwrap_or_default()
                )
            }),
            dhcp_range: range.map(|r| {
                format!(
                    "{}-{}",
                    r.attribute("start").unwrap_or_default(),
                    r.attribute("end").unwrap_or_default()
                )
            }),
            dhcp_hosts,
            dns_hosts,
        })
    }

    /// True when the two differ at most in their DHCP and DNS host entries, which libvirt
    /// can change on a running network (`virNetworkUpdate`) without cutting off guests.
    pub fn differs_only_in_hosts(&self, other: &NetworkSummary) -> bool {
        NetworkSummary {
            dhcp_hosts: Vec::new(),
            dns_hosts: Vec::new(),
            ..self.clone()
        } == NetworkSummary {
            dhcp_hosts: Vec::new(),
            dns_hosts: Vec::new(),
            ..other.clone()
        }
    }
}
