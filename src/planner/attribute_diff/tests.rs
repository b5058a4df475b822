//! Attribute diffs: each kind of attribute a record holds, values this machine cannot know
//! yet, a domain without a record, and the diffs the planner puts on node changes.

use super::{AttributeChange, AttributeDiff};
use crate::host::node_record::{BootFileRecord, DiskRecord, InterfaceRecord, NodeRecord};
use crate::planner::plan;
use crate::planner::plan::Action;
use crate::planner::reason::Reason;
use crate::planner::tests::{converged, desired, record};

fn changes(
    before: &NodeRecord,
    after: &NodeRecord,
) -> Vec<(String, Option<String>, Option<String>)> {
    match AttributeDiff::between(Some(before), after) {
        AttributeDiff::Changed { changes } => changes
            .into_iter()
            .map(|c| (c.attribute, c.before, c.after))
            .collect(),
        AttributeDiff::BeforeUnknown => panic!("the before record is known"),
    }
}

fn triple(
    name: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> (String, Option<String>, Option<String>) {
    (name.into(), before.map(Into::into), after.map(Into::into))
}

#[test]
fn the_same_record_changes_nothing() {
    assert_eq!(changes(&record(), &record()), []);
}

#[test]
fn cpus_and_memory_show_their_values_with_units() {
    let mut after = record();
    after.cpus = 2;
    after.memory = 1536 << 20;
    assert_eq!(
        changes(&record(), &after),
        [
            triple("cpus", Some("1"), Some("2")),
            triple("memory", Some("1 GiB"), Some("1536 MiB")),
        ]
    );
}

#[test]
fn disks_show_each_added_removed_or_resized_one_and_the_root_size() {
    let data = |size: u64| DiskRecord {
        name: "data".into(),
        size,
        format: "qcow2".into(),
    };
    let mut before = record();
    before.disks = vec![
        data(1 << 30),
        DiskRecord {
            name: "old".into(),
            size: 1 << 20,
            format: "raw".into(),
        },
    ];
    let mut after = record();
    after.root_size = Some(10 << 30);
    after.disks = vec![
        data(2 << 30),
        DiskRecord {
            name: "logs".into(),
            size: 1 << 30,
            format: "raw".into(),
        },
    ];
    assert_eq!(
        changes(&before, &after),
        [
            triple("disk.root.size", Some("the image's own"), Some("10 GiB")),
            triple("disk.data.size", Some("1 GiB"), Some("2 GiB")),
            triple("disk.logs.size", None, Some("1 GiB")),
            triple("disk.logs.format", None, Some("raw")),
            triple("disk.old.size", Some("1 MiB"), None),
            triple("disk.old.format", Some("raw"), None),
        ]
    );
}

#[test]
fn interfaces_show_their_network_mac_and_address() {
    let mut after = record();
    after.interfaces[0].network = "dmz".into();
    after.interfaces[0].mac = "52:54:00:00:00:02".into();
    after.interfaces[0].address = None;
    after.interfaces.push(InterfaceRecord {
        name: "eth1".into(),
        network: "link a:eth1--b:eth1".into(),
        mac: "52:54:00:00:00:03".into(),
        address: Some("10.1.0.1/30".into()),
    });
    assert_eq!(
        changes(&record(), &after),
        [
            triple("interface.eth0.network", Some("lan"), Some("dmz")),
            triple(
                "interface.eth0.mac",
                Some("52:54:00:00:00:01"),
                Some("52:54:00:00:00:02")
            ),
            triple("interface.eth0.address", Some("10.0.0.10/24"), Some("dhcp")),
            triple("interface.eth1.network", None, Some("link a:eth1--b:eth1")),
            triple("interface.eth1.mac", None, Some("52:54:00:00:00:03")),
            triple("interface.eth1.address", None, Some("10.1.0.1/30")),
        ]
    );
}

#[test]
fn boot_settings_show_kernel_initrd_cmdline_and_firmware() {
    let file = |digest: &str| {
        Some(BootFileRecord {
            digest: Some(format!("sha256:{digest}")),
        })
    };
    let mut before = record();
    before.boot.kernel = file("1111111111111111aaaa");
    before.boot.cmdline = Some("console=ttyS0".into());
    let mut after = record();
    after.boot.kernel = file("2222222222222222bbbb");
    after.boot.initrd = file("3333333333333333cccc");
    after.boot.cmdline = Some("console=ttyS0 quiet".into());
    after.boot.firmware = "hvmloader /usr/lib/xen/boot/hvmloader".into();
    after.boot.xen_mode = Some("hvm".into());
    assert_eq!(
        changes(&before, &after),
        [
            triple(
                "boot.firmware",
                Some("bios"),
                Some("hvmloader /usr/lib/xen/boot/hvmloader")
            ),
            triple("boot.xen-mode", None, Some("hvm")),
            triple(
                "boot.kernel",
                Some("sha256:111111111111"),
                Some("sha256:222222222222")
            ),
            triple("boot.initrd", None, Some("sha256:333333333333")),
            triple(
                "boot.cmdline",
                Some("console=ttyS0"),
                Some("console=ttyS0 quiet")
            ),
        ]
    );
}

#[test]
fn the_image_shows_its_name_and_digest_and_an_unknown_digest_is_not_compared() {
    let mut after = record();
    after.image = "ubuntu".into();
    after.image_digest = Some("sha256:bbbbbbbbbbbbbbbb".into());
    assert_eq!(
        changes(&record(), &after),
        [
            triple("image", Some("debian"), Some("ubuntu")),
            triple(
                "image.digest",
                Some("sha256:aa"),
                Some("sha256:bbbbbbbbbbbb")
            ),
        ]
    );
    // Before the pull this machine does not know the digests: no change is made up.
    let mut unpulled = record();
    unpulled.image_digest = None;
    assert_eq!(changes(&record(), &unpulled), []);
    let mut kernel_known = record();
    kernel_known.boot.kernel = Some(BootFileRecord {
        digest: Some("sha256:11".into()),
    });
    let mut kernel_unknown = record();
    kernel_unknown.boot.kernel = Some(BootFileRecord { digest: None });
    assert_eq!(changes(&kernel_known, &kernel_unknown), []);
    // A kernel the image gained, not pulled yet: there, value unknown.
    assert_eq!(
        changes(&record(), &kernel_unknown),
        [triple("boot.kernel", None, Some("(known once pulled)"))]
    );
}

#[test]
fn a_domain_without_a_record_has_no_before() {
    assert_eq!(
        AttributeDiff::between(None, &record()),
        AttributeDiff::BeforeUnknown
    );
}

#[test]
fn the_planner_puts_the_diff_on_updates_and_replaces_only() {
    let mut d = desired();
    let domain = &mut d.hosts[0].domains[0];
    domain.digest = "d2".into();
    domain.cpus = 2;
    domain.record.cpus = 2;
    let p = plan(&d, &converged());
    assert_eq!(p.changes[0].action, Action::Update);
    assert_eq!(
        p.changes[0].attributes,
        Some(AttributeDiff::Changed {
            changes: vec![AttributeChange {
                attribute: "cpus".into(),
                before: Some("1".into()),
                after: Some("2".into()),
            }]
        })
    );
    // Built by a vlab that kept no record: said, not guessed.
    let mut o = converged();
    o.hosts[0].domains[0].record = None;
    assert_eq!(
        plan(&d, &o).changes[0].attributes,
        Some(AttributeDiff::BeforeUnknown)
    );
    // An address change is a new seed: a replace, with the address among its attributes.
    let mut d = desired();
    let domain = &mut d.hosts[0].domains[0];
    domain.seed_volume = "vlab_lab_a_seed_2.img".into();
    domain.record.interfaces[0].address = Some("10.0.0.12/24".into());
    let p = plan(&d, &converged());
    assert_eq!(
        (p.changes[0].action, &p.changes[0].reason),
        (Action::Replace, &Reason::SeedChanged)
    );
    assert_eq!(
        p.changes[0].attributes,
        Some(AttributeDiff::Changed {
            changes: vec![AttributeChange {
                attribute: "interface.eth0.address".into(),
                before: Some("10.0.0.10/24".into()),
                after: Some("10.0.0.12/24".into()),
            }]
        })
    );
    // A start changes no attribute.
    let mut o = converged();
    o.hosts[0].domains[0].state = crate::planner::observed::DomainState::ShutOff;
    let p = plan(&desired(), &o);
    assert_eq!(
        (p.changes[0].action, &p.changes[0].attributes),
        (Action::Start, &None)
    );
}

#[test]
fn a_change_s_attributes_read_back_from_its_json() {
    let mut d = desired();
    d.hosts[0].domains[0].digest = "d2".into();
    d.hosts[0].domains[0].record.memory = 2 << 30;
    let p = plan(&d, &converged());
    let json = serde_json::to_value(&p).expect("json");
    let attributes = &json["changes"][0]["attributes"];
    assert_eq!(attributes["status"], "changed");
    assert_eq!(attributes["changes"][0]["attribute"], "memory");
    assert_eq!(attributes["changes"][0]["before"], "1 GiB");
    assert_eq!(attributes["changes"][0]["after"], "2 GiB");
    let back: crate::planner::plan::Plan = serde_json::from_value(json).expect("read back");
    assert_eq!(back, p);
}
