//! `ResourceAddress`: a resource as plan output names it, `KIND.NAME@HOST`
//! (`node.web_web-1@local`: `Change::address`), and `AddressBook`, which resolves what a
//! person types for `--target` and `--replace` against what the lab declares and its hosts
//! hold: the full address, or a short form: the host left out (every host that has it), and
//! the lab's own names (`node.web-1` for the domain `web_web-1`, `network.lan` for
//! `vlab_web_lan`, `image.debian` for every file of that image). An unknown address is an
//! error with "did you mean". Pure: both sides are data.

use super::desired::Desired;
use super::observed::Observed;
use super::plan::Change;
use super::target::ResourceKind;
use crate::host::resource_names as names;
use crate::language::name_rules::{suggest, unknown_help};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceAddress {
    pub kind: ResourceKind,
    /// The name on the host (`Change::name`).
    pub name: String,
    pub host: String,
}

impl ResourceAddress {
    /// Whether `change` acts on this resource.
    pub fn matches(&self, change: &Change) -> bool {
        change.host == self.host && change.kind() == self.kind && change.name() == self.name
    }
}

/// `node.web_web-1@local`, as `Change::address`.
impl fmt::Display for ResourceAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}@{}", self.kind.word(), self.name, self.host)
    }
}

/// Why an address given on the command line names nothing vlab can act on: a user error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("`{given}` is not a resource address")]
    Malformed { given: String },
    #[error("no resource `{given}` in the lab or on its hosts")]
    Unknown { given: String, help: String },
    /// `--replace` of something other than a node the lab declares.
    #[error("`{given}` cannot be replaced: only a node the lab declares can be")]
    NotReplaceable { given: String },
}

impl AddressError {
    pub fn hint(&self) -> String {
        match self {
            AddressError::Malformed { .. } => "write KIND.NAME[@HOST], as the plan prints \
                 changes: node.web-1, node.lab_web-1@local, network.lan, image.debian, \
                 pool.vlab, volume.NAME"
                .into(),
            AddressError::Unknown { help, .. } => help.clone(),
            AddressError::NotReplaceable { .. } => {
                "`--replace` rebuilds a node: give `node.NAME`".into()
            }
        }
    }
}

/// One resource that can be addressed, with the short names that also name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub address: ResourceAddress,
    /// The lab's own names for it (`web-1` for a node, `lan` for a network, `debian` for
    /// each file of an image).
    pub aliases: Vec<String>,
    /// For a node: the lab's node name (its volumes are named after it).
    pub node: Option<String>,
    /// Whether the lab declares it (else only a host holds it).
    pub declared: bool,
}

/// Every resource of the lab and its hosts that an address can name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AddressBook {
    entries: Vec<Entry>,
}

impl AddressBook {
    pub fn new(desired: &Desired, observed: &Observed) -> AddressBook {
        let mut book = AddressBook::default();
        let lab_prefix = names::prefix(&desired.lab);
        let short = |name: &str| name.strip_prefix(&lab_prefix).map(str::to_string);
        for host in &desired.hosts {
            let at = |kind, name: &str| ResourceAddress {
                kind,
                name: name.to_string(),
                host: host.name.clone(),
            };
            book.add(at(ResourceKind::Pool, &host.pool), Vec::new(), None, true);
            for image in &host.images {
                let address = at(ResourceKind::Image, &image.artifact.name(&image.image));
                book.add(address, vec![image.image.clone()], None, true);
            }
            for network in &host.networks {
                let aliases = short(&network.name).into_iter().collect();
                book.add(
                    at(ResourceKind::Network, &network.name),
                    aliases,
                    None,
                    true,
                );
            }
            for domain in &host.domains {
                let node = Some(domain.node.clone());
                let address = at(ResourceKind::Node, &domain.name);
                book.add(address, vec![domain.node.clone()], node, true);
                for volume in &domain.volumes {
                    book.add(at(ResourceKind::Volume, volume), Vec::new(), None, true);
                }
            }
        }
        for host in &observed.hosts {
            let at = |kind, name: &str| ResourceAddress {
                kind,
                name: name.to_string(),
                host: host.name.clone(),
            };
            for network in &host.networks {
                let aliases = short(&network.name).into_iter().collect();
                book.add(
                    at(ResourceKind::Network, &network.name),
                    aliases,
                    None,
                    false,
                );
            }
            for domain in &host.domains {
                let node = Some(domain.node.clone());
                let address = at(ResourceKind::Node, &domain.name);
                book.add(address, vec![domain.node.clone()], node, false);
            }
            for volume in host.volumes.iter().filter(|v| v.starts_with(&lab_prefix)) {
                book.add(at(ResourceKind::Volume, volume), Vec::new(), None, false);
            }
        }
        book
    }

    /// Adds an entry, once per address (a declared one stays declared).
    fn add(
        &mut self,
        address: ResourceAddress,
        aliases: Vec<String>,
        node: Option<String>,
        declared: bool,
    ) {
        if !self.entries.iter().any(|e| e.address == address) {
            self.entries.push(Entry {
                address,
                aliases,
                node,
                declared,
            });
        }
    }

    /// The entries `given` names (at least one), or why none.
    pub fn resolve(&self, given: &str) -> Result<Vec<&Entry>, AddressError> {
        let malformed = || AddressError::Malformed {
            given: given.to_string(),
        };
        let (resource, host) = match given.rsplit_once('@') {
            Some((resource, host)) if !host.is_empty() => (resource, Some(host)),
            Some(_) => return Err(malformed()),
            None => (given, None),
        };
        let (word, name) = resource.split_once('.').ok_or_else(malformed)?;
        let kind = KINDS
            .iter()
            .copied()
            .find(|k| k.word() == word)
            .ok_or_else(malformed)?;
        if name.is_empty() {
            return Err(malformed());
        }
        let found: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.address.kind == kind)
            .filter(|e| host.is_none_or(|h| e.address.host == h))
            .filter(|e| e.address.name == name || e.aliases.iter().any(|a| a == name))
            .collect();
        if found.is_empty() {
            return Err(AddressError::Unknown {
                given: given.to_string(),
                help: self.help(kind, name, host),
            });
        }
        Ok(found)
    }

    /// Where a resource of that name is when it is on another host; else "did you mean" among
    /// the names of that kind (the lab's own first), or which there are.
    fn help(&self, kind: ResourceKind, name: &str, host: Option<&str>) -> String {
        let of_kind: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.address.kind == kind)
            .collect();
        let word = kind.word();
        if let Some(elsewhere) = of_kind
            .iter()
            .find(|e| e.address.name == name || e.aliases.iter().any(|a| a == name))
        {
            return format!(
                "`{word}.{name}` is on host `{}`, not `{}`: did you mean `{}`?",
                elsewhere.address.host,
                host.unwrap_or_default(),
                elsewhere.address
            );
        }
        let mut names: Vec<&str> = Vec::new();
        for entry in &of_kind {
            for candidate in entry.aliases.iter().chain([&entry.address.name]) {
                if !names.contains(&candidate.as_str()) {
                    names.push(candidate);
                }
            }
        }
        match suggest(name, names.iter().copied()) {
            Some(near) => format!("did you mean `{word}.{near}`?"),
            None => unknown_help(word, name, names.iter().copied()),
        }
    }
}

const KINDS: [ResourceKind; 5] = [
    ResourceKind::Node,
    ResourceKind::Network,
    ResourceKind::Image,
    ResourceKind::Pool,
    ResourceKind::Volume,
];

#[cfg(test)]
mod tests;
