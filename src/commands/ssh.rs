//! `vlab ssh NODE [--seat S] [-- CMD...]`: OpenSSH to a node of the lab as its default user,
//! with the lab's login key, checking the guest's host key against the one vlab gave it in its seed
//! (pinned in the lab's `known_hosts`; never `StrictHostKeyChecking=no`). Without CMD, an
//! interactive login. vlab becomes the `ssh` process (exec), so CMD's exit status is vlab's
//! (ssh's own failures exit 255).
//!
//! A node that is not running, or has no address yet, is refused with a clear error before
//! ssh runs. Reaches the address directly: a guest on a remote host's private network needs
//! a route or a jump host (`ssh -F` with `vlab ssh-config` and a `ProxyJump`).

use super::{CommandError, ExitStatus, load_lab, selected_nodes};
use crate::access::node_selector::glob_match;
use crate::cli::output::Output;
use crate::cli::{LabArgs, SelectionArgs};
use crate::lab::Lab;
use crate::libvirt::Connections;
use crate::pipeline::node_access;
use std::os::unix::process::CommandExt;

pub fn run(
    args: &LabArgs,
    node: &str,
    select: &SelectionArgs,
    command: &[String],
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let lab = load_lab(args, out)?.lab;
    let node = pick(&lab, node, select)?;
    let node = node.as_str();
    let connections = Connections::new();
    let access =
        node_access::read(&lab, &connections).map_err(|e| CommandError::new(e.to_string()))?;
    let Some(node_access) = access.into_iter().find(|a| a.target.node == node) else {
        return Err(CommandError::new(format!("the lab has no node `{node}`")));
    };
    if node_access.state != "running" {
        let state = match node_access.state {
            "absent" => "does not exist".to_string(),
            other => format!("is {other}"),
        };
        return Err(CommandError::with_help(
            format!("node `{node}` {state} on host `{}`", node_access.host),
            "bring the lab up with `vlab apply`, then try again",
        ));
    }
    let target = &node_access.target;
    let Some(address) = &target.address else {
        return Err(CommandError::with_help(
            format!("node `{node}` runs but has no address yet (no static address, no DHCP lease)"),
            "wait until it is ready (`vlab status` shows its addresses), or use its serial console",
        ));
    };
    let mut ssh = std::process::Command::new("ssh");
    ssh.args(target.ssh_options())
        .arg("-l")
        .arg(&target.user)
        .arg("--")
        .arg(address)
        .args(command);
    // Only returns if ssh could not be started.
    let error = ssh.exec();
    Err(CommandError::with_help(
        format!("cannot run ssh: {error}"),
        "install an OpenSSH client (Debian: apt-get install openssh-client)",
    ))
}

/// The node `vlab ssh` logs into: `node` by name; with a selection (`--seat`, `--node`), the
/// one selected node that `node` names or matches as a glob.
fn pick(lab: &Lab, node: &str, select: &SelectionArgs) -> Result<String, CommandError> {
    let selecting = !select.seats.is_empty() || !select.nodes.is_empty();
    if !selecting {
        if lab.node(node).is_none() {
            let known: Vec<&str> = lab.nodes.iter().map(|n| n.name.as_str()).collect();
            return Err(CommandError::with_help(
                format!("the lab has no node `{node}`"),
                format!("its nodes: {}", known.join(", ")),
            ));
        }
        return Ok(node.to_string());
    }
    let selected = selected_nodes(lab, select)?;
    let matching: Vec<&String> = selected.iter().filter(|n| glob_match(node, n)).collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(CommandError::with_help(
            format!("no node of the selection matches `{node}`"),
            format!("its nodes: {}", selected.join(", ")),
        )),
        many => Err(CommandError::with_help(
            format!(
                "`{node}` matches {} nodes of the selection: {}",
                many.len(),
                many.iter()
                    .map(|n| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "vlab ssh logs into one node: name it, or use `vlab exec` to run a command on several",
        )),
    }
}
