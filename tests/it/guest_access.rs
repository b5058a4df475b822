//! Getting into running tiny guests (tests/guests/build-tiny-guest.sh) on a real libvirtd,
//! with one boot of a two-node lab: `vlab console` in a real pseudo-terminal (a command typed
//! on the guest's console shell and its answer read back, Ctrl-] to detach, the terminal's
//! mode restored), with piped input, a console held by someone else (refused, then taken
//! over with `--force`), `--log` (the boot's report lines, read from the pool through
//! libvirt), the errors for an unknown and a stopped node; and SSH into the guests' dropbear
//! with the host key vlab pinned: `vlab ssh`, `vlab exec --all`, and a wrong pinned key
//! refused; a node given a new host key is replaced, refused by the old known_hosts and
//! accepted by the one vlab wrote anew; `vlab destroy` forgets the host keys.
#![cfg(feature = "host-tests")]

use crate::support::pty::Pty;
use crate::support::tiny_guest::{sum, tiny_guest};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const URI: &str = "qemu:///system";

struct Lab {
    dir: tempfile::TempDir,
    name: String,
    file: PathBuf,
}

impl Lab {
    fn write(&self, guest: &Path) {
        let text = format!(
            r#"lab "{name}"
host "local" uri="{URI}" accel="tcg" pool="{name}"
image "tiny" url="file://{g}/root.raw" checksums-url="file://{g}/SHA256SUMS" format="raw" {{
    kernel "file://{g}/vmlinuz" checksum="sha256:{k}"
    initrd "file://{g}/initrd.gz" checksum="sha256:{i}"
    cmdline "console=ttyS0"
    ready "console" marker="vlab-tiny: ready" timeout="3m"
}}
network "lan" cidr="10.93.0.0/24"
defaults {{ memory "128MiB"; image "tiny"; cloud-init {{ vars {{ user "carol"; }}; }}; }}
node "alpha" {{ interface network="lan" address="10.93.0.10"; }}
node "beta" {{ interface network="lan" address="10.93.0.11"; }}
"#,
            name = self.name,
            g = guest.display(),
            k = sum(guest, "vmlinuz"),
            i = sum(guest, "initrd.gz"),
        );
        std::fs::write(&self.file, text).expect("lab");
    }

    /// `vlab SUBCOMMAND -f LAB ARGS...`, not run yet.
    fn command(&self, subcommand: &str, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_vlab"));
        command
            .env("VLAB_CACHE_DIR", self.dir.path().join("cache"))
            .env("HOME", self.dir.path())
            .env_remove("VLAB_DATA_DIR")
            .env_remove("XDG_DATA_HOME")
            .args([subcommand, "--color", "never", "-f"])
            .arg(&self.file)
            .args(args);
        command
    }

