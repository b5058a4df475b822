//! `Network`: a checked virtual network and its IPv4 address plan.

use super::choices::NetworkMode;
use ipnet::Ipv4Net;
use serde::Serialize;
use std::net::Ipv4Addr;

#[derive(Debug, Clone, Serialize)]
pub struct Network {
    pub name: String,
    /// The `count` index this network was expanded from, if any.
    pub index: Option<u32>,
    /// The seat of a network declared in `seats`; `None` for a shared network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat: Option<u32>,
    pub mode: NetworkMode,
    /// `None` for a pure layer-2 network (isolated or bridge without `cidr`).
    pub ipv4: Option<Ipv4Plan>,
    pub domain: Option<String>,
    /// The existing host bridge, for `mode "bridge"`.
    pub bridge: Option<String>,
    /// Hosts the network is created on: those of the nodes attached to it.
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ipv4Plan {
    pub cidr: Ipv4Net,
    pub gateway: Ipv4Addr,
    pub dhcp: Option<DhcpRange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DhcpRange {
    pub start: Ipv4Addr,
    pub end: Ipv4Addr,
}

impl DhcpRange {
    pub fn contains(&self, address: Ipv4Addr) -> bool {
        self.start <= address && address <= self.end
    }
}
