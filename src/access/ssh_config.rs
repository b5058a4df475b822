//! `SshConfig`: the OpenSSH client configuration that `vlab ssh-config` prints, one `Host`
//! block per node (the alias is the node's name), ready for `ssh -F FILE NODE`, `scp -F`
//! and an `Include` in `~/.ssh/config`. Host keys are checked (`StrictHostKeyChecking yes`)
//! against the lab's pinned `known_hosts`, under each node's `HostKeyAlias`.
//!
//! Renders text from what it is given (`SshTarget`); finding addresses and keys is
//! `vlab ssh-config`'s business. Values come from checked names, IP addresses and vlab's
//! own paths; a path with a character OpenSSH's config cannot hold is quoted.

use std::path::{Path, PathBuf};

/// Everything ssh needs to reach one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    pub node: String,
    /// None while the node has no address vlab knows (not running, no lease yet).
    pub address: Option<String>,
    pub user: String,
    /// The lab's own login key; None when the lab declares its `ssh-key`s (ssh then uses
    /// the user's agent and default keys).
    pub identity: Option<PathBuf>,
    pub known_hosts: PathBuf,
    pub host_key_alias: String,
}

impl SshTarget {
    /// The `-o` options (and `-i`) for an ssh command line reaching this node.
    pub fn ssh_options(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(identity) = &self.identity {
            args.push("-i".to_string());
            args.push(identity.display().to_string());
            args.push("-o".to_string());
            args.push("IdentitiesOnly=yes".to_string());
        }
        args.extend(self.pinned_options());
        args
    }

    /// The `-o KEY=VALUE` pairs that pin the host key (as separate arguments), without the
    /// login key: what `vlab inventory` gives Ansible as `ansible_ssh_common_args`.
    pub fn pinned_options(&self) -> Vec<String> {
        let mut args = Vec::new();
        for (key, value) in self.checked_options() {
            args.push("-o".to_string());
            args.push(format!("{key}={value}"));
        }
        args
    }

    /// The options that pin the host key, as (keyword, value).
    fn checked_options(&self) -> Vec<(&'static str, String)> {
        vec![
            ("StrictHostKeyChecking", "yes".to_string()),
            ("UserKnownHostsFile", self.known_hosts.display().to_string()),
            ("GlobalKnownHostsFile", "/dev/null".to_string()),
            ("HostKeyAlias", self.host_key_alias.clone()),
            ("CheckHostIP", "no".to_string()),
        ]
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshConfig {
    pub lab: String,
    pub targets: Vec<SshTarget>,
}

impl SshConfig {
    pub fn render(&self) -> String {
        let mut text = format!(
            "# OpenSSH configuration for vlab lab `{}`, written by `vlab ssh-config`.\n\
             # Use it with `ssh -F FILE NODE`, or `Include FILE` in ~/.ssh/config.\n",
            self.lab
        );
        for target in &self.targets {
            text.push('\n');
            let Some(address) = &target.address else {
                text.push_str(&format!(
                    "# {}: no address yet (not running, or no DHCP lease)\n",
                    target.node
                ));
                continue;
            };
            text.push_str(&format!("Host {}\n", target.node));
            text.push_str(&format!("    HostName {address}\n"));
            text.push_str(&format!("    User {}\n", target.user));
            if let Some(identity) = &target.identity {
                text.push_str(&format!("    IdentityFile {}\n", quoted(identity)));
                text.push_str("    IdentitiesOnly yes\n");
            }
            for (key, value) in target.checked_options() {
                let value = if key.ends_with("File") {
                    quoted(Path::new(&value))
                } else {
                    value
                };
                text.push_str(&format!("    {key} {value}\n"));
            }
        }
        text
    }
}

/// A path as an OpenSSH config value: as it is, or in double quotes when it holds a space,
/// a quote or a `#`. (ssh_config has no escape for `"` inside quotes; vlab's own paths have
/// none.)
fn quoted(path: &Path) -> String {
    let text = path.display().to_string();
    if text.contains([' ', '\t', '"', '#', '\'']) {
        format!("\"{}\"", text.replace('"', ""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(node: &str, address: Option<&str>) -> SshTarget {
        SshTarget {
            node: node.to_string(),
            address: address.map(str::to_string),
            user: "vlab".to_string(),
            identity: Some(PathBuf::from(
                "/home/me/.local/share/vlab/labs/web/id_ed25519",
            )),
            known_hosts: PathBuf::from("/home/me/.local/share/vlab/labs/web/known_hosts"),
            host_key_alias: format!("vlab.web.{node}"),
        }
    }

    #[test]
    fn one_block_per_node_with_the_pinned_host_key() {
        let config = SshConfig {
            lab: "web".to_string(),
            targets: vec![target("web-1", Some("10.0.0.11")), target("db", None)],
        };
        assert_eq!(
            config.render(),
            "# OpenSSH configuration for vlab lab `web`, written by `vlab ssh-config`.\n\
             # Use it with `ssh -F FILE NODE`, or `Include FILE` in ~/.ssh/config.\n\
             \n\
             Host web-1\n    HostName 10.0.0.11\n    User vlab\n\
             \x20   IdentityFile /home/me/.local/share/vlab/labs/web/id_ed25519\n\
             \x20   IdentitiesOnly yes\n    StrictHostKeyChecking yes\n\
             \x20   UserKnownHostsFile /home/me/.local/share/vlab/labs/web/known_hosts\n\
             \x20   GlobalKnownHostsFile /dev/null\n    HostKeyAlias vlab.web.web-1\n\
             \x20   CheckHostIP no\n\
             \n\
             # db: no address yet (not running, or no DHCP lease)\n"
        );
    }

    #[test]
    fn a_path_with_a_space_is_quoted_and_the_options_match_the_config() {
        let mut t = target("a", Some("10.0.0.2"));
        t.known_hosts = PathBuf::from("/home/my self/known_hosts");
        let text = SshConfig {
            lab: "l".into(),
            targets: vec![t.clone()],
        }
        .render();
        assert!(text.contains("    UserKnownHostsFile \"/home/my self/known_hosts\"\n"));
        let options = t.ssh_options();
        assert!(options.contains(&"StrictHostKeyChecking=yes".to_string()));
        assert!(options.contains(&"HostKeyAlias=vlab.web.a".to_string()));
        assert!(
            !options
                .iter()
                .any(|o| o.contains("StrictHostKeyChecking=no"))
        );
    }
}
