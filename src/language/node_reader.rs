//! `NodeReader`: typed, span-keeping access to one KDL node's arguments, properties and children.
//!
//! Spec loaders ask it for the settings they know (`string("url")`, `integer("cpus")`,
//! `children("disk")`); `finish` then reports whatever nobody asked for as unknown, with a
//! "did you mean" from the names that were asked for. A scalar setting may be written as a
//! property (`cpus=2`) or as a child node with one argument (`cpus 2`), never both. Type
//! errors are reported here; meaning (is this URL valid?) is checked by the callers.
//! String values must not hold control characters (they end up in libvirt XML, kernel
//! command lines and file names): `string` and `arg_string` refuse every one, `text` (free
//! text such as a description) allows tabs and line breaks.

use super::entry_values::{
    Lines, as_bool, as_integer, as_string, check_characters, duplicate, list_child, scalar_child,
    type_name, unknown_setting, value_span,
};
use crate::language::diagnostic::{Diagnostic, Diagnostics};
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::spanned::Spanned;
use kdl::{KdlEntry, KdlNode, KdlValue};
use miette::SourceSpan;
use std::cell::{Cell, RefCell};

pub struct NodeReader<'a> {
    node: &'a KdlNode,
    args: Vec<&'a KdlEntry>,
    props: Vec<(&'a KdlEntry, Cell<bool>)>,
    children: Vec<(&'a KdlNode, Cell<bool>)>,
    args_used: Cell<usize>,
    known: RefCell<Vec<&'static str>>,
}

impl<'a> NodeReader<'a> {
    pub fn new(node: &'a KdlNode) -> Self {
        let mut args = Vec::new();
        let mut props = Vec::new();
        for entry in node.entries() {
            match entry.name() {
                Some(_) => props.push((entry, Cell::new(false))),
                None => args.push(entry),
            }
        }
        let children = node
            .children()
            .map(|doc| doc.nodes().iter().map(|n| (n, Cell::new(false))).collect())
            .unwrap_or_default();
        NodeReader {
            node,
            args,
            props,
            children,
            args_used: Cell::new(0),
            known: RefCell::new(Vec::new()),
        }
    }

    pub fn name(&self) -> &'a str {
        self.node.name().value()
    }

    /// The span of the node's name, where errors about the node as a whole point.
    pub fn name_span(&self) -> SourceSpan {
        self.node.name().span()
    }

    /// The span of the whole node, children included.
    pub fn span(&self) -> SourceSpan {
        self.node.span()
    }

    /// The positional argument at `position`, which must be a string.
    pub fn arg_string(
        &self,
        position: usize,
        what: &str,
        d: &mut Diagnostics,
    ) -> Option<Spanned<String>> {
        self.args_used.set(self.args_used.get().max(position + 1));
        let entry = self.args.get(position)?;
        match entry.value() {
            KdlValue::String(s) => {
                let subject = format!("the {what} of `{}`", self.name());
                check_characters(entry, s, &subject, Lines::One, d);
                Some(Spanned::new(s.clone(), value_span(entry)))
            }
            other => {
                d.push(
                    Diagnostic::new(
                        DiagnosticCode::WrongType,
                        value_span(entry),
                        format!(
                            "the {what} of `{}` must be a string, found {}",
                            self.name(),
                            type_name(other)
                        ),
                    )
                    .label("expected a string")
                    .help(format!("quote it: `{} \"...\"`", self.name())),
                );
                None
            }
        }
    }

    /// Like `arg_string`, reporting a missing argument as an error with `example` as help.
    pub fn required_arg_string(
        &self,
        position: usize,
        what: &str,
        example: &str,
        d: &mut Diagnostics,
    ) -> Option<Spanned<String>> {
        if self.args.get(position).is_none() {
            d.push(
                Diagnostic::new(
                    DiagnosticCode::MissingArgument,
                    self.name_span(),
                    format!("`{}` needs a {what}", self.name()),
                )
                .label("argument missing")
                .help(format!("write `{example}`")),
            );
            return None;
        }
        self.arg_string(position, what, d)
    }

    /// The positional argument at `position`, which must be a boolean.
    pub fn arg_bool(&self, position: usize, d: &mut Diagnostics) -> Option<Spanned<bool>> {
        self.args_used.set(self.args_used.get().max(position + 1));
        self.args
            .get(position)
            .and_then(|e| as_bool(e, self.name(), d))
    }

    /// The positional argument at `position`, of any type.
    pub fn arg_value(&self, position: usize) -> Option<Spanned<KdlValue>> {
        self.args_used.set(self.args_used.get().max(position + 1));
        self.args
            .get(position)
            .map(|e| Spanned::new(e.value().clone(), value_span(e)))
    }

    pub fn arg_count(&self) -> usize {
        self.args.len()
    }

    /// A one-line string setting written as `key="v"` or as a child `key "v"`.
    pub fn string(&self, key: &'static str, d: &mut Diagnostics) -> Option<Spanned<String>> {
        self.scalar(key, d)
            .and_then(|e| as_string(e, key, Lines::One, d))
    }

    /// Like `string`, for free text that may hold tabs and line breaks (a description).
    pub fn text(&self, key: &'static str, d: &mut Diagnostics) -> Option<Spanned<String>> {
        self.scalar(key, d)
            .and_then(|e| as_string(e, key, Lines::Many, d))
    }

    pub fn integer(&self, key: &'static str, d: &mut Diagnostics) -> Option<Spanned<i128>> {
        self.scalar(key, d).and_then(|e| as_integer(e, key, d))
    }

    pub fn bool(&self, key: &'static str, d: &mut Diagnostics) -> Option<Spanned<bool>> {
        self.scalar(key, d).and_then(|e| as_bool(e, key, d))
    }

    /// A list of one-line strings: the arguments of a child (`groups "web" "db"`) or, for a
    /// single value, a property (`groups="web"`); never both, and never an empty list.
    pub fn strings(&self, key: &'static str, d: &mut Diagnostics) -> Option<Vec<Spanned<String>>> {
        self.known.borrow_mut().push(key);
        let mut found: Vec<(Vec<&'a KdlEntry>, SourceSpan)> = Vec::new();
        for (entry, used) in &self.props {
            let name = entry.name().expect("props have names");
            if name.value() == key {
                used.set(true);
                found.push((vec![*entry], name.span()));
            }
        }
        for (child, used) in &self.children {
            if child.name().value() == key {
                used.set(true);
                match list_child(child) {
                    Ok(entries) => found.push((entries, child.name().span())),
                    Err(diagnostic) => d.push(diagnostic),
                }
            }
        }
        for (_, span) in found.iter().skip(1) {
            d.push(duplicate(key, *span));
        }
        let (entries, _) = found.into_iter().next()?;
        let values: Vec<Spanned<String>> = entries
            .into_iter()
            .filter_map(|e| as_string(e, key, Lines::One, d))
            .collect();
        Some(values)
    }

    /// Every child node called `key` (for repeatable blocks like `disk` and `interface`).
    pub fn children(&self, key: &'static str) -> Vec<&'a KdlNode> {
        self.known.borrow_mut().push(key);
        self.children
            .iter()
            .filter(|(n, _)| n.name().value() == key)
            .map(|(n, used)| {
                used.set(true);
                *n
            })
            .collect()
    }

    /// At most one child node called `key`; a repeat is an error.
    pub fn child(&self, key: &'static str, d: &mut Diagnostics) -> Option<&'a KdlNode> {
        let found = self.children(key);
        for extra in found.iter().skip(1) {
            d.push(duplicate(key, extra.name().span()));
        }
        found.first().copied()
    }

    /// Finds a scalar setting in the properties or among the one-argument children.
    fn scalar(&self, key: &'static str, d: &mut Diagnostics) -> Option<&'a KdlEntry> {
        self.known.borrow_mut().push(key);
        let mut found: Vec<(&'a KdlEntry, SourceSpan)> = Vec::new();
        for (entry, used) in &self.props {
            let name = entry.name().expect("props have names");
            if name.value() == key {
                used.set(true);
                found.push((entry, name.span()));
            }
        }
        for (child, used) in &self.children {
            if child.name().value() != key {
                continue;
            }
            used.set(true);
            match scalar_child(child) {
                Ok(entry) => found.push((entry, child.name().span())),
                Err(diagnostic) => d.push(diagnostic),
            }
        }
        for (_, span) in found.iter().skip(1) {
            d.push(duplicate(key, *span));
        }
        found.first().map(|(e, _)| *e)
    }

    /// Like `finish`, for a block whose children the caller reads on its own.
    pub fn finish_entries_only(self, d: &mut Diagnostics) {
        for (_, used) in &self.children {
            used.set(true);
        }
        self.finish(d);
    }

    /// Reports every argument, property and child that no accessor asked for.
    pub fn finish(self, d: &mut Diagnostics) {
        let known = self.known.into_inner();
        let owner = self.node.name().value();
        for extra in self.args.iter().skip(self.args_used.get()) {
            d.push(
                Diagnostic::new(
                    DiagnosticCode::UnexpectedArgument,
                    extra.span(),
                    format!("unexpected argument to `{owner}`"),
                )
                .label("not expected here")
                .help(if known.is_empty() {
                    format!("`{owner}` takes no further arguments")
                } else {
                    "settings are written `name=value` or as child nodes".to_string()
                }),
            );
        }
        for (entry, used) in &self.props {
            if !used.get() {
                let name = entry.name().expect("props have names");
                d.push(unknown_setting(owner, name.value(), name.span(), &known));
            }
        }
        for (child, used) in &self.children {
            if !used.get() {
                d.push(unknown_setting(
                    owner,
                    child.name().value(),
                    child.name().span(),
                    &known,
                ));
            }
        }
    }
}
