//! End-to-end with a real Debian 12 cloud image and real cloud-init, on a real libvirtd with
//! QEMU software emulation. tests/guests/build-debian-image.sh builds a vendor-style image
//! (mmdebstrap, GRUB on its own disk, cloud-init with NoCloud) once and reuses it; this test
//! serves it over HTTP on 127.0.0.1 with a SHA256SUMS file, lets `vlab apply` pull, verify and
//! boot it, and then checks from the host, over SSH with the lab's own key and the guest's
//! host key pinned (the config `vlab ssh-config` prints; `vlab ssh` too, and Ansible with the
//! inventory `vlab inventory` prints), that cloud-init
//! applied vlab's seed (the host key vlab made for the node, and no other): the hostname, the declared user with the key, a runcmd
//! marker (from a vendor-data template, next to the built-in user-data), the static address
//! from network-config with its default route and DNS server, and the root filesystem grown
//! to the node's disk size. Then the plan is empty and destroy leaves nothing behind.
//!
//! `vlab apply` waits until cloud-init's final message is on the guest's console (the image's
//! default `ready "cloud-init"`) and says so; the test then still waits for the guest itself
//! (SSH port, then `cloud-init status --wait`) so that a failure shows where it stopped.
#![cfg(feature = "host-tests")]

use crate::support::static_server::StaticServer;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const URI: &str = "qemu:///system";
const ADDRESS: &str = "10.97.0.10";
const USER: &str = "tester";
const NODE: &str = "srv";

fn debian_image() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/debian-guest");
    let started = Instant::now();
    let status = Command::new(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guests/build-debian-image.sh"),
    )
    .arg(&dir)
    .status()
    .expect("build script runs");
    assert!(status.success(), "building the Debian image failed");
    eprintln!("debian image ready after {:?}", started.elapsed());
    dir
}

struct Lab {
    dir: tempfile::TempDir,
    name: String,
    file: PathBuf,
}

impl Lab {
    fn vlab(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_vlab"))
            .env("VLAB_CACHE_DIR", self.dir.path().join("cache"))
            .env("HOME", self.dir.path())
            .env_remove("VLAB_DATA_DIR")
            .env_remove("XDG_DATA_HOME")
            .args([args[0], "--color", "never", "-f"])
            .arg(&self.file)
            // After the lab file: `vlab ssh NODE -- CMD` passes everything after `--` on.
            .args(&args[1..])
            .output()
            .expect("vlab runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.vlab(args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "vlab {args:?}:\n{text}");
        text
    }

    fn domain(&self) -> String {
        format!("{}_{NODE}", self.name)
    }

    /// The last lines of the guest's serial console, as libvirt logs it on the host (in the
    /// lab's pool, named after the lab and node).
    fn console_tail(&self) -> String {
        let log = format!(
            "/var/lib/libvirt/images/{0}/vlab_{0}_{NODE}_console.log",
            self.name
        );
        let text = String::from_utf8_lossy(&std::fs::read(&log).unwrap_or_default()).into_owned();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(40)..].join("\n");
        format!("last lines of {log}:\n{tail}")
    }

    /// Runs `command` in the guest over plain OpenSSH with the config `vlab ssh-config`
    /// printed: the declared user, the lab's own key, the host key vlab pinned (checked).
    fn ssh(&self, command: &str) -> Output {
        Self::ssh_with(&self.dir.path().join("lab.ssh"), command)
    }

    fn ssh_with(config: &Path, command: &str) -> Output {
        Command::new("ssh")
            .arg("-F")
            .arg(config)
            .args([
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=10",
                "-o",
                "LogLevel=ERROR",
            ])
            .arg(NODE)
            .arg(command)
            .output()
            .expect("ssh runs")
    }

