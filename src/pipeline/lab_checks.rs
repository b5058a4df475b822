//! The lab's checks for `vlab test`: those a selection holds (`select`: a check belongs to
//! the node it runs on, or for a `port` check from the machine running vlab, to the node
//! it tries), each prepared to run (`prepare`): every node it needs read on its host
//! (running, with an address), the address a built-in tries (the target's address on a
//! network or link it shares with the node the check runs from, else its first one), and
//! the command line each attempt runs over ssh, with the lab's key and the node's pinned
//! host key (`node_access`).
//!
//! Reads the hosts and the lab's key folder; runs nothing (`checks::CheckRunner` does).

use super::PipelineError;
use super::node_access::{self, InterfaceAddress, NodeAccess};
use crate::checks::check_probe::{Probe, ping_script, port_script};
use crate::checks::check_runner::PreparedCheck;
use crate::lab::selection::Selection;
use crate::lab::{Attachment, Check, CheckKind, Lab};
use crate::libvirt::Connections;
use std::collections::HashMap;

/// The checks of `lab` that `selection` holds, in the lab's order.
pub fn select(lab: &Lab, selection: &Selection) -> Result<Vec<Check>, PipelineError> {
    if selection.is_all() {
        return Ok(lab.checks.clone());
    }
    let selected = selection.resolve(lab)?;
    Ok(lab
        .checks
        .iter()
        .filter(|c| selected.nodes.iter().any(|n| n == c.selected_by()))
        .cloned()
        .collect())
}

/// Each check with how to run it, or why it cannot (a node it needs is not up).
pub fn prepare(
    lab: &Lab,
    checks: Vec<Check>,
    connections: &Connections,
) -> Result<Vec<PreparedCheck>, PipelineError> {
    if checks.is_empty() {
        return Ok(Vec::new());
    }
    let access = node_access::read(lab, connections)?;
    let by_name: HashMap<&str, &NodeAccess> =
        access.iter().map(|a| (a.target.node.as_str(), a)).collect();
    Ok(checks
        .into_iter()
        .map(|check| {
            let (probe, target_address) = match probe(&check, &by_name) {
                Ok((probe, address)) => (Ok(probe), address),
                Err(why) => (Err(why), None),
            };
            PreparedCheck {
                check,
                probe,
                target_address,
            }
        })
        .collect())
}

type Ready = (Probe, Option<String>);

fn probe(check: &Check, nodes: &HashMap<&str, &NodeAccess>) -> Result<Ready, String> {
    let up = |name: &str| -> Result<&NodeAccess, String> {
        let access = nodes
            .get(name)
            .ok_or_else(|| format!("node `{name}` is not in the lab"))?;
        match access.state {
            "running" => Ok(access),
            "absent" => Err(format!(
                "node `{name}` does not exist on host `{}` (run `vlab apply`)",
                access.host
            )),
            state => Err(format!(
                "node `{name}` is {state} on host `{}`",
                access.host
            )),
        }
    };
    let ssh = |access: &NodeAccess, script: String| -> Result<Probe, String> {
        let address = access
            .target
            .address
            .clone()
            .ok_or_else(|| format!("node `{}` has no address yet", access.target.node))?;
        Ok(Probe::Ssh {
            target: access.target.clone(),
            address,
            script,
        })
    };
    match &check.kind {
        CheckKind::Command { node, command, .. } => Ok((ssh(up(node)?, command.clone())?, None)),
        CheckKind::Reach { from, to } => {
            let (from, to) = (up(from)?, up(to)?);
            let address = address_for(Some(from), to)?;
            Ok((ssh(from, ping_script(&address))?, Some(address)))
        }
        CheckKind::Port { from, to, port } => {
            let from = from.as_deref().map(up).transpose()?;
            let to = up(to)?;
            let address = address_for(from, to)?;
            let probe = match from {
                Some(from) => ssh(from, port_script(&address, *port))?,
                None => Probe::Connect {
                    address: address.clone(),
                    port: *port,
                },
            };
            Ok((probe, Some(address)))
        }
    }
}

