//! `vlab plan`: observe the lab's hosts, compute the plan, print it Terraform-style (or as
//! JSON). Read-only: nothing on any host changes.

use super::validate::load_lab;
use super::{CommandError, ExitStatus};
use crate::checksum::Checksum;
use crate::cli::LabArgs;
use crate::cloud_init::{self, ssh_keys};
use crate::host::spec_digest;
use crate::image_store::ImageStore;
use crate::image_store::cache_layout::CacheLayout;
use crate::image_store::fetcher::FetchPolicy;
use crate::lab::{Artifact, Lab};
use crate::output::Output;
use crate::planner::desired::{self, NodeInputs};
use crate::planner::plan::{Action, Plan};
use std::collections::BTreeMap;

pub fn run(
    args: &LabArgs,
    detailed_exitcode: bool,
    save: Option<&std::path::Path>,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let (source, lab) = load_lab(args, out)?;
    super::validate::warn_unverified(&lab, out);
    let plan = compute(&lab)?.plan;
    if let Some(path) = save {
        crate::saved_plan::SavedPlan::new(&args.file, &source.text, plan.clone())
            .write(path)
            .map_err(CommandError::new)?;
        if !out.quiet && !out.json {
            eprintln!(
                "Saved the plan to {}: `vlab apply {}` carries out exactly this plan.",
                path.display(),
                path.display()
            );
        }
    }
    if out.json {
        crate::outln!(
            "{}",
            serde_json::json!({"format_version": 1, "lab": plan.lab, "changes": plan.changes, "summary": plan.summary()})
        );
    } else {
        print_plan(&plan, out);
    }
    Ok(if detailed_exitcode && !plan.is_empty() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}

/// Renders every node's seed and computes its spec digest, with the content digests known
/// for the images' kernels and initrds (`<image>-kernel`, `<image>-initrd`).
pub fn node_inputs(
    lab: &Lab,
    digests: &BTreeMap<String, Checksum>,
) -> Result<BTreeMap<String, NodeInputs>, CommandError> {
    let keys = ssh_keys::for_lab(&lab.ssh_keys);
    let mut nodes = BTreeMap::new();
    for node in &lab.nodes {
        let rendered = cloud_init::render(lab, node, &keys).map_err(|e| match &e.help {
            Some(help) => CommandError::with_help(e.to_string(), help.clone()),
            None => CommandError::new(e.to_string()),
        })?;
        let seed = rendered.seed().map_err(|e| {
            CommandError::new(format!("cannot build the seed of `{}`: {e}", node.name))
        })?;
        let boot = (
            digests.get(&Artifact::Kernel.name(&node.image)),
            digests.get(&Artifact::Initrd.name(&node.image)),
        );
        let digest = spec_digest::node_digest(node, lab.image(&node.image), boot, &seed);
        nodes.insert(node.name.clone(), NodeInputs { seed, digest });
    }
    Ok(nodes)
}

/// A plan with what it was made from, for apply.
pub struct Planned {
    pub plan: Plan,
    pub nodes: BTreeMap<String, NodeInputs>,
}

/// Renders every node, looks up the images in the cache, observes the hosts and plans.
pub fn compute(lab: &Lab) -> Result<Planned, CommandError> {
    let store = ImageStore::open(CacheLayout::default_root(), FetchPolicy::default())
        .map_err(|e| CommandError::new(e.to_string()))?;
    // An image's digest is known from the cache, or from an inline checksum of an
    // uncompressed image (the content's own digest); otherwise only after a pull.
    let digests: BTreeMap<String, Checksum> = super::image::lab_requests(lab)
        .iter()
        .filter_map(|request| {
            let digest = store
                .cached(request)
                .map(|image| image.digest)
                .or_else(|| request.inline_digest().cloned())?;
            Some((request.name.clone(), digest))
        })
        .collect();
    let nodes = node_inputs(lab, &digests)?;
    let desired = desired::desired(lab, &nodes, &digests);
    let observed = crate::libvirt::observer::observe(lab).map_err(|e| {
        CommandError::with_help(
            e.to_string(),
            "is libvirtd running there, and can this user reach it?",
        )
    })?;
    Ok(Planned {
        plan: crate::planner::plan(&desired, &observed),
        nodes,
    })
}

pub fn print_plan(plan: &Plan, out: &Output) {
    if plan.is_empty() {
        crate::outln!("No changes. The hosts match lab `{}`.", plan.lab);
        return;
    }
    crate::outln!("vlab will make these changes for lab `{}`:\n", plan.lab);
    for change in &plan.changes {
        let symbol = out.paint_action(change.action);
        crate::outln!("  {symbol} {}", change.address());
        crate::outln!("      {}", out.dim(&change.reason.to_string()));
        match (change.action, &change.before, &change.after) {
            (Action::Update | Action::Replace, Some(before), Some(after)) if before != after => {
                crate::outln!("      {} -> {}", before, after);
            }
            (Action::Create, _, Some(after)) => crate::outln!("      {after}"),
            _ => {}
        }
    }
    crate::outln!("\nPlan: {}.", plan.summary());
}
