//! CLI tests: run the real `vlab` binary and check exit codes and exact output.
//!
//! Every example lab must validate; every broken fixture must fail with the diagnostics in
//! its snapshot (tests/snapshots/). Bad input of any kind must end in exit code 1 with a
//! clear message, never a panic.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn vlab() -> Command {
    let mut cmd = Command::cargo_bin("vlab").expect("vlab binary");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd.env_remove("NO_COLOR");
    cmd
}

fn kdl_files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("directory exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "kdl"))
        .map(|p| {
            p.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                .expect("inside repo")
                .to_path_buf()
        })
        .collect();
    files.sort();
    files
}

/// Output as text, panicking with context when the exit code differs.
fn run(args: &[&str], code: i32) -> (String, String) {
    let output = vlab().args(args).output().expect("vlab runs");
    let stdout = String::from_utf8(output.stdout).expect("utf-8 stdout");
    let stderr = String::from_utf8(output.stderr).expect("utf-8 stderr");
    assert_eq!(
        output.status.code(),
        Some(code),
        "vlab {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        !stderr.contains("panicked"),
        "vlab {args:?} panicked:\n{stderr}"
    );
    (stdout, stderr)
}

#[test]
fn every_example_lab_validates() {
    let labs = kdl_files("labs");
    assert!(labs.len() >= 4, "labs/ holds the example labs");
    for lab in labs {
        let lab = lab.to_str().expect("utf-8 path");
        let (stdout, _) = run(&["validate", "-f", lab, "--color", "never"], 0);
        assert!(stdout.contains("is valid"), "{lab}: {stdout}");
    }
}

#[test]
fn every_broken_fixture_fails_with_its_diagnostics() {
    let fixtures = kdl_files("tests/fixtures");
    assert!(!fixtures.is_empty());
    for fixture in fixtures {
        let path = fixture.to_str().expect("utf-8 path");
        let (stdout, stderr) = run(&["validate", "-f", path, "--color", "never"], 1);
        assert_eq!(stdout, "", "{path}");
        let name = fixture
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        snapshot!(format!("fixture-{name}"), stderr);
    }
}

#[test]
fn json_output_lists_diagnostics_with_positions() {
    let (stdout, _) = run(
        &[
            "validate",
            "-f",
            "tests/fixtures/did-you-mean.kdl",
            "--json",
        ],
        1,
    );
    snapshot!("json-diagnostics", stdout);
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(value["valid"], false);
    assert_eq!(value["diagnostics"][0]["line"], 4);
}

#[test]
fn json_output_of_a_valid_lab_is_the_resolved_model_without_secrets() {
    let (stdout, _) = run(&["validate", "-f", "labs/web.kdl", "--json"], 0);
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(value["valid"], true);
    assert_eq!(value["lab"]["name"], "web");
    assert_eq!(value["lab"]["nodes"].as_array().expect("nodes").len(), 3);
    assert_eq!(value["lab"]["vars"]["admin-hash"], "(secret)");
    assert!(!stdout.contains("$6$"), "a secret leaked into JSON output");
}

#[test]
fn verbose_validate_lists_expanded_nodes() {
    let (stdout, _) = run(
        &["validate", "-f", "labs/web.kdl", "-v", "--color", "never"],
        0,
    );
    snapshot!("verbose-web", stdout);
}

#[test]
fn verbose_and_json_validate_show_xen_boot_modes_and_paths() {
    let (stdout, _) = run(
        &[
            "validate",
            "-f",
            "labs/xen-modes.kdl",
            "-v",
            "--color",
            "never",
        ],
        0,
    );
    assert!(
        stdout.contains("node pvh on xen1 (xen pvh), image debian-12-kernel, 2 cpu"),
        "{stdout}"
    );
    assert!(stdout.contains("node hvm on xen1 (xen hvm)"), "{stdout}");
    let (stdout, _) = run(&["validate", "-f", "labs/xen-modes.kdl", "--json"], 0);
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(
        value["lab"]["hosts"][0]["xen"]["hvmloader"],
        "/usr/lib/xen-4.17/boot/hvmloader"
    );
    assert_eq!(value["lab"]["nodes"][0]["xen_boot"], "pv");
    let (stdout, _) = run(&["validate", "-f", "labs/web.kdl", "--json"], 0);
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert!(value["lab"]["hosts"][0].get("xen").is_none(), "{stdout}");
}

