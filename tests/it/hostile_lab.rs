//! A lab file from a stranger, planned as a CI job plans a pull request's lab: what it must
//! not reach on the machine that plans it. Each case runs the real `vlab` binary against the
//! in-memory `test:///default` host, so no libvirtd is needed.

use std::path::Path;
use std::process::Command;

const SECRET: &str = "ci-token-5f2c9e1d";

fn vlab(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vlab"))
        .env("VLAB_CACHE_DIR", dir.join("cache"))
        .env("HOME", dir)
        .env("CI_DEPLOY_TOKEN", SECRET)
        .args(args)
        .args(["--color", "never", "-f"])
        .arg(dir.join("lab.kdl"))
        .output()
        .expect("vlab runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

fn lab_with_template(template: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("lab.kdl"),
        "host \"local\" uri=\"test:///default\" hypervisor=\"kvm\"\nimage \"i\" url=\"https://x.test/i.qcow2\" unverified=#true\nnode \"a\" { cloud-init { user-data \"ud.tera\"; }; }\n",
    )
    .expect("lab");
    std::fs::write(dir.path().join("ud.tera"), template).expect("template");
    dir
}

/// Tera's `get_env` read the planning machine's environment: `throw` printed a CI token into
/// the plan's error, and a plain `{{ get_env() }}` put it into the seed.
#[test]
fn templates_cannot_read_the_environment() {
    for template in [
        "#cloud-config\n{{ throw(message=get_env(name=\"CI_DEPLOY_TOKEN\")) }}\n",
        "#cloud-config\ntoken: {{ get_env(name=\"CI_DEPLOY_TOKEN\") }}\n",
    ] {
        let dir = lab_with_template(template);
        for args in [&["plan"][..], &["render", "a"], &["render", "a", "--json"]] {
            let (code, text) = vlab(dir.path(), args);
            assert_eq!(code, Some(1), "{args:?}: {text}");
            assert!(!text.contains(SECRET), "{args:?} leaked the token:\n{text}");
            assert!(
                text.contains("templates cannot read vlab's environment"),
                "{args:?}: {text}"
            );
        }
    }
}

/// KDL escapes put any character in a string, and messages quote the lab's strings: an
/// unknown host named `\u{1b}]0;pwned\u{7}` retitled the terminal through the diagnostic.
/// Control characters in values are refused now (`control-character`), but names are
/// quoted too: a setting called `"\u{1b}[2J"` must come out escaped.
#[test]
fn no_escape_sequence_reaches_the_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |text: &str| std::fs::write(dir.path().join("lab.kdl"), text).expect("lab");
    for lab in [
        "image \"i\" url=\"https://x.test/i.qcow2\" unverified=#true\nnode \"a\" host=\"\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{9b}31m\"\n",
        "image \"i\" url=\"https://x.test/i.qcow2\" unverified=#true\nnode \"a\" \"\\u{1b}]0;pwned\\u{7}\"=1\n",
        "host \"local\" uri=\"test:///default\" hypervisor=\"kvm\"\nimage \"i\" url=\"file:///nonexistent/\\u{1b}[2J.img\" unverified=#true\nnode \"a\"\n",
    ] {
        write(lab);
        for args in [&["validate"][..], &["validate", "--json"], &["plan"]] {
            let (code, text) = vlab(dir.path(), args);
            assert_eq!(code, Some(1), "{lab} {args:?}: {text}");
            assert!(
                !text.contains(['\u{1b}', '\u{7}', '\u{9b}']),
                "{lab} {args:?}: {text:?}"
            );
        }
    }
    // The name is quoted, escaped.
    write(
        "image \"i\" url=\"https://x.test/i.qcow2\" unverified=#true\nnode \"a\" \"\\u{1b}]0;pwned\\u{7}\"=1\n",
    );
    let (_, text) = vlab(dir.path(), &["validate"]);
    assert!(text.contains("\\u{1b}]0;pwned"), "{text}");
}

/// Templates are programs: nested loops ran for hours and held the CI job. A lab's template
/// that does not finish within the deadline stops the plan with an error naming it.
#[test]
fn a_template_that_never_finishes_stops_the_plan() {
    let dir = lab_with_template(
        "#cloud-config\n{% for a in range(end=100000) %}{% for b in range(end=100000) %}{% for c in range(end=100000) %}.{% endfor %}{% endfor %}{% endfor %}\n",
    );
    let started = std::time::Instant::now();
    let (code, text) = vlab(dir.path(), &["plan"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("did not finish rendering within 5 s"),
        "{text}"
    );
    assert!(text.contains("ud.tera"), "{text}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "stopped at the deadline, not at the end of the loops"
    );
}
