//! The harness of the table-driven diagnostic tests: a `Case` is a lab text and every
//! diagnostic it must produce, as (code, line, column, message substring).

use std::path::Path;
use vlab::language::diagnostic_code::DiagnosticCode;
use vlab::language::lab_source::LabSource;

pub type Expect = (DiagnosticCode, usize, usize, &'static str);

pub struct Case {
    pub name: &'static str,
    pub kdl: &'static str,
    pub expect: &'static [Expect],
    /// Help substrings, by position in `expect`; `""` skips a diagnostic.
    pub help: &'static [&'static str],
}

pub const fn case(name: &'static str, kdl: &'static str, expect: &'static [Expect]) -> Case {
    Case {
        name,
        kdl,
        expect,
        help: &[],
    }
}

impl Case {
    pub const fn help(mut self, help: &'static [&'static str]) -> Case {
        self.help = help;
        self
    }
}

/// Runs `kdl` through `vlab::check` and compares every diagnostic; `Err` describes the mismatch.
pub fn run_case(name: &str, kdl: &str, expect: &[Expect], help: &[&str]) -> Result<(), String> {
    let source = LabSource::from_bytes(Path::new("lab.kdl"), kdl.as_bytes().to_vec())
        .map_err(|e| format!("[{name}] source rejected: {e}"))?;
    let diagnostics = match vlab::check(&source) {
        Ok(_) => Vec::new(),
        Err(d) => d.into_vec(),
    };
    let actual: Vec<(DiagnosticCode, usize, usize, String, String)> = diagnostics
        .iter()
        .map(|d| {
            let l = d.locate("lab.kdl", kdl);
            (
                l.code,
                l.line,
                l.column,
                l.message,
                l.help.unwrap_or_default(),
            )
        })
        .collect();
    let mut problems = Vec::new();
    if actual.len() != expect.len() {
        problems.push(format!(
            "expected {} diagnostic(s), got {}",
            expect.len(),
            actual.len()
        ));
    }
    for (i, want) in expect.iter().enumerate().skip(actual.len()) {
        problems.push(format!("#{i}: missing {want:?}"));
    }
    for (i, (want, got)) in expect.iter().zip(&actual).enumerate() {
        let (code, line, column, message) = *want;
        if got.0 != code || got.1 != line || got.2 != column || !got.3.contains(message) {
            problems.push(format!(
                "#{i}: expected ({code:?}, {line}:{column}, ~{message:?})"
            ));
        }
        if let Some(h) = help.get(i).filter(|h| !h.is_empty())
            && !got.4.contains(h)
        {
            problems.push(format!("#{i}: help {:?} does not contain {h:?}", got.4));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let got: Vec<String> = actual
        .iter()
        .map(|(c, l, col, m, h)| format!("    ({c:?}, {l}, {col}, {m:?}) help: {h:?}"))
        .collect();
    Err(format!(
        "[{name}]\n  {}\n  actual:\n{}",
        problems.join("\n  "),
        got.join("\n")
    ))
}
