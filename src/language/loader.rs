//! `Loader`: lab text -> `LabSpec`, with every syntax and type problem as a `Diagnostic`.
//!
//! It parses KDL 2.0, refuses unknown top-level nodes, and hands each known node to its spec
//! reader. It does not look at references or values' meaning: that is the resolver's job.

use crate::language::diagnostic::{Diagnostic, Diagnostics};
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::document_parser::{self, PARSER_STACK};
use crate::language::kdl_scan;
use crate::language::name_rules::suggest;
use crate::language::spec::{
    HostSpec, ImageSpec, LabHeaderSpec, LabSpec, LinkSpec, NetworkSpec, NodeSettings, NodeSpec,
    SeatsSpec, TestSpec,
};
use kdl::{KdlDocument, KdlError};
use miette::SourceSpan;

const TOP_LEVEL: [&str; 9] = [
    "lab", "defaults", "host", "image", "network", "node", "link", "seats", "test",
];

pub struct Loader;

impl Loader {
    /// Parses and type-checks `text`. Diagnostics are empty when the spec is usable.
    pub fn load(text: &str) -> (LabSpec, Diagnostics) {
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("kdl-parser".into())
                .stack_size(PARSER_STACK)
                .spawn_scoped(scope, || Loader::load_here(text))
                .expect("spawning the parser thread")
                .join()
                .unwrap_or_else(|_| {
                    let mut d = Diagnostics::default();
                    d.push(Diagnostic::new(
                        DiagnosticCode::ParseFailed,
                        SourceSpan::from((0, 0)),
                        "the KDL parser failed on this file",
                    ));
                    (LabSpec::default(), d)
                })
        })
    }

    fn load_here(text: &str) -> (LabSpec, Diagnostics) {
        let mut d = Diagnostics::default();
        let scan = kdl_scan::scan(text);
        if let Some(span) = scan.too_deep {
            d.push(
                Diagnostic::new(
                    DiagnosticCode::TooDeep,
                    span,
                    format!(
                        "blocks are nested more than {} levels deep",
                        kdl_scan::MAX_DEPTH
                    ),
                )
                .label("too deep")
                .help("a lab needs at most four levels of `{ }`; check for unbalanced braces"),
            );
            return (LabSpec::default(), d);
        }
        // Each piece of the file is read into a `Part` as soon as it is parsed, and its
        // parsed form dropped: only the specs are kept (see `document_parser`).
        let parts = match document_parser::parse_each(text, &scan.boundaries, Part::read) {
            Ok(parts) => parts,
            Err(error) => {
                syntax_diagnostics(error, &mut d);
                return (LabSpec::default(), d);
            }
        };
        let spec = Part::merge(parts, &mut d);
        (spec, d)
    }
}

/// The top-level nodes of one piece of the file, read; `merge` joins the pieces in file
/// order into the `LabSpec`.
#[derive(Default)]
struct Part {
    spec: LabSpec,
    /// Every `lab` and `defaults` block with the span of its name: the first one of the
    /// whole file counts, the others are reported when the pieces are merged.
    headers: Vec<(LabHeaderSpec, SourceSpan)>,
    defaults: Vec<(NodeSettings, SourceSpan)>,
    seats: Vec<(SeatsSpec, SourceSpan)>,
    d: Diagnostics,
}

impl Part {
    fn read(document: &KdlDocument) -> Part {
        let mut part = Part::default();
        let (spec, d) = (&mut part.spec, &mut part.d);
        for node in document.nodes() {
            let span = node.name().span();
            match node.name().value() {
                "lab" => part.headers.push((LabHeaderSpec::read(node, d), span)),
                "defaults" => part
                    .defaults
                    .push((NodeSettings::read_defaults(node, d), span)),
                "host" => spec.hosts.extend(HostSpec::read(node, d)),
                "image" => spec.images.extend(ImageSpec::read(node, d)),
                "network" => spec.networks.extend(NetworkSpec::read(node, d)),
                "node" => spec.nodes.extend(NodeSpec::read(node, d)),
                "link" => spec.links.extend(LinkSpec::read(node, d)),
                "test" => spec.tests.extend(TestSpec::read(node, d)),
                "seats" => part
                    .seats
                    .extend(SeatsSpec::read(node, d).map(|s| (s, span))),
                other => d.push(unknown_top_level(other, span)),
            }
        }
        part
    }

    fn merge(parts: Vec<Part>, d: &mut Diagnostics) -> LabSpec {
        let mut spec = LabSpec::default();
        spec.nodes
            .reserve_exact(parts.iter().map(|p| p.spec.nodes.len()).sum());
        let mut repeats = Vec::new();
        for part in parts {
            d.extend(part.d);
            for (header, span) in part.headers {
                if spec.header.is_some() {
                    repeats.push(once_only("lab", span));
                } else {
                    spec.header = Some(header);
                }
            }
            for (defaults, span) in part.defaults {
                if spec.defaults.is_some() {
                    repeats.push(once_only("defaults", span));
                } else {
                    spec.defaults = Some(defaults);
                }
            }
            for (seats, span) in part.seats {
                if spec.seats.is_some() {
                    repeats.push(once_only("seats", span));
                } else {
                    spec.seats = Some(seats);
                }
            }
            let LabSpec {
                hosts,
                images,
                networks,
                nodes,
                links,
                tests,
                ..
            } = part.spec;
            spec.hosts.extend(hosts);
            spec.images.extend(images);
            spec.networks.extend(networks);
            spec.nodes.extend(nodes);
            spec.links.extend(links);
            spec.tests.extend(tests);
        }
        // After the blocks' own diagnostics, as when one pass read them: `check` orders
        // diagnostics by offset, keeping this order for equal ones.
        for repeat in repeats {
            d.push(repeat);
        }
        spec
    }
}

fn once_only(what: &str, span: SourceSpan) -> Diagnostic {
    Diagnostic::new(
        DiagnosticCode::DuplicateBlock,
        span,
        format!("`{what}` may appear only once"),
    )
    .label("second one")
    .help(format!("merge the two `{what}` blocks"))
}

fn unknown_top_level(name: &str, span: SourceSpan) -> Diagnostic {
    let help = match suggest(name, TOP_LEVEL) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!(
            "a lab file holds only {}",
            TOP_LEVEL.map(|n| format!("`{n}`")).join(", ")
        ),
    };
    Diagnostic::new(
        DiagnosticCode::UnknownNode,
        span,
        format!("unknown node `{name}`"),
    )
    .label("not a lab construct")
    .help(help)
}

fn syntax_diagnostics(error: KdlError, d: &mut Diagnostics) {
    if error.diagnostics.is_empty() {
        d.push(Diagnostic::new(
            DiagnosticCode::Syntax,
            SourceSpan::from((0, 0)),
            "the file is not valid KDL",
        ));
    }
    for kd in error.diagnostics {
        let message = kd.message.unwrap_or_else(|| "invalid KDL syntax".into());
        let mut diagnostic = Diagnostic::new(DiagnosticCode::Syntax, kd.span, message)
            .label(kd.label.unwrap_or_else(|| "here".into()));
        diagnostic = diagnostic.help(kd.help.unwrap_or_else(|| {
            "vlab reads KDL 2.0: quote strings, write booleans as #true/#false".into()
        }));
        d.push(diagnostic);
    }
}