#[test]
fn quiet_validate_prints_nothing() {
    let (stdout, stderr) = run(&["validate", "-f", "labs/web.kdl", "-q"], 0);
    assert_eq!((stdout.as_str(), stderr.as_str()), ("", ""));
}

#[test]
fn missing_file_is_a_clear_error() {
    let (_, stderr) = run(
        &["validate", "-f", "no/such/lab.kdl", "--color", "never"],
        1,
    );
    snapshot!("missing-file", stderr);
}

#[test]
fn default_file_is_lab_kdl() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = vlab()
        .current_dir(dir.path())
        .args(["validate", "--color", "never"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("lab file `lab.kdl` not found"), "{stderr}");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/quickstart.kdl"),
        dir.path().join("lab.kdl"),
    )
    .expect("copy");
    vlab()
        .current_dir(dir.path())
        .arg("validate")
        .assert()
        .success();
}

#[test]
fn a_directory_is_a_clear_error() {
    let (_, stderr) = run(&["validate", "-f", "labs", "--color", "never"], 1);
    assert_eq!(
        stderr,
        "error: `labs` is a directory, not a lab file\n  help: pass the lab file itself, e.g. `-f labs/quickstart.kdl`\n"
    );
}

#[test]
fn a_control_character_in_a_cmdline_is_refused_by_validate() {
    let lab = "tests/fixtures/control-character.kdl";
    // The human form is the fixture's snapshot (`fixture-control-character`).
    let (stdout, stderr) = run(&["validate", "-f", lab, "--color", "never"], 1);
    assert_eq!(stdout, "");
    assert!(stderr.contains("vlab::control-character"), "{stderr}");
    let (stdout, _) = run(&["validate", "-f", lab, "--json"], 1);
    snapshot!("json-control-character", stdout);
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(value["diagnostics"][0]["code"], "control-character");
    assert_eq!(value["diagnostics"][0]["line"], 9);
    assert_eq!(value["total"], 1);
    assert_eq!(value["truncated"], false);
}

/// A generated line with 2,000 unknown properties: every excerpt is a window of the line,
/// 50 are drawn and the rest counted; `--json` lists 1,000 and says how many there are.
#[test]
fn a_long_line_with_many_problems_prints_a_bounded_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("long.kdl");
    let props: Vec<String> = (0..2000).map(|i| format!("p{i}=1")).collect();
    std::fs::write(
        &path,
        format!("lab \"long\"\nnode \"a\" {}\n", props.join(" ")),
    )
    .expect("write");
    let path = path.to_str().expect("utf-8 path");
    let (_, stderr) = run(&["validate", "--color", "never", "-f", path], 1);
    assert!(
        stderr.len() < 64 * 1024,
        "{} bytes of diagnostics",
        stderr.len()
    );
    assert_eq!(stderr.matches("vlab::unknown-setting").count(), 50);
    assert!(
        stderr.contains("... and 1,950 more (`--json` lists up to 1,000)\n"),
        "{stderr}"
    );
    assert!(stderr.ends_with("has 2000 problems\n"), "{stderr}");
    let longest = stderr.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(longest < 200, "a line of {longest} characters");
    let (stdout, _) = run(&["validate", "--json", "-f", path], 1);
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(value["total"], 2000);
    assert_eq!(value["truncated"], true);
    assert_eq!(value["diagnostics"].as_array().map(Vec::len), Some(1000));
}

