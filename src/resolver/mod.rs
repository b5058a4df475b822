//! `Resolver`: `LabSpec` -> checked `Lab`, collecting every problem in one pass.
//!
//! It expands `count`, applies `defaults`, resolves references (hosts, images, networks, link
//! endpoints), checks names, address plans and MACs, and derives what the lab leaves implicit
//! (the default host, gateways, DHCP ranges, stable MACs). Pure: no I/O, no clock; the lab
//! file's directory is only used to turn template paths into absolute ones.
//!
//! Each resource kind has its own file with an `impl Resolver` block; so do the `test`
//! blocks (`checks`), which are no resource.

mod address_plan;
mod checks;
mod defaults;
mod expander;
mod groups;
mod hosts;
mod images;
mod interfaces;
mod links;
mod macs;
mod names;
mod networks;
mod nodes;
mod readiness;
pub mod relocation;
mod vars;
mod xen_guests;

use crate::CheckOptions;
use crate::lab::{Check, Host, Image, Lab, Link, Network, Node};
use crate::language::diagnostic::Diagnostics;
use crate::language::name_rules::check_name;
use crate::language::spanned::Spanned;
use crate::language::spec::LabSpec;
use crate::mac_address::MacAddress;
use ipnet::Ipv4Net;
use miette::SourceSpan;
use names::NameSet;
use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

/// Longest lab name: it prefixes every libvirt object the lab owns.
pub const LAB_NAME_MAX: usize = 32;

pub struct Resolver<'s> {
    spec: &'s LabSpec,
    options: CheckOptions,
    base_dir: PathBuf,
    lab_name: String,
    d: Diagnostics,
    hosts: Vec<Host>,
    images: Vec<Image>,
    /// The names of the declared images, for nodes' references.
    image_names: HashSet<&'s str>,
    networks: Vec<Network>,
    network_index: HashMap<String, usize>,
    /// Every network name declared (after expansion), valid or not, to avoid follow-on errors.
    network_names: NameSet,
    nodes: Vec<Node>,
    /// Each resolved node's position in `nodes`, for link endpoints.
    node_index: HashMap<String, usize>,
    node_names: NameSet,
    /// Every group a node is put in, with its span, for the check against node names.
    group_uses: Vec<Spanned<String>>,
    links: Vec<Link>,
    /// MACs in use, with the interface that uses each.
    macs: HashMap<MacAddress, String>,
    /// IPv4 ranges of networks and links, with a description, for the overlap check.
    ranges: Vec<(Ipv4Net, SourceSpan, String)>,
    /// Static addresses taken on each network, with who took them.
    taken: HashMap<(usize, Ipv4Addr), String>,
    /// The places (offset, length) where a seat reaches into another, reported once each.
    crossings: HashSet<(usize, usize)>,
    /// The network ranges an instance moved: (as the lab file gives it, in the instance).
    moves: Vec<(Ipv4Net, Ipv4Net)>,
    checks: Vec<Check>,
    check_names: NameSet,
}

impl<'s> Resolver<'s> {
    /// Resolves `spec`, read from a file in `base_dir` whose stem is `file_stem`, with what
    /// the person running vlab allows beyond the lab file (`options`).
    pub fn resolve(
        spec: &'s LabSpec,
        base_dir: &Path,
        file_stem: &str,
        options: CheckOptions,
    ) -> Result<Lab, Diagnostics> {
        let mut r = Resolver {
            spec,
            options,
            base_dir: base_dir.to_path_buf(),
            lab_name: String::new(),
            d: Diagnostics::default(),
            hosts: Vec::new(),
            images: Vec::new(),
            image_names: spec.images.iter().map(|i| i.name.value.as_str()).collect(),
            networks: Vec::new(),
            network_index: HashMap::new(),
            network_names: NameSet::new("network"),
            nodes: Vec::new(),
            node_index: HashMap::new(),
            node_names: NameSet::new("node"),
            group_uses: Vec::new(),
            links: Vec::new(),
            taken: HashMap::new(),
            ranges: Vec::new(),
            macs: HashMap::new(),
            crossings: HashSet::new(),
            moves: Vec::new(),
            checks: Vec::new(),
            check_names: NameSet::new("test"),
        };
        r.lab_name = r.resolve_lab_name(file_stem);
        r.resolve_hosts();
        r.resolve_images();
        r.resolve_networks();
        r.resolve_nodes();
        r.check_group_conflicts();
        r.resolve_links();
        r.assign_macs();
        r.check_overlaps();
        r.place_networks();
        r.resolve_checks();
        r.finish()
    }

    /// The lab's name; an instance's is `LAB.INSTANCE` (`relocation`).
    fn resolve_lab_name(&mut self, file_stem: &str) -> String {
        let base = match self.spec.header.as_ref().and_then(|h| h.name.as_ref()) {
            Some(name) => {
                if let Err(why) = check_name(&name.value, LAB_NAME_MAX) {
                    self.d.push(names::invalid_name("lab", name.span, why));
                }
                name.value.clone()
            }
            None => name_from_stem(file_stem),
        };
        match &self.options.instance {
            Some(instance) => relocation::instance_lab_name(&base, &instance.name),
            None => base,
        }
    }

    fn finish(mut self) -> Result<Lab, Diagnostics> {
        let header = self.spec.header.as_ref();
        // Converted before the error check: a bad placeholder in a lab variable is an error too.
        let vars = header
            .map(|h| self.convert_vars(&h.vars, expander::Instance::default()))
            .unwrap_or_default();
        if !self.d.is_empty() {
            let mut d = std::mem::take(&mut self.d).into_vec();
            d.sort_by_key(|x| x.span.offset());
            d.dedup();
            return Err(Diagnostics::from(d));
        }
        Ok(Lab {
            name: self.lab_name,
            description: header
                .and_then(|h| h.description.as_ref())
                .map(|s| s.value.clone()),
            ssh_keys: header
                .map(|h| h.ssh_keys.iter().map(|k| k.value.clone()).collect())
                .unwrap_or_default(),
            vars,
            hosts: self.hosts,
            images: self.images,
            networks: self.networks,
            nodes: self.nodes,
            links: self.links,
            seats: self.spec.seats.as_ref().map(|s| s.count.value),
            instance: self.options.instance.as_ref().map(|i| i.name.clone()),
            checks: self.checks,
        })
    }
}

/// A lab without `lab "name"` is named after its file, made name-safe ("My Lab" -> "my-lab").
fn name_from_stem(stem: &str) -> String {
    let mut name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    name = name.trim_matches('-').to_string();
    name.truncate(LAB_NAME_MAX);
    let name = name.trim_end_matches('-').to_string();
    match name.chars().next() {
        Some(c) if c.is_ascii_lowercase() => name,
        Some(_) => format!("lab-{name}")
            .chars()
            .take(LAB_NAME_MAX)
            .collect::<String>()
            .trim_end_matches('-')
            .to_string(),
        None => "lab".to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn stems_become_names() {
        assert_eq!(super::name_from_stem("web"), "web");
        assert_eq!(super::name_from_stem("My Lab"), "my-lab");
        assert_eq!(super::name_from_stem("2024_class"), "lab-2024-class");
        assert_eq!(super::name_from_stem("???"), "lab");
    }
}
