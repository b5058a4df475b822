//! `Inventory`: the Ansible inventory that `vlab inventory` prints, built from the checked
//! lab and each node's `SshTarget`: every node is a host (its name is the inventory
//! hostname), with the variables Ansible needs to log in as `vlab ssh` does (address, user,
//! the lab's login key, and the pinned `known_hosts` with the node's `HostKeyAlias`: host
//! keys are always checked); and the groups the lab implies:
//!
//! - a counted node's group: `web` for the nodes of `node "web-{index}" count=3`;
//! - the groups the lab declares (`groups`, on nodes and in `defaults`);
//! - one group per vlab host, `vlab_host_<host>`, of the nodes that run there.
//!
//! vlab names become group names with `-` made `_` (Ansible warns about `-`); vlab's names
//! hold no `_`, so the mapping is one to one within each kind. A count group and a
//! declared group of the same name are one group (that is how `groups "web"` puts another
//! node in the `web` group). A count group whose name is taken (a node's name, `all`,
//! `ungrouped`, or a host group's) is left out, with a warning.
//!
//! Pure: finding addresses and keys is `pipeline::node_access`'s; collecting the count and
//! declared groups (and leaving out those whose name is taken) is `GroupSet`'s; the text is
//! `inventory_text`'s.

use crate::access::group_set::{GroupSet, Origin};
use crate::access::ssh_config::SshTarget;
use crate::lab::Lab;
use crate::language::name_rules::VLAB_GROUP_PREFIX;

