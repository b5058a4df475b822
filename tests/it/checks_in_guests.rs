//! `vlab test` on a real libvirtd with two tiny guests (tests/guests/build-tiny-guest.sh:
//! busybox, dropbear on port 22): a command that passes, one that fails (exit 1, its reason
//! and output shown), one that passes on its third attempt (a counter file in the guest), a
//! `reach` between the guests (busybox ping as the login user), a `port` from one guest to
//! the other (busybox nc) and from this machine, and a `port` that is closed; the JUnit
//! report validated against Jenkins' schema; `--node web` passing whole (exit 0), `--json`;
//! then `db` stopped: its checks not run, exit 3.
#![cfg(feature = "host-tests")]

use crate::support::junit_schema;
use crate::support::tiny_guest::{sum, tiny_guest};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

const URI: &str = "qemu:///system";

struct Lab {
    dir: tempfile::TempDir,
    file: PathBuf,
}

impl Lab {
    fn new(name: &str, guest: &Path) -> Lab {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("lab.kdl");
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
network "lan" mode="isolated" cidr="10.82.0.0/24"
node "web" {{ interface network="lan" address="10.82.0.10"; }}
node "db" {{ interface network="lan" address="10.82.0.11"; }}

test "web-is-web" {{ node "web"; command "hostname"; stdout-matches "^web$"; }}
test "db-fails" {{ node "db"; command "echo about to fail; echo no such table >&2; exit 1"; }}
test "third-time-lucky" {{
    node "web"
    command "n=$(cat ~/tries 2>/dev/null || echo 0); n=$((n + 1)); echo $n > ~/tries; echo attempt $n; [ $n -ge 3 ]"
    stdout-contains "attempt"
    retries 5
    delay "1s"
}}
test "web-reaches-db" {{ reach from="web" to="db"; }}
test "web-reaches-db-ssh" {{ port from="web" to="db" port=22; }}
test "db-ssh-from-here" {{ port to="db" port=22; retries 2; }}
test "db-telnet-closed" {{ port from="db" to="web" port=23; }}
"#,
            g = guest.display(),
            k = sum(guest, "vmlinuz"),
            i = sum(guest, "initrd.gz"),
        );
        std::fs::write(&file, text).expect("lab");
        Lab { dir, file }
    }

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

    /// `vlab SUBCOMMAND ARGS`: its exit code, stdout and stderr.
    fn run(&self, subcommand: &str, args: &[&str]) -> (Option<i32>, String, String) {
        let out: Output = self.command(subcommand, args).output().expect("vlab runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, subcommand: &str, args: &[&str]) {
        let (code, stdout, stderr) = self.run(subcommand, args);
        assert_eq!(
            code,
            Some(0),
            "vlab {subcommand} {args:?}:\n{stdout}{stderr}"
        );
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self
            .command("destroy", &["--auto-approve", "--purge-images", "-q"])
            .output();
    }
}

/// The line of check `name` (the one that starts with its mark and name).
fn line_of<'a>(stdout: &'a str, name: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(name))
        .unwrap_or_else(|| panic!("no line for {name}:\n{stdout}"))
}

#[test]
fn checks_run_in_real_guests_with_retries_built_ins_and_a_valid_junit_report() {
    let _libvirtd = crate::support::host_lock::exclusive();
    let guest = tiny_guest();
    let name = format!("ck{}", std::process::id());
    let lab = Lab::new(&name, &guest);
    let up = Instant::now();
    lab.ok("apply", &["--auto-approve"]);
    eprintln!("apply: {:.1}s", up.elapsed().as_secs_f64());

    let report = lab.dir.path().join("report.xml");
    let run = Instant::now();
    let (code, stdout, stderr) = lab.run("test", &["--junit", report.to_str().expect("utf-8")]);
    eprintln!(
        "vlab test (7 checks): {:.1}s\n{stdout}",
        run.elapsed().as_secs_f64()
    );
    assert_eq!(code, Some(1), "two checks fail:\n{stdout}{stderr}");
    for passed in [
        "web-is-web",
        "web-reaches-db",
        "web-reaches-db-ssh",
        "db-ssh-from-here",
    ] {
        assert!(
            line_of(&stdout, passed).starts_with('✓'),
            "{passed}:\n{stdout}"
        );
    }
    let lucky = line_of(&stdout, "third-time-lucky");
    assert!(
        lucky.starts_with('✓') && lucky.ends_with(", 3 attempts"),
        "{lucky}"
    );
    assert!(line_of(&stdout, "db-fails").starts_with('✗'), "{stdout}");
    assert!(
        stdout.contains("    expected exit status 0, got 1\n"),
        "{stdout}"
    );
    assert!(stdout.contains("    stdout | about to fail\n"), "{stdout}");
    assert!(stdout.contains("    stderr | no such table\n"), "{stdout}");
    assert!(
        line_of(&stdout, "db-telnet-closed").starts_with('✗'),
        "{stdout}"
    );
    assert!(
        stdout.contains("    port 23 of web (10.82.0.10) is not open from db\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("7 check(s): 5 passed, 2 failed in "),
        "{stdout}"
    );

    junit_schema::validate(&report);
    let xml = std::fs::read_to_string(&report).expect("report");
    let doc = roxmltree::Document::parse(&xml).expect("xml");
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .expect("testsuite");
    assert_eq!(suite.attribute("tests"), Some("7"));
    assert_eq!(suite.attribute("failures"), Some("2"));
    assert_eq!(suite.attribute("errors"), Some("0"));
    let case = |name: &str| {
        suite
            .children()
            .find(|n| n.attribute("name") == Some(name))
            .unwrap_or_else(|| panic!("testcase {name}"))
    };
    let failure = case("db-fails")
        .children()
        .find(|n| n.has_tag_name("failure"))
        .expect("failure");
    assert_eq!(
        failure.attribute("message"),
        Some("expected exit status 0, got 1")
    );
    let err = case("db-fails")
        .children()
        .find(|n| n.has_tag_name("system-err"))
        .and_then(|n| n.text());
    assert_eq!(err, Some("no such table\n"));
    assert_eq!(
        case("web-is-web").attribute("classname"),
        Some(format!("{name}.web").as_str())
    );

    // The checks of `web` alone all pass; `--json` tells each one's attempts and status.
    let (code, stdout, stderr) = lab.run("test", &["--node", "web", "--json"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let checks = doc["checks"].as_array().expect("checks");
    assert_eq!(checks.len(), 4, "{doc}");
    assert!(checks.iter().all(|c| c["status"] == "passed"), "{doc}");
    let lucky = checks
        .iter()
        .find(|c| c["name"] == "third-time-lucky")
        .expect("lucky");
    assert_eq!(lucky["attempts"], 1, "the counter is past 3 now: {lucky}");
    assert_eq!(lucky["rc"], 0);
    assert_eq!(lucky["node"], "web");

    // `db` stopped: the checks that need it are not run, the lab is not up.
    lab.ok("stop", &["--node", "db"]);
    let (code, stdout, stderr) = lab.run("test", &[]);
    assert_eq!(code, Some(3), "{stdout}{stderr}");
    assert!(
        line_of(&stdout, "web-reaches-db").starts_with('-'),
        "{stdout}"
    );
    assert!(
        stdout.contains("    node `db` is shut off on host `local`\n"),
        "{stdout}"
    );
    assert!(line_of(&stdout, "web-is-web").starts_with('✓'), "{stdout}");
    assert!(stderr.contains("the lab is not up"), "{stderr}");
}
