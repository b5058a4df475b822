//! Scope cases: a lab with a shared network, a shared node and three seats (a network, two
//! nodes and a link each), planned against hosts built in memory, then restricted.

use super::Scope;
use crate::checksum::Checksum;
use crate::host::node_record::NodeRecord;
use crate::lab::Lab;
use crate::lab::selection::Selection;
use crate::planner::desired::{self, Desired, NodeInputs};
use crate::planner::observed::{
    DomainState, Observed, ObservedDomain, ObservedHost, ObservedNetwork,
};
use crate::planner::plan::{Action, Change, Plan};
use crate::planner::{destroy_plan, plan};
use std::collections::BTreeMap;

fn lab(seats: u32) -> Lab {
    let text = format!(
        "image \"img\" url=\"https://x.test/i.qcow2\" unverified=#true\n\
         network \"internet\" mode=\"nat\" cidr=\"10.9.0.0/24\"\n\
         node \"teacher\" {{ interface network=\"internet\"; }}\n\
         seats {seats} {{\n\
           network \"lan-{{seat}}\" mode=\"isolated\" cidr=\"10.10.{{seat}}.0/24\"\n\
           node \"pc-{{seat}}\" {{ interface network=\"internet\"; interface network=\"lan-{{seat}}\"; }}\n\
           node \"srv-{{seat}}\" {{ interface network=\"lan-{{seat}}\"; }}\n\
           link \"pc-{{seat}}:eth5\" \"srv-{{seat}}:eth5\"\n\
         }}\n"
    );
    let source = crate::language::lab_source::LabSource::from_bytes(
        std::path::Path::new("lab.kdl"),
        text.into_bytes(),
    )
    .expect("source");
    crate::check(&source).expect("valid lab")
}

fn desired_of(lab: &Lab) -> Desired {
    let nodes: BTreeMap<String, NodeInputs> = lab
        .nodes
        .iter()
        .map(|n| {
            let inputs = NodeInputs {
                seed: n.name.as_bytes().to_vec(),
                digest: format!("d-{}", n.name),
                record: NodeRecord::of(n, lab.image(&n.image), &BTreeMap::new(), BTreeMap::new()),
            };
            (n.name.clone(), inputs)
        })
        .collect();
    let digest =
        Checksum::parse("sha256:00000000000000000000000000000000000000000000000000000000000000aa")
            .expect("digest");
    desired::desired(lab, &nodes, &BTreeMap::from([("img".to_string(), digest)]))
}

/// What the hosts hold after an apply of `desired`.
fn converged(desired: &Desired) -> Observed {
    let hosts = desired
        .hosts
        .iter()
        .map(|h| ObservedHost {
            name: h.name.clone(),
            pool_exists: true,
            volumes: h
                .images
                .iter()
                .filter_map(|i| i.volume.clone())
                .flat_map(|v| [format!("{v}.ready"), v])
                .chain(h.domains.iter().flat_map(|d| d.volumes.iter().cloned()))
                .collect(),
            networks: h
                .networks
                .iter()
                .map(|n| ObservedNetwork {
                    name: n.name.clone(),
                    summary: n.summary.clone(),
                    active: true,
                })
                .collect(),
            domains: h
                .domains
                .iter()
                .map(|d| ObservedDomain {
                    name: d.name.clone(),
                    node: d.node.clone(),
                    digest: d.digest.clone(),
                    image: d.image.clone().unwrap_or_default(),
                    seed_volume: d.seed_volume.clone(),
                    root_size: d.root_size,
                    cpus: d.cpus,
                    memory_kib: d.memory_kib,
                    state: DomainState::Running,
                    stopped_on_purpose: false,
                    record: Some(d.record.clone()),
                })
                .collect(),
            foreign_domains: Vec::new(),
        })
        .collect();
    Observed { hosts }
}

fn scope(lab: &Lab, seats: &[&str], nodes: &[&str]) -> Scope {
    let own = |v: &[&str]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
    let selected = Selection::from_flags(&own(seats), &own(nodes))
        .and_then(|s| s.resolve(lab))
        .expect("selection fits");
    Scope::new(lab, &selected)
}

fn changes(plan: &Plan) -> Vec<(String, Action)> {
    plan.changes.iter().map(|c| (c.name(), c.action)).collect()
}

fn sorted(mut changes: Vec<(String, Action)>) -> Vec<(String, &'static str)> {
    changes.sort_by(|a, b| a.0.cmp(&b.0));
    changes.into_iter().map(|(n, a)| (n, a.symbol())).collect()
}

