//! `vlab validate`: load and resolve a lab, then print a summary or every problem found.

use super::{CommandError, ExitStatus};
use crate::cli::LabArgs;
use crate::cli::diagnostics_view;
use crate::cli::output::Output;
use crate::lab::{Attachment, Lab};
use crate::language::lab_source::LabSource;
use crate::pipeline::{self, LoadedLab};
use serde_json::json;

pub fn run(args: &LabArgs, out: &Output) -> Result<ExitStatus, CommandError> {
    let instance = super::instance_request(args)?;
    match pipeline::load_as(&args.file, instance.as_ref()) {
        Ok(LoadedLab { source, lab }) => {
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
        Err(e) => Err(CommandError::from_pipeline(e, out)),
    }
}

fn print_summary(source: &LabSource, lab: &Lab, out: &Output) {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let seats = lab
        .seats
        .map(|n| format!(", {}", plural(n as usize, "seat")))
        .unwrap_or_default();
    let checks = match lab.checks.len() {
        0 => String::new(),
        n => format!(", {}", plural(n, "check")),
    };
    crate::outln!(
        "{} {}: lab `{}` is valid ({}, {}, {}, {}, {}{seats}{checks})",
        out.success("✓"),
        source.display,
        lab.name,
        plural(lab.hosts.len(), "host"),
        plural(lab.images.len(), "image"),
        plural(lab.networks.len(), "network"),
        plural(lab.nodes.len(), "node"),
        plural(lab.links.len(), "link"),
    );
    diagnostics_view::warn_unverified(lab, out);
    diagnostics_view::warn_uri_opt_ins(lab, out);
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
        let seat = node.seat.map(|s| format!("seat {s}, ")).unwrap_or_default();
        crate::outln!(
            "  node {} {}",
            node.name,
            out.dim(&format!(
                "{seat}on {} ({kind}), image {}, {} cpu, {}",
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
