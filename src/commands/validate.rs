//! `vlab validate`: load and resolve a lab, then print a summary or every problem found.

use super::{CommandError, ExitStatus};
use crate::cli::LabArgs;
use crate::lab::{Attachment, Lab, Verification};
use crate::language::lab_source::LabSource;
use crate::language::report;
use crate::output::Output;
use serde_json::json;

/// Reads and checks the lab, printing its diagnostics (human or JSON) when it is invalid.
pub fn load_lab(args: &LabArgs, out: &Output) -> Result<(LabSource, Lab), CommandError> {
    let source = read_source(args)?;
    match crate::check(&source) {
        Ok(lab) => Ok((source, lab)),
        Err(diagnostics) => {
            print_diagnostics(&source, &diagnostics, out);
            Err(CommandError::Reported)
        }
    }
}

fn print_diagnostics(
    source: &LabSource,
    diagnostics: &crate::language::diagnostic::Diagnostics,
    out: &Output,
) {
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

pub fn run(args: &LabArgs, out: &Output) -> Result<ExitStatus, CommandError> {
    let source = read_source(args)?;
    match crate::check(&source) {
        Ok(lab) => {
            if out.json {
                let value = json!({ "valid": true, "file": source.display, "lab": lab });
                crate::outln!(
                    "{}",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                );
            } else if !out.quiet {
                print_summary(&source, &lab, out);
            }
            Ok(ExitStatus::Success)
        }
        Err(diagnostics) => {
            print_diagnostics(&source, &diagnostics, out);
            Err(CommandError::Reported)
        }
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

/// Reads the lab file, turning file-level problems into a command error with help.
pub fn read_source(args: &LabArgs) -> Result<LabSource, CommandError> {
    LabSource::read(&args.file).map_err(|e| match e.help() {
        Some(help) => CommandError::with_help(e.to_string(), help),
        None => CommandError::new(e.to_string()),
    })
}

fn print_summary(source: &LabSource, lab: &Lab, out: &Output) {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    crate::outln!(
        "{} {}: lab `{}` is valid ({}, {}, {}, {}, {})",
        out.success("✓"),
        source.display,
        lab.name,
        plural(lab.hosts.len(), "host"),
        plural(lab.images.len(), "image"),
        plural(lab.networks.len(), "network"),
        plural(lab.nodes.len(), "node"),
        plural(lab.links.len(), "link"),
    );
    warn_unverified(lab, out);
    if out.verbose > 0 {
        print_nodes(lab, out);
    }
}

fn print_nodes(lab: &Lab, out: &Output) {
    for node in &lab.nodes {
        // Xen nodes show their boot mode: `(xen pvh)`.
        let kind = match node.xen_boot {
            Some(boot) => format!("{} {boot}", node.hypervisor),
            None => node.hypervisor.to_string(),
        };
        crate::outln!(
            "  node {} {}",
            node.name,
            out.dim(&format!(
                "on {} ({kind}), image {}, {} cpu, {}",
                node.host, node.image, node.cpus, node.memory
            ))
        );
        for interface in &node.interfaces {
            let target = match &interface.attachment {
                Attachment::Network(n) => format!("network {n}"),
                Attachment::Link(l) => format!("link {l}"),
            };
            let address = match (interface.address, interface.prefix) {
                (Some(a), Some(p)) => format!("{a}/{p}"),
                (Some(a), None) => a.to_string(),
                (None, _) => "dhcp".to_string(),
            };
            crate::outln!(
                "    {} {} {} {}",
                interface.name,
                interface.mac,
                address,
                out.dim(&target)
            );
        }
    }
}
