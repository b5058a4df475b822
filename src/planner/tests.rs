//! Planner cases: both sides built in memory, every rule checked (the network rules are in
//! `networks`). The fixtures here are shared with those.

use super::desired::{Desired, DesiredDomain, DesiredHost, DesiredImage, DesiredNetwork};
use super::observed::{
    DomainState, ForeignDomain, NetworkSummary, Observed, ObservedDomain, ObservedHost,
    ObservedNetwork,
};
use super::plan;
use super::plan::Action;
use super::reason::Reason;
use super::target::ResourceKind;
use super::target::{NodeNeeds, Target};
use crate::host::node_record::{BootRecord, InterfaceRecord, NodeRecord};
use crate::lab::Artifact;

pub(super) const NET_XML: &str = "<network><name>vlab_lab_lan</name><forward mode='nat'/><bridge name='vl1'/><ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.128' end='10.0.0.254'/></dhcp></ip></network>";

pub(super) fn domain(node: &str, seed: &str, digest: &str) -> DesiredDomain {
    DesiredDomain {
        name: format!("lab_{node}"),
        node: node.into(),
        digest: digest.into(),
        image: Some("vlab-base-sha256-aa".into()),
        seed_volume: seed.into(),
        root_size: None,
        cpus: 1,
        memory_kib: 1024 * 1024,
        volumes: vec![format!("vlab_lab_{node}_root.qcow2"), seed.into()],
        needs: NodeNeeds {
            image: "debian".into(),
            networks: vec!["vlab_lab_lan".into()],
        },
        record: record(),
        replace: false,
    }
}

/// The record of every fixture node: 1 cpu, 1 GiB, image `debian` and one interface.
pub(super) fn record() -> NodeRecord {
    NodeRecord {
        v: crate::host::node_record::VERSION,
        cpus: 1,
        memory: 1 << 30,
        image: "debian".into(),
        image_digest: Some("sha256:aa".into()),
        interfaces: vec![InterfaceRecord {
            name: "eth0".into(),
            network: "lan".into(),
            mac: "52:54:00:00:00:01".into(),
            address: Some("10.0.0.10/24".into()),
        }],
        boot: BootRecord {
            firmware: "bios".into(),
            ..BootRecord::default()
        },
        ..NodeRecord::default()
    }
}

pub(super) fn desired() -> Desired {
    Desired {
        lab: "lab".into(),
        hosts: vec![DesiredHost {
            name: "local".into(),
            pool: "vlab".into(),
            images: vec![DesiredImage {
                image: "debian".into(),
                artifact: Artifact::Disk,
                volume: Some("vlab-base-sha256-aa".into()),
            }],
            networks: vec![DesiredNetwork {
                name: "vlab_lab_lan".into(),
                xml: NET_XML.into(),
                summary: NetworkSummary::from_xml(NET_XML).expect("xml"),
            }],
            domains: vec![domain("a", "vlab_lab_a_seed_1.img", "d1")],
        }],
    }
}

/// What the hosts hold right after a successful apply of `desired()`.
pub(super) fn converged() -> Observed {
    let d = desired();
    let host = &d.hosts[0];
    let dom = &host.domains[0];
    Observed {
        hosts: vec![ObservedHost {
            name: "local".into(),
            pool_exists: true,
            volumes: [
                "vlab-base-sha256-aa".to_string(),
                "vlab-base-sha256-aa.ready".to_string(),
            ]
            .into_iter()
            .chain(dom.volumes.iter().cloned())
            .collect(),
            networks: vec![ObservedNetwork {
                name: "vlab_lab_lan".into(),
                summary: NetworkSummary::from_xml(NET_XML).expect("xml"),
                active: true,
            }],
            domains: vec![ObservedDomain {
                name: dom.name.clone(),
                node: dom.node.clone(),
                digest: dom.digest.clone(),
                image: dom.image.clone().expect("known image"),
                seed_volume: dom.seed_volume.clone(),
                root_size: None,
                cpus: 1,
                memory_kib: 1024 * 1024,
                state: DomainState::Running,
                stopped_on_purpose: false,
                record: Some(dom.record.clone()),
            }],
            foreign_domains: Vec::new(),
        }],
    }
}

