//! `--target` and `--replace` cases on the scope fixtures' lab: what a target keeps and
//! needs, what it leaves out, replacements requested, and the addresses a request resolves
//! to.

use super::{TargetRequest, Targeting};
use crate::planner::plan::{Action, Plan};
use crate::planner::reason::Reason;
use crate::planner::resource_address::AddressError;
use crate::planner::tests::{converged, desired};
use crate::planner::{desired::Desired, observed::Observed, plan};

fn request(targets: &[&str], replace: &[&str]) -> TargetRequest {
    TargetRequest {
        targets: targets.iter().map(|t| (*t).to_string()).collect(),
        replace: replace.iter().map(|t| (*t).to_string()).collect(),
    }
}

/// Plans `desired` against `observed` with `request`, restricted: the kept changes as
/// `symbol address`, and how many were left out.
fn targeted(
    desired: &Desired,
    observed: &Observed,
    request: &TargetRequest,
) -> (Vec<String>, usize) {
    let targeting = Targeting::resolve(request, desired, observed).expect("resolves");
    let mut desired = desired.clone();
    targeting.mark(&mut desired);
    let (plan, left_out): (Plan, usize) = targeting.restrict(plan(&desired, observed));
    let changes = plan
        .changes
        .iter()
        .map(|c| format!("{} {}", c.action.symbol(), c.address()))
        .collect();
    (changes, left_out)
}

/// The fixture lab with a second node, `b`, on the same network.
fn two_nodes() -> Desired {
    let mut d = desired();
    let mut b = crate::planner::tests::domain("b", "vlab_lab_b_seed_1.img", "db");
    b.volumes = vec![
        "vlab_lab_b_root.qcow2".into(),
        "vlab_lab_b_seed_1.img".into(),
    ];
    d.hosts[0].domains.push(b);
    d
}

#[test]
fn a_target_on_an_empty_host_keeps_the_node_and_what_it_needs_created() {
    let (changes, left_out) = targeted(
        &two_nodes(),
        &Observed::default(),
        &request(&["node.a"], &[]),
    );
    assert_eq!(
        changes,
        [
            "+ pool.vlab@local",
            "+ image.debian@local",
            "+ network.vlab_lab_lan@local",
            "+ node.lab_a@local",
        ]
    );
    assert_eq!(left_out, 1, "node b");
}

#[test]
fn a_target_never_changes_what_it_only_needs_and_leaves_other_nodes_alone() {
    let mut d = two_nodes();
    // The network's definition drifted and node b changed: neither is node a's to change.
    d.hosts[0].networks[0].summary.dhcp_range = Some("10.0.0.2-10.0.0.9".into());
    d.hosts[0].domains[1].digest = "changed".into();
    d.hosts[0].domains[0].digest = "changed too".into();
    let mut o = converged();
    let mut b = o.hosts[0].domains[0].clone();
    b.name = "lab_b".into();
    b.node = "b".into();
    b.seed_volume = "vlab_lab_b_seed_1.img".into();
    o.hosts[0].domains.push(b);
    o.hosts[0].volumes.extend([
        "vlab_lab_b_root.qcow2".to_string(),
        "vlab_lab_b_seed_1.img".to_string(),
    ]);
    let (changes, left_out) = targeted(&d, &o, &request(&["node.lab_a@local"], &[]));
    assert_eq!(changes, ["~ node.lab_a@local"]);
    assert_eq!(left_out, 2, "the network's replace and node b's update");
    // Targeted by name, the network is changed.
    let (changes, _) = targeted(&d, &o, &request(&["network.lan"], &[]));
    assert_eq!(changes, ["-/+ network.vlab_lab_lan@local"]);
}

#[test]
fn a_targeted_node_s_own_volumes_go_with_it() {
    let mut d = desired();
    d.hosts[0].domains[0] = crate::planner::tests::domain("a", "vlab_lab_a_seed_2.img", "d2");
    let (changes, left_out) = targeted(&d, &converged(), &request(&["node.a"], &[]));
    assert_eq!(
        changes,
        [
            "-/+ node.lab_a@local",
            "- volume.vlab_lab_a_seed_1.img@local"
        ]
    );
    assert_eq!(left_out, 0);
}

#[test]
fn a_replace_rebuilds_an_unchanged_node_and_keeps_a_reason_of_its_own() {
    let d = desired();
    let targeting =
        Targeting::resolve(&request(&[], &["node.a"]), &d, &converged()).expect("resolves");
    let mut marked = d.clone();
    targeting.mark(&mut marked);
    let p = plan(&marked, &converged());
    assert_eq!(p.changes.len(), 1, "{p:?}");
    assert_eq!(
        (p.changes[0].action, &p.changes[0].reason),
        (Action::Replace, &Reason::ReplaceRequested)
    );
    // A node replaced anyway says why.
    let mut changed = marked.clone();
    changed.hosts[0].domains[0].seed_volume = "vlab_lab_a_seed_2.img".into();
    let p = plan(&changed, &converged());
    assert_eq!(
        (p.changes[0].action, &p.changes[0].reason),
        (Action::Replace, &Reason::SeedChanged)
    );
    // Not built yet: created.
    let p = plan(&marked, &Observed::default());
    let node = p
        .changes
        .iter()
        .find(|c| c.name() == "lab_a")
        .expect("node");
    assert_eq!(node.action, Action::Create);
    // Without --target the rest of the plan stays; with it, the replaced node is a target.
    assert_eq!(targeting.restrict(p.clone()).1, 0);
    let (changes, left_out) = targeted(
        &two_nodes(),
        &converged(),
        &request(&["node.b"], &["node.a"]),
    );
    assert_eq!(changes, ["-/+ node.lab_a@local", "+ node.lab_b@local"]);
    assert_eq!(left_out, 0);
}

#[test]
fn only_a_declared_node_can_be_replaced_and_the_request_keeps_full_addresses() {
    let mut o = converged();
    let mut old = o.hosts[0].domains[0].clone();
    old.name = "lab_old".into();
    old.node = "old".into();
    o.hosts[0].domains.push(old);
    for given in ["node.old", "network.lan", "pool.vlab"] {
        let error = Targeting::resolve(&request(&[], &[given]), &desired(), &o).expect_err(given);
        assert!(
            matches!(error, AddressError::NotReplaceable { .. }),
            "{given}: {error:?}"
        );
    }
    // A node no longer declared can be targeted: its delete is kept.
    let (changes, _) = targeted(&desired(), &o, &request(&["node.old"], &[]));
    assert_eq!(changes, ["- node.lab_old@local"]);
    let targeting = Targeting::resolve(
        &request(&["node.a", "image.debian"], &["node.a"]),
        &desired(),
        &o,
    )
    .expect("resolves");
    assert_eq!(
        targeting.request(),
        request(
            &["node.lab_a@local", "image.debian@local"],
            &["node.lab_a@local"]
        )
    );
    assert!(Targeting::resolve(&request(&["node.zz"], &[]), &desired(), &o).is_err());
}
