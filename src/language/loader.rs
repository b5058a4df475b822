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
};
use kdl::{KdlDocument, KdlError};
use miette::SourceSpan;

const TOP_LEVEL: [&str; 7] = [
    "lab", "defaults", "host", "image", "network", "node", "link",
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
        let document = match document_parser::parse(text, &scan.boundaries) {
            Ok(document) => document,
            Err(error) => {
                syntax_diagnostics(error, &mut d);
                return (LabSpec::default(), d);
            }
        };
        let spec = read_document(&document, &mut d);
        (spec, d)
    }
}

fn read_document(document: &KdlDocument, d: &mut Diagnostics) -> LabSpec {
    let mut spec = LabSpec::default();
    for node in document.nodes() {
        let name = node.name().value();
        match name {
            "lab" => {
                let header = LabHeaderSpec::read(node, d);
                if spec.header.is_some() {
                    d.push(once_only("lab", node.name().span()));
                } else {
                    spec.header = Some(header);
                }
            }
            "defaults" => {
                let defaults = NodeSettings::read_defaults(node, d);
                if spec.defaults.is_some() {
                    d.push(once_only("defaults", node.name().span()));
                } else {
                    spec.defaults = Some(defaults);
                }
            }
            "host" => spec.hosts.extend(HostSpec::read(node, d)),
            "image" => spec.images.extend(ImageSpec::read(node, d)),
            "network" => spec.networks.extend(NetworkSpec::read(node, d)),
            "node" => spec.nodes.extend(NodeSpec::read(node, d)),
            "link" => spec.links.extend(LinkSpec::read(node, d)),
            other => d.push(unknown_top_level(other, node.name().span())),
        }
    }
    spec
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
