//! `vlab ssh-config`: prints an OpenSSH client configuration with one `Host` block per node
//! of the lab (alias = node name, its address, user, the lab's login key and pinned
//! `known_hosts`), for `ssh -F FILE NODE`, `scp -F FILE` and `Include`. A node without an
//! address yet gets a comment instead of a block. Read-only on the hosts; makes the lab's
//! keys if they are missing.

use super::{CommandError, ExitStatus, load_lab};
use crate::access::ssh_config::SshConfig;
use crate::cli::LabArgs;
use crate::cli::output::Output;
use crate::libvirt::Connections;
use crate::pipeline::node_access;

pub fn run(args: &LabArgs, out: &Output) -> Result<ExitStatus, CommandError> {
    let lab = load_lab(args, out)?.lab;
    let connections = Connections::new();
    let access =
        node_access::read(&lab, &connections).map_err(|e| CommandError::new(e.to_string()))?;
    let config = SshConfig {
        lab: lab.name.clone(),
        targets: access.into_iter().map(|a| a.target).collect(),
    };
    crate::outln!("{}", config.render().trim_end());
    Ok(ExitStatus::Success)
}
