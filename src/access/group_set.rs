//! `GroupSet`: the count and declared groups of an inventory as they are collected from the
//! lab's nodes, one group per name whatever made it (so `groups "web"` joins the count group
//! `web`), and then checked: a group whose name is taken (a node's, Ansible's own, or one of
//! vlab's host groups) is left out with a warning. Building the rest of the inventory is
//! `Inventory`'s.

use super::inventory::{Group, Notice};
use crate::lab::Lab;
use crate::language::name_rules::{IMPLICIT_GROUPS, check_group_name};

/// Where a count or declared group comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Count,
    Declared,
}

/// Groups as they are collected, with where each name came from.
#[derive(Default)]
pub struct GroupSet {
    list: Vec<(Group, Vec<Origin>)>,
}

impl GroupSet {
    pub fn add(&mut self, name: &str, origin: Origin, node: &str) {
        let at = if let Some(at) = self.list.iter().position(|(g, _)| g.name == name) {
            at
        } else {
            let group = Group {
                name: name.to_string(),
                hosts: Vec::new(),
            };
            self.list.push((group, Vec::new()));
            self.list.len() - 1
        };
        let (group, origins) = &mut self.list[at];
        if !origins.contains(&origin) {
            origins.push(origin);
        }
        if !group.hosts.iter().any(|h| h == node) {
            group.hosts.push(node.to_string());
        }
    }

    /// The groups that can be written, with a warning for each one left out.
    pub fn checked(
        self,
        lab: &Lab,
        host_groups: &[Group],
        notices: &mut Vec<Notice>,
    ) -> Vec<Group> {
        let mut out = Vec::new();
        for (group, origins) in self.list {
            match taken(&group.name, &origins, lab, host_groups) {
                None => out.push(group),
                Some(why) => notices.push(Notice::Warning(format!(
                    "group `{}` ({}) is left out of the inventory: {why}",
                    group.name,
                    group.hosts.join(", ")
                ))),
            }
        }
        out
    }
}

/// Why a group cannot be written under its name, if it cannot. A declared group that is
/// not valid was already refused by the resolver; it is checked again so that an inventory
/// is sound whatever `Lab` it is built from.
fn taken(name: &str, origins: &[Origin], lab: &Lab, host_groups: &[Group]) -> Option<String> {
    let declared_ok = !origins.contains(&Origin::Declared) || check_group_name(name).is_ok();
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid || !declared_ok {
        return Some("it is not a valid Ansible group name".to_string());
    }
    if IMPLICIT_GROUPS.contains(&name) {
        return Some(format!("`{name}` is a group every Ansible inventory has"));
    }
    if name == "_meta" {
        return Some("`_meta` holds the host variables of an inventory script's output".into());
    }
    if lab.nodes.iter().any(|n| n.name == name) {
        return Some(format!(
            "node `{name}` has that name, and Ansible cannot tell a group from a host of \
             the same name"
        ));
    }
    if host_groups.iter().any(|g| g.name == name) {
        return Some("vlab's group of the nodes on a host has that name".to_string());
    }
    None
}
