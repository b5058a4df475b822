//! `vlab graph`: draws the lab (hosts, networks, nodes, links) as Graphviz dot, a Mermaid
//! flowchart or a self-contained HTML page, to stdout or a file. With the hosts reachable it
//! shows each node's domain state; a host that cannot be reached is drawn with its nodes'
//! state unknown, with a warning, and `--offline` asks no host at all. Read-only.

use super::{CommandError, ExitStatus, load_lab};
use crate::cli::LabArgs;
use crate::cli::output::Output;
use crate::graph::{GraphFormat, HostReach, LabGraph};
use crate::libvirt::Connections;
use crate::pipeline::node_states;
use crate::printable::printable;
use std::path::Path;

pub struct Options<'a> {
    /// `None`: from `file`'s extension, else dot.
    pub format: Option<GraphFormat>,
    pub file: Option<&'a Path>,
    pub offline: bool,
}

pub fn run(args: &LabArgs, options: &Options, out: &Output) -> Result<ExitStatus, CommandError> {
    let format = match (options.format, options.file) {
        (Some(format), _) => format,
        (None, Some(file)) => GraphFormat::from_path(file).unwrap_or(GraphFormat::Dot),
        (None, None) => GraphFormat::Dot,
    };
    let lab = load_lab(args, out)?.lab;
    let states = (!options.offline).then(|| node_states::read(&lab, &Connections::new()));
    let graph = LabGraph::new(&lab, states.as_ref());
    warn_unreachable(&graph, out);
    let text = format.render(&graph);
    match options.file {
        None => crate::cli::output::write_stdout(text.as_bytes()),
        Some(file) => {
            std::fs::write(file, text)
                .map_err(|e| CommandError::new(format!("cannot write {}: {e}", file.display())))?;
            if !out.quiet {
                eprintln!("wrote {}", file.display());
            }
        }
    }
    Ok(ExitStatus::Success)
}

fn warn_unreachable(graph: &LabGraph, out: &Output) {
    if out.quiet {
        return;
    }
    for host in &graph.hosts {
        if let HostReach::Unreachable(why) = &host.reach {
            eprintln!(
                "{}: host `{}` cannot be reached ({}); its nodes are drawn with their state unknown",
                out.warning_word(),
                host.name,
                printable(why)
            );
            eprintln!("  help: pass --offline to draw from the lab file alone");
        }
    }
}
