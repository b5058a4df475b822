//! How a lab file's problems and warnings reach the user: every diagnostic rendered with
//! its snippet (or as JSON with `--json`) and the count, and the warning for images the lab
//! marks unverified.

use super::output::Output;
use crate::lab::{Lab, Verification};
use crate::language::diagnostic::Diagnostics;
use crate::language::lab_source::LabSource;
use crate::language::report;
use serde_json::json;

pub fn print_diagnostics(source: &LabSource, diagnostics: &Diagnostics, out: &Output) {
    if out.json {
        let value = json!({
            "valid": false,
            "file": source.display,
            "diagnostics": report::locate_all(source, diagnostics),
        });
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    } else {
        eprint!("{}", report::render_human(source, diagnostics, out.color));
        let n = diagnostics.len();
        eprintln!(
            "{}: {} has {n} problem{}",
            out.error_word(),
            source.display,
            if n == 1 { "" } else { "s" }
        );
    }
}

/// Warns about every image the lab marks unverified (validate, plan, pull and apply all do).
pub fn warn_unverified(lab: &Lab, out: &Output) {
    for image in lab
        .images
        .iter()
        .filter(|i| i.verification == Verification::Unverified)
    {
        eprintln!(
            "{}: image `{}` is unverified: its download is not checked",
            out.warning_word(),
            image.name
        );
    }
}
