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

use crate::language::diagnostic::{Diagnostic, Diagnostics};
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::name_rules::suggest;
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

/// The single argument of a child used as a scalar (`cpus 2`).
fn scalar_child(child: &KdlNode) -> Result<&KdlEntry, Diagnostic> {
    let key = child.name().value();
    let args: Vec<&KdlEntry> = child.entries().iter().collect();
    let shape_error = |span| {
        Diagnostic::new(
            DiagnosticCode::WrongShape,
            span,
            format!("`{key}` takes exactly one value"),
        )
        .label("expected one value")
        .help(format!(
            "write `{key} <value>` or `{key}=<value>` on the parent"
        ))
    };
    if child.children().is_some() {
        return Err(shape_error(child.span()));
    }
    match args.as_slice() {
        [one] if one.name().is_none() => Ok(one),
        _ => Err(shape_error(child.span())),
    }
}

/// The arguments of a child used as a list (`groups "web" "db"`): one or more, no
/// properties, no children.
fn list_child(child: &KdlNode) -> Result<Vec<&KdlEntry>, Diagnostic> {
    let key = child.name().value();
    let args: Vec<&KdlEntry> = child.entries().iter().collect();
    if args.is_empty() {
        return Err(Diagnostic::new(
            DiagnosticCode::MissingArgument,
            child.name().span(),
            format!("`{key}` needs at least one value"),
        )
        .label("no values")
        .help(format!("write `{key} \"a\" \"b\"`, or remove it")));
    }
    if child.children().is_some() || args.iter().any(|a| a.name().is_some()) {
        return Err(Diagnostic::new(
            DiagnosticCode::WrongShape,
            child.span(),
            format!("`{key}` takes its values as arguments only"),
        )
        .label("expected values only")
        .help(format!("write `{key} \"a\" \"b\"`")));
    }
    Ok(args)
}

fn duplicate(key: &str, span: SourceSpan) -> Diagnostic {
    Diagnostic::new(
        DiagnosticCode::DuplicateSetting,
        span,
        format!("`{key}` is set more than once"),
    )
    .label("set again here")
    .help("keep one of them")
}

fn unknown_setting(
    owner: &str,
    name: &str,
    span: SourceSpan,
    known: &[&'static str],
) -> Diagnostic {
    let help = match suggest(name, known.iter().copied()) {
        Some(near) => format!("did you mean `{near}`?"),
        None if known.is_empty() => format!("`{owner}` has no settings"),
        None => {
            let mut list: Vec<&str> = known.to_vec();
            list.sort_unstable();
            list.dedup();
            format!("`{owner}` accepts: {}", list.join(", "))
        }
    };
    Diagnostic::new(
        DiagnosticCode::UnknownSetting,
        span,
        format!("unknown setting `{name}` in `{owner}`"),
    )
    .label("not a known setting")
    .help(help)
}

fn type_name(value: &KdlValue) -> &'static str {
    match value {
        KdlValue::String(_) => "a string",
        KdlValue::Integer(_) => "an integer",
        KdlValue::Float(_) => "a number",
        KdlValue::Bool(_) => "a boolean",
        KdlValue::Null => "#null",
    }
}

fn wrong_type(entry: &KdlEntry, key: &str, expected: &str, example: &str) -> Diagnostic {
    Diagnostic::new(
        DiagnosticCode::WrongType,
        value_span(entry),
        format!(
            "`{key}` expects {expected}, found {}",
            type_name(entry.value())
        ),
    )
    .label(format!("expected {expected}"))
    .help(format!("for example `{example}`"))
}

/// Whether a string value may span lines.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lines {
    One,
    Many,
}

/// The characters no lab string may hold: C0 and C1 controls and DEL (`char::is_control`),
/// and U+FFFE and U+FFFF, which XML cannot carry; free text may hold tabs and newlines.
fn refused(c: char, lines: Lines) -> bool {
    let allowed = lines == Lines::Many && matches!(c, '\t' | '\n');
    !allowed && (c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
}

/// Reports the first refused character of `value` (the value is still returned by the
/// caller: the loader's diagnostics stop the lab before anything uses it).
fn check_characters(
    entry: &KdlEntry,
    value: &str,
    subject: &str,
    lines: Lines,
    d: &mut Diagnostics,
) {
    let Some(bad) = value.chars().find(|c| refused(*c, lines)) else {
        return;
    };
    let help = if lines == Lines::Many {
        "remove it; free text may hold tabs and line breaks, but no other control character"
    } else if bad == '\n' || bad == '\r' {
        "write the value on one line; it is used as a single line (a name, a path, a kernel command line)"
    } else {
        "remove it; control characters are invalid in libvirt XML and on command lines"
    };
    d.push(
        Diagnostic::new(
            DiagnosticCode::ControlCharacter,
            value_span(entry),
            format!(
                "{subject} contains the control character U+{:04X}",
                u32::from(bad)
            ),
        )
        .label("control character in this string")
        .help(help),
    );
}

fn as_string(
    entry: &KdlEntry,
    key: &str,
    lines: Lines,
    d: &mut Diagnostics,
) -> Option<Spanned<String>> {
    if let KdlValue::String(s) = entry.value() {
        check_characters(entry, s, &format!("`{key}`"), lines, d);
        Some(Spanned::new(s.clone(), value_span(entry)))
    } else {
        d.push(wrong_type(
            entry,
            key,
            "a string",
            &format!("{key} \"text\""),
        ));
        None
    }
}

fn as_integer(entry: &KdlEntry, key: &str, d: &mut Diagnostics) -> Option<Spanned<i128>> {
    if let KdlValue::Integer(i) = entry.value() {
        Some(Spanned::new(*i, value_span(entry)))
    } else {
        d.push(wrong_type(entry, key, "an integer", &format!("{key} 2")));
        None
    }
}

fn as_bool(entry: &KdlEntry, key: &str, d: &mut Diagnostics) -> Option<Spanned<bool>> {
    if let KdlValue::Bool(b) = entry.value() {
        Some(Spanned::new(*b, value_span(entry)))
    } else {
        d.push(wrong_type(entry, key, "a boolean", &format!("{key} #true")));
        None
    }
}

/// The span of an entry's value alone: `"nat"` rather than `mode="nat"`.
pub fn value_span(entry: &KdlEntry) -> SourceSpan {
    let span = entry.span();
    let Some(repr_len) = entry.format().map(|f| f.value_repr.len()) else {
        return span;
    };
    let end = span.offset() + span.len();
    match end.checked_sub(repr_len) {
        Some(start) if repr_len > 0 && start >= span.offset() => {
            SourceSpan::from((start, repr_len))
        }
        _ => span,
    }
}
