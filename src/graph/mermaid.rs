//! The lab as a Mermaid flowchart: one subgraph per host holding its nodes (rectangles,
//! classed by state) and the networks only it has (stadiums); networks on several hosts sit
//! outside. Interfaces are lines from node to network, links thick lines from node to node,
//! labelled with interface names and addresses.
//!
//! Identifiers are generated (`h0`, `w0`, `n0`): lab names may hold `--`, which Mermaid would
//! read as an edge. Every label is a quoted string written by `label`, which spells anything
//! but letters, digits and plain punctuation as a Mermaid entity code (`#60;`), so no lab
//! text can close a label, start a comment or directive, or reach the page as HTML.

use super::lab_graph::{GraphNetwork, GraphNode, LabGraph};
use super::node_state::HostReach;
use std::collections::BTreeMap;

pub fn render(graph: &LabGraph) -> String {
    let ids = Ids::new(graph);
    let mut out = String::from("flowchart TB\n");
    for (h, host) in graph.hosts.iter().enumerate() {
        let mut title = vec![format!("host {}", host.name), host.summary()];
        if let HostReach::Unreachable(why) = &host.reach {
            title.push(format!("unreachable: {why}"));
        }
        out.push_str(&format!("  subgraph h{h}[{}]\n", label(&title)));
        for network in graph
            .networks
            .iter()
            .filter(|n| n.hosts == [host.name.as_str()])
        {
            out.push_str(&format!("    {}\n", network_shape(&ids, network)));
        }
        for node in graph.nodes_on(&host.name) {
            out.push_str(&format!("    {}\n", node_shape(&ids, node)));
        }
        out.push_str("  end\n");
    }
    for network in graph.networks.iter().filter(|n| n.hosts.len() != 1) {
        out.push_str(&format!("  {}\n", network_shape(&ids, network)));
    }
    for attachment in &graph.attachments {
        out.push_str(&format!(
            "  {} ---|{}| {}\n",
            ids.node(&attachment.node),
            label(&[attachment.label()]),
            ids.network(&attachment.network)
        ));
    }
    for link in &graph.links {
        out.push_str(&format!(
            "  {} ===|{}| {}\n",
            ids.node(&link.a.node),
            label(&[link.label()]),
            ids.node(&link.b.node)
        ));
    }
    out.push_str(&classes(graph, &ids));
    out
}

/// `classDef` per state shown and the `class` lines that give nodes their state's colours.
fn classes(graph: &LabGraph, ids: &Ids) -> String {
    let mut by_state: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for node in &graph.nodes {
        by_state
            .entry(node.state.class().replace('-', "_"))
            .or_default()
            .push(ids.node(&node.name));
    }
    let mut out = String::from("  classDef network fill:#dbe8f7,stroke:#4a78a8\n");
    for (class, nodes) in &by_state {
        let style = match class.as_str() {
            "running" => "fill:#c8efc8,stroke:#2f7d32",
            "paused" => "fill:#f6e7a8,stroke:#9a7b00",
            "absent" => "fill:#ffffff,stroke:#888888,stroke-dasharray:4 3",
            "unknown" => "fill:#eeeeee,stroke:#888888,stroke-dasharray:1 3",
            _ => "fill:#e4e4e4,stroke:#555555",
        };
        out.push_str(&format!("  classDef state_{class} {style}\n"));
        out.push_str(&format!("  class {} state_{class}\n", nodes.join(",")));
    }
    if !graph.networks.is_empty() {
        let networks: Vec<String> = graph
            .networks
            .iter()
            .map(|n| ids.network(&n.name))
            .collect();
        out.push_str(&format!("  class {} network\n", networks.join(",")));
    }
    out
}

fn node_shape(ids: &Ids, node: &GraphNode) -> String {
    // The state when the hosts were read, the image when not (as the other formats).
    let lines = [
        node.name.clone(),
        node.state.label().unwrap_or(&node.image).to_string(),
    ];
    format!("{}[{}]", ids.node(&node.name), label(&lines))
}

fn network_shape(ids: &Ids, network: &GraphNetwork) -> String {
    format!(
        "{}([{}])",
        ids.network(&network.name),
        label(&[network.name.clone(), network.summary()])
    )
}

/// Generated identifiers, by position in the lab.
struct Ids {
    nodes: BTreeMap<String, usize>,
    networks: BTreeMap<String, usize>,
}

impl Ids {
    fn new(graph: &LabGraph) -> Ids {
        Ids {
            nodes: graph
                .nodes
                .iter()
                .enumerate()
                .map(|(i, n)| (n.name.clone(), i))
                .collect(),
            networks: (graph.networks.iter().enumerate())
                .map(|(i, n)| (n.name.clone(), i))
                .collect(),
        }
    }

    /// A lab's references are checked, so every name is found; `n_` is never drawn.
    fn node(&self, name: &str) -> String {
        self.nodes
            .get(name)
            .map_or("n_".to_string(), |i| format!("n{i}"))
    }

    fn network(&self, name: &str) -> String {
        self.networks
            .get(name)
            .map_or("w_".to_string(), |i| format!("w{i}"))
    }
}

/// `lines` as one quoted Mermaid label, joined by `<br/>`; every character but ASCII
/// letters, digits, space and `-_.,:/+=()` as a decimal entity code (`"` is `#34;`).
pub fn label(lines: &[String]) -> String {
    let mut out = String::from("\"");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("<br/>");
        }
        for c in line.chars() {
            if c == '\n' {
                out.push_str("<br/>");
            } else if c.is_ascii_alphanumeric() || " -_.,:/+=()".contains(c) {
                out.push(c);
            } else {
                out.push_str(&format!("#{};", u32::from(c)));
            }
        }
    }
    out.push('"');
    out
}
