//! The lab as one self-contained HTML page: an inline SVG bus diagram (laid out by
//! `GraphLayout`), a legend of node states, and a small inline script that highlights a
//! node's wires and links and shows its details when it is clicked. Nothing is fetched: no
//! fonts, scripts or images from anywhere, so the page works offline and from `file://`.
//!
//! Every piece of lab text goes through `escape` (HTML entities) and the script only ever
//! sets `textContent`. The page's Content-Security-Policy allows nothing but its own style
//! and script, by hash: even markup that got through would load and run nothing.

use super::graph_layout::{Arc, Bar, GraphLayout, HostPanel, NodeBox, Wire};
use super::lab_graph::{GraphNode, LabGraph};
use super::node_state::HostReach;
use crate::printable::printable;
use sha2::{Digest, Sha256};

const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");
/// Longest node name shown whole in its box (the full name is in its tooltip and details).
const NAME_CHARS: usize = 18;
const LINE_CHARS: usize = 90;

pub fn render(graph: &LabGraph) -> String {
    let layout = GraphLayout::new(graph);
    let title = format!("lab {}", graph.lab);
    let mut out =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src '{}'; script-src '{}'; base-uri 'none'; form-action 'none'\">\n",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    ));
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"generator\" content=\"vlab graph\">\n");
    out.push_str(&format!("<title>{}</title>\n", escape(&title)));
    out.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n"));
    out.push_str(&header(graph));
    out.push_str("<main>\n");
    out.push_str(&svg(graph, &layout));
    out.push_str("<aside id=\"details\" hidden><h2 id=\"details-name\"></h2><dl id=\"details-list\"></dl><p class=\"hint\">Esc or a click on the background closes this.</p></aside>\n");
    out.push_str("</main>\n");
    out.push_str(&format!("<script>{SCRIPT}</script>\n</body>\n</html>\n"));
    out
}

fn header(graph: &LabGraph) -> String {
    let mut out = format!(
        "<header>\n<h1>lab <span class=\"lab-name\">{}</span></h1>\n",
        escape(&graph.lab)
    );
    if let Some(description) = &graph.description {
        out.push_str(&format!(
            "<p class=\"description\">{}</p>\n",
            escape(description)
        ));
    }
    if graph.states_read {
        out.push_str("<p class=\"states\">Node states as the hosts reported them when this page was made.</p>\n");
        out.push_str("<ul class=\"legend\">");
        for (class, word) in [
            ("running", "running"),
            ("paused", "paused"),
            ("shut-off", "shut off"),
            ("absent", "absent"),
            ("unknown", "state unknown (host unreachable)"),
        ] {
            out.push_str(&format!(
                "<li><span class=\"swatch state-{class}\"></span>{word}</li>"
            ));
        }
        out.push_str("</ul>\n");
    } else {
        out.push_str(
            "<p class=\"states\">Drawn from the lab file alone: node states were not read.</p>\n",
        );
    }
    out.push_str("</header>\n");
    out
}

fn svg(graph: &LabGraph, layout: &GraphLayout) -> String {
    let mut out = format!(
        "<svg id=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{label}\">\n",
        w = layout.width,
        h = layout.height,
        label = escape(&format!("lab {}", graph.lab)),
    );
    for panel in &layout.hosts {
        out.push_str(&host_panel(graph, panel));
    }
    out.push_str("</svg>\n");
    out
}

fn host_panel(graph: &LabGraph, panel: &HostPanel) -> String {
    let host = &graph.hosts[panel.host];
    let mut out = format!(
        "<g class=\"host\" data-host=\"{}\">\n<rect class=\"panel\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"10\"/>\n",
        escape(&host.name),
        panel.x,
        panel.y,
        panel.w,
        panel.h
    );
    let text_x = panel.x + 16;
    out.push_str(&format!(
        "<text class=\"host-name\" x=\"{text_x}\" y=\"{}\">host {}</text>\n",
        panel.y + 22,
        escape(&host.name)
    ));
    let mut summary = host.summary();
    let mut class = "host-uri";
    if let HostReach::Unreachable(why) = &host.reach {
        summary = format!("unreachable, node states unknown: {why}");
        class = "host-uri host-down";
    }
    out.push_str(&format!(
        "<text class=\"{class}\" x=\"{text_x}\" y=\"{}\"><title>{}</title>{}</text>\n",
        panel.y + 39,
        escape(&summary),
        escape(&fit(&summary, LINE_CHARS))
    ));
    for bar in &panel.bars {
        out.push_str(&bar_svg(graph, bar));
    }
    for wire in &panel.wires {
        out.push_str(&wire_svg(graph, wire));
    }
    for arc in &panel.arcs {
        out.push_str(&arc_svg(graph, arc));
    }
    for node in &panel.nodes {
        out.push_str(&node_svg(graph, node));
    }
    out.push_str("</g>\n");
    out
}

