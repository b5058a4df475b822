//! Records of checked nodes: what each attribute reads as, the JSON the metadata keeps, and
//! the firmware of each kind of guest.

use super::{NodeRecord, VERSION, size};
use crate::checksum::Checksum;
use crate::lab::Lab;
use crate::language::lab_source::LabSource;
use std::collections::BTreeMap;
use std::path::Path;

fn lab(text: &str) -> Lab {
    let source =
        LabSource::from_bytes(Path::new("/labs/t.kdl"), text.as_bytes().to_vec()).expect("source");
    crate::check(&source).expect("a valid lab")
}

const KVM: &str = r#"lab "r"
image "img" url="https://x.test/i.qcow2" unverified=#true {
    kernel "https://x.test/vmlinuz" checksum="sha256:0d1bdfda572ced7d23a6b456d59b262353dddd79e1f94fc8f3f51fc828d0f2d0"
    cmdline "console=ttyS0"
}
network "lan" cidr="10.9.0.0/24"
node "a" cpus=2 memory="96MiB" disk-size="10GiB" {
    disk "data" size="1GiB"
    interface network="lan" address="10.9.0.10"
    interface network="lan"
}
"#;

#[test]
fn a_kvm_node_s_attributes_read_as_plan_output_shows_them() {
    let lab = lab(KVM);
    let node = &lab.nodes[0];
    let kernel =
        Checksum::parse("sha256:0d1bdfda572ced7d23a6b456d59b262353dddd79e1f94fc8f3f51fc828d0f2d0")
            .expect("digest");
    let digests = BTreeMap::from([("img-kernel".to_string(), kernel)]);
    let record = NodeRecord::of(node, lab.image("img"), &digests, BTreeMap::new());
    let shown: Vec<String> = record
        .attributes()
        .into_iter()
        .map(|(name, value)| format!("{name} {}", value.as_deref().unwrap_or("?")))
        .collect();
    let macs: Vec<String> = node.interfaces.iter().map(|i| i.mac.to_string()).collect();
    assert_eq!(
        shown,
        [
            "cpus 2".to_string(),
            "memory 96 MiB".into(),
            "image img".into(),
            "image.digest ?".into(),
            "image.format qcow2".into(),
            "disk.root.size 10 GiB".into(),
            "disk.data.size 1 GiB".into(),
            "disk.data.format qcow2".into(),
            "interface.eth0.network lan".into(),
            format!("interface.eth0.mac {}", macs[0]),
            "interface.eth0.address 10.9.0.10/24".into(),
            "interface.eth1.network lan".into(),
            format!("interface.eth1.mac {}", macs[1]),
            "interface.eth1.address dhcp".into(),
            "boot.firmware bios".into(),
            "boot.kernel sha256:0d1bdfda572c".into(),
            "boot.cmdline console=ttyS0".into(),
        ]
    );
}

#[test]
fn the_record_reads_back_from_its_json_and_another_version_is_not_read() {
    let lab = lab(KVM);
    let secrets = BTreeMap::from([(
        "user-data".to_string(),
        BTreeMap::from([(3, "  password: (secret)".to_string())]),
    )]);
    let record = NodeRecord::of(&lab.nodes[0], lab.image("img"), &BTreeMap::new(), secrets);
    let json = record.to_json();
    assert!(!json.contains('\n'), "one line: {json}");
    assert_eq!(NodeRecord::from_json(&json), Some(record.clone()));
    assert_eq!(NodeRecord::from_json(&format!("  {json}\n")), Some(record));
    let other = json.replacen(&format!("\"v\":{VERSION}"), "\"v\":99", 1);
    assert_ne!(other, json);
    assert_eq!(NodeRecord::from_json(&other), None);
    assert_eq!(NodeRecord::from_json("not json"), None);
}

#[test]
fn xen_guests_record_their_boot_mode_firmware_and_device_model() {
    let lab = lab(r#"lab "x"
host "x" uri="xen:///system"
image "img" url="https://x.test/i.qcow2" unverified=#true
node "pv" xen-boot="pv"
node "pvh" xen-boot="pvh"
node "hvm"
"#);
    let firmware: Vec<(String, Option<String>, Option<String>)> = lab
        .nodes
        .iter()
        .map(|n| {
            let boot = NodeRecord::of(n, lab.image("img"), &BTreeMap::new(), BTreeMap::new()).boot;
            (boot.firmware, boot.xen_mode, boot.device_model)
        })
        .collect();
    let model = Some(crate::lab::xen_paths::DEFAULT_DEVICE_MODEL.to_string());
    assert_eq!(
        firmware,
        [
            (
                format!("pvgrub {}", crate::lab::xen_paths::DEFAULT_PVGRUB),
                Some("pv".into()),
                model.clone()
            ),
            (
                format!("pvgrub {}", crate::lab::xen_paths::DEFAULT_PVGRUB_PVH),
                Some("pvh".into()),
                model.clone()
            ),
            (
                format!("hvmloader {}", crate::lab::xen_paths::DEFAULT_HVMLOADER),
                Some("hvm".into()),
                model
            ),
        ]
    );
}

#[test]
fn sizes_use_the_largest_unit_that_divides_them() {
    assert_eq!(size(64 << 20), "64 MiB");
    assert_eq!(size(1536 << 20), "1536 MiB");
    assert_eq!(size(2 << 30), "2 GiB");
    assert_eq!(size(1000), "1000 B");
}
