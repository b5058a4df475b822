//! `DomainStatus`: what `vlab status` shows of one domain that the observer does not keep:
//! its state in words, the addresses libvirt leased to its interfaces (from the DHCP
//! leases of libvirt's networks: no guest agent needed) and, for a running guest, the
//! readiness apply recorded in its live metadata (`ReadinessRecord`). Read-only, best
//! effort: a domain that cannot be read shows as absent, without leases.

use super::HostConnection;
use super::readiness_record::ReadinessRecord;

#[derive(Debug, Clone, PartialEq)]
pub struct DomainStatus {
    /// `running`, `shut off`, `paused`, `other` or `absent`.
    pub state: &'static str,
    pub leases: Vec<Lease>,
    /// What apply's wait recorded on this boot, if it waited.
    pub readiness: Option<ReadinessRecord>,
}

/// One leased address of an interface, by its MAC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub mac: String,
    pub address: String,
    pub prefix: u64,
}

impl DomainStatus {
    /// The status of a domain that is not there.
    pub fn absent() -> DomainStatus {
        DomainStatus {
            state: "absent",
            leases: Vec::new(),
            readiness: None,
        }
    }

    pub fn read(connection: &HostConnection, domain: &str) -> DomainStatus {
        let Ok(domain) = connection.conn().lookup_domain_by_name(domain) else {
            return DomainStatus::absent();
        };
        let state = match domain.state().ok().and_then(|(s, _)| s.known()) {
            Some(virt::domain::DomainState::Running) => "running",
            Some(virt::domain::DomainState::Shutoff) => "shut off",
            Some(virt::domain::DomainState::Paused) => "paused",
            _ => "other",
        };
        let leases = domain
            .interface_addresses(virt::sys::VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, 0)
            .unwrap_or_default()
            .into_iter()
            .flat_map(|interface| {
                let mac = interface.hwaddr.unwrap_or_default();
                interface.addrs.into_iter().map(move |ip| Lease {
                    mac: mac.clone(),
                    address: ip.addr,
                    prefix: ip.prefix,
                })
            })
            .collect();
        let readiness = match state {
            "running" | "paused" => ReadinessRecord::read(&domain),
            _ => None,
        };
        DomainStatus {
            state,
            leases,
            readiness,
        }
    }
}