/// The address of `to` that `from` reaches it at: on a network or link both are attached
/// to, else its first address on a network (`from` `None`, the machine running vlab,
/// reaches networks only).
fn address_for(from: Option<&NodeAccess>, to: &NodeAccess) -> Result<String, String> {
    let shared = |a: &&InterfaceAddress| {
        from.is_some_and(|f| f.addresses.iter().any(|o| o.attachment == a.attachment))
    };
    let on_network = |a: &&InterfaceAddress| matches!(a.attachment, Attachment::Network(_));
    to.addresses
        .iter()
        .find(shared)
        .or_else(|| to.addresses.iter().find(on_network))
        .map(|a| a.address.clone())
        .ok_or_else(|| format!("node `{}` has no address yet", to.target.node))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::ssh_config::SshTarget;

    fn access(name: &str, state: &'static str, addresses: &[(&str, &str)]) -> NodeAccess {
        let addresses: Vec<InterfaceAddress> = addresses
            .iter()
            .map(|(on, address)| InterfaceAddress {
                attachment: match on.strip_prefix("link:") {
                    Some(link) => Attachment::Link(link.into()),
                    None => Attachment::Network((*on).into()),
                },
                address: (*address).into(),
            })
            .collect();
        NodeAccess {
            host: "local".into(),
            state,
            target: SshTarget {
                node: name.into(),
                address: addresses
                    .iter()
                    .find(|a| matches!(a.attachment, Attachment::Network(_)))
                    .map(|a| a.address.clone()),
                user: "vlab".into(),
                identity: None,
                known_hosts: "/k".into(),
                host_key_alias: format!("vlab-{name}"),
            },
            addresses,
        }
    }

    #[test]
    fn a_target_is_tried_at_the_address_it_shares_with_the_node_the_check_runs_on() {
        let web = access(
            "web",
            "running",
            &[("front", "10.1.0.5"), ("link:w--d", "10.9.0.1")],
        );
        let db = access(
            "db",
            "running",
            &[("back", "10.2.0.7"), ("link:w--d", "10.9.0.2")],
        );
        assert_eq!(address_for(Some(&web), &db), Ok("10.9.0.2".into()));
        let other = access("x", "running", &[("elsewhere", "10.3.0.3")]);
        assert_eq!(address_for(Some(&other), &db), Ok("10.2.0.7".into()));
        assert_eq!(
            address_for(None, &db),
            Ok("10.2.0.7".into()),
            "from here: a network"
        );
        let wired = access("r", "running", &[("link:a--b", "10.9.9.1")]);
        assert!(
            address_for(None, &wired).is_err(),
            "a link is out of reach from here"
        );
    }

    #[test]
    fn a_check_whose_node_is_not_up_says_why() {
        let check = |kind| Check {
            name: "c".into(),
            seat: None,
            kind,
            retries: 0,
            delay: std::time::Duration::ZERO,
            timeout: std::time::Duration::from_secs(1),
        };
        let web = access("web", "running", &[("lan", "10.1.0.5")]);
        let db = access("db", "shut off", &[]);
        let new = access("new", "running", &[]);
        let nodes: HashMap<&str, &NodeAccess> = [("web", &web), ("db", &db), ("new", &new)]
            .into_iter()
            .collect();
        let reach = check(CheckKind::Reach {
            from: "web".into(),
            to: "db".into(),
        });
        assert_eq!(
            probe(&reach, &nodes).map(|_| ()),
            Err("node `db` is shut off on host `local`".into())
        );
        let command = check(CheckKind::Command {
            node: "new".into(),
            command: "true".into(),
            expect: crate::lab::Expectation::default(),
        });
        assert_eq!(
            probe(&command, &nodes).map(|_| ()),
            Err("node `new` has no address yet".into())
        );
        let port = check(CheckKind::Port {
            from: None,
            to: "web".into(),
            port: 22,
        });
        assert_eq!(
            probe(&port, &nodes),
            Ok((
                Probe::Connect {
                    address: "10.1.0.5".into(),
                    port: 22
                },
                Some("10.1.0.5".into())
            ))
        );
    }
}
