//! `NetworkRanges`: the IPv4 range of every network a host runs (any owner: other labs,
//! other instances, libvirt's `default`), for giving an instance ranges that libvirt will
//! accept (`planner::instance_ranges`). Read-only; a network without an IPv4 address (a
//! link, a bridge to the host's LAN) has no range and is left out.

use super::{HostConnection, LibvirtError};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

pub struct NetworkRanges;

impl NetworkRanges {
    /// (libvirt name, range) of each network on the host behind `connection`, defined or
    /// running.
    pub fn read(connection: &HostConnection) -> Result<Vec<(String, Ipv4Net)>, LibvirtError> {
        let networks = connection
            .conn()
            .list_all_networks(0)
            .map_err(|e| LibvirtError::call("the host's networks", &e))?;
        let mut ranges = Vec::new();
        for network in networks {
            // One removed by someone else since the listing is simply gone.
            let (Ok(name), Ok(xml)) = (network.name(), network.xml_desc(0)) else {
                continue;
            };
            ranges.extend(ranges_in(&xml).into_iter().map(|r| (name.clone(), r)));
        }
        Ok(ranges)
    }
}

/// The IPv4 ranges of a network's XML: each `<ip address=... prefix=...|netmask=...>`.
pub fn ranges_in(xml: &str) -> Vec<Ipv4Net> {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return Vec::new();
    };
    doc.root_element()
        .children()
        .filter(|n| n.has_tag_name("ip"))
        .filter(|ip| ip.attribute("family").is_none_or(|f| f == "ipv4"))
        .filter_map(|ip| {
            let address: Ipv4Addr = ip.attribute("address")?.parse().ok()?;
            let prefix = match (ip.attribute("prefix"), ip.attribute("netmask")) {
                (Some(p), _) => p.parse().ok()?,
                (None, Some(mask)) => {
                    let mask: Ipv4Addr = mask.parse().ok()?;
                    u8::try_from(u32::from(mask).leading_ones()).ok()?
                }
                (None, None) => 32,
            };
            Ipv4Net::new(address, prefix).ok().map(|n| n.trunc())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_and_netmask_forms_are_read_and_ipv6_is_not() {
        let xml = "<network><name>default</name><ip address='192.168.122.1' netmask='255.255.255.0'/><ip family='ipv6' address='fd00::1' prefix='64'/><ip address='10.5.0.1' prefix='16'/></network>";
        assert_eq!(
            ranges_in(xml),
            vec![
                "192.168.122.0/24".parse::<Ipv4Net>().expect("net"),
                "10.5.0.0/16".parse().expect("net")
            ]
        );
        assert!(ranges_in("<network><name>link</name><bridge name='x'/></network>").is_empty());
    }
}
