//! `NameConflict`: a name the lab needs on a host that something vlab does not own already
//! holds. Today that is a domain: one with no vlab metadata (made by hand, by another tool),
//! or one that another lab owns (`a-b` + node `c` and `a` + node `b-c` share a domain name).
//! A plan with a conflict must not be carried out: creating the domain would fail half-way,
//! and vlab never changes what it does not own. Networks and volumes are owned by their
//! `vlab-<lab>-` prefix (libvirt 9.0 keeps no network metadata), so no conflict is found
//! for them. Pure; the observer lists the foreign domains.

use super::desired::DesiredHost;
use super::observed::ObservedHost;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameConflict {
    pub host: String,
    /// The lab's node that needs the name.
    pub node: String,
    /// The domain name on the host.
    pub domain: String,
    /// The vlab lab that owns the domain, `None` when vlab did not create it.
    pub owner: Option<String>,
}

/// The lab's domains on `host` whose names something else holds.
pub fn conflicts(host: &DesiredHost, seen: &ObservedHost) -> Vec<NameConflict> {
    host.domains
        .iter()
        .filter_map(|domain| {
            let foreign = seen
                .foreign_domains
                .iter()
                .find(|f| f.name == domain.name)?;
            Some(NameConflict {
                host: host.name.clone(),
                node: domain.node.clone(),
                domain: domain.name.clone(),
                owner: foreign.lab.clone(),
            })
        })
        .collect()
}

impl fmt::Display for NameConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "node `{}` needs domain `{}` on host `{}`, which is taken by ",
            self.node, self.domain, self.host
        )?;
        match &self.owner {
            Some(lab) => write!(f, "a domain of lab `{lab}`"),
            None => f.write_str("a domain vlab does not own"),
        }
    }
}