pub(super) fn actions(
    observed: &Observed,
    desired: &Desired,
) -> Vec<(ResourceKind, String, Action)> {
    plan(desired, observed)
        .changes
        .into_iter()
        .map(|c| (c.kind(), c.name(), c.action))
        .collect()
}

#[test]
fn an_empty_host_gets_everything_created() {
    let p = plan(&desired(), &Observed::default());
    let got: Vec<_> = p.changes.iter().map(|c| (c.kind(), c.action)).collect();
    assert_eq!(
        got,
        [
            (ResourceKind::Pool, Action::Create),
            (ResourceKind::Image, Action::Create),
            (ResourceKind::Network, Action::Create),
            (ResourceKind::Node, Action::Create),
        ]
    );
    assert_eq!(
        p.summary().to_string(),
        "4 to add, 0 to change, 0 to replace, 0 to destroy"
    );
    assert_eq!(p.changes[3].address(), "node.lab_a@local");
    assert_eq!(
        p.changes[3].target,
        Target::Node {
            node: "a".into(),
            domain: "lab_a".into(),
            needs: Some(NodeNeeds {
                image: "debian".into(),
                networks: vec!["vlab_lab_lan".into()],
            }),
        },
        "the node's change names what building it needs"
    );
    assert_eq!(
        p.changes[2].target,
        Target::Network {
            name: "vlab_lab_lan".into(),
            xml: Some(NET_XML.into()),
        }
    );
    let reasons: Vec<&Reason> = p.changes.iter().map(|c| &c.reason).collect();
    assert_eq!(
        reasons,
        [
            &Reason::PoolMissing,
            &Reason::BaseImageMissing,
            &Reason::NewNetwork,
            &Reason::NewNode
        ]
    );
}

#[test]
fn a_converged_host_needs_nothing() {
    assert!(plan(&desired(), &converged()).is_empty());
}

#[test]
fn a_guest_shut_off_by_hand_is_started() {
    let mut o = converged();
    o.hosts[0].domains[0].state = DomainState::ShutOff;
    assert_eq!(
        actions(&o, &desired()),
        [(ResourceKind::Node, "lab_a".into(), Action::Start)]
    );
}

#[test]
fn a_guest_stopped_on_purpose_stays_stopped_but_still_gets_its_changes() {
    let mut o = converged();
    o.hosts[0].domains[0].state = DomainState::ShutOff;
    o.hosts[0].domains[0].stopped_on_purpose = true;
    assert!(plan(&desired(), &o).is_empty());
    let mut d = desired();
    d.hosts[0].domains[0] = domain("a", "vlab_lab_a_seed_2.img", "d2");
    assert_eq!(
        actions(&o, &d)
            .into_iter()
            .filter(|(kind, _, _)| *kind == ResourceKind::Node)
            .collect::<Vec<_>>(),
        [(ResourceKind::Node, "lab_a".into(), Action::Replace)]
    );
}

#[test]
fn changed_cloud_init_replaces_the_node_and_drops_the_old_seed() {
    let o = converged();
    let mut d = desired();
    d.hosts[0].domains[0] = domain("a", "vlab_lab_a_seed_2.img", "d2");
    let p = plan(&d, &o);
    assert_eq!(
        p.changes
            .iter()
            .map(|c| (c.kind(), c.name(), c.action, &c.reason))
            .collect::<Vec<_>>(),
        [
            (
                ResourceKind::Node,
                "lab_a".to_string(),
                Action::Replace,
                &Reason::SeedChanged
            ),
            (
                ResourceKind::Volume,
                "vlab_lab_a_seed_1.img".to_string(),
                Action::Delete,
                &Reason::VolumeUnused
            )
        ]
    );
}

