//! How a lab file's problems and warnings reach the user: the diagnostics rendered with
//! their excerpts (the first `report::MAX_SHOWN`, or as JSON with `--json`, the first
//! `report::MAX_LISTED` with the total) and the count, and the warnings for images the lab
//! marks unverified and for the URI parameters its hosts opt in to.

use super::output::Output;
use crate::host_uri::Rule;
use crate::lab::{Lab, Verification};
use crate::language::diagnostic::Diagnostics;
use crate::language::lab_source::LabSource;
use crate::language::report;
use serde_json::json;

pub fn print_diagnostics(source: &LabSource, diagnostics: &Diagnostics, out: &Output) {
    if out.json {
        let listed = report::locate_all(source, diagnostics);
        let value = json!({
            "valid": false,
            "file": source.display,
            "total": diagnostics.len(),
            "truncated": listed.len() < diagnostics.len(),
            "diagnostics": listed,
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

/// Names, with their values, the URI parameters each host opted in to with
/// `allow-uri-params` (a key file, an unchecked host key, a program on the remote host):
/// every command that loads the lab says so before it connects.
pub fn warn_uri_opt_ins(lab: &Lab, out: &Output) {
    for host in &lab.hosts {
        let opted: Vec<String> = host
            .uri
            .params
            .iter()
            .filter(|p| matches!(p.spec().rule, Rule::OptIn(_)))
            .map(|p| format!("{}={}", p.name, p.value))
            .collect();
        if !opted.is_empty() {
            eprintln!(
                "{}: host `{}` connects with the URI parameters its lab allows: {}",
                out.warning_word(),
                host.name,
                opted.join(", ")
            );
        }
    }
}
