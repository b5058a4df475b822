//! `vlab run` and `--instance` on a real libvirtd with tiny guests
//! (tests/guests/build-tiny-guest.sh): two runs of one lab file at once, as instances `one`
//! and `two`, each with its own names and ranges; a guest reaches its own instance's peer
//! and not the other instance's; each CMD gets the access files in its environment and its
//! exit status is the run's; SIGTERM during CMD and a timeout during the bring-up both end
//! in a teardown with exit 143 and 124; and nothing of any instance is left on the host.
#![cfg(feature = "host-tests")]

use crate::support::tiny_guest::{sum, tiny_guest};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const URI: &str = "qemu:///system";

struct Lab {
    dir: tempfile::TempDir,
    file: PathBuf,
    name: String,
}

impl Lab {
    fn new(guest: &Path) -> Lab {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("lab.kdl");
        let name = format!("ir{}", std::process::id());
        let text = format!(
            r#"lab "{name}"
host "local" uri="{URI}" accel="tcg" pool="{name}"
image "tiny" url="file://{g}/root.raw" checksums-url="file://{g}/SHA256SUMS" format="raw" shutdown-timeout="2s" {{
    kernel "file://{g}/vmlinuz" checksum="sha256:{k}"
    initrd "file://{g}/initrd.gz" checksum="sha256:{i}"
    cmdline "console=ttyS0"
    ready "console" marker="vlab-tiny: ready" timeout="3m"
}}
defaults {{ memory "128MiB"; image "tiny"; }}
network "lan" mode="isolated" cidr="10.79.0.0/24"
node "a" {{ interface network="lan" address="10.79.0.10"; }}
node "b" {{ interface network="lan" address="10.79.0.11"; }}
"#,
            g = guest.display(),
            k = sum(guest, "vmlinuz"),
            i = sum(guest, "initrd.gz"),
        );
        std::fs::write(&file, text).expect("lab");
        Lab { dir, file, name }
    }

    fn vlab(&self, instance: &str) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_vlab"));
        command
            .env("VLAB_CACHE_DIR", self.dir.path().join("cache"))
            .env("HOME", self.dir.path())
            .env("VLAB_INSTANCE", instance)
            .env("SHARED", self.dir.path())
            .env_remove("VLAB_DATA_DIR")
            .env_remove("XDG_DATA_HOME")
            .stdin(Stdio::null());
        command
    }

    /// `vlab run --instance INSTANCE [extra] -- sh -c SCRIPT`, started.
    fn run(&self, instance: &str, extra: &[&str], script: &str) -> Running {
        let child = self
            .vlab(instance)
            .args(["run", "-q", "-f"])
            .arg(&self.file)
            .args(extra)
            .args(["--", "sh", "-c", script])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("vlab run");
        Running(Some(child))
    }

    fn shared(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// What `script` prints on `node` of `instance`, over `vlab ssh`.
    fn on(&self, instance: &str, node: &str, script: &str) -> String {
        let out = self
            .vlab(instance)
            .args(["ssh", "-f"])
            .arg(&self.file)
            .args([node, "--", script])
            .output()
            .expect("vlab ssh");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for instance in ["one", "two", "three", "four"] {
            let _ = self
                .vlab(instance)
                .args(["destroy", "-q", "--auto-approve", "-f"])
                .arg(&self.file)
                .output();
        }
        let _ = self
            .vlab("")
            .args(["destroy", "-q", "--auto-approve", "--purge-images", "-f"])
            .arg(&self.file)
            .output();
    }
}

/// A `vlab run` still running; one the test leaves behind (it failed) gets SIGTERM, so
/// that it tears its instance down instead of waiting for ever.
struct Running(Option<Child>);

impl Running {
    fn id(&self) -> u32 {
        self.0.as_ref().map_or(0, Child::id)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            // SAFETY: kill(2) on our own child.
            unsafe {
                libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
            }
            let _ = child.wait();
        }
    }
}

fn wait_for(path: &Path, what: &str) {
    let started = Instant::now();
    while !path.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "{what} never came"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn finished(mut running: Running) -> (Option<i32>, String) {
    let child = running.0.take().expect("running");
    let out = child.wait_with_output().expect("vlab run ends");
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Every domain and network on the host whose name holds `lab`.
fn leftovers(lab: &str) -> Vec<String> {
    let list = |args: &[&str]| {
        let out = Command::new("virsh")
            .args(["-q", "-c", URI])
            .args(args)
            .output()
            .expect("virsh");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::trim)
            .filter(|l| l.contains(lab))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let mut all = list(&["list", "--all", "--name"]);
    all.extend(list(&["net-list", "--all", "--name"]));
    all
}

fn own_addresses(output: &Path) -> (String, Vec<String>) {
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(output).expect("output")).expect("json");
    let lab = value["lab"]["name"].as_str().expect("lab").to_string();
    let addresses = value["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            let address = n["addresses"][0]["address"].as_str().expect("address");
            address.split('/').next().unwrap_or_default().to_string()
        })
        .collect();
    (lab, addresses)
}