fn bar_svg(graph: &LabGraph, bar: &Bar) -> String {
    let network = &graph.networks[bar.network];
    format!(
        "<g class=\"bar\" data-network=\"{name}\"><line x1=\"{x1}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\"/><text x=\"{tx}\" y=\"{ty}\"><tspan class=\"network-name\">{name}</tspan> {summary}</text></g>\n",
        name = escape(&network.name),
        x1 = bar.x1,
        x2 = bar.x2,
        y = bar.y,
        tx = bar.x1,
        ty = bar.y - 5,
        summary = escape(&network.summary()),
    )
}

fn wire_svg(graph: &LabGraph, wire: &Wire) -> String {
    let attachment = &graph.attachments[wire.attachment];
    format!(
        "<g class=\"wire\" data-node=\"{node}\" data-network=\"{network}\"><line x1=\"{x}\" y1=\"{y1}\" x2=\"{x}\" y2=\"{y2}\"/><circle cx=\"{x}\" cy=\"{y1}\" r=\"3.5\"/><text x=\"{x}\" y=\"{ly}\">{label}</text></g>\n",
        node = escape(&attachment.node),
        network = escape(&attachment.network),
        x = wire.x,
        y1 = wire.y1,
        y2 = wire.y2,
        ly = wire.label_y,
        label = escape(&attachment.label()),
    )
}

fn arc_svg(graph: &LabGraph, arc: &Arc) -> String {
    let link = &graph.links[arc.link];
    // A cubic curve whose two control points are `c` below the ends dips 3/4 c deep.
    let c = arc.depth * 4 / 3;
    format!(
        "<g class=\"link\" data-node=\"{a}\" data-peer=\"{b}\"><path d=\"M {x1} {y} C {x1} {cy}, {x2} {cy}, {x2} {y}\"/><text x=\"{mx}\" y=\"{ly}\">{label}</text></g>\n",
        a = escape(&link.a.node),
        b = escape(&link.b.node),
        x1 = arc.x1,
        x2 = arc.x2,
        y = arc.y,
        cy = arc.y + c,
        mx = u32::midpoint(arc.x1, arc.x2),
        ly = arc.y + arc.depth + 12,
        label = escape(&link.label()),
    )
}

fn node_svg(graph: &LabGraph, b: &NodeBox) -> String {
    let node = &graph.nodes[b.node];
    let state = node.state.label().unwrap_or("");
    format!(
        "<g class=\"node state-{class}\" tabindex=\"0\" data-name=\"{name}\" data-host=\"{host}\" data-image=\"{image}\" data-cpus=\"{cpus}\" data-memory=\"{memory}\" data-state=\"{state}\" data-interfaces=\"{interfaces}\"><title>{name}</title><rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"7\"/><text class=\"name\" x=\"{cx}\" y=\"{ny}\">{shown}</text><text class=\"state\" x=\"{cx}\" y=\"{sy}\">{state_or_image}</text></g>\n",
        class = escape(&node.state.class()),
        name = escape(&node.name),
        host = escape(&node.host),
        image = escape(&node.image),
        cpus = node.cpus,
        memory = escape(&node.memory),
        state = escape(state),
        interfaces = escape(&interfaces(graph, node).join("\n")),
        x = b.x,
        y = b.y,
        w = b.w,
        h = b.h,
        cx = b.x + b.w / 2,
        ny = b.y + 24,
        sy = b.y + 43,
        shown = escape(&fit(&node.name, NAME_CHARS)),
        state_or_image = escape(if state.is_empty() { &node.image } else { state }),
    )
}

/// One line per interface of `node`: `eth0 on mgmt 10.0.0.5/24`, `eth1 to r2 eth1`.
fn interfaces(graph: &LabGraph, node: &GraphNode) -> Vec<String> {
    let mut lines: Vec<String> = graph
        .attachments
        .iter()
        .filter(|a| a.node == node.name)
        .map(|a| {
            let layer_3 = graph
                .networks
                .iter()
                .any(|n| n.name == a.network && n.cidr.is_some());
            let address = match &a.address {
                Some(address) => address,
                None if layer_3 => "dhcp",
                None => "",
            };
            format!("{} on {} {address}", a.interface, a.network)
                .trim_end()
                .to_string()
        })
        .collect();
    for link in &graph.links {
        for (mine, peer) in [(&link.a, &link.b), (&link.b, &link.a)] {
            if mine.node == node.name {
                let address = mine.address.as_deref().unwrap_or("");
                lines.push(
                    format!(
                        "{} to {} {} {address}",
                        mine.interface, peer.node, peer.interface
                    )
                    .trim_end()
                    .to_string(),
                );
            }
        }
    }
    lines
}

/// `text` cut to `max` characters with an ellipsis.
fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// `text` safe in HTML and SVG text and in double-quoted attributes: `& < > " '` as
/// entities, control characters written out by `printable` (newlines kept).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in printable(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A CSP source for an inline element's exact text: `sha256-<base64 of its digest>`.
pub(super) fn csp_hash(text: &str) -> String {
    format!("sha256-{}", base64(&Sha256::digest(text.as_bytes())))
}

/// Standard base64 with padding (RFC 4648), all the CSP hash needs.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn escape_leaves_no_markup() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("a\u{1b}[2J"), "a\\u{1b}[2J");
        assert_eq!(fit("abcdef", 4), "abc…");
    }
}
