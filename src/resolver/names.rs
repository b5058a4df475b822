//! `NameSet`: detects duplicate names of one resource kind after `count` expansion, and
//! lists the names in declaration order (the order "did you mean" breaks ties in).

use crate::language::diagnostic::Diagnostic;
use crate::language::diagnostic_code::DiagnosticCode;
use miette::SourceSpan;
use std::collections::HashMap;

pub struct NameSet {
    kind: &'static str,
    /// Each name's position in `order`.
    seen: HashMap<String, usize>,
    /// Names and their first spans, in the order they were declared.
    order: Vec<(String, SourceSpan)>,
}

impl NameSet {
    pub fn new(kind: &'static str) -> Self {
        NameSet {
            kind,
            seen: HashMap::new(),
            order: Vec::new(),
        }
    }

    /// Records `name`; a repeat returns the diagnostic to report.
    pub fn insert(&mut self, name: &str, span: SourceSpan) -> Result<(), Diagnostic> {
        if let Some(&at) = self.seen.get(name) {
            let same = self.order[at].1 == span;
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
            self.seen.insert(name.to_string(), self.order.len());
            self.order.push((name.to_string(), span));
            Ok(())
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.seen.contains_key(name)
    }

    /// Every name, in declaration order: suggestions drawn from it are the same every run.
    pub fn names(&self) -> impl Iterator<Item = &str> + Clone {
        self.order.iter().map(|(name, _)| name.as_str())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::name_rules::unknown_help;

    #[test]
    fn names_come_in_declaration_order() {
        let declared = ["db-3", "web", "db-1", "cache", "db-2", "proxy", "db-4"];
        let mut set = NameSet::new("node");
        for (i, name) in declared.iter().enumerate() {
            set.insert(name, SourceSpan::from((i * 10, 4)))
                .expect("unique");
        }
        assert!(set.insert("web", SourceSpan::from((99, 3))).is_err());
        assert_eq!(set.names().collect::<Vec<_>>(), declared);
    }

    #[test]
    fn equally_close_suggestions_pick_the_first_declared_every_time() {
        // `db-9` is one edit from each `db-N`; `db-3` is declared first. A HashMap's order
        // changes with its seed, and every NameSet gets a new one: build it many times.
        for _ in 0..64 {
            let mut set = NameSet::new("node");
            for (i, name) in ["db-3", "db-1", "db-2", "db-4", "db-5"].iter().enumerate() {
                set.insert(name, SourceSpan::from((i * 10, 4)))
                    .expect("unique");
            }
            assert_eq!(
                unknown_help("node", "db-9", set.names()),
                "did you mean `db-3`?"
            );
        }
    }
}
