//! Domain XML of Xen nodes, as `vlab render --out` writes it: a golden file per boot mode
//! (PV through PV GRUB, PV and PVH from a direct kernel, HVM with extra qcow2 and raw disks),
//! each with its disks, read-only seed, NICs and console; then, with `host-tests`, libvirt's
//! own schema check (`virt-xml-validate`), a define on the `test:///default` driver, and the
//! observer reading the domain back from libvirt as the planner will see it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// (lab, node) of every Xen node the tests render: every boot mode of xen-modes.kdl and the
/// PVH app server of xen-pvh.kdl.
const XEN_NODES: [(&str, &str); 5] = [
    ("labs/xen-modes.kdl", "pv-grub"),
    ("labs/xen-modes.kdl", "pv-kernel"),
    ("labs/xen-modes.kdl", "pvh"),
    ("labs/xen-modes.kdl", "hvm"),
    ("labs/xen-pvh.kdl", "app-1"),
];

fn render_domain(lab: &str, node: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    // The lab keys committed with the tests: the same seeds (and digests) on every machine.
    let output = Command::new(env!("CARGO_BIN_EXE_vlab"))
        .env("HOME", dir.path())
        .env(
            "VLAB_DATA_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lab-keys"),
        )
        .args(["render", "-q", "-f"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(lab))
        .arg(node)
        .arg("--out")
        .arg(dir.path())
        .output()
        .expect("vlab runs");
    assert!(
        output.status.success(),
        "{lab} {node}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let path = dir.path().join("domain.xml");
    (dir, path)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("domain.xml")
}

#[test]
fn golden_xen_domain_xml_per_boot_mode() {
    for (lab, node) in XEN_NODES {
        let (_dir, path) = render_domain(lab, node);
        snapshot!(format!("xen-domain-{node}"), read(&path));
    }
}

#[test]
fn boot_modes_pick_machine_kernel_console_and_nic_model() {
    let rendered = |node: &str| {
        let (_dir, path) = render_domain("labs/xen-modes.kdl", node);
        read(&path)
    };
    let pv_grub = rendered("pv-grub");
    assert!(pv_grub.contains("<type arch='x86_64' machine='xenpv'>linux</type>"));
    assert!(pv_grub.contains("<kernel>/usr/lib/grub-xen/grub-x86_64-xen.bin</kernel>"));
    assert!(
        !pv_grub.contains("<cmdline>"),
        "PV GRUB reads the guest's grub.cfg"
    );
    assert!(pv_grub.contains("<target type='xen' port='0'/>"));

    let pv = rendered("pv-kernel");
    assert!(pv.contains("<cmdline>root=/dev/xvda1 ro console=hvc0</cmdline>"));
    assert!(pv.contains("<model type='netfront'/>"));

    let pvh = rendered("pvh");
    assert!(pvh.contains("<type arch='x86_64' machine='xenpvh'>xenpvh</type>"));
    assert!(pvh.contains("<vcpu>2</vcpu>"));

    let hvm = rendered("hvm");
    assert!(hvm.contains("<type arch='x86_64' machine='xenfv'>hvm</type>"));
    assert!(hvm.contains("<loader type='rom'>/usr/lib/xen-4.17/boot/hvmloader</loader>"));
    assert!(hvm.contains("<emulator>/usr/libexec/xen-qemu-system-i386</emulator>"));
    assert!(hvm.contains("<model type='e1000'/>"));
    assert!(hvm.contains("<target type='serial' port='0'/>"));
    // Two extra disks take xvdb and xvdc; the read-only seed skips xvdd, which QEMU would
    // emulate as an IDE disk (and refuse read-only).
    let seed = hvm.find("_seed_").expect("seed disk");
    assert!(hvm[seed..].contains("<target dev='xvde' bus='xen'/>\n      <readonly/>"));
    for xml in [&pv_grub, &pv, &pvh, &hvm] {
        assert!(xml.starts_with("<domain type='xen'>"));
        assert!(!xml.contains("virtio"), "libxl has no virtio devices");
    }
}

#[test]
fn a_host_names_its_own_xen_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = dir.path().join("lab.kdl");
    std::fs::write(
        &lab,
        r#"host "x" uri="xen:///system" hvmloader="/usr/lib/xen/boot/hvmloader" device-model="/usr/lib/xen/bin/qemu-system-i386" pvgrub-pvh="/opt/pvh-grub.bin"
image "img" url="https://x.test/i.qcow2" unverified=#true
node "h"
node "p" xen-boot="pvh"
"#,
    )
    .expect("lab");
    let render = |node: &str| {
        let out = dir.path().join(node);
        let output = Command::new(env!("CARGO_BIN_EXE_vlab"))
            .args(["render", "-q", "-f"])
            .arg(&lab)
            .arg(node)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("vlab runs");
        assert!(output.status.success(), "{output:?}");
        read(&out.join("domain.xml"))
    };
    let hvm = render("h");
    assert!(hvm.contains("<loader type='rom'>/usr/lib/xen/boot/hvmloader</loader>"));
    assert!(hvm.contains("<emulator>/usr/lib/xen/bin/qemu-system-i386</emulator>"));
    assert!(render("p").contains("<kernel>/opt/pvh-grub.bin</kernel>"));
}

#[cfg(feature = "host-tests")]
#[test]
fn every_xen_node_validates_defines_on_the_test_driver_and_reads_back() {
    use virt::connect::Connect;
    virt::error::clear_error_callback();
    let conn = Connect::open(Some("test:///default")).expect("test:///default");
    for (lab, node) in XEN_NODES {
        let (_dir, path) = render_domain(lab, node);
        let validate = Command::new("virt-xml-validate")
            .arg(&path)
            .arg("domain")
            .output()
            .expect("virt-xml-validate (libvirt-clients, libxml2-utils)");
        assert!(
            validate.status.success(),
            "{lab} {node}: {}{}",
            String::from_utf8_lossy(&validate.stdout),
            String::from_utf8_lossy(&validate.stderr)
        );
        let xml = read(&path);
        let domain = conn
            .define_domain_xml(&xml)
            .unwrap_or_else(|e| panic!("{lab} {node}: define: {}", e.message()));
        // What libvirt hands back is what the observer reads on a real host.
        let back = domain.xml_desc(0).expect("xml_desc");
        let lab_name = if lab.contains("xen-pvh") {
            "xen-pvh"
        } else {
            "xen-modes"
        };
        let observed = vlab::libvirt::observer::parse_domain(&back, lab_name)
            .unwrap_or_else(|| panic!("{lab} {node}: the observer does not see vlab's metadata"));
        assert_eq!(observed.node, node);
        assert_eq!(observed.name, format!("{lab_name}_{node}"));
        assert!(observed.digest.starts_with("sha256:"));
        assert!(observed.seed_volume.contains("_seed_"));
        assert!(observed.memory_kib >= 512 * 1024);
        domain.undefine().expect("undefine");
    }
}
