//! Instances: a second copy of a lab on the same hosts (`--instance NAME`). The resolver
//! gives an instance its own lab name, `LAB.NAME` (lab names hold no `.`, so no lab is
//! named like an instance), which every host-side name, MAC and key derives from; and, for
//! each network the caller moved (`InstanceOptions::ranges`, allocated from what the hosts
//! run: `planner::instance_ranges`), that network's range, with every address the lab file
//! gives in it (gateway, DHCP bounds, static addresses) moved along, its host part kept:
//! 10.0.0.10 in 10.0.0.0/24 is 10.224.3.10 in 10.224.3.0/24.
//!
//! Only addresses given where an address is expected move: an address written into a
//! cloud-init variable or a template is text, and stays what it is (use node names).

use super::Resolver;
use ipnet::Ipv4Net;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// The longest instance name (the lab name then has up to 32 + 1 + 24 characters).
pub const INSTANCE_NAME_MAX: usize = 24;

/// What makes a lab an instance of itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceOptions {
    pub name: String,
    /// Each network's range in this instance, by the network's name in the lab.
    pub ranges: BTreeMap<String, Ipv4Net>,
}

/// The lab name of instance `instance` of lab `lab`.
pub fn instance_lab_name(lab: &str, instance: &str) -> String {
    format!("{lab}.{instance}")
}

/// `address`, which lies in `from`, at the same place in `to`.
pub fn moved(address: Ipv4Addr, from: Ipv4Net, to: Ipv4Net) -> Ipv4Addr {
    let offset = u32::from(address) - u32::from(from.network());
    Ipv4Addr::from(u32::from(to.network()) + offset)
}

impl Resolver<'_> {
    /// The range network `name` has in this instance: the one it was moved to (same prefix
    /// length), or `cidr` as the lab file gives it. A move is remembered for the addresses.
    pub(super) fn relocated_cidr(&mut self, name: &str, cidr: Ipv4Net) -> Ipv4Net {
        let Some(to) = self
            .options
            .instance
            .as_ref()
            .and_then(|i| i.ranges.get(name))
            .copied()
            .filter(|to| to.prefix_len() == cidr.prefix_len())
        else {
            return cidr;
        };
        self.moves.push((cidr, to));
        to
    }

    /// `address` as the lab file gives it, moved with the network range it lies in, if that
    /// network moved (a lab's ranges never overlap, so at most one holds it).
    pub(super) fn relocate(&self, address: Ipv4Addr) -> Ipv4Addr {
        self.moves
            .iter()
            .find(|(from, _)| from.contains(&address))
            .map_or(address, |(from, to)| moved(address, *from, *to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_keeps_its_host_part() {
        let from: Ipv4Net = "10.0.0.0/24".parse().expect("cidr");
        let to: Ipv4Net = "10.224.3.0/24".parse().expect("cidr");
        assert_eq!(
            moved("10.0.0.10".parse().expect("ip"), from, to),
            "10.224.3.10".parse::<Ipv4Addr>().expect("ip")
        );
        let wide: Ipv4Net = "172.16.0.0/16".parse().expect("cidr");
        let there: Ipv4Net = "10.230.0.0/16".parse().expect("cidr");
        assert_eq!(
            moved("172.16.4.2".parse().expect("ip"), wide, there),
            "10.230.4.2".parse::<Ipv4Addr>().expect("ip")
        );
    }
}