#[test]
fn more_cpus_is_an_update_in_place() {
    let o = converged();
    let mut d = desired();
    d.hosts[0].domains[0].digest = "d3".into();
    d.hosts[0].domains[0].cpus = 4;
    let p = plan(&d, &o);
    assert_eq!(p.changes.len(), 1);
    assert_eq!(p.changes[0].action, Action::Update);
    assert_eq!(p.changes[0].reason, Reason::SettingsChanged);
    assert_eq!(p.changes[0].before.as_deref(), Some("1 cpu, 1024 MiB"));
    assert_eq!(p.changes[0].after.as_deref(), Some("4 cpu, 1024 MiB"));
}

#[test]
fn a_new_image_or_root_size_replaces() {
    let mut d = desired();
    d.hosts[0].domains[0].image = Some("vlab-base-sha256-bb".into());
    d.hosts[0].images[0].volume = Some("vlab-base-sha256-bb".into());
    let p = plan(&d, &converged());
    assert_eq!(
        p.changes
            .iter()
            .map(|c| (c.kind(), c.action))
            .collect::<Vec<_>>(),
        [
            (ResourceKind::Image, Action::Create),
            (ResourceKind::Node, Action::Replace)
        ]
    );
    assert_eq!(
        p.changes[1].reason,
        Reason::ImageChanged {
            from: "vlab-base-sha256-aa".into(),
            to: "vlab-base-sha256-bb".into()
        }
    );
    let mut d = desired();
    d.hosts[0].domains[0].root_size = Some(20 << 30);
    let p = plan(&d, &converged());
    assert_eq!(p.changes.len(), 1);
    assert_eq!(
        (p.changes[0].action, &p.changes[0].reason),
        (Action::Replace, &Reason::RootSizeChanged)
    );
}

#[test]
fn an_image_this_machine_cannot_identify_is_not_called_changed() {
    let mut d = desired();
    d.hosts[0].domains[0].image = None;
    d.hosts[0].images[0].volume = None;
    let p = plan(&d, &converged());
    assert_eq!(
        p.changes
            .iter()
            .map(super::plan::Change::kind)
            .collect::<Vec<_>>(),
        [ResourceKind::Image],
        "only the pull is planned"
    );
}

#[test]
fn a_root_volume_deleted_by_hand_replaces_the_node() {
    let mut o = converged();
    o.hosts[0].volumes.remove("vlab_lab_a_root.qcow2");
    let p = plan(&desired(), &o);
    assert_eq!(p.changes.len(), 1);
    assert_eq!(p.changes[0].action, Action::Replace);
    assert_eq!(
        p.changes[0].reason,
        Reason::RootVolumeMissing {
            volume: "vlab_lab_a_root.qcow2".into()
        }
    );
}

#[test]
fn what_the_lab_no_longer_declares_is_deleted_and_nothing_else() {
    let mut o = converged();
    let host = &mut o.hosts[0];
    host.domains.push(ObservedDomain {
        name: "lab_old".into(),
        node: "old".into(),
        ..host.domains[0].clone()
    });
    host.volumes.insert("vlab_lab_old_root.qcow2".into());
    host.volumes.insert("vlab_lab_old_root.qcow2.ready".into());
    host.volumes.insert("vlab_other_x_root.qcow2".into());
    host.volumes.insert("someone-elses.qcow2".into());
    host.networks.push(ObservedNetwork {
        name: "vlab_lab_gone".into(),
        summary: NetworkSummary::default(),
        active: true,
    });
    assert_eq!(
        actions(&o, &desired()),
        [
            (
                ResourceKind::Network,
                "vlab_lab_gone".into(),
                Action::Delete
            ),
            (ResourceKind::Node, "lab_old".into(), Action::Delete),
            (
                ResourceKind::Volume,
                "vlab_lab_old_root.qcow2".into(),
                Action::Delete
            ),
        ]
    );
}

