//! The checks and conversions `NodeReader` applies to one KDL entry or child: the shapes a
//! setting may take (a scalar child, a list child), the diagnostics for duplicate, unknown and
//! wrongly typed settings, the control characters a string may not hold, and the typed
//! values with their spans. Pure: it reads KDL values and makes diagnostics, nothing else.

use crate::language::diagnostic::{Diagnostic, Diagnostics};
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::name_rules::suggest;
use crate::language::spanned::Spanned;
use kdl::{KdlEntry, KdlNode, KdlValue};
use miette::SourceSpan;

/// The single argument of a child used as a scalar (`cpus 2`).
pub(super) fn scalar_child(child: &KdlNode) -> Result<&KdlEntry, Diagnostic> {
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
pub(super) fn list_child(child: &KdlNode) -> Result<Vec<&KdlEntry>, Diagnostic> {
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

pub(super) fn duplicate(key: &str, span: SourceSpan) -> Diagnostic {
    Diagnostic::new(
        DiagnosticCode::DuplicateSetting,
        span,
        format!("`{key}` is set more than once"),
    )
    .label("set again here")
    .help("keep one of them")
}

pub(super) fn unknown_setting(
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

pub(super) fn type_name(value: &KdlValue) -> &'static str {
    match value {
        KdlValue::String(_) => "a string",
        KdlValue::Integer(_) => "an integer",
        KdlValue::Float(_) => "a number",
        KdlValue::Bool(_) => "a boolean",
        KdlValue::Null => "#null",
    }
}

pub(super) fn wrong_type(entry: &KdlEntry, key: &str, expected: &str, example: &str) -> Diagnostic {
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
pub(super) enum Lines {
    One,
    Many,
}

/// The characters no lab string may hold: C0 and C1 controls and DEL (`char::is_control`),
/// and U+FFFE and U+FFFF, which XML cannot carry; free text may hold tabs and newlines.
pub(super) fn refused(c: char, lines: Lines) -> bool {
    let allowed = lines == Lines::Many && matches!(c, '\t' | '\n');
    !allowed && (c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
}

/// Reports the first refused character of `value` (the value is still returned by the
/// caller: the loader's diagnostics stop the lab before anything uses it).
pub(super) fn check_characters(
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

pub(super) fn as_string(
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

pub(super) fn as_integer(
    entry: &KdlEntry,
    key: &str,
    d: &mut Diagnostics,
) -> Option<Spanned<i128>> {
    if let KdlValue::Integer(i) = entry.value() {
        Some(Spanned::new(*i, value_span(entry)))
    } else {
        d.push(wrong_type(entry, key, "an integer", &format!("{key} 2")));
        None
    }
}

pub(super) fn as_bool(entry: &KdlEntry, key: &str, d: &mut Diagnostics) -> Option<Spanned<bool>> {
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
