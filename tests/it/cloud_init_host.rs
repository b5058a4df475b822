//! Rendered cloud-init data checked by independent readers installed by scripts/test.sh:
//! cloud-init's own schema validator and network-config parser, and mtools for the seed
//! image; and the seed uploaded into a real libvirtd pool.
#![cfg(feature = "host-tests")]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use vlab::libvirt::pool_uploader::PoolUploader;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn render(lab: &str, node: &str, out: &Path) {
    let output = Command::new(env!("CARGO_BIN_EXE_vlab"))
        .args(["render", "-q", "-f"])
        .arg(repo(lab))
        .arg(node)
        .arg("--out")
        .arg(out)
        .output()
        .expect("vlab runs");
    assert!(
        output.status.success(),
        "{lab} {node}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e} (scripts/test.sh installs it)"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// One node per example lab (two for the classroom: a seat and its target).
const NODES: [(&str, &str); 8] = [
    ("labs/quickstart.kdl", "vm"),
    ("labs/demo.kdl", "alpha"),
    ("labs/web.kdl", "lb"),
    ("labs/web.kdl", "web-2"),
    ("labs/classroom.kdl", "seat-3"),
    ("labs/classroom.kdl", "target-3"),
    ("labs/routers.kdl", "r1"),
    ("labs/xen-pvh.kdl", "app-1"),
];

#[test]
fn example_nodes_pass_cloud_init_schema_and_network_parsing() {
    for (lab, node) in NODES {
        let dir = tempfile::tempdir().expect("tempdir");
        render(lab, node, dir.path());
        let user_data = dir.path().join("user-data");
        let schema = run(
            "cloud-init",
            &[
                "schema",
                "--config-file",
                user_data.to_str().expect("utf-8"),
            ],
        );
        assert!(
            schema.contains("Valid cloud-config"),
            "{lab} {node}: {schema}"
        );
        let parsed = run(
            "/usr/bin/python3",
            &[
                repo("tests/it/support/parse_network_config.py")
                    .to_str()
                    .expect("utf-8"),
                dir.path().join("network-config").to_str().expect("utf-8"),
            ],
        );
        assert!(
            parsed.contains("52:54:00") || parsed.contains("00:16:3e"),
            "{lab} {node}: interfaces matched by MAC: {parsed}"
        );
        for name in ["user-data", "meta-data", "network-config", "seed.img"] {
            let mode = std::fs::metadata(dir.path().join(name))
                .expect("written")
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600, "{lab} {node} {name}");
        }
    }
}

#[test]
fn the_default_route_reaches_cloud_init_and_ifupdown_as_a_gateway() {
    let dir = tempfile::tempdir().expect("tempdir");
    render("labs/web.kdl", "web-1", dir.path());
    let parsed = run(
        "/usr/bin/python3",
        &[
            repo("tests/it/support/parse_network_config.py")
                .to_str()
                .expect("utf-8"),
            dir.path().join("network-config").to_str().expect("utf-8"),
            "--eni",
        ],
    );
    assert!(
        parsed.contains("('static', '10.20.0.21', 24, '10.20.0.1', [])"),
        "{parsed}"
    );
    assert!(
        parsed.contains("dns ['10.20.0.1'] ['web.test']"),
        "{parsed}"
    );
    // What an ifupdown image (Debian 12's cloud images) gets: ifupdown's own `gateway`, not
    // `post-up route add ... || true`, which silently fails without net-tools.
    assert!(
        parsed.contains("    gateway 10.20.0.1\n") && !parsed.contains("route add"),
        "{parsed}"
    );
}

#[test]
fn mtools_read_the_seed_label_and_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    render("labs/web.kdl", "web-1", dir.path());
    let seed = dir.path().join("seed.img");
    let image = format!("{}", seed.display());
    let label = run("mlabel", &["-s", "-i", &image, "::"]);
    assert_eq!(label.trim(), "Volume label is cidata");
    for name in ["meta-data", "user-data", "network-config"] {
        let inside = run("mtype", &["-i", &image, &format!("::{name}")]);
        let written = std::fs::read_to_string(dir.path().join(name)).expect("read");
        assert_eq!(inside, written, "{name} in the seed is the rendered file");
    }
    let listing = run("mdir", &["-b", "-i", &image, "::"]);
    assert_eq!(
        listing.lines().count(),
        3,
        "exactly the three files: {listing}"
    );
}

#[test]
fn the_seed_reaches_a_host_pool_as_a_volume() {
    // Dropped last: after this test's guests, networks and pools are removed.
    let _libvirtd = crate::support::host_lock::exclusive();
    let pool = format!("vlab-test-seed-{}", std::process::id());
    let dir = tempfile::tempdir().expect("tempdir");
    render("labs/web.kdl", "lb", dir.path());
    let seed = dir.path().join("seed.img");
    let uploader = PoolUploader::connect("qemu:///system").expect("libvirtd is running");
    uploader.ensure_pool(&pool).expect("pool");
    let volume = uploader
        .place_named(&pool, "vlab-web-lb-seed", &seed, &|_| {})
        .expect("upload");
    let on_host = std::fs::read(&volume.path).expect("volume readable");
    let cleanup = |args: &[&str]| {
        let _ = Command::new("virsh")
            .args(["-c", "qemu:///system"])
            .args(args)
            .output();
    };
    for vol in ["vlab-web-lb-seed", "vlab-web-lb-seed.ready"] {
        cleanup(&["vol-delete", "--pool", &pool, vol]);
    }
    for step in ["pool-destroy", "pool-delete", "pool-undefine"] {
        cleanup(&[step, &pool]);
    }
    assert!(
        on_host == std::fs::read(&seed).expect("seed"),
        "the host's seed volume is the seed"
    );
}
