//! Rendering of lab diagnostics: miette's graphical form for people, JSON for machines.
//!
//! Every diagnostic is shown with `file:line:col`, the offending text underlined, and its
//! help line. Rendering only; collecting diagnostics is the loader's and resolver's job.

use crate::language::diagnostic::{Diagnostics, Located};
use crate::language::lab_source::LabSource;
use crate::language::line_index::LineIndex;
use crate::language::source_excerpt::SourceExcerpt;
use miette::{GraphicalReportHandler, GraphicalTheme};

/// Past this many, the rest are counted rather than drawn: the first ones are the ones to fix.
pub const MAX_SHOWN: usize = 50;

/// `--json` lists at most this many (a generated file can have hundreds of thousands), and
/// says how many there were in all.
pub const MAX_LISTED: usize = 1000;

/// The diagnostics drawn for a terminal (or plain when `color` is off), in file order. Each
/// excerpt shows the lines around its span, a long line cut to a window around it.
pub fn render_human(source: &LabSource, diagnostics: &Diagnostics, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100);
    let lines = LineIndex::new(&source.text);
    let mut out = String::new();
    for diagnostic in diagnostics.iter().take(MAX_SHOWN) {
        let (excerpt, span) = SourceExcerpt::new(&source.display, &lines, diagnostic.span);
        let mut shown = diagnostic.clone();
        shown.span = span;
        let report = miette::Report::new(shown).with_source_code(excerpt);
        if handler.render_report(&mut out, report.as_ref()).is_err() {
            out.push_str(&format!("{}: {}\n", source.display, diagnostic.message));
        }
    }
    if diagnostics.len() > MAX_SHOWN {
        out.push_str(&format!(
            "... and {} more (`--json` lists up to {})\n",
            thousands(diagnostics.len() - MAX_SHOWN),
            thousands(MAX_LISTED)
        ));
    }
    out
}

/// The first `MAX_LISTED` diagnostics with their file, line and column, for `--json`.
pub fn locate_all(source: &LabSource, diagnostics: &Diagnostics) -> Vec<Located> {
    let lines = LineIndex::new(&source.text);
    diagnostics
        .iter()
        .take(MAX_LISTED)
        .map(|d| d.locate_in(&source.display, &lines))
        .collect()
}

/// `199950` as `199,950`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::diagnostic::Diagnostic;
    use crate::language::diagnostic_code::DiagnosticCode;
    use miette::SourceSpan;
    use std::path::Path;

    #[test]
    fn counts_read_with_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(199_950), "199,950");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    /// 2,000 unknown properties on one 20 KB line: 50 excerpts of a window each, then a count.
    #[test]
    fn a_long_line_with_many_problems_prints_little() {
        let props: Vec<String> = (0..2000).map(|i| format!("p{i}=1")).collect();
        let text = format!("lab \"x\"\nnode \"a\" {}\n", props.join(" "));
        let source =
            LabSource::from_bytes(Path::new("long.kdl"), text.clone().into_bytes()).expect("text");
        let mut diagnostics = Diagnostics::default();
        for prop in &props {
            let at = text.find(&format!(" {prop}")).expect("there") + 1;
            diagnostics.push(
                Diagnostic::new(
                    DiagnosticCode::UnknownSetting,
                    SourceSpan::from((at, 2)),
                    "unknown",
                )
                .label("not a known setting"),
            );
        }
        let out = render_human(&source, &diagnostics, false);
        assert!(out.len() < 50 * 1024, "{} bytes", out.len());
        assert!(
            out.ends_with("... and 1,950 more (`--json` lists up to 1,000)\n"),
            "{out}"
        );
        assert!(out.contains("[long.kdl:2:10]"), "{out}");
        assert!(out.contains("[long.kdl:2:"), "{out}");
        assert_eq!(out.matches("vlab::unknown-setting").count(), MAX_SHOWN);
        let located = locate_all(&source, &diagnostics);
        assert_eq!(located.len(), MAX_LISTED);
        assert_eq!(
            (located[999].line, located[999].column),
            (2, text.find(" p999=").expect("there") - 6)
        );
    }
}
