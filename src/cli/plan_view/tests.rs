//! The plan view of node changes: attributes, a domain without a record, and the unified
//! diff of a node's cloud-init files when an address changes (two real renders of a lab).

use super::{changes_json, plan_text};
use crate::cli::output::Output;
use crate::cloud_init::seed_diff::SeedDiff;
use crate::cloud_init::{self, seed_image};
use crate::host::node_record::NodeRecord;
use crate::lab::Lab;
use crate::language::lab_source::LabSource;
use crate::pipeline::seed_diffs::SeedDiffs;
use crate::planner::desired::{self, Desired, NodeInputs};
use crate::planner::observed::{DomainState, Observed, ObservedDomain, ObservedHost};
use std::collections::BTreeMap;
use std::path::Path;

const OUT: Output = Output {
    color: false,
    quiet: false,
    verbose: 0,
    json: false,
};

fn lab(memory: &str, cpus: u32, address: u8) -> Lab {
    let text = format!(
        "lab \"demo\"\nhost \"t\" uri=\"test:///default\" hypervisor=\"kvm\" accel=\"tcg\"\n\
         image \"tiny\" url=\"https://example.net/tiny.qcow2\" unverified=#true\n\
         network \"lan\" cidr=\"10.40.0.0/24\"\n\
         node \"web\" memory=\"{memory}\" cpus={cpus} {{ interface network=\"lan\" address=\"10.40.0.{address}\"; }}\n"
    );
    let source =
        LabSource::from_bytes(Path::new("/labs/demo.kdl"), text.into_bytes()).expect("source");
    crate::check(&source).expect("valid lab")
}

/// Each node rendered (no keys), with its seed and record.
fn inputs(lab: &Lab) -> BTreeMap<String, NodeInputs> {
    lab.nodes
        .iter()
        .map(|node| {
            let rendered = cloud_init::render(lab, node, &[]).expect("render");
            let seed = rendered.seed().expect("seed");
            let record = NodeRecord::of(
                node,
                lab.image(&node.image),
                &BTreeMap::new(),
                rendered.secret_lines(),
            );
            let digest = crate::host::spec_digest::node_digest(
                node,
                lab.image(&node.image),
                (None, None),
                &seed,
            );
            (
                node.name.clone(),
                NodeInputs {
                    seed,
                    digest,
                    record,
                },
            )
        })
        .collect()
}

/// The host after an apply of `desired` (`record`: whether its domains keep a record).
fn converged(desired: &Desired, record: bool) -> Observed {
    let host = &desired.hosts[0];
    Observed {
        hosts: vec![ObservedHost {
            name: host.name.clone(),
            pool_exists: true,
            volumes: host
                .domains
                .iter()
                .flat_map(|d| d.volumes.iter().cloned())
                .collect(),
            networks: Vec::new(),
            domains: host
                .domains
                .iter()
                .map(|d| ObservedDomain {
                    name: d.name.clone(),
                    node: d.node.clone(),
                    digest: d.digest.clone(),
                    image: String::new(),
                    seed_volume: d.seed_volume.clone(),
                    root_size: d.root_size,
                    cpus: d.cpus,
                    memory_kib: d.memory_kib,
                    state: DomainState::Running,
                    stopped_on_purpose: false,
                    record: record.then(|| d.record.clone()),
                })
                .collect(),
            foreign_domains: Vec::new(),
        }],
    }
}

/// The plan from `before` (applied) to `after`, node changes only.
fn node_plan(
    before: &Lab,
    after: &Lab,
    record: bool,
) -> (
    crate::planner::plan::Plan,
    BTreeMap<String, NodeInputs>,
    BTreeMap<String, NodeInputs>,
) {
    let (old, new) = (inputs(before), inputs(after));
    let observed = converged(&desired::desired(before, &old, &BTreeMap::new()), record);
    let mut plan =
        crate::planner::plan(&desired::desired(after, &new, &BTreeMap::new()), &observed);
    plan.changes
        .retain(|c| c.kind() == crate::planner::target::ResourceKind::Node);
    (plan, old, new)
}

#[test]
fn an_update_shows_each_changed_attribute() {
    let (plan, ..) = node_plan(&lab("64MiB", 1, 11), &lab("96MiB", 2, 11), true);
    let text = plan_text(&plan, &SeedDiffs::none(), &OUT);
    assert!(text.contains("  ~ node.demo_web@t\n"), "{text}");
    assert!(
        text.contains("      ~ cpus 1 -> 2\n      ~ memory 64 MiB -> 96 MiB\n"),
        "{text}"
    );
    assert!(
        !text.contains("1 cpu, 64 MiB -> 2 cpu, 96 MiB"),
        "attributes replace the summary: {text}"
    );
}

#[test]
fn a_domain_built_without_a_record_says_its_before_is_unknown() {
    let (plan, ..) = node_plan(&lab("64MiB", 1, 11), &lab("96MiB", 1, 11), false);
    let text = plan_text(&plan, &SeedDiffs::none(), &OUT);
    assert!(
        text.contains(
            "      1 cpu, 64 MiB -> 1 cpu, 96 MiB\n      before: unknown (built by an older vlab"
        ),
        "{text}"
    );
}

#[test]
fn a_replace_for_a_new_address_shows_the_network_config_diff() {
    let (plan, old, new) = node_plan(&lab("64MiB", 1, 11), &lab("64MiB", 1, 21), true);
    let files = |inputs: &BTreeMap<String, NodeInputs>| {
        seed_image::files(&inputs["web"].seed).expect("files")
    };
    let mut diffs = SeedDiffs::none();
    diffs.insert(
        &plan.changes[0],
        SeedDiff::between(
            &files(&old),
            &old["web"].record.secret_lines,
            &files(&new),
            &new["web"].record.secret_lines,
        ),
    );
    let text = plan_text(&plan, &diffs, &OUT);
    assert!(text.contains("-/+ node.demo_web@t"), "{text}");
    assert!(
        text.contains("~ interface.eth0.address 10.40.0.11/24 -> 10.40.0.21/24"),
        "{text}"
    );
    assert!(
        text.contains("        -      - \"10.40.0.11/24\"\n        +      - \"10.40.0.21/24\"\n"),
        "{text}"
    );
    insta::with_settings!({
        snapshot_path => "../../../tests/snapshots",
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("plan_view__replace-seed-diff", text);
        let json = serde_json::to_string_pretty(&changes_json(&plan, &diffs)).expect("json");
        insta::assert_snapshot!("plan_view__replace-seed-diff-json", json);
    });
}