#[test]
fn an_image_not_pulled_yet_is_planned_for_pull_and_upload() {
    let mut d = desired();
    d.hosts[0].images[0].volume = None;
    let p = plan(&d, &converged());
    assert_eq!(p.changes.len(), 1);
    assert_eq!(
        (p.changes[0].kind(), p.changes[0].action),
        (ResourceKind::Image, Action::Create)
    );
    assert_eq!(p.changes[0].reason, Reason::ImageNotPulled);
}

#[test]
fn destroy_removes_what_the_lab_owns_and_keeps_base_images_unless_purged() {
    let mut o = converged();
    o.hosts[0].volumes.insert("vlab_other_x_root.qcow2".into());
    o.hosts[0]
        .volumes
        .insert("vlab_lab_a_root.qcow2.ready".into());
    let p = super::destroy_plan("lab", &o, &[]);
    let got: Vec<(ResourceKind, String)> = p.changes.iter().map(|c| (c.kind(), c.name())).collect();
    assert_eq!(
        got,
        [
            (ResourceKind::Node, "lab_a".to_string()),
            (ResourceKind::Network, "vlab_lab_lan".to_string()),
            (ResourceKind::Volume, "vlab_lab_a_root.qcow2".to_string()),
            (ResourceKind::Volume, "vlab_lab_a_seed_1.img".to_string()),
        ]
    );
    assert!(
        p.changes
            .iter()
            .all(|c| c.action == Action::Delete && c.reason == Reason::Destroy)
    );
    let purged = super::destroy_plan("lab", &o, &["vlab-base-sha256-aa".to_string()]);
    let purge = purged
        .changes
        .iter()
        .find(|c| c.reason == Reason::PurgeImages);
    assert_eq!(
        purge.map(|c| &c.target),
        Some(&Target::Volume {
            name: "vlab-base-sha256-aa".into()
        })
    );
    assert!(
        super::destroy_plan("lab", &Observed::default(), &[]).is_empty(),
        "destroy is idempotent"
    );
}

#[test]
fn an_inactive_pool_hides_volumes_and_nothing_is_rebuilt_for_it() {
    let mut o = converged();
    o.hosts[0].pool_exists = false;
    o.hosts[0].volumes.clear();
    let got: Vec<_> = plan(&desired(), &o)
        .changes
        .into_iter()
        .map(|c| (c.kind(), c.action))
        .collect();
    // The pool is started; the base image upload is idempotent; no node is replaced.
    assert_eq!(
        got,
        [
            (ResourceKind::Pool, Action::Create),
            (ResourceKind::Image, Action::Create)
        ]
    );
}

#[test]
fn a_base_image_without_its_ready_marker_is_uploaded_again() {
    let mut o = converged();
    o.hosts[0].volumes.remove("vlab-base-sha256-aa.ready");
    assert_eq!(
        actions(&o, &desired()),
        [(ResourceKind::Image, "debian".into(), Action::Create)]
    );
}

#[test]
fn a_name_taken_by_a_domain_vlab_does_not_own_is_a_conflict() {
    let d = desired();
    let mut seen = converged();
    let host = &mut seen.hosts[0];
    host.domains.clear();
    host.foreign_domains = vec![
        ForeignDomain {
            name: "lab_a".into(),
            lab: None,
        },
        ForeignDomain {
            name: "unrelated".into(),
            lab: Some("other".into()),
        },
    ];
    let p = plan(&d, &seen);
    assert_eq!(p.conflicts.len(), 1, "{:?}", p.conflicts);
    let conflict = &p.conflicts[0];
    assert_eq!(
        (
            conflict.node.as_str(),
            conflict.domain.as_str(),
            conflict.owner.as_deref()
        ),
        ("a", "lab_a", None)
    );
    assert!(
        conflict.to_string().contains("vlab does not own"),
        "{conflict}"
    );
    // Another lab's domain with the name is a conflict too, and names it.
    seen.hosts[0].foreign_domains[0].lab = Some("lab-x".into());
    let p = plan(&d, &seen);
    assert!(p.conflicts[0].to_string().contains("lab `lab-x`"));
    // A converged host has none.
    assert!(plan(&d, &converged()).conflicts.is_empty());
}