#[test]
fn a_new_seat_is_created_alone_and_drift_elsewhere_is_left_out() {
    let (three, four) = (lab(3), lab(4));
    let mut observed = converged(&desired_of(&three));
    // Seat 1's workstation drifted and the teacher is shut off: not seat 4's business.
    observed.hosts[0].domains[1].digest = "old".into();
    observed.hosts[0].domains[0].state = DomainState::ShutOff;
    // Untouched, the hosts of three seats need only creates for four.
    let grown = plan(&desired_of(&four), &converged(&desired_of(&three)));
    assert!(grown.changes.iter().all(|c| c.action == Action::Create));
    let full = plan(&desired_of(&four), &observed);
    let (selected, left_out) = scope(&four, &["4"], &[]).restrict(full.clone());
    let want: Vec<(String, Action)> = vec![
        ("vlab_lab_lan-4".into(), Action::Create),
        (
            crate::host::resource_names::link_network("lab", "pc-4:eth5--srv-4:eth5"),
            Action::Create,
        ),
        ("lab_pc-4".into(), Action::Create),
        ("lab_srv-4".into(), Action::Create),
    ];
    assert_eq!(sorted(changes(&selected)), sorted(want));
    assert_eq!(left_out, 2, "{:?}", changes(&full));
    assert!(selected.changes.iter().all(|c| c.action == Action::Create));
}

#[test]
fn shared_resources_are_created_when_needed_but_never_replaced_or_deleted() {
    let lab = lab(2);
    let desired = desired_of(&lab);
    // The shared network is missing: seat 2's workstation needs it, so it is created.
    let mut observed = converged(&desired);
    observed.hosts[0]
        .networks
        .retain(|n| n.name != "vlab_lab_internet");
    observed.hosts[0].domains.retain(|d| d.node != "pc-2");
    let (p, _) = scope(&lab, &["2"], &[]).restrict(plan(&desired, &observed));
    assert_eq!(
        changes(&p),
        [
            ("vlab_lab_internet".to_string(), Action::Create),
            ("lab_pc-2".to_string(), Action::Create)
        ]
    );
    // The shared network drifted: a replace would cut off every seat; the selection leaves it.
    let mut observed = converged(&desired);
    observed.hosts[0].networks[0].summary.dhcp_range = Some("10.9.0.2-10.9.0.9".into());
    observed.hosts[0].domains.retain(|d| d.node != "pc-2");
    let full = plan(&desired, &observed);
    assert!(full.changes.iter().any(|c| c.action == Action::Replace));
    let (p, left_out) = scope(&lab, &["2"], &[]).restrict(full);
    assert_eq!(changes(&p), [("lab_pc-2".to_string(), Action::Create)]);
    assert_eq!(left_out, 1);
}

#[test]
fn fewer_seats_plan_only_deletes_and_a_selection_leaves_the_removed_seat_alone() {
    let (three, two) = (lab(3), lab(2));
    let observed = converged(&desired_of(&three));
    let full = plan(&desired_of(&two), &observed);
    assert!(!full.changes.is_empty());
    assert!(full.changes.iter().all(|c| c.action == Action::Delete));
    // Seat 3 is no longer in the lab: no selection of the lab reaches it.
    let (p, left_out) = scope(&two, &["1..2"], &["teacher"]).restrict(full.clone());
    assert!(p.changes.is_empty());
    assert_eq!(left_out, full.changes.len());
}

#[test]
fn destroying_a_whole_seat_takes_its_network_and_a_node_alone_does_not() {
    let lab = lab(3);
    let observed = converged(&desired_of(&lab));
    let all = destroy_plan(&lab.name, &observed, &[]);
    let (seat, _) = scope(&lab, &["2"], &[]).restrict(all.clone());
    let names: Vec<String> = seat.changes.iter().map(Change::name).collect();
    assert!(names.contains(&"lab_pc-2".into()) && names.contains(&"lab_srv-2".into()));
    assert!(names.contains(&"vlab_lab_lan-2".into()));
    assert!(names.iter().any(|n| n.starts_with("vlab_lab_link_")));
    assert!(names.contains(&"vlab_lab_pc-2_root.qcow2".into()));
    assert!(
        names
            .iter()
            .all(|n| n.contains("-2") || n.starts_with("vlab_lab_link_")),
        "{names:?}"
    );
    assert!(
        !names
            .iter()
            .any(|n| n.contains("internet") || n.contains("vlab-base"))
    );
    let (node, _) = scope(&lab, &[], &["pc-2"]).restrict(all);
    let names: Vec<String> = node.changes.iter().map(Change::name).collect();
    assert!(names.contains(&"lab_pc-2".into()));
    assert!(
        !names
            .iter()
            .any(|n| n.contains("lan-2") || n.contains("link_")),
        "{names:?}"
    );
    assert!(node.changes.iter().all(|c| c.action == Action::Delete));
}
