//! `InstanceRanges`: the IPv4 range each network of an instance (`--instance NAME`) gets on
//! its hosts. libvirt refuses a network whose range overlaps another network's on the same
//! host, so a second copy of a lab cannot keep the ranges its file gives; each instance's
//! networks take blocks of the same size from the instance pool (`--instance-pool`, by
//! default 10.224.0.0/12), where nothing on their hosts is:
//!
//! - a network the instance has already (found on one of its hosts under its name, with a
//!   range of the same size) keeps its range, so plans of a running instance are stable;
//! - any other starts its search at a block picked from a hash of the instance's lab name
//!   and the network's name (two instances planned at once seldom try the same block), and
//!   takes the first block, going up and wrapping around, that overlaps no range on any of
//!   its hosts (any network: other instances, other labs, libvirt's `default`) nor a block
//!   given to an earlier network of this instance.
//!
//! Pure: what the hosts run is the caller's (the libvirt layer reads it). Addresses on the
//! machine's own interfaces are not seen through libvirt: keep the pool clear of them.

use ipnet::Ipv4Net;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A network of the instance that needs a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WantedRange {
    /// The network's name in the lab.
    pub network: String,
    /// Its libvirt name in this instance, for finding it on the hosts.
    pub libvirt_name: String,
    /// The range the lab file gives it: only its size counts.
    pub cidr: Ipv4Net,
    /// The hosts it is created on.
    pub hosts: Vec<String>,
}

/// Every network's range on each host (libvirt name, range), as observed.
pub type HostRanges = BTreeMap<String, Vec<(String, Ipv4Net)>>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error(
        "network `{network}` ({cidr}) is larger than the instance pool {pool}: an instance's networks are taken from the pool"
    )]
    LargerThanPool {
        network: String,
        cidr: Ipv4Net,
        pool: Ipv4Net,
    },
    #[error(
        "the instance pool {pool} has no free /{prefix} left for network `{network}` on host(s) {hosts}"
    )]
    PoolFull {
        network: String,
        prefix: u8,
        pool: Ipv4Net,
        hosts: String,
    },
}

pub struct InstanceRanges;

impl InstanceRanges {
    /// The range of each of `wanted` (by network name), or why one cannot have one.
    pub fn allocate(
        lab_name: &str,
        wanted: &[WantedRange],
        taken: &HostRanges,
        pool: Ipv4Net,
    ) -> Result<BTreeMap<String, Ipv4Net>, RangeError> {
        let on = |host: &String| taken.get(host).map(Vec::as_slice).unwrap_or_default();
        let mut given: BTreeMap<String, Ipv4Net> = BTreeMap::new();
        // First what the instance has already, so a new network never takes a kept range.
        for want in wanted {
            let kept = want.hosts.iter().flat_map(on).find(|(name, range)| {
                *name == want.libvirt_name && range.prefix_len() == want.cidr.prefix_len()
            });
            if let Some((_, range)) = kept {
                given.insert(want.network.clone(), *range);
            }
        }
        let kept: Vec<String> = given.keys().cloned().collect();
        for want in wanted.iter().filter(|w| !kept.contains(&w.network)) {
            let prefix = want.cidr.prefix_len();
            if prefix < pool.prefix_len() {
                return Err(RangeError::LargerThanPool {
                    network: want.network.clone(),
                    cidr: want.cidr,
                    pool,
                });
            }
            let free = |block: &Ipv4Net| {
                let clear_of = |other: &Ipv4Net| !overlaps(block, other);
                want.hosts
                    .iter()
                    .flat_map(on)
                    .all(|(_, range)| clear_of(range))
                    && given.values().all(clear_of)
            };
            let blocks = 1u64 << (prefix - pool.prefix_len());
            let start = start_block(lab_name, &want.network, blocks);
            let found = (0..blocks)
                .map(|i| block_at(pool, prefix, (start + i) % blocks))
                .find(free);
            let Some(block) = found else {
                return Err(RangeError::PoolFull {
                    network: want.network.clone(),
                    prefix,
                    pool,
                    hosts: want.hosts.join(", "),
                });
            };
            given.insert(want.network.clone(), block);
        }
        Ok(given)
    }
}

fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// Block `index` of size /`prefix` in `pool`.
fn block_at(pool: Ipv4Net, prefix: u8, index: u64) -> Ipv4Net {
    let size = 1u64 << (32 - u32::from(prefix));
    let start = u64::from(u32::from(pool.network())) + index * size;
    let address = std::net::Ipv4Addr::from(u32::try_from(start).unwrap_or(u32::MAX));
    Ipv4Net::new(address, prefix).unwrap_or(pool)
}

