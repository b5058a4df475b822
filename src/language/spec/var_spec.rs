//! `VarSpec`: one template variable from a `vars { ... }` block.
//!
//! `vars { role "web"; replicas 3; token "s3cr3t" secret=#true }`: each child is a variable,
//! its one argument the value (string, number or boolean), `secret=#true` keeps it out of
//! every printed output.

use crate::language::diagnostic::{Diagnostic, Diagnostics};
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::node_reader::NodeReader;
use crate::language::spanned::Spanned;
use kdl::{KdlNode, KdlValue};

#[derive(Debug, Clone)]
pub struct VarSpec {
    pub name: Spanned<String>,
    pub value: Spanned<KdlValue>,
    pub secret: bool,
}

/// Reads every variable of a `vars` block.
pub fn read_vars(block: &KdlNode, d: &mut Diagnostics) -> Vec<VarSpec> {
    let outer = NodeReader::new(block);
    outer.finish_entries_only(d);
    let mut vars: Vec<VarSpec> = Vec::new();
    let Some(children) = block.children() else {
        return vars;
    };
    for child in children.nodes() {
        let name = Spanned::new(child.name().value().to_string(), child.name().span());
        let r = NodeReader::new(child);
        let value = r.arg_value(0);
        let secret = r.bool("secret", d).is_some_and(|s| s.value);
        r.finish(d);
        let Some(value) = value else {
            d.push(
                Diagnostic::new(
                    DiagnosticCode::MissingArgument,
                    name.span,
                    format!("variable `{}` has no value", name.value),
                )
                .label("value missing")
                .help(format!("write `{} \"value\"`", name.value)),
            );
            continue;
        };
        if vars.iter().any(|v| v.name.value == name.value) {
            d.push(
                Diagnostic::new(
                    DiagnosticCode::DuplicateName,
                    name.span,
                    format!("variable `{}` is set twice", name.value),
                )
                .label("set again here")
                .help("keep one of them"),
            );
            continue;
        }
        vars.push(VarSpec {
            name,
            value,
            secret,
        });
    }
    vars
}
