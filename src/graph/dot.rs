//! The lab as Graphviz dot: an undirected graph with one cluster per host holding its nodes
//! (boxes, styled by state) and the networks only it has (ellipses); networks on several
//! hosts sit outside the clusters. Interfaces are edges from node to network, links edges
//! from node to node, labelled with interface names and addresses.
//!
//! Every identifier and label is a quoted dot string written by `quoted`, so no lab text can
//! end a string or add attributes or statements.

use super::lab_graph::{GraphNetwork, GraphNode, LabGraph};
use super::node_state::{HostReach, NodeState};
use crate::printable::printable;

pub fn render(graph: &LabGraph) -> String {
    let mut out = format!("graph {} {{\n", quoted(&graph.lab));
    let mut title = format!("lab {}", graph.lab);
    if let Some(description) = &graph.description {
        title.push('\n');
        title.push_str(description);
    }
    out.push_str(&format!(
        "  graph [label={}, labelloc=t, fontname=\"sans-serif\", nodesep=0.4];\n",
        quoted(&title)
    ));
    out.push_str("  node [fontname=\"sans-serif\", fontsize=11];\n");
    out.push_str("  edge [fontname=\"sans-serif\", fontsize=9];\n");
    for host in &graph.hosts {
        out.push_str(&format!(
            "  subgraph {} {{\n",
            quoted(&format!("cluster_host_{}", host.name))
        ));
        let mut label = format!("host {}\n{}", host.name, host.summary());
        if let HostReach::Unreachable(why) = &host.reach {
            label.push_str(&format!("\nunreachable: {why}"));
        }
        out.push_str(&format!(
            "    label={}; style=\"rounded,dashed\";\n",
            quoted(&label)
        ));
        for network in graph
            .networks
            .iter()
            .filter(|n| n.hosts == [host.name.as_str()])
        {
            out.push_str(&format!("    {}\n", network_statement(network)));
        }
        for node in graph.nodes_on(&host.name) {
            out.push_str(&format!("    {}\n", node_statement(node)));
        }
        out.push_str("  }\n");
    }
    for network in graph.networks.iter().filter(|n| n.hosts.len() != 1) {
        out.push_str(&format!("  {}\n", network_statement(network)));
    }
    for attachment in &graph.attachments {
        out.push_str(&format!(
            "  {} -- {} [label={}];\n",
            quoted(&node_id(&attachment.node)),
            quoted(&network_id(&attachment.network)),
            quoted(&attachment.label())
        ));
    }
    for link in &graph.links {
        let mut label = link.cidr.clone().unwrap_or_default();
        for end in [&link.a, &link.b] {
            if let Some(address) = &end.address {
                label.push_str(&format!("\n{} {address}", end.node));
            }
        }
        out.push_str(&format!(
            "  {} -- {} [taillabel={}, headlabel={}, label={}, penwidth=2];\n",
            quoted(&node_id(&link.a.node)),
            quoted(&node_id(&link.b.node)),
            quoted(&link.a.interface),
            quoted(&link.b.interface),
            quoted(label.trim_start())
        ));
    }
    out.push_str("}\n");
    out
}

fn node_statement(node: &GraphNode) -> String {
    // The state when the hosts were read, the image when not (as the other formats).
    let label = format!(
        "{}\n{}",
        node.name,
        node.state.label().unwrap_or(&node.image)
    );
    let style = match node.state {
        NodeState::NotRead => "rounded",
        NodeState::Unknown => "rounded,dotted",
        NodeState::Domain("absent") => "rounded,dashed",
        NodeState::Domain(_) => "rounded,filled",
    };
    let fill = match node.state {
        NodeState::Domain("running") => "#c8efc8",
        NodeState::Domain("paused") => "#f6e7a8",
        NodeState::Domain(_) | NodeState::NotRead | NodeState::Unknown => "#e4e4e4",
    };
    format!(
        "{} [label={}, shape=box, style={}, fillcolor={}, tooltip={}];",
        quoted(&node_id(&node.name)),
        quoted(&label),
        quoted(style),
        quoted(fill),
        quoted(&format!(
            "{}: {} on {}, {} CPU, {}",
            node.name, node.image, node.host, node.cpus, node.memory
        ))
    )
}

fn network_statement(network: &GraphNetwork) -> String {
    format!(
        "{} [label={}, shape=ellipse, style=filled, fillcolor=\"#dbe8f7\"];",
        quoted(&network_id(&network.name)),
        quoted(&format!("{}\n{}", network.name, network.summary()))
    )
}

/// Nodes and networks may share a name, so each kind has its own prefix.
fn node_id(name: &str) -> String {
    format!("node/{name}")
}

fn network_id(name: &str) -> String {
    format!("network/{name}")
}

/// `text` as a dot double-quoted string: `"` and `\` escaped (so no escString sequence such
/// as `\N` or `\G` is ever the lab's), line breaks as `\n`, other control characters written
/// out by `printable`.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in printable(text).chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
