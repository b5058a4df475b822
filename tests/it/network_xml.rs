//! Network XML for every kind of lab network and for links: golden files, and (with
//! `host-tests`) libvirt's schema check and a define on the `test:///default` driver.

use std::path::Path;
use vlab::host::network_xml;
use vlab::lab::Lab;
use vlab::language::lab_source::LabSource;

fn lab(file: &str) -> Lab {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let source = LabSource::read(&path).expect("lab file");
    vlab::check(&source).expect("example lab is valid")
}

/// Every network and link XML of the example labs, by a readable name.
fn all_xml() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for file in [
        "labs/web.kdl",
        "labs/classroom.kdl",
        "labs/xen-pvh.kdl",
        "labs/xen-modes.kdl",
        "labs/routers.kdl",
        "labs/quickstart.kdl",
    ] {
        let lab = lab(file);
        for network in &lab.networks {
            out.push((
                format!("{}-{}", lab.name, network.name),
                network_xml::network(&lab, network).render(),
            ));
        }
        for link in &lab.links {
            out.push((
                format!("{}-{}", lab.name, link.name),
                network_xml::link(&lab, link).render(),
            ));
        }
    }
    out
}

#[test]
fn golden_network_xml() {
    let wanted = [
        "web-lan",
        "classroom-seat-1",
        "xen-pvh-lan",
        "routers-r1:eth1--r2:eth1",
    ];
    let all = all_xml();
    for name in wanted {
        let (_, xml) = all
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no network {name}"));
        snapshot!(format!("network-{}", name.replace(':', "_")), xml);
    }
}

#[test]
fn static_addresses_get_dhcp_hosts_and_dns_names() {
    let lab = lab("labs/web.kdl");
    let xml = network_xml::network(&lab, lab.network("lan").expect("lan")).render();
    let web1 = lab.node("web-1").expect("web-1");
    let mac = web1.interfaces[0].mac.to_string();
    assert!(
        xml.contains(&format!("<host mac='{mac}' name='web-1' ip='10.20.0.21'/>")),
        "{xml}"
    );
    assert!(xml.contains("<hostname>web-1</hostname>"), "{xml}");
    assert!(
        xml.contains("<range start='10.20.0.100' end='10.20.0.199'/>"),
        "{xml}"
    );
}

#[cfg(feature = "host-tests")]
#[test]
fn every_network_validates_and_defines_on_the_test_driver() {
    use std::process::Command;
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, xml) in all_xml() {
        let path = dir.path().join(format!("{}.xml", name.replace(':', "_")));
        std::fs::write(&path, &xml).expect("write");
        let validate = Command::new("virt-xml-validate")
            .arg(&path)
            .arg("network")
            .output()
            .expect("virt-xml-validate");
        assert!(
            validate.status.success(),
            "{name}: {}{}\n{xml}",
            String::from_utf8_lossy(&validate.stdout),
            String::from_utf8_lossy(&validate.stderr)
        );
        let define = Command::new("virsh")
            .args(["-c", "test:///default", "net-define"])
            .arg(&path)
            .output()
            .expect("virsh");
        assert!(
            define.status.success(),
            "{name}: {}\n{xml}",
            String::from_utf8_lossy(&define.stderr)
        );
    }
}