#[test]
fn hostile_inputs_fail_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let deep = format!("{}{}", "node \"a\" {".repeat(100_000), "}".repeat(100_000));
    let huge = "// padding\n".repeat(2 * 1024 * 1024);
    let many_errors = "bogus 1\n".repeat(10_000);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "binary",
            vec![0x7f, b'E', b'L', b'F', 0, 1, 2, 3, 0xff],
            "is binary",
        ),
        ("latin1", b"lab \"caf\xe9\"".to_vec(), "is not text"),
        ("deep", deep.into_bytes(), "nested more than 64 levels"),
        ("huge", huge.into_bytes(), "the limit is"),
        (
            "many-errors",
            many_errors.into_bytes(),
            "has 10000 problems",
        ),
        ("empty-braces", b"{{{{".to_vec(), "error"),
        ("unclosed-raw", b"lab #\"unclosed".to_vec(), "error"),
    ];
    for (name, bytes, expected) in cases {
        let path = dir.path().join(format!("{name}.kdl"));
        std::fs::write(&path, bytes).expect("write");
        let output = vlab()
            .args(["validate", "--color", "never", "-f"])
            .arg(&path)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{name}: expected `{expected}` in:\n{stderr}"
        );
        assert!(
            !stderr.contains("panicked") && !stderr.contains("internal error"),
            "{name}:\n{stderr}"
        );
    }
}

#[test]
fn an_empty_lab_is_valid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.kdl");
    std::fs::write(&path, "").expect("write");
    let output = vlab()
        .args(["validate", "--color", "never", "-f"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("lab `empty` is valid (1 host, 0 images")
    );
}

#[test]
fn color_follows_flag_and_no_color() {
    let bad = "tests/fixtures/unknown-node.kdl";
    let always = vlab()
        .args(["validate", "-f", bad, "--color", "always"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&always.stderr).contains("\x1b["));
    let never = vlab()
        .args(["validate", "-f", bad, "--color", "never"])
        .output()
        .expect("runs");
    assert!(!String::from_utf8_lossy(&never.stderr).contains("\x1b["));
    let no_color = vlab()
        .env("NO_COLOR", "1")
        .args(["validate", "-f", bad])
        .output()
        .expect("runs");
    assert!(!String::from_utf8_lossy(&no_color.stderr).contains("\x1b["));
}

#[test]
fn every_command_help_shows_an_example() {
    let commands: [&[&str]; 14] = [
        &[],
        &["validate"],
        &["plan"],
        &["apply"],
        &["destroy"],
        &["status"],
        &["render"],
        &["image", "pull"],
        &["image", "list"],
        &["image", "prune"],
        &["image", "verify"],
        &["image", "push"],
        &["completions"],
        &["man"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let (stdout, _) = run(&args, 0);
        assert!(
            stdout.contains("Examples:\n  vlab"),
            "vlab {command:?} --help has no example:\n{stdout}"
        );
    }
}

#[test]
fn commands_that_read_a_lab_take_file_flag() {
    for command in [
        &["validate"][..],
        &["plan"],
        &["apply"],
        &["destroy"],
        &["status"],
        &["render"],
        &["image", "pull"],
        &["image", "push"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let (stdout, _) = run(&args, 0);
        assert!(stdout.contains("-f, --file <FILE>"), "vlab {command:?}");
        assert!(stdout.contains("[default: lab.kdl]"), "vlab {command:?}");
    }
}

#[test]
fn usage_errors_exit_1() {
    let (_, stderr) = run(&["frobnicate"], 1);
    assert!(stderr.contains("unrecognized subcommand"), "{stderr}");
    let (_, stderr) = run(&["validate", "--colour", "never"], 1);
    assert!(
        stderr.contains("--color"),
        "a near-miss flag gets a suggestion: {stderr}"
    );
}

#[test]
fn completions_and_man_page_are_generated() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (stdout, _) = run(&["completions", shell], 0);
        assert!(stdout.contains("validate"), "{shell}");
    }
    let (stdout, _) = run(&["man"], 0);
    assert!(
        stdout.starts_with(".ie") || stdout.contains(".TH vlab"),
        "{stdout}"
    );
}
