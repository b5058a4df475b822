//! `Link`: a checked point-to-point wire between two node interfaces.

use ipnet::Ipv4Net;
use serde::Serialize;
use std::net::Ipv4Addr;

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// `a-node:a-if--b-node:b-if`, unique in the lab.
    pub name: String,
    pub a: LinkEnd,
    pub b: LinkEnd,
    pub cidr: Option<Ipv4Net>,
    /// The seat of a link declared in `seats` (both ends are that seat's nodes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat: Option<u32>,
    /// Both ends are on this host.
    pub host: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkEnd {
    pub node: String,
    pub interface: String,
    pub address: Option<Ipv4Addr>,
}
