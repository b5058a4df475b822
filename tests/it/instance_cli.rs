//! `--instance NAME` against libvirt's in-memory `test:///default` driver: an instance's
//! lab name, host-side names and MACs are its own, its networks take ranges from the
//! instance pool with every static address's host part kept, two instances differ, and bad
//! names or pools are refused with exit 1. (Two instances of one lab running at once on a
//! real libvirtd: `instance_run`.)

use std::path::Path;

const LAB: &str = r#"lab "cls"
host "t" uri="test:///default" hypervisor="kvm" accel="tcg"
image "tiny" url="https://example.net/tiny.qcow2" checksum="sha256:9c3b21fcd1e1f6d8ad1e5b4b7f4f1d3ba5e8c6a1f0d2e3b4c5d6e7f8091a2b3c"
network "lan" cidr="10.87.0.0/24"
network "wide" mode="isolated" cidr="172.20.0.0/16"
node "pc" {
    interface network="lan" address="10.87.0.10"
    interface network="wide" address="172.20.3.7"
}
"#;

fn vlab(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    crate::support::lab_cli::run(dir, "cls.kdl", LAB, args)
}

/// The network-config lines of `pc`'s seed that hold an address or a MAC.
fn addresses(dir: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["render", "pc"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = vlab(dir, &args);
    assert_eq!(code, Some(0), "{stderr}");
    stdout
        .lines()
        .filter(|l| l.contains("macaddress") || l.trim_start().starts_with("- \""))
        .map(|l| l.trim().to_string())
        .collect()
}

#[test]
fn an_instance_has_its_own_names_macs_and_ranges_with_host_parts_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, stdout, stderr) = vlab(dir.path(), &["plan", "--instance", "ci-1", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let plan: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(plan["lab"], "cls.ci-1");
    let names: Vec<&str> = plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert!(
        names.contains(&"vlab_cls.ci-1_lan") && names.contains(&"cls.ci-1_pc"),
        "{names:?}"
    );

    let own = addresses(dir.path(), &[]);
    let one = addresses(dir.path(), &["--instance", "ci-1"]);
    let two = addresses(dir.path(), &["--instance", "ci-2"]);
    assert!(own.iter().any(|l| l.contains("10.87.0.10/24")), "{own:?}");
    for instance in [&one, &two] {
        let v4: Vec<std::net::Ipv4Addr> = instance
            .iter()
            .filter_map(|l| l.trim_start_matches("- \"").split('/').next()?.parse().ok())
            .collect();
        assert_eq!(v4.len(), 2, "{instance:?}");
        let pool: ipnet::Ipv4Net = "10.224.0.0/12".parse().expect("pool");
        assert!(v4.iter().all(|a| pool.contains(a)), "{instance:?}");
        // Host parts kept: .10 in the /24, .3.7 in the /16.
        assert_eq!(v4[0].octets()[3], 10, "{instance:?}");
        assert_eq!(&v4[1].octets()[2..], &[3, 7], "{instance:?}");
    }
    assert_ne!(one, own, "MACs and addresses differ from the lab's");
    assert_ne!(one, two, "and between instances");
    assert_eq!(
        one,
        addresses(dir.path(), &["--instance", "ci-1"]),
        "the same instance gets the same ranges"
    );
    // VLAB_INSTANCE is the same as --instance.
    let file = dir.path().join("cls.kdl");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vlab"))
        .env("VLAB_INSTANCE", "ci-1")
        .env("HOME", dir.path())
        .env("VLAB_CACHE_DIR", dir.path().join("cache"))
        .args(["plan", "--json", "-f"])
        .arg(&file)
        .output()
        .expect("vlab");
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(plan["lab"], "cls.ci-1");
}

#[test]
fn bad_instance_names_and_pools_exit_1_with_a_hint() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (args, message, hint) in [
        (
            &["plan", "--instance", "CI_1"][..],
            "invalid instance name",
            "lowercase letters, digits and `-`",
        ),
        (
            &[
                "plan",
                "--instance",
                "a",
                "--instance-pool",
                "10.224.0.0/33",
            ][..],
            "`10.224.0.0/33` is not an IPv4 range",
            "as a CIDR",
        ),
        (
            &[
                "plan",
                "--instance",
                "a",
                "--instance-pool",
                "10.224.0.0/20",
            ][..],
            "network `wide` (172.20.0.0/16) is larger than the instance pool 10.224.0.0/20",
            "--instance-pool",
        ),
    ] {
        let (code, _, stderr) = vlab(dir.path(), args);
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(stderr.contains(hint), "{args:?}: {stderr}");
    }
}
