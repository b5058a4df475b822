//! `vlab graph`'s drawing of a lab: the `LabGraph` model (hosts, networks, nodes, their
//! attachments and links, with node states when the hosts were read) and one renderer per
//! format: Graphviz dot, a Mermaid flowchart, and a self-contained HTML page with an inline
//! SVG drawing.
//!
//! Pure: no I/O. A lab may come from a stranger, so every renderer writes every piece of
//! text through its format's own escaping (dot strings, Mermaid entity codes, HTML entities),
//! never raw. Reading node states from the hosts is `pipeline::node_states`'s; choosing the
//! format and writing the result is the command's.

pub mod dot;
pub mod graph_layout;
pub mod html_page;
pub mod lab_graph;
pub mod mermaid;
pub mod node_state;

pub use lab_graph::LabGraph;
pub use node_state::{HostReach, LabStates, NodeState};

use clap::ValueEnum;
use std::path::Path;

/// The formats `vlab graph` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz dot (`dot -Tsvg`)
    Dot,
    /// A Mermaid flowchart (Markdown ```mermaid blocks)
    Mermaid,
    /// One self-contained HTML page with an SVG drawing (no network needed to view it)
    Html,
}

impl GraphFormat {
    /// The format a file name implies by its extension: `.dot`/`.gv`, `.mmd`/`.mermaid`,
    /// `.html`/`.htm`.
    pub fn from_path(path: &Path) -> Option<GraphFormat> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "dot" | "gv" => Some(GraphFormat::Dot),
            "mmd" | "mermaid" => Some(GraphFormat::Mermaid),
            "html" | "htm" => Some(GraphFormat::Html),
            _ => None,
        }
    }

    pub fn render(self, graph: &LabGraph) -> String {
        match self {
            GraphFormat::Dot => dot::render(graph),
            GraphFormat::Mermaid => mermaid::render(graph),
            GraphFormat::Html => html_page::render(graph),
        }
    }
}

#[cfg(test)]
mod tests;