    fn ssh_ok(&self, command: &str) -> String {
        let out = self.ssh(command);
        assert!(
            out.status.success(),
            "`{command}` in the guest failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Waits until `ready` holds, or fails naming `what` with the console's tail.
    fn wait(&self, what: &str, limit: Duration, mut ready: impl FnMut() -> Result<(), String>) {
        let deadline = Instant::now() + limit;
        loop {
            let last = match ready() {
                Ok(()) => return,
                Err(e) => e,
            };
            assert!(
                Instant::now() < deadline,
                "{what}: not within {limit:?} (last: {last})\n{}",
                self.console_tail()
            );
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self.vlab(&["destroy", "--auto-approve", "--purge-images"]);
        for args in ["pool-destroy", "pool-delete", "pool-undefine"] {
            let _ = Command::new("virsh")
                .args(["-c", URI, args, &self.name])
                .output();
        }
    }
}

fn virsh(args: &[&str]) -> String {
    let out = Command::new("virsh")
        .args(["-c", URI])
        .args(args)
        .output()
        .expect("virsh");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write_lab(lab: &Lab, server: &StaticServer) {
    std::fs::write(
        lab.dir.path().join("vendor-data.tera"),
        "#cloud-config\nruncmd:\n  - [ sh, -c, \"echo {{ vars.marker }} {{ node.name }} > /var/tmp/vlab-runcmd\" ]\n",
    )
    .expect("vendor-data template");
    let text = format!(
        r#"lab "{name}"
host "local" uri="{URI}" accel="tcg" pool="{name}"
image "debian-12" url="{image}" checksums-url="{sums}"
network "lan" cidr="10.97.0.0/24"
node "{NODE}" {{
    memory "1GiB"
    disk-size "4GiB"
    interface "eth0" network="lan" address="{ADDRESS}"
    cloud-init {{
        vendor-data "vendor-data.tera"
        vars {{ user "{USER}"; marker "vlab-e2e-ran"; }}
    }}
}}
"#,
        name = lab.name,
        image = server.url("debian-12.qcow2"),
        sums = server.url("SHA256SUMS"),
    );
    std::fs::write(&lab.file, text).expect("lab");
}

#[test]
fn a_debian_cloud_image_applies_vlabs_seed_with_real_cloud_init() {
    // Dropped last: after this test's guests, networks and pools are removed.
    let _libvirtd = crate::support::host_lock::exclusive();
    let image = debian_image();
    let server = StaticServer::start(&image);
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = Lab {
        file: dir.path().join("lab.kdl"),
        name: format!("dg{}", std::process::id()),
        dir,
    };
    // No `ssh-key`: the guest gets the lab's own login key, and its host key from vlab.
    write_lab(&lab, &server);

    let started = Instant::now();
    let output = lab.ok(&["apply", "--auto-approve"]);
    let applied = started.elapsed();
    assert!(
        output.contains("waiting for cloud-init's final message on the console")
            && output.contains(&format!("node.{}_srv@local: ready after", lab.name)),
        "apply waits for cloud-init to finish:\n{output}"
    );
    let served = server.served();
    assert!(
        served.contains(&"/debian-12.qcow2".to_string())
            && served.contains(&"/SHA256SUMS".to_string()),
        "vlab pulled the image and its checksums over HTTP: {served:?}"
    );

    let config = lab.ok(&["ssh-config"]);
    std::fs::write(lab.dir.path().join("lab.ssh"), &config).expect("ssh config");
    assert!(
        config.contains("StrictHostKeyChecking yes")
            && !config.contains("StrictHostKeyChecking no"),
        "{config}"
    );
    let ssh_port = SocketAddr::from(([10, 97, 0, 10], 22));
    lab.wait(
        &format!("SSH port {ssh_port} of {}", lab.domain()),
        Duration::from_secs(420),
        || {
            TcpStream::connect_timeout(&ssh_port, Duration::from_secs(2))
                .map(drop)
                .map_err(|e| e.to_string())
        },
    );
    let reachable = started.elapsed();
    // The login itself proves the user and its key; the port may open before cloud-init
    // has written the key.
    lab.wait(
        &format!("SSH login as {USER} with the lab's key, host key checked"),
        Duration::from_secs(120),
        || {
            let out = lab.ssh("true");
            if out.status.success() {
                Ok(())
            } else {
                Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
            }
        },
    );
    let login = started.elapsed();
    let status = lab.ssh("timeout 300 cloud-init status --wait --long");
    let done = started.elapsed();
    let status_text = String::from_utf8_lossy(&status.stdout);
    assert!(
        status.status.success() && status_text.contains("status: done"),
        "cloud-init finished without errors within 300 s ({}): {status_text}{}\n{}",
        status.status,
        String::from_utf8_lossy(&status.stderr),
        lab.console_tail()
    );
    eprintln!(
        "apply {applied:?}, SSH port open {reachable:?}, login {login:?}, cloud-init done {done:?}"
    );

    assert_eq!(lab.ssh_ok("hostname"), NODE);

    // `vlab ssh`: the same login through vlab, CMD's exit status passed through.
    let out = lab.vlab(&["ssh", NODE, "--", "id", "-un"]);
    assert!(
        out.status.success(),
        "vlab ssh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), USER);
    let out = lab.vlab(&["ssh", NODE, "--", "exit", "7"]);
    assert_eq!(
        out.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `vlab exec`: by glob, output prefixed by the node, exit codes summed up.
    let out = lab.vlab(&["exec", "s*", "--", "hostname"]);
    assert!(
        out.status.success(),
        "vlab exec: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{NODE} | {NODE}\n")
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 node(s): all exited 0"));
    let out = lab.vlab(&[
        "exec",
        "--all",
        "--json",
        "--",
        "sh",
        "-c",
        "'echo out; echo err >&2; exit 3'",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("exec --json");
    assert_eq!(value["results"][0]["rc"], 3, "{value}");
    assert_eq!(value["results"][0]["stdout"], "out\n", "{value}");
    assert_eq!(value["results"][0]["stderr"], "err\n", "{value}");
    // `vlab inventory`: real Ansible logs in with it (the lab's key, the host key checked
    // against the pinned known_hosts) and runs a module on the guest.
    let out = lab.vlab(&["inventory"]);
    assert!(
        out.status.success(),
        "vlab inventory: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inventory = lab.dir.path().join("inventory.yml");
    std::fs::write(&inventory, &out.stdout).expect("inventory");
    let ping = crate::support::ansible::command("ansible")
        .env("HOME", lab.dir.path())
        .arg("all")
        .arg("-i")
        .arg(&inventory)
        .args(["-m", "ping"])
        .output()
        .expect("ansible runs");
    let ping_text = format!(
        "{}{}",
        String::from_utf8_lossy(&ping.stdout),
        String::from_utf8_lossy(&ping.stderr)
    );
    assert!(
        ping.status.success() && ping_text.contains(&format!("{NODE} | SUCCESS")),
        "ansible all -i inventory.yml -m ping:\n{ping_text}"
    );
    // The guest presents the host key vlab gave it, and only that one: pinned to another
    // key, ssh refuses the guest.
    let keys = lab
        .dir
        .path()
        .join(format!(".local/share/vlab/labs/{}", lab.name));
    let pinned = std::fs::read_to_string(keys.join(format!("host-keys/{NODE}.pub"))).expect("pin");
    let presented = lab.ssh_ok("sudo cat /etc/ssh/ssh_host_ed25519_key.pub");
    assert_eq!(
        presented.split_whitespace().nth(1),
        pinned.split_whitespace().nth(1),
        "the guest's host key is the one vlab made"
    );
    assert_eq!(
        lab.ssh_ok("ls /etc/ssh/ | grep -c '^ssh_host_.*_key$'"),
        "1",
        "no other host key"
    );
    let other = dir_key(&lab);
    let wrong = lab.dir.path().join("wrong_known_hosts");
    std::fs::write(&wrong, format!("vlab.{}.{NODE} {other}\n", lab.name)).expect("known_hosts");
    let wrong_config = lab.dir.path().join("wrong.ssh");
    std::fs::write(
        &wrong_config,
        config.replace(
            &keys.join("known_hosts").display().to_string(),
            &wrong.display().to_string(),
        ),
    )
    .expect("config");
    let refused = Lab::ssh_with(&wrong_config, "true");
    assert_eq!(refused.status.code(), Some(255));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("Host key verification failed"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(lab.ssh_ok("id -un"), USER);
    assert_eq!(
        lab.ssh_ok("cat /var/tmp/vlab-runcmd"),
        format!("vlab-e2e-ran {NODE}")
    );
    // vlab's network also hands this address out by DHCP (a host entry for the node's MAC):
    // only an address without a lease lifetime comes from network-config.
    let addresses = lab.ssh_ok("ip -4 -o addr show dev eth0");
    assert!(
        addresses.contains(&format!("inet {ADDRESS}/24"))
            && addresses.contains("valid_lft forever")
            && !addresses.contains("dynamic"),
        "the static address from network-config, not a DHCP lease: {addresses}"
    );
    let routes = lab.ssh_ok("ip -4 route show default");
    assert!(
        routes.contains("default via 10.97.0.1 dev eth0"),
        "the default route via the network's gateway: {routes}"
    );
    let resolv = lab.ssh_ok("cat /etc/resolv.conf");
    assert!(
        resolv.contains("nameserver 10.97.0.1"),
        "the network's DNS server from network-config: {resolv}"
    );
    let root_mib: u64 = lab
        .ssh_ok("df --output=size -B1M / | tail -n1")
        .trim()
        .parse()
        .expect("df size");
    assert!(
        root_mib > 3500,
        "the root filesystem grew to the 4 GiB disk: {root_mib} MiB"
    );

    let plan = lab.vlab(&["plan", "--detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "no changes after apply:\n{}{}",
        String::from_utf8_lossy(&plan.stdout),
        String::from_utf8_lossy(&plan.stderr)
    );

    lab.ok(&["destroy", "--auto-approve"]);
    assert!(
        virsh(&["list", "--all", "--name"])
            .lines()
            .all(|l| !l.starts_with(&lab.name)),
        "the domain is gone"
    );
    assert!(
        !virsh(&["net-list", "--all", "--name"]).contains(&format!("vlab_{}_", lab.name)),
        "the network is gone"
    );
    assert!(
        !virsh(&["vol-list", &lab.name]).contains(&format!("vlab_{}_", lab.name)),
        "the node's volumes are gone"
    );
}

/// Another Ed25519 public key (`TYPE BASE64`), made by ssh-keygen for the refusal check.
fn dir_key(lab: &Lab) -> String {
    let path = lab.dir.path().join("other");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&path)
        .status()
        .expect("ssh-keygen runs");
    assert!(made.success());
    let public = std::fs::read_to_string(path.with_extension("pub")).expect("public key");
    public
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}
