//! `GraphLayout`: where the HTML page draws each part of a `LabGraph`, in SVG user units.
//!
//! A bus diagram per host, hosts stacked top to bottom: a panel per host with a bar for each
//! network on it, its nodes in one row below the bars, a wire from each interface up to its
//! network's bar, and each link as an arc below the row (one depth per link, so arcs and
//! their labels never sit on each other). Pure geometry from the graph's order alone, so the
//! same lab is laid out the same way every time; drawing it is `html_page`'s.

use super::lab_graph::LabGraph;
use std::collections::BTreeMap;

pub const MARGIN: u32 = 20;
pub const PAD: u32 = 20;
/// The host's name and URI above its bars.
pub const HEADER: u32 = 48;
pub const BAR_GAP: u32 = 30;
/// Room between the lowest bar and the node row, and per stacked interface label.
pub const WIRE_ROOM: u32 = 26;
pub const LABEL_STEP: u32 = 14;
pub const NODE_W: u32 = 150;
pub const NODE_H: u32 = 58;
pub const NODE_GAP: u32 = 46;
pub const ARC_FIRST: u32 = 34;
pub const ARC_STEP: u32 = 30;
/// Narrow enough for a laptop screen, wide enough for the host's header and bar labels.
pub const MIN_INNER: u32 = 440;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphLayout {
    pub width: u32,
    pub height: u32,
    pub hosts: Vec<HostPanel>,
}

/// Indices (`host`, `network`, `node`, `attachment`, `link`) are into the `LabGraph`'s lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPanel {
    pub host: usize,
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    pub bars: Vec<Bar>,
    pub nodes: Vec<NodeBox>,
    pub wires: Vec<Wire>,
    pub arcs: Vec<Arc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub network: usize,
    pub x1: u32,
    pub x2: u32,
    pub y: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeBox {
    pub node: usize,
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// An interface: a vertical line from the node's top (`y2`) up to its network's bar (`y1`),
/// its label just above the node at `label_y`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wire {
    pub attachment: usize,
    pub x: u32,
    pub y1: u32,
    pub y2: u32,
    pub label_y: u32,
}

/// A link: a curve from the bottom of one node (`x1`) to the other's (`x2`) at `y`, whose
/// lowest point is `depth` below; its label sits there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arc {
    pub link: usize,
    pub x1: u32,
    pub x2: u32,
    pub y: u32,
    pub depth: u32,
}

impl GraphLayout {
    pub fn new(graph: &LabGraph) -> GraphLayout {
        let widest = graph
            .hosts
            .iter()
            .map(|h| graph.nodes_on(&h.name).count() as u32)
            .max()
            .unwrap_or(0);
        let inner = (widest * (NODE_W + NODE_GAP))
            .saturating_sub(NODE_GAP)
            .max(MIN_INNER);
        let w = inner + 2 * PAD;
        let mut y = MARGIN;
        let mut hosts = Vec::new();
        for host in 0..graph.hosts.len() {
            let panel = panel(graph, host, MARGIN, y, w);
            y += panel.h + MARGIN;
            hosts.push(panel);
        }
        GraphLayout {
            width: w + 2 * MARGIN,
            height: y,
            hosts,
        }
    }
}

fn panel(graph: &LabGraph, host: usize, x: u32, y: u32, w: u32) -> HostPanel {
    let name = &graph.hosts[host].name;
    let networks: Vec<usize> = (0..graph.networks.len())
        .filter(|&n| graph.networks[n].hosts.contains(name))
        .collect();
    let bars: Vec<Bar> = networks
        .iter()
        .enumerate()
        .map(|(i, &network)| Bar {
            network,
            x1: x + PAD,
            x2: x + w - PAD,
            y: y + HEADER + i as u32 * BAR_GAP + BAR_GAP / 2,
        })
        .collect();
    let nodes: Vec<usize> = (0..graph.nodes.len())
        .filter(|&n| graph.nodes[n].host == *name)
        .collect();
    let stacked = nodes
        .iter()
        .map(|&n| attachments_of(graph, n).len() as u32)
        .max()
        .unwrap_or(0);
    let row_y = y + HEADER + bars.len() as u32 * BAR_GAP + WIRE_ROOM + stacked * LABEL_STEP;
    let boxes: Vec<NodeBox> = nodes
        .iter()
        .enumerate()
        .map(|(i, &node)| NodeBox {
            node,
            x: x + PAD + i as u32 * (NODE_W + NODE_GAP),
            y: row_y,
            w: NODE_W,
            h: NODE_H,
        })
        .collect();
    let wires = wires(graph, &boxes, &bars);
    let arcs = arcs(graph, &boxes);
    let below = arcs.iter().map(|a| a.depth + LABEL_STEP).max().unwrap_or(0);
    HostPanel {
        host,
        x,
        y,
        w,
        h: row_y - y + NODE_H + below + PAD,
        bars,
        nodes: boxes,
        wires,
        arcs,
    }
}

/// The indices of `node`'s network attachments.
fn attachments_of(graph: &LabGraph, node: usize) -> Vec<usize> {
    let name = &graph.nodes[node].name;
    (0..graph.attachments.len())
        .filter(|&a| graph.attachments[a].node == *name)
        .collect()
}

/// Each node's wires spread evenly across its top, their labels stacked upwards.
fn wires(graph: &LabGraph, boxes: &[NodeBox], bars: &[Bar]) -> Vec<Wire> {
    let mut out = Vec::new();
    for b in boxes {
        let mine = attachments_of(graph, b.node);
        let count = mine.len() as u32;
        for (k, &attachment) in mine.iter().enumerate() {
            let network = &graph.attachments[attachment].network;
            let Some(bar) = bars
                .iter()
                .find(|bar| graph.networks[bar.network].name == *network)
            else {
                continue;
            };
            let k = k as u32;
            out.push(Wire {
                attachment,
                x: b.x + (k + 1) * b.w / (count + 1),
                y1: bar.y,
                y2: b.y,
                label_y: b.y - 6 - (count - 1 - k) * LABEL_STEP,
            });
        }
    }
    out
}

/// The links between nodes of this row, each one step deeper than the last; a node's link
/// ends spread across its bottom.
fn arcs(graph: &LabGraph, boxes: &[NodeBox]) -> Vec<Arc> {
    let find = |name: &str| boxes.iter().find(|b| graph.nodes[b.node].name == name);
    let ends_of = |name: &str| {
        graph
            .links
            .iter()
            .flat_map(|l| [&l.a, &l.b])
            .filter(|e| e.node == name)
            .count() as u32
    };
    // How many of each node's link ends are placed so far.
    let mut placed: BTreeMap<String, u32> = BTreeMap::new();
    let mut end_x = |b: &NodeBox, name: &str| {
        let k = placed.entry(name.to_string()).or_insert(0);
        let x = b.x + (*k + 1) * b.w / (ends_of(name) + 1);
        *k += 1;
        x
    };
    let mut out = Vec::new();
    for (link, l) in graph.links.iter().enumerate() {
        let (Some(a), Some(b)) = (find(&l.a.node), find(&l.b.node)) else {
            continue;
        };
        let depth = ARC_FIRST + out.len() as u32 * ARC_STEP;
        out.push(Arc {
            link,
            x1: end_x(a, &l.a.node),
            x2: end_x(b, &l.b.node),
            y: a.y + a.h,
            depth,
        });
    }
    out
}
