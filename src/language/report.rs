//! Rendering of lab diagnostics: miette's graphical form for people, JSON for machines.
//!
//! Every diagnostic is shown with `file:line:col`, the offending text underlined, and its
//! help line. Rendering only; collecting diagnostics is the loader's and resolver's job.

use crate::language::diagnostic::{Diagnostics, Located};
use crate::language::lab_source::LabSource;
use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource};
use std::sync::Arc;

/// Past this many, the rest are counted rather than drawn: the first ones are the ones to fix.
pub const MAX_SHOWN: usize = 50;

/// The diagnostics drawn for a terminal (or plain when `color` is off), in file order.
pub fn render_human(source: &LabSource, diagnostics: &Diagnostics, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100);
    let named = NamedSource::new(&source.display, Arc::clone(&source.text)).with_language("kdl");
    let mut out = String::new();
    for diagnostic in diagnostics.iter().take(MAX_SHOWN) {
        let report = miette::Report::new(diagnostic.clone()).with_source_code(named.clone());
        if handler.render_report(&mut out, report.as_ref()).is_err() {
            out.push_str(&format!("{}: {}\n", source.display, diagnostic.message));
        }
    }
    if diagnostics.len() > MAX_SHOWN {
        out.push_str(&format!("... and {} more\n", diagnostics.len() - MAX_SHOWN));
    }
    out
}

/// Each diagnostic with its file, line and column, for `--json`.
pub fn locate_all(source: &LabSource, diagnostics: &Diagnostics) -> Vec<Located> {
    diagnostics
        .iter()
        .map(|d| d.locate(&source.display, &source.text))
        .collect()
}