/// The formats `vlab inventory` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InventoryFormat {
    /// The YAML inventory plugin's format (`all: hosts:`, `children:`)
    Yaml,
    /// The INI inventory format (`[group]` sections, host variables inline)
    Ini,
    /// An inventory script's output (`ansible-inventory --list`, with `_meta.hostvars`)
    Json,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    pub lab: String,
    /// Every node, in the lab's order.
    pub hosts: Vec<InventoryHost>,
    /// Count and declared groups in the order the lab first names them, then the host
    /// groups in the lab's host order. None is empty.
    pub groups: Vec<Group>,
    /// What the output should say besides the data (the renderers write these as comments
    /// where the format has them; the command prints them on stderr).
    pub notices: Vec<Notice>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryHost {
    /// The inventory hostname: the node's name.
    pub name: String,
    /// Host variables in a fixed order: `ansible_host` (when the node has an address),
    /// `ansible_user`, `ansible_ssh_private_key_file` (when vlab made the lab's login key),
    /// `ansible_ssh_common_args`.
    pub vars: Vec<(&'static str, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    /// Node names, in the lab's order.
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Something that may not work as the user expects.
    Warning(String),
    /// How something is done, for the record.
    Note(String),
}

/// A vlab name (lowercase letters, digits, `-`) as an Ansible group name: `-` becomes `_`.
pub fn group_name(vlab_name: &str) -> String {
    vlab_name.replace('-', "_")
}

/// The group of the nodes on vlab host `host`.
pub fn host_group(host: &str) -> String {
    format!("{VLAB_GROUP_PREFIX}host_{}", group_name(host))
}

impl Inventory {
    /// The inventory of `lab`, whose nodes are reached as `targets` say (one per node,
    /// matched by name; a node without one is listed without variables).
    pub fn build(lab: &Lab, targets: &[SshTarget]) -> Inventory {
        let mut notices = Vec::new();
        let hosts = lab
            .nodes
            .iter()
            .map(|node| {
                let target = targets.iter().find(|t| t.node == node.name);
                InventoryHost {
                    name: node.name.clone(),
                    vars: target
                        .map(|t| host_vars(t, &mut notices))
                        .unwrap_or_default(),
                }
            })
            .collect();
        if targets.iter().any(|t| t.identity.is_none()) {
            notices.push(Notice::Note(
                "the lab declares its own `ssh-key`: Ansible logs in with your SSH agent or \
                 your default keys (as `ssh` does), so no ansible_ssh_private_key_file is set"
                    .to_string(),
            ));
        }
        let mut groups = GroupSet::default();
        for node in &lab.nodes {
            if let Some(base) = &node.count_group {
                groups.add(&group_name(base), Origin::Count, &node.name);
            }
            for group in &node.groups {
                groups.add(group, Origin::Declared, &node.name);
            }
        }
        let host_groups: Vec<Group> = lab
            .hosts
            .iter()
            .map(|host| Group {
                name: host_group(&host.name),
                hosts: lab
                    .nodes
                    .iter()
                    .filter(|n| n.host == host.name)
                    .map(|n| n.name.clone())
                    .collect(),
            })
            .filter(|g| !g.hosts.is_empty())
            .collect();
        let mut groups = groups.checked(lab, &host_groups, &mut notices);
        groups.extend(host_groups);
        Inventory {
            lab: lab.name.clone(),
            hosts,
            groups,
            notices,
        }
    }

    /// The nodes that are in no group (Ansible's `ungrouped`), in the lab's order.
    pub fn ungrouped(&self) -> Vec<&str> {
        self.hosts
            .iter()
            .map(|h| h.name.as_str())
            .filter(|name| {
                !self
                    .groups
                    .iter()
                    .any(|g| g.hosts.iter().any(|h| h == name))
            })
            .collect()
    }
}

fn host_vars(target: &SshTarget, notices: &mut Vec<Notice>) -> Vec<(&'static str, String)> {
    let mut vars = Vec::new();
    match &target.address {
        Some(address) => vars.push(("ansible_host", address.clone())),
        None => notices.push(Notice::Warning(format!(
            "node `{}` has no address yet (not running, or no DHCP lease): it is listed \
             without ansible_host, and Ansible cannot reach it until it has one; run \
             `vlab inventory` again then",
            target.node
        ))),
    }
    vars.push(("ansible_user", target.user.clone()));
    let mut options = Vec::new();
    if let Some(identity) = &target.identity {
        vars.push((
            "ansible_ssh_private_key_file",
            identity.display().to_string(),
        ));
        options.extend(["-o".to_string(), "IdentitiesOnly=yes".to_string()]);
    }
    options.extend(target.pinned_options());
    let words: Vec<String> = options.iter().map(|o| shell_word(o)).collect();
    vars.push(("ansible_ssh_common_args", words.join(" ")));
    vars
}

/// `word` as one word for a POSIX shell's (and Python's `shlex`) splitting, which is how
/// Ansible splits `ansible_ssh_common_args`: as it is when it holds only safe characters,
/// else in single quotes.
pub fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r#"'"'"'"#))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::lab_source::LabSource;
    use std::path::{Path, PathBuf};

    pub(crate) fn lab(text: &str) -> Lab {
        let source = LabSource::from_bytes(Path::new("/labs/t.kdl"), text.as_bytes().to_vec())
            .expect("source");
        crate::check(&source).expect("a valid lab")
    }

    pub(crate) fn targets(lab: &Lab) -> Vec<SshTarget> {
        lab.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| SshTarget {
                node: n.name.clone(),
                address: (i > 0).then(|| format!("10.0.0.{}", 10 + i)),
                user: "vlab".to_string(),
                identity: Some(PathBuf::from("/d/labs/t/id_ed25519")),
                known_hosts: PathBuf::from("/d/labs/t/known_hosts"),
                host_key_alias: format!("vlab.t.{}", n.name),
            })
            .collect()
    }

    const HEAD: &str = r#"
