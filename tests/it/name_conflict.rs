//! A name the lab needs, held on a real libvirtd by a domain vlab does not own (made by hand,
//! no vlab metadata): `vlab plan` says so and exits 1, `vlab apply` changes nothing (no pool,
//! no volume, no network, the domain's definition untouched), and `--json` carries the error.
#![cfg(feature = "host-tests")]

use std::path::Path;
use std::process::{Command, Output};

const URI: &str = "qemu:///system";

fn virsh(args: &[&str]) -> Output {
    Command::new("virsh")
        .arg("-c")
        .arg(URI)
        .args(args)
        .output()
        .expect("virsh")
}

fn vlab(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vlab"))
        .env("VLAB_CACHE_DIR", dir.join("cache"))
        .env("HOME", dir)
        .args(args)
        .args(["--color", "never", "-f"])
        .arg(dir.join("lab.kdl"))
        .output()
        .expect("vlab runs")
}

/// Undefines the hand-made domain even when the test fails.
struct Foreign(String);

impl Drop for Foreign {
    fn drop(&mut self) {
        let _ = virsh(&["undefine", &self.0]);
    }
}

#[test]
fn a_domain_vlab_does_not_own_stops_the_plan_and_the_apply() {
    let _libvirtd = crate::support::host_lock::exclusive();
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = format!("nc{}", std::process::id());
    let domain = format!("{lab}_a");
    let xml_path = dir.path().join("foreign.xml");
    std::fs::write(
        &xml_path,
        format!(
            "<domain type='qemu'><name>{domain}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>"
        ),
    )
    .expect("xml");
    let defined = virsh(&["define", &xml_path.display().to_string()]);
    assert!(defined.status.success(), "{defined:?}");
    let _foreign = Foreign(domain.clone());
    let before = virsh(&["dumpxml", &domain]).stdout;

    let image = dir.path().join("blank.raw");
    std::fs::File::create(&image)
        .and_then(|f| f.set_len(1 << 20))
        .expect("image");
    std::fs::write(
        dir.path().join("lab.kdl"),
        format!(
            "lab \"{lab}\"\nhost \"local\" uri=\"{URI}\" accel=\"tcg\" pool=\"{lab}\"\nimage \"blank\" url=\"file://{}\" checksum=\"sha256:30e14955ebf1352266dc2ff8067e68104607e750abb9d3b36582b8af909fcb58\" format=\"raw\" {{ ready \"none\"; }}\nnetwork \"lan\" cidr=\"10.97.0.0/24\"\nnode \"a\" memory=\"64MiB\" {{ interface network=\"lan\"; }}\n",
            image.display()
        ),
    )
    .expect("lab");

    let plan = vlab(dir.path(), &["plan"]);
    let stderr = String::from_utf8_lossy(&plan.stderr);
    assert_eq!(plan.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "node `a` needs domain `{domain}` on host `local`, which is taken by a domain vlab does not own"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("virsh undefine"), "{stderr}");

    let json = vlab(dir.path(), &["plan", "--json"]);
    assert_eq!(json.status.code(), Some(1));

    let apply = vlab(dir.path(), &["apply", "--auto-approve"]);
    assert_eq!(
        apply.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&apply.stderr)
    );
    assert_eq!(
        virsh(&["dumpxml", &domain]).stdout,
        before,
        "the domain is untouched"
    );
    assert!(
        !virsh(&["pool-info", &lab]).status.success(),
        "no pool made"
    );
    let network = format!("vlab_{lab}_lan");
    assert!(
        !virsh(&["net-info", &network]).status.success(),
        "no network made"
    );
}