#[test]
fn two_instances_run_at_once_apart_and_every_run_is_torn_down() {
    let _libvirtd = crate::support::host_lock::exclusive();
    let guest = tiny_guest();
    let lab = Lab::new(&guest);
    // Each CMD logs in, hands its environment and output over (the output last: the test
    // waits for it), then waits to be released.
    let script = |instance: &str, code: u8| {
        format!(
            "ssh -F \"$VLAB_SSH_CONFIG\" a hostname > \"$SHARED/{instance}.ssh\"; env | grep ^VLAB_ > \"$SHARED/{instance}.env\"; cp \"$VLAB_OUTPUT\" \"$SHARED/{instance}.part\" && mv \"$SHARED/{instance}.part\" \"$SHARED/{instance}.json\"; while [ ! -e \"$SHARED/{instance}.done\" ]; do sleep 0.2; done; exit {code}"
        )
    };
    let one = lab.run("one", &[], &script("one", 7));
    let two = lab.run("two", &[], &script("two", 0));
    wait_for(&lab.shared("one.json"), "instance one");
    wait_for(&lab.shared("two.json"), "instance two");
    let (one_lab, one_ips) = own_addresses(&lab.shared("one.json"));
    let (two_lab, two_ips) = own_addresses(&lab.shared("two.json"));
    assert_eq!(one_lab, format!("{}.one", lab.name));
    assert_eq!(two_lab, format!("{}.two", lab.name));
    assert_ne!(one_ips[0], two_ips[0], "{one_ips:?} {two_ips:?}");
    for ips in [&one_ips, &two_ips] {
        assert!(
            ips[0].starts_with("10.2") && ips[0].ends_with(".10"),
            "{ips:?}"
        );
        assert!(ips[1].ends_with(".11"), "{ips:?}");
    }
    let env = std::fs::read_to_string(lab.shared("one.env")).expect("env");
    for variable in [
        "VLAB_LAB=",
        "VLAB_INSTANCE=one",
        "VLAB_INVENTORY=",
        "VLAB_SSH_CONFIG=",
        "VLAB_OUTPUT=",
        "VLAB_LAB_FILE=",
    ] {
        assert!(env.contains(variable), "{variable} in\n{env}");
    }
    assert_eq!(
        std::fs::read_to_string(lab.shared("one.ssh"))
            .expect("ssh")
            .trim(),
        "a",
        "CMD logs in with the ssh config it was given"
    );
    // Instance one's a reaches its own b (dropbear's banner), not instance two's b.
    let banner = |instance: &str, ip: &str| {
        lab.on(
            instance,
            "a",
            &format!("nc -w 3 {ip} 22 </dev/null | head -c 7"),
        )
    };
    assert_eq!(banner("one", &one_ips[1]), "SSH-2.0");
    assert_eq!(banner("one", &two_ips[1]), "", "instances are apart");
    assert_eq!(banner("two", &two_ips[1]), "SSH-2.0");

    std::fs::write(lab.shared("one.done"), "").expect("release");
    std::fs::write(lab.shared("two.done"), "").expect("release");
    let (code, text) = finished(one);
    assert_eq!(code, Some(7), "CMD's exit status is the run's: {text}");
    let (code, text) = finished(two);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(leftovers(&lab.name), Vec::<String>::new(), "both torn down");

    // SIGTERM while CMD runs: the lab is torn down, exit 143.
    let three = lab.run("three", &[], "touch \"$SHARED/three.up\"; sleep 600");
    wait_for(&lab.shared("three.up"), "instance three");
    // SAFETY: kill(2) on our own child.
    unsafe {
        libc::kill(three.id() as libc::pid_t, libc::SIGTERM);
    }
    let (code, text) = finished(three);
    assert_eq!(code, Some(143), "{text}");
    assert_eq!(
        leftovers(&format!("{}.three", lab.name)),
        Vec::<String>::new()
    );

    // A timeout during the bring-up stops the apply half-way; the teardown still runs.
    let started = Instant::now();
    let four = lab.run("four", &["--timeout", "4s"], "exit 0");
    let (code, text) = finished(four);
    assert_eq!(code, Some(124), "{text}");
    assert!(started.elapsed() < Duration::from_secs(120));
    assert_eq!(
        leftovers(&format!("{}.four", lab.name)),
        Vec::<String>::new()
    );
}
