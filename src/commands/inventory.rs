//! `vlab inventory`: prints an Ansible inventory of the lab's nodes (YAML, INI or an
//! inventory script's JSON), with groups from `count`, `groups` and the vlab hosts, and the
//! variables that log in as `vlab ssh` does (host keys checked). Warnings (a node without
//! an address yet, a group left out) and notes go to stderr. Read-only on the hosts; makes
//! the lab's keys if they are missing. With `--seat`/`--node`, only the selected nodes, and
//! the groups they are in.

use super::{CommandError, ExitStatus, load_lab, selected_nodes};
use crate::access::inventory::{Inventory, InventoryFormat, Notice};
use crate::cli::output::Output;
use crate::cli::{LabArgs, SelectionArgs};
use crate::libvirt::Connections;
use crate::pipeline::node_access;

pub fn run(
    args: &LabArgs,
    select: &SelectionArgs,
    format: Option<InventoryFormat>,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let format = format.unwrap_or(if out.json {
        InventoryFormat::Json
    } else {
        InventoryFormat::Yaml
    });
    let mut lab = load_lab(args, out)?.lab;
    // A selection's inventory is the inventory of a lab of the selected nodes alone.
    let selected = selected_nodes(&lab, select)?;
    lab.nodes.retain(|n| selected.contains(&n.name));
    let connections = Connections::new();
    let access =
        node_access::read(&lab, &connections).map_err(|e| CommandError::new(e.to_string()))?;
    let targets: Vec<_> = access.into_iter().map(|a| a.target).collect();
    let inventory = Inventory::build(&lab, &targets);
    if !out.quiet {
        for notice in &inventory.notices {
            match notice {
                Notice::Warning(message) => eprintln!("{}: {message}", out.warning_word()),
                Notice::Note(message) => eprintln!("note: {message}"),
            }
        }
    }
    crate::outln!("{}", inventory.render(format).trim_end());
    Ok(ExitStatus::Success)
}