/// Where the search for `network` of `lab_name` starts, among `blocks`.
fn start_block(lab_name: &str, network: &str, blocks: u64) -> u64 {
    let hash = Sha256::digest(format!("{lab_name}\n{network}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash[..8]);
    u64::from_be_bytes(first) % blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> Ipv4Net {
        text.parse().expect("cidr")
    }

    fn want(network: &str, cidr: &str, hosts: &[&str]) -> WantedRange {
        WantedRange {
            network: network.into(),
            libvirt_name: format!("vlab_web.ci_{network}"),
            cidr: net(cidr),
            hosts: hosts.iter().map(|h| (*h).to_string()).collect(),
        }
    }

    fn pool() -> Ipv4Net {
        net("10.224.0.0/12")
    }

    #[test]
    fn ranges_are_deterministic_inside_the_pool_and_do_not_overlap_each_other() {
        let wanted = [
            want("lan", "10.0.0.0/24", &["local"]),
            want("dmz", "10.0.1.0/24", &["local"]),
            want("big", "172.16.0.0/16", &["local"]),
        ];
        let a = InstanceRanges::allocate("web.ci", &wanted, &HostRanges::new(), pool())
            .expect("ranges");
        let b = InstanceRanges::allocate("web.ci", &wanted, &HostRanges::new(), pool())
            .expect("ranges");
        assert_eq!(a, b, "the same inputs give the same ranges");
        assert_eq!(a.len(), 3);
        for (name, range) in &a {
            assert!(pool().contains(range), "{name} {range}");
        }
        assert_eq!(a["lan"].prefix_len(), 24);
        assert_eq!(a["big"].prefix_len(), 16);
        let ranges: Vec<&Ipv4Net> = a.values().collect();
        for (i, x) in ranges.iter().enumerate() {
            for y in &ranges[i + 1..] {
                assert!(!overlaps(x, y), "{x} {y}");
            }
        }
        let other = InstanceRanges::allocate("web.ci2", &wanted[..1], &HostRanges::new(), pool())
            .expect("ranges");
        assert_ne!(other["lan"], a["lan"], "another instance starts elsewhere");
    }

    #[test]
    fn taken_ranges_on_the_networks_hosts_are_avoided_and_own_ones_kept() {
        let wanted = [want("lan", "10.0.0.0/24", &["local"])];
        let first = InstanceRanges::allocate("web.ci", &wanted, &HostRanges::new(), pool())
            .expect("ok")["lan"];
        // Another network now holds that block on the host: the next free one is taken.
        let mut taken = HostRanges::new();
        taken.insert("local".into(), vec![("vlab_other_x".into(), first)]);
        let second =
            InstanceRanges::allocate("web.ci", &wanted, &taken, pool()).expect("ok")["lan"];
        assert_ne!(second, first);
        assert!(!overlaps(&second, &first));
        // A range on another host does not count.
        let mut elsewhere = HostRanges::new();
        elsewhere.insert("far".into(), vec![("x".into(), first)]);
        assert_eq!(
            InstanceRanges::allocate("web.ci", &wanted, &elsewhere, pool()).expect("ok")["lan"],
            first
        );
        // The instance's own network keeps its range, wherever it is in the pool.
        let mut own = HostRanges::new();
        own.insert(
            "local".into(),
            vec![("vlab_web.ci_lan".into(), net("10.230.7.0/24"))],
        );
        assert_eq!(
            InstanceRanges::allocate("web.ci", &wanted, &own, pool()).expect("ok")["lan"],
            net("10.230.7.0/24")
        );
    }

    #[test]
    fn a_network_larger_than_the_pool_or_a_full_pool_is_an_error() {
        let big = [want("lan", "10.0.0.0/8", &["local"])];
        assert!(matches!(
            InstanceRanges::allocate("web.ci", &big, &HostRanges::new(), pool()),
            Err(RangeError::LargerThanPool { .. })
        ));
        let small_pool = net("10.224.0.0/23");
        let mut taken = HostRanges::new();
        taken.insert("local".into(), vec![("a".into(), small_pool)]);
        let err = InstanceRanges::allocate(
            "web.ci",
            &[want("lan", "10.0.0.0/24", &["local"])],
            &taken,
            small_pool,
        )
        .expect_err("full");
        assert!(
            err.to_string()
                .contains("has no free /24 left for network `lan` on host(s) local")
        );
    }
}
