//! Renderer cases on graphs built in memory: escaping of hostile lab text in every format,
//! the page's CSP hashes, and the layout's geometry.

use super::graph_layout::{GraphLayout, NODE_H};
use super::lab_graph::{GraphHost, GraphLink, GraphLinkEnd, GraphNetwork, GraphNode};
use super::lab_graph::{LabGraph, NetworkAttachment};
use super::{GraphFormat, HostReach, NodeState};
use std::path::Path;

const HOSTILE: &str = "x\"]; evil [label=\"\n</title></text></svg><script>alert(1)</script> %%{init}%% `md` #35; | \\N\u{1b}[2J";

fn node(name: &str, host: &str, state: NodeState) -> GraphNode {
    GraphNode {
        name: name.into(),
        host: host.into(),
        image: "debian-12".into(),
        cpus: 1,
        memory: "512MiB".into(),
        state,
    }
}

fn end(node: &str, interface: &str, address: Option<&str>) -> GraphLinkEnd {
    GraphLinkEnd {
        node: node.into(),
        interface: interface.into(),
        address: address.map(Into::into),
    }
}

fn sample() -> LabGraph {
    LabGraph {
        lab: "lab--x".into(),
        description: Some(HOSTILE.into()),
        hosts: vec![
            GraphHost {
                name: "one".into(),
                uri: "qemu:///system".into(),
                hypervisor: "kvm".into(),
                reach: HostReach::Reached,
            },
            GraphHost {
                name: "two".into(),
                uri: "qemu+ssh://root@two/system".into(),
                hypervisor: "kvm".into(),
                reach: HostReach::Unreachable(HOSTILE.into()),
            },
        ],
        networks: vec![
            GraphNetwork {
                name: "lan".into(),
                mode: "nat".into(),
                cidr: Some("10.0.0.0/24".into()),
                bridge: None,
                hosts: vec!["one".into(), "two".into()],
            },
            GraphNetwork {
                name: "back".into(),
                mode: "isolated".into(),
                cidr: None,
                bridge: None,
                hosts: vec!["one".into()],
            },
        ],
        nodes: vec![
            node("a", "one", NodeState::Domain("running")),
            node("b--c", "one", NodeState::Domain("shut off")),
            node("d", "two", NodeState::Unknown),
        ],
        attachments: vec![
            NetworkAttachment {
                node: "a".into(),
                interface: "eth0".into(),
                network: "lan".into(),
                address: Some("10.0.0.5/24".into()),
            },
            NetworkAttachment {
                node: "a".into(),
                interface: "eth1".into(),
                network: "back".into(),
                address: None,
            },
            NetworkAttachment {
                node: "b--c".into(),
                interface: "eth0".into(),
                network: "lan".into(),
                address: None,
            },
            NetworkAttachment {
                node: "d".into(),
                interface: "eth0".into(),
                network: "lan".into(),
                address: None,
            },
        ],
        links: vec![GraphLink {
            a: end("a", "eth2", Some("10.9.0.1/30")),
            b: end("b--c", "eth2", Some("10.9.0.2/30")),
            cidr: Some("10.9.0.0/30".into()),
        }],
        states_read: true,
    }
}

/// The dot text with every quoted string taken out, or `None` if one is not closed.
fn outside_dot_strings(dot: &str) -> Option<String> {
    let mut outside = String::new();
    let mut chars = dot.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            outside.push(c);
            continue;
        }
        loop {
            match chars.next()? {
                '\\' => {
                    chars.next()?;
                }
                '"' => break,
                _ => {}
            }
        }
        outside.push('S');
    }
    Some(outside)
}

#[test]
fn dot_keeps_hostile_text_inside_its_strings() {
    let dot = GraphFormat::Dot.render(&sample());
    let outside = outside_dot_strings(&dot).expect("every string closed");
    assert!(!outside.contains("evil"), "{outside}");
    assert!(!outside.contains("script"), "{outside}");
    // Braces balance outside strings: one graph, one cluster per host.
    assert_eq!(outside.matches('{').count(), 3, "{outside}");
    assert_eq!(outside.matches('}').count(), 3, "{outside}");
    // The lab's backslash cannot become dot's `\N` (the node's name) escape.
    assert!(dot.contains("\\\\N"), "{dot}");
    assert!(!dot.contains('\u{1b}'));
    assert_eq!(
        super::dot::quoted("say \"hi\"\\\n"),
        "\"say \\\"hi\\\"\\\\\\n\""
    );
}

#[test]
fn dot_puts_single_host_networks_in_their_cluster() {
    let dot = GraphFormat::Dot.render(&sample());
    let cluster_one = dot
        .split("subgraph \"cluster_host_one\"")
        .nth(1)
        .and_then(|rest| rest.split("  }\n").next())
        .expect("cluster");
    assert!(cluster_one.contains("\"network/back\""));
    assert!(!cluster_one.contains("\"network/lan\""));
    assert!(dot.contains("\"node/a\" -- \"node/b--c\""));
}

