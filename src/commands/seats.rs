//! `vlab seats`: the instructor's handout of a lab with seats: per seat, its nodes, their
//! addresses and how to log in (`access::SeatHandout`), as a table, CSV or JSON. The hosts
//! are read for states and DHCP leases; one that cannot be reached leaves the handout to the
//! lab file's static addresses (with a warning), and `--offline` asks no host at all.
//! Read-only.

use super::{CommandError, ExitStatus, load_lab};
use crate::access::seat_handout::{HandoutFormat, SeatHandout};
use crate::cli::LabArgs;
use crate::cli::output::Output;
use crate::lab::selection::Selection;
use crate::libvirt::Connections;
use crate::pipeline::node_access;
use crate::pipeline::node_status::{self, NodeStatus};
use crate::planner::plan::Plan;
use crate::printable::printable;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// `None`: JSON with `--json`, else a table.
    pub format: Option<HandoutFormat>,
    pub offline: bool,
}

pub fn run(
    args: &LabArgs,
    selection: &Selection,
    options: Options,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let lab = load_lab(args, out)?.lab;
    if lab.seats.is_none() {
        return Err(CommandError::with_help(
            format!("lab `{}` has no seats", lab.name),
            "`vlab seats` is the handout of a lab with a `seats N { ... }` block; \
             `vlab status` lists the nodes of any lab",
        ));
    }
    let nodes = selection
        .resolve(&lab)
        .map_err(|e| CommandError::from_pipeline(e.into(), out))?
        .nodes;
    let statuses = (!options.offline).then(|| read_hosts(&lab, out)).flatten();
    let file = args.file.display().to_string();
    let handout = SeatHandout::new(&lab, &file, &nodes, statuses.as_deref(), |node| {
        node_access::user(&lab, node)
    });
    let format = options.format.unwrap_or(if out.json {
        HandoutFormat::Json
    } else {
        HandoutFormat::Table
    });
    crate::cli::output::write_stdout(handout.render(format).as_bytes());
    Ok(ExitStatus::Success)
}

/// Every node's status, or `None` (with a warning) when a host cannot be read.
fn read_hosts(lab: &crate::lab::Lab, out: &Output) -> Option<Vec<NodeStatus>> {
    // No plan: the handout shows no pending changes, so none is made.
    let plan = Plan {
        lab: lab.name.clone(),
        changes: Vec::new(),
        conflicts: Vec::new(),
    };
    match node_status::read(lab, &plan, &Connections::new()) {
        Ok(statuses) => Some(statuses),
        Err(why) => {
            if !out.quiet {
                eprintln!(
                    "{}: cannot read the hosts ({}); the handout shows the lab file's static \
                     addresses only",
                    out.warning_word(),
                    printable(&why)
                );
                eprintln!("  help: pass --offline to skip the hosts");
            }
            None
        }
    }
}
