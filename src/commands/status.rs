//! `vlab status`: each node of the lab with its host, state, the change a plan holds for it,
//! its readiness (what apply's wait recorded on the guest's current boot: ready, waiting or
//! failed, and since when) and its addresses. `--watch` reads the hosts again every few
//! seconds and redraws when something changed (with `--json`: one JSON document per line,
//! per change). Read-only.

use super::{CommandError, ExitStatus, load_lab};
use crate::cli::LabArgs;
use crate::cli::output::Output;
use crate::lab::Lab;
use crate::lab::selection::Selection;
use crate::libvirt::Connections;
use crate::pipeline;
use crate::pipeline::node_status::{self, NodeStatus};
use crate::utc_time::UtcTime;
use std::io::{IsTerminal, Write};
use std::time::Duration;

pub fn run(
    args: &LabArgs,
    selection: &Selection,
    watch: Option<Duration>,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let lab = load_lab(args, out)?.lab;
    // Only the selected nodes' rows: the whole lab is still planned, to show what is pending.
    let selected = selection
        .resolve(&lab)
        .map_err(|e| CommandError::from_pipeline(e.into(), out))?
        .nodes;
    let connections = Connections::new();
    let read = |lab: &Lab, connections: &Connections, out: &Output| {
        read(lab, connections, out).map(|mut statuses| {
            statuses.retain(|s| selected.contains(&s.node));
            statuses
        })
    };
    let Some(interval) = watch else {
        let statuses = read(&lab, &connections, out)?;
        crate::outln!("{}", show(&lab, &statuses, out).trim_end());
        return Ok(ExitStatus::Success);
    };
    let clear = !out.json && std::io::stdout().is_terminal();
    let mut shown = String::new();
    loop {
        // A host that cannot be read for a moment is shown as such, and the watch goes on.
        let text = match read(&lab, &connections, out) {
            Ok(statuses) => show(&lab, &statuses, out),
            Err(CommandError::Message { message, .. }) => format!("error: {message}\n"),
            Err(CommandError::Reported) => return Err(CommandError::Reported),
        };
        if text != shown {
            let mut stdout = std::io::stdout().lock();
            let written = if clear {
                write!(
                    stdout,
                    "\x1b[H\x1b[2J{} at {} UTC, every {} s (Ctrl-C to stop)\n\n{text}",
                    lab.name,
                    UtcTime::now().clock(),
                    interval.as_secs()
                )
            } else {
                write!(stdout, "{text}")
            };
            // The reader went away (`vlab status --watch | head`): the watch is over.
            if written.and_then(|()| stdout.flush()).is_err() {
                return Ok(ExitStatus::Success);
            }
            shown = text;
        }
        std::thread::sleep(interval);
    }
}

fn read(
    lab: &Lab,
    connections: &Connections,
    out: &Output,
) -> Result<Vec<NodeStatus>, CommandError> {
    let plan = pipeline::plan(lab, connections)
        .map_err(|e| CommandError::from_pipeline(e, out))?
        .plan;
    node_status::read(lab, &plan, connections).map_err(CommandError::new)
}

/// The table (or one line of JSON), ending with a newline.
fn show(lab: &Lab, statuses: &[NodeStatus], out: &Output) -> String {
    if out.json {
        return format!(
            "{}\n",
            serde_json::json!({"lab": lab.name, "nodes": statuses})
        );
    }
    let mut text = format!(
        "{:<20} {:<10} {:<10} {:<8} {:<22} ADDRESSES\n",
        "NODE", "HOST", "STATE", "PENDING", "READY"
    );
    for s in statuses {
        let addresses: Vec<String> = s
            .addresses
            .iter()
            .map(|a| format!("{} {}", a.interface, a.address))
            .collect();
        let ready = s
            .readiness
            .as_ref()
            .map_or_else(|| "-".to_string(), node_status::Readiness::describe);
        text.push_str(&format!(
            "{:<20} {:<10} {:<10} {:<8} {:<22} {}\n",
            s.node,
            s.host,
            s.state,
            s.pending.as_deref().unwrap_or("-"),
            ready,
            addresses.join(", ")
        ));
    }
    text
}