host "a" uri="test:///default" hypervisor="kvm"
host "kvm-2" uri="qemu:///system"
image "i" url="https://example.net/i.qcow2" unverified=#true
defaults { host "a"; groups "lab_t"; }
"#;

    fn groups(inventory: &Inventory) -> Vec<(String, Vec<String>)> {
        inventory
            .groups
            .iter()
            .map(|g| (g.name.clone(), g.hosts.clone()))
            .collect()
    }

    fn pair(name: &str, hosts: &[&str]) -> (String, Vec<String>) {
        (
            name.to_string(),
            hosts.iter().map(|h| (*h).to_string()).collect(),
        )
    }

    #[test]
    fn count_declared_and_host_groups() {
        let lab = lab(&format!(
            "{HEAD}node \"db\" {{ groups \"backend\"; }}\n\
             node \"web-{{index}}\" count=2 host=\"kvm-2\" {{ groups \"frontend\" \"lab_t\"; }}\n\
             node \"lb\" groups=\"web\"\n\
             node \"seat-{{index:02}}-pc\" count=1\n"
        ));
        let inventory = Inventory::build(&lab, &targets(&lab));
        assert_eq!(
            groups(&inventory),
            [
                pair("lab_t", &["db", "web-1", "web-2", "lb", "seat-01-pc"]),
                pair("backend", &["db"]),
                pair("web", &["web-1", "web-2", "lb"]),
                pair("frontend", &["web-1", "web-2"]),
                pair("seat_pc", &["seat-01-pc"]),
                pair("vlab_host_a", &["db", "lb", "seat-01-pc"]),
                pair("vlab_host_kvm_2", &["web-1", "web-2"]),
            ]
        );
        assert!(inventory.ungrouped().is_empty());
        assert_eq!(
            inventory.notices,
            [Notice::Warning(
                "node `db` has no address yet (not running, or no DHCP lease): it is listed \
                 without ansible_host, and Ansible cannot reach it until it has one; run \
                 `vlab inventory` again then"
                    .to_string()
            )]
        );
    }

    #[test]
    fn host_vars_pin_the_host_key_and_quote_paths() {
        let lab = lab(&format!("{HEAD}node \"x\"\nnode \"y\"\n"));
        let mut targets = targets(&lab);
        targets[1].known_hosts = PathBuf::from("/home/my self/it's/known_hosts");
        let inventory = Inventory::build(&lab, &targets);
        assert_eq!(inventory.hosts[0].vars[0].0, "ansible_user");
        assert_eq!(
            inventory.hosts[1].vars,
            [
                ("ansible_host", "10.0.0.11".to_string()),
                ("ansible_user", "vlab".to_string()),
                (
                    "ansible_ssh_private_key_file",
                    "/d/labs/t/id_ed25519".to_string()
                ),
                (
                    "ansible_ssh_common_args",
                    "-o IdentitiesOnly=yes -o StrictHostKeyChecking=yes \
                     -o 'UserKnownHostsFile=/home/my self/it'\"'\"'s/known_hosts' \
                     -o GlobalKnownHostsFile=/dev/null -o HostKeyAlias=vlab.t.y \
                     -o CheckHostIP=no"
                        .to_string()
                ),
            ]
        );
    }

    #[test]
    fn without_the_lab_key_ssh_uses_the_agent_and_says_so() {
        let lab = lab(&format!("{HEAD}node \"x\"\n"));
        let mut targets = targets(&lab);
        targets[0].identity = None;
        let inventory = Inventory::build(&lab, &targets);
        let names: Vec<&str> = inventory.hosts[0].vars.iter().map(|(k, _)| *k).collect();
        assert_eq!(names, ["ansible_user", "ansible_ssh_common_args"]);
        assert!(!inventory.hosts[0].vars[1].1.contains("IdentitiesOnly"));
        assert!(inventory.notices.iter().any(
            |n| matches!(n, Notice::Note(m) if m.contains("your SSH agent or your default keys"))
        ));
    }

    #[test]
    fn a_count_group_whose_name_is_taken_is_left_out_with_a_warning() {
        let lab = lab(&format!(
            "{HEAD}node \"web\"\nnode \"web-{{index}}\" count=2\n\
             node \"all-{{index}}\" count=1\nnode \"vlab-host-a-{{index}}\" count=1\n"
        ));
        let inventory = Inventory::build(&lab, &targets(&lab));
        let names: Vec<&str> = inventory.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["lab_t", "vlab_host_a"]);
        let warnings: Vec<&str> = inventory
            .notices
            .iter()
            .filter_map(|n| match n {
                Notice::Warning(m) if m.starts_with("group") => Some(m.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            warnings,
            [
                "group `web` (web-1, web-2) is left out of the inventory: node `web` has that \
                 name, and Ansible cannot tell a group from a host of the same name",
                "group `all` (all-1) is left out of the inventory: `all` is a group every \
                 Ansible inventory has",
                "group `vlab_host_a` (vlab-host-a-1) is left out of the inventory: vlab's group \
                 of the nodes on a host has that name",
            ]
        );
    }

    #[test]
    fn shell_words() {
        assert_eq!(
            shell_word("HostKeyAlias=vlab.t.web-1"),
            "HostKeyAlias=vlab.t.web-1"
        );
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), r#"'it'"'"'s'"#);
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("$HOME;x"), "'$HOME;x'");
    }
}