/// `text` without its Mermaid entity codes (`#60;`).
fn without_entity_codes(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('#') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        assert!(
            digits > 0 && after[digits..].starts_with(';'),
            "bare # in {text}"
        );
        rest = &after[digits + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn mermaid_labels_hold_no_syntax_or_markup() {
    let mermaid = GraphFormat::Mermaid.render(&sample());
    assert!(mermaid.starts_with("flowchart TB\n"));
    for line in mermaid.lines() {
        // Outside the quoted labels, only generated ids and Mermaid's own syntax.
        let parts = line.split('"');
        let syntax: String = parts.clone().step_by(2).collect();
        assert!(!syntax.contains("evil") && !syntax.contains("%%"), "{line}");
        for label in parts.skip(1).step_by(2) {
            let text = label.replace("<br/>", "");
            let plain = without_entity_codes(&text);
            assert!(
                plain
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || " -_.,:/+=()".contains(c)),
                "{label}"
            );
        }
    }
    // Ids are generated, so `b--c` is a label, never an edge.
    assert!(mermaid.contains("n1[\"b--c<br/>shut off\"]"), "{mermaid}");
    assert!(mermaid.contains("n0 ===|"), "{mermaid}");
    assert!(mermaid.contains("class n0 state_running"));
}

#[test]
fn html_page_escapes_lab_text_and_allows_only_its_own_style_and_script() {
    let html = GraphFormat::Html.render(&sample());
    assert_eq!(html.matches("<script").count(), 1);
    assert_eq!(html.matches("</script>").count(), 1);
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains('\u{1b}'));
    // The CSP hashes are of the inline style and script exactly as written.
    let between = |open: &str, close: &str| {
        let start = html.find(open).expect("open") + open.len();
        let len = html[start..].find(close).expect("close");
        html[start..start + len].to_string()
    };
    let script = between("<script>", "</script>");
    let style = between("<style>", "</style>");
    let csp = between("Content-Security-Policy\" content=\"", "\"");
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    assert!(csp.contains(&format!(
        "script-src '{}'",
        super::html_page::csp_hash(&script)
    )));
    assert!(csp.contains(&format!(
        "style-src '{}'",
        super::html_page::csp_hash(&style)
    )));
    // No address but the SVG namespace: nothing to fetch.
    assert_eq!(html.matches("http://").count(), 1);
    assert!(!html.contains("https:") && !html.contains(" src="));
    assert!(html.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    for name in ["a", "b--c", "d"] {
        assert!(html.contains(&format!("data-name=\"{name}\"")), "{name}");
    }
    assert!(html.contains("unreachable, node states unknown"));
}

#[test]
fn layout_keeps_nodes_apart_and_wires_between_bar_and_node() {
    let graph = sample();
    let layout = GraphLayout::new(&graph);
    assert_eq!(layout.hosts.len(), 2);
    let one = &layout.hosts[0];
    assert_eq!(one.bars.len(), 2);
    assert_eq!(layout.hosts[1].bars.len(), 1, "lan is on both hosts");
    for pair in one.nodes.windows(2) {
        assert!(pair[0].x + pair[0].w < pair[1].x);
    }
    for wire in &one.wires {
        assert!(wire.y1 < wire.label_y && wire.label_y < wire.y2, "{wire:?}");
    }
    // Node a's two wires spread across its top.
    assert_ne!(one.wires[0].x, one.wires[1].x);
    let arc = &one.arcs[0];
    assert_eq!(arc.y, one.nodes[0].y + NODE_H);
    assert!(
        arc.y + arc.depth + 12 < one.y + one.h,
        "the link label is in its panel"
    );
    assert!(layout.hosts[1].y > one.y + one.h);
    assert!(layout.height > layout.hosts[1].y + layout.hosts[1].h);
}

#[test]
fn format_follows_the_file_extension() {
    assert_eq!(
        GraphFormat::from_path(Path::new("a.DOT")),
        Some(GraphFormat::Dot)
    );
    assert_eq!(
        GraphFormat::from_path(Path::new("a.gv")),
        Some(GraphFormat::Dot)
    );
    assert_eq!(
        GraphFormat::from_path(Path::new("a.mmd")),
        Some(GraphFormat::Mermaid)
    );
    assert_eq!(
        GraphFormat::from_path(Path::new("x/a.html")),
        Some(GraphFormat::Html)
    );
    assert_eq!(GraphFormat::from_path(Path::new("a.svg")), None);
    assert_eq!(GraphFormat::from_path(Path::new("a")), None);
}