    fn run(&self, subcommand: &str, args: &[&str], input: &[u8]) -> Output {
        let mut child = self
            .command(subcommand, args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("vlab runs");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(input).expect("input");
        drop(stdin);
        child.wait_with_output().expect("vlab ends")
    }

    fn ok(&self, subcommand: &str, args: &[&str]) -> String {
        let out = self.run(subcommand, args, b"");
        let text = text(&out);
        assert!(out.status.success(), "vlab {subcommand} {args:?}:\n{text}");
        text
    }

    fn known_hosts(&self) -> PathBuf {
        self.dir
            .path()
            .join(".local/share/vlab/labs")
            .join(&self.name)
            .join("known_hosts")
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self
            .command("destroy", &["--auto-approve", "--purge-images", "-q"])
            .output();
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Waits up to `limit` for `check` to hold, with `what` in the failure.
fn eventually(limit: Duration, what: &str, mut check: impl FnMut() -> Result<(), String>) {
    let deadline = Instant::now() + limit;
    loop {
        match check() {
            Ok(()) => return,
            Err(last) if Instant::now() >= deadline => panic!("{what} within {limit:?}:\n{last}"),
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

/// Waits for `child` to exit within `limit`; kills it (and fails) if it does not.
fn wait_exit(child: &mut Child, limit: Duration, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: vlab console did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Types `command` on the guest's shell (again every few seconds: a line typed while the
/// shell starts may be lost) until `answer` shows up in what the terminal shows.
fn round_trip(pty: &Pty, command: &str, answer: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !pty.seen().contains(answer) {
        assert!(
            Instant::now() < deadline,
            "no `{answer}` on the console after typing `{command}`:\n{}",
            pty.seen()
        );
        pty.type_in(format!("{command}\r").as_bytes());
        let typed = Instant::now();
        while !pty.seen().contains(answer) && typed.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[test]
fn console_and_ssh_reach_running_tiny_guests() {
    // Dropped last: after this test's guests, networks and pools are removed.
    let _libvirtd = crate::support::host_lock::exclusive();
    let guest = tiny_guest();
    let dir = tempfile::tempdir().expect("tempdir");
    let name = format!("ga{}", std::process::id());
    let lab = Lab {
        file: dir.path().join("lab.kdl"),
        dir,
        name: name.clone(),
    };
    lab.write(&guest);
    let started = Instant::now();
    lab.ok("apply", &["--auto-approve"]);
    eprintln!(
        "both guests ready {:?} after apply started",
        started.elapsed()
    );

    // --log: the boot's report, read from the pool through libvirt (virtlogd writes it a
    // moment after the console stream that apply watched).
    eventually(Duration::from_secs(10), "the log shows the boot", || {
        let log = lab.ok("console", &["alpha", "--log"]);
        let wanted = [
            "vlab-tiny: hostname alpha",
            "vlab-tiny: ssh 22",
            "vlab-tiny: ready",
        ];
        match wanted.iter().find(|w| !log.contains(*w)) {
            None => Ok(()),
            Some(missing) => Err(format!("no `{missing}` in:\n{log}")),
        }
    });
    let short = lab.ok("console", &["alpha", "--log", "--tail", "2"]);
    assert!(short.lines().count() <= 3, "--tail 2: {short}");

    // Unknown node: refused with the lab's nodes in the help line.
    let unknown = lab.run("console", &["gamma"], b"");
    assert_eq!(unknown.status.code(), Some(1), "{}", text(&unknown));
    assert!(
        text(&unknown).contains("the lab has no node `gamma`")
            && text(&unknown).contains("help: its nodes: alpha, beta"),
        "{}",
        text(&unknown)
    );

    // Interactive, in a real pseudo-terminal: raw mode while attached, a round trip through
    // the guest's console shell, someone else refused meanwhile, Ctrl-] detaches.
    let pty = Pty::open();
    let cooked = pty.mode();
    assert_ne!(cooked.2 & libc::ECHO, 0, "a new pty echoes");
    let mut console = pty.spawn(lab.command("console", &["alpha"]));
    eventually(Duration::from_secs(20), "vlab console attaches", || {
        let mode = pty.mode();
        if pty
            .seen()
            .contains("connected to alpha (host local); detach with Ctrl-]")
            && mode.2 & (libc::ECHO | libc::ICANON) == 0
        {
            Ok(())
        } else {
            Err(format!("mode {mode:?}, terminal so far:\n{}", pty.seen()))
        }
    });
    round_trip(&pty, "echo vlab-$((6*7))", "vlab-42");
    let busy = lab.run("console", &["alpha"], b"");
    assert_eq!(busy.status.code(), Some(1), "{}", text(&busy));
    assert!(
        text(&busy).contains("someone else is attached to the console")
            && text(&busy).contains("--force"),
        "{}",
        text(&busy)
    );
    pty.type_in(&[0x1d]);
    let status = wait_exit(&mut console, Duration::from_secs(20), "after Ctrl-]");
    assert!(status.success(), "detached: {status:?}\n{}", pty.seen());
    eventually(Duration::from_secs(5), "the detach message", || {
        if pty.seen().contains("detached from alpha") {
            Ok(())
        } else {
            Err(pty.seen())
        }
    });
    assert_eq!(pty.mode(), cooked, "the terminal's mode is restored");

    // Piped input: sent as it is, the session ends at its end once the guest is quiet.
    let piped = lab.run("console", &["alpha"], b"echo vlab-pipe-$((5*5))\n");
    assert!(piped.status.success(), "{}", text(&piped));
    assert!(
        String::from_utf8_lossy(&piped.stdout).contains("vlab-pipe-25"),
        "{}",
        text(&piped)
    );

    // --force takes the console over; the session that held it ends with an error.
    let mut holder = lab
        .command("console", &["alpha"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("vlab runs");
    let holder_input = holder.stdin.take();
    let holder_err = Arc::new(Mutex::new(String::new()));
    let mut stderr = holder.stderr.take().expect("stderr");
    let sink = holder_err.clone();
    let reader = std::thread::spawn(move || {
        let mut buffer = [0u8; 1024];
        while let Ok(n) = stderr.read(&mut buffer) {
            if n == 0 {
                break;
            }
            sink.lock()
                .expect("stderr")
                .push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    });
    eventually(
        Duration::from_secs(20),
        "the first session attaches",
        || {
            let seen = holder_err.lock().expect("stderr").clone();
            if seen.contains("connected to alpha") {
                Ok(())
            } else {
                Err(seen)
            }
        },
    );
    let forced = lab.run(
        "console",
        &["alpha", "--force"],
        b"echo vlab-forced-$((2*3))\n",
    );
    assert!(forced.status.success(), "{}", text(&forced));
    assert!(
        String::from_utf8_lossy(&forced.stdout).contains("vlab-forced-6"),
        "{}",
        text(&forced)
    );
    let status = wait_exit(&mut holder, Duration::from_secs(20), "after --force");
    drop(holder_input);
    reader.join().expect("stderr read");
    let holder_err = holder_err.lock().expect("stderr").clone();
    assert_eq!(status.code(), Some(1), "{holder_err}");
    assert!(
        holder_err.contains("was closed while its guest runs"),
        "{holder_err}"
    );

    // SSH into dropbear, the host key checked against the one vlab pinned.
    let uname = lab.ok("ssh", &["alpha", "--", "uname", "-a"]);
    assert!(uname.contains("Linux alpha "), "{uname}");
    let who = lab.ok("ssh", &["beta", "--", "id", "-un"]);
    assert!(who.lines().any(|l| l == "carol"), "the seed's user: {who}");
    let hostnames = lab.ok("exec", &["--all", "--", "hostname"]);
    for node in ["alpha", "beta"] {
        assert!(
            hostnames
                .lines()
                .any(|l| l.starts_with(node) && l.ends_with(&format!("| {node}"))),
            "{hostnames}"
        );
    }
    // alpha pinned with beta's key: ssh refuses alpha's real key (exit 255).
    let known = std::fs::read_to_string(lab.known_hosts()).expect("known_hosts");
    let key_of = |node: &str| {
        known
            .lines()
            .find(|l| l.starts_with(&format!("vlab.{name}.{node} ")))
            .and_then(|l| l.split_once(' '))
            .map(|(_, key)| key.to_string())
            .expect("pinned")
    };
    let swapped = known.replace(&key_of("alpha"), &key_of("beta"));
    assert_ne!(swapped, known);
    std::fs::write(lab.known_hosts(), swapped).expect("known_hosts");
    let refused = lab.run("ssh", &["alpha", "--", "true"], b"");
    assert_eq!(refused.status.code(), Some(255), "{}", text(&refused));
    std::fs::write(lab.known_hosts(), known).expect("known_hosts");
    lab.ok("ssh", &["alpha", "--", "true"]);

    // A stopped node: no console session, but its log stays readable.
    let stopped = Command::new("virsh")
        .args(["-q", "-c", URI, "destroy", &format!("{name}_beta")])
        .output()
        .expect("virsh");
    assert!(stopped.status.success(), "{}", text(&stopped));
    let refused = lab.run("console", &["beta"], b"");
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("is shut off on host `local`")
            && text(&refused).contains("help: bring the lab up with `vlab apply`"),
        "{}",
        text(&refused)
    );
    assert!(
        lab.ok("console", &["beta", "--log"])
            .contains("vlab-tiny: ready")
    );

    // A new host key for alpha (its key files removed): the plan replaces alpha, whose new
    // seed carries the new key; a known_hosts kept from before refuses the new guest, and
    // vlab's own, written again when the key was made, accepts it.
    let keys = lab
        .known_hosts()
        .parent()
        .expect("lab folder")
        .to_path_buf();
    let before = lab.dir.path().join("known_hosts.before");
    std::fs::copy(lab.known_hosts(), &before).expect("copy");
    for file in ["alpha", "alpha.pub"] {
        std::fs::remove_file(keys.join("host-keys").join(file)).expect("remove key");
    }
    let plan = lab.ok("plan", &[]);
    assert!(
        plan.contains(&format!("-/+ node.{name}_alpha@local")),
        "{plan}"
    );
    lab.ok("apply", &["--auto-approve"]);
    let after = std::fs::read_to_string(lab.known_hosts()).expect("known_hosts");
    assert_ne!(after, std::fs::read_to_string(&before).expect("before"));
    let uname = lab.ok("ssh", &["alpha", "--", "uname", "-n"]);
    assert!(uname.lines().any(|l| l == "alpha"), "{uname}");
    let pinned_to = |known: &Path| {
        Command::new("ssh")
            .arg("-i")
            .arg(keys.join("id_ed25519"))
            .args(["-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"])
            .args([
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "GlobalKnownHostsFile=/dev/null",
            ])
            .arg("-o")
            .arg(format!("UserKnownHostsFile={}", known.display()))
            .arg("-o")
            .arg(format!("HostKeyAlias=vlab.{name}.alpha"))
            .args(["-o", "CheckHostIP=no", "-l", "carol", "10.93.0.10", "true"])
            .output()
            .expect("ssh runs")
    };
    let old_pin = pinned_to(&before);
    assert_eq!(old_pin.status.code(), Some(255), "{}", text(&old_pin));
    assert!(
        text(&old_pin).contains("REMOTE HOST IDENTIFICATION HAS CHANGED"),
        "{}",
        text(&old_pin)
    );
    let new_pin = pinned_to(&lab.known_hosts());
    assert!(new_pin.status.success(), "{}", text(&new_pin));

    // Destroyed, the lab's guests are gone and vlab forgets their host keys; the login key
    // stays.
    lab.ok("destroy", &["--auto-approve"]);
    assert_eq!(
        std::fs::read_to_string(lab.known_hosts()).expect("known_hosts"),
        ""
    );
    assert!(!keys.join("host-keys").exists());
    assert!(keys.join("id_ed25519").exists());
    eprintln!("done {:?} after apply started", started.elapsed());
}
