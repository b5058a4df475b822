//! `SeatsSpec`: a `seats N { ... }` block, one seat's networks, nodes and links, declared
//! once for N seats.
//!
//! ```kdl
//! seats 12 {
//!     network "lan-{seat}" mode="isolated" cidr="10.10.{seat}.0/24"
//!     node "pc-{seat}" {
//!         interface network="internet"
//!         interface network="lan-{seat}" address="10.10.{seat}.10"
//!     }
//! }
//! ```
//!
//! Read here: the count and the block's `network`, `node`, `link` and `test` children (by
//! their own readers), and the one rule the text alone shows: every name in the block holds
//! `{seat}`, else the seats' copies would share it. Expansion, and the rule that a seat reaches only
//! its own and shared resources, are the resolver's.

use super::{LinkSpec, NetworkSpec, NodeSpec, TestSpec};
use crate::index_template::has_seat;
use crate::language::diagnostic::{Diagnostic, Diagnostics};
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::node_reader::NodeReader;
use crate::language::spanned::Spanned;
use kdl::{KdlNode, KdlValue};
use miette::SourceSpan;

/// The most seats a lab may have: a guard against a typo, as `MAX_COUNT` is for `count`.
pub const MAX_SEATS: u32 = 1000;

const EXAMPLE: &str = "seats 12 { node \"pc-{seat}\" { ... } }";

#[derive(Debug, Clone)]
pub struct SeatsSpec {
    /// How many seats: 0 keeps the block and declares no seat.
    pub count: Spanned<u32>,
    /// The span of the word `seats`.
    pub span: SourceSpan,
    pub networks: Vec<NetworkSpec>,
    pub nodes: Vec<NodeSpec>,
    pub links: Vec<LinkSpec>,
    /// Each seat's checks (`vlab test`), named with `{seat}` like the rest.
    pub tests: Vec<TestSpec>,
}

impl SeatsSpec {
    pub fn read(node: &KdlNode, d: &mut Diagnostics) -> Option<SeatsSpec> {
        let r = NodeReader::new(node);
        let count = read_seat_count(&r, d);
        let networks: Vec<NetworkSpec> = r
            .children("network")
            .into_iter()
            .filter_map(|n| NetworkSpec::read(n, d))
            .collect();
        let nodes: Vec<NodeSpec> = r
            .children("node")
            .into_iter()
            .filter_map(|n| NodeSpec::read(n, d))
            .collect();
        let links: Vec<LinkSpec> = r
            .children("link")
            .into_iter()
            .filter_map(|n| LinkSpec::read(n, d))
            .collect();
        let tests: Vec<TestSpec> = r
            .children("test")
            .into_iter()
            .filter_map(|n| TestSpec::read(n, d))
            .collect();
        for network in &networks {
            check_named_per_seat("network", &network.name, d);
        }
        for node in &nodes {
            check_named_per_seat("node", &node.name, d);
        }
        for link in &links {
            for end in [&link.a, &link.b] {
                check_endpoint_per_seat(end, d);
            }
        }
        for test in &tests {
            check_named_per_seat("test", &test.name, d);
        }
        let span = r.name_span();
        r.finish(d);
        Some(SeatsSpec {
            count: count?,
            span,
            networks,
            nodes,
            links,
            tests,
        })
    }
}

/// The argument: an integer from 0 to `MAX_SEATS`.
fn read_seat_count(r: &NodeReader<'_>, d: &mut Diagnostics) -> Option<Spanned<u32>> {
    let Some(value) = r.arg_value(0) else {
        d.push(
            Diagnostic::new(
                DiagnosticCode::MissingArgument,
                r.name_span(),
                "`seats` needs the number of seats",
            )
            .label("argument missing")
            .help(format!("write `{EXAMPLE}`")),
        );
        return None;
    };
    let KdlValue::Integer(n) = value.value else {
        d.push(
            Diagnostic::new(
                DiagnosticCode::WrongType,
                value.span,
                "the number of seats must be an integer",
            )
            .label("expected an integer")
            .help(format!("write `{EXAMPLE}`")),
        );
        return None;
    };
    let count = u32::try_from(n).ok().filter(|n| *n <= MAX_SEATS);
    if count.is_none() {
        d.push(
            Diagnostic::new(
                DiagnosticCode::InvalidValue,
                value.span,
                format!("the number of seats must be between 0 and {MAX_SEATS}"),
            )
            .label("out of range")
            .help("`seats 0` keeps the block and declares no seat"),
        );
    }
    count.map(|n| Spanned::new(n, value.span))
}

fn check_named_per_seat(kind: &str, name: &Spanned<String>, d: &mut Diagnostics) {
    if has_seat(&name.value) {
        return;
    }
    let fixed = if name.value.contains("{index") {
        name.value.replacen("{index", "{seat}-{index", 1)
    } else {
        format!("{}-{{seat}}", name.value)
    };
    d.push(
        Diagnostic::new(
            DiagnosticCode::MissingSeatPlaceholder,
            name.span,
            format!(
                "{kind} `{}` is inside `seats` but its name has no `{{seat}}`",
                name.value
            ),
        )
        .label("the same name in every seat")
        .help(format!(
            "every seat gets its own copy, and names must differ between seats: write \
             `{fixed}`, or move the {kind} out of `seats` to share it"
        )),
    );
}

fn check_endpoint_per_seat(end: &Spanned<String>, d: &mut Diagnostics) {
    if has_seat(end.value.split(':').next().unwrap_or_default()) {
        return;
    }
    d.push(
        Diagnostic::new(
            DiagnosticCode::MissingSeatPlaceholder,
            end.span,
            format!(
                "link endpoint `{}` is inside `seats` but names no seat's node",
                end.value
            ),
        )
        .label("no `{seat}` in the node's name")
        .help(
            "a link inside `seats` wires two nodes of the same seat, such as \
             `\"pc-{seat}:eth2\"`; a seat reaches a shared node through a shared network",
        ),
    );
}
