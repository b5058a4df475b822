//! `NameSet`: detects duplicate names of one resource kind after `count` expansion.

use crate::language::diagnostic::Diagnostic;
use crate::language::diagnostic_code::DiagnosticCode;
use miette::SourceSpan;
use std::collections::HashMap;

pub struct NameSet {
    kind: &'static str,
    seen: HashMap<String, SourceSpan>,
}

impl NameSet {
    pub fn new(kind: &'static str) -> Self {
        NameSet {
            kind,
            seen: HashMap::new(),
        }
    }

    /// Records `name`; a repeat returns the diagnostic to report.
    pub fn insert(&mut self, name: &str, span: SourceSpan) -> Result<(), Diagnostic> {
        if let Some(first) = self.seen.get(name) {
            let same = *first == span;
            Err(Diagnostic::new(
                DiagnosticCode::DuplicateName,
                span,
                format!("{} `{name}` is declared more than once", self.kind),
            )
            .label("duplicate name")
            .help(if same {
                "this `count` produces the same name twice; put `{index}` in the name".to_string()
            } else {
                format!(
                    "rename one of the {}s; names must be unique after `count` expansion",
                    self.kind
                )
            }))
        } else {
            self.seen.insert(name.to_string(), span);
            Ok(())
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.seen.contains_key(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> + Clone {
        self.seen.keys().map(String::as_str)
    }
}

pub fn invalid_name(kind: &str, span: SourceSpan, why: String) -> Diagnostic {
    Diagnostic::new(
        DiagnosticCode::InvalidName,
        span,
        format!("invalid {kind} name: {why}"),
    )
    .label("invalid name")
    .help("names use lowercase letters, digits and `-`, and start with a letter")
}
