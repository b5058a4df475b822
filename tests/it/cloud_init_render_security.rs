//! Security properties of cloud-init rendering (issue 14): template files are read bounded
//! and only when regular, secrets never reach printed text in any form a template can write
//! them, and values from the lab cannot change the structure of the built-in YAML.
//!
//! Uses the helpers of `cloud_init_render`; no external tools, no network.

use super::cloud_init_render::{
    IMG, dir_with, lab, lab_in, only_user, render_err, render_ok, string, yaml,
};

// ---- template files -------------------------------------------------------------------------

/// A lab whose node `a` takes its user-data from `path` (relative to `dir`, or absolute).
fn lab_with_user_data_at(dir: &std::path::Path, path: &str) -> vlab::lab::Lab {
    lab_in(
        dir,
        &format!("{IMG}node \"a\" {{ cloud-init {{ user-data \"{path}\"; }}; }}"),
    )
}

#[test]
fn template_larger_than_the_limit_is_refused() {
    let big = format!(
        "#cloud-config\n# {}\n",
        "x".repeat(vlab::cloud_init::TEMPLATE_LIMIT as usize)
    );
    let dir = dir_with(&[("ud.tera", &big)]);
    let error = render_err(&lab_with_user_data_at(dir.path(), "ud.tera"), "a");
    assert!(
        error.message.contains("cannot read the template") && error.message.contains("limit"),
        "{}",
        error.message
    );
    assert!(error.help.as_deref().unwrap_or("").contains("1024 KiB"));
}

#[test]
fn template_that_is_a_device_is_refused_without_reading_it() {
    let dir = dir_with(&[]);
    // /dev/zero never ends: reading it whole would run out of memory.
    let error = render_err(&lab_with_user_data_at(dir.path(), "/dev/zero"), "a");
    assert_eq!(error.template, "/dev/zero");
    assert!(
        error
            .message
            .contains("a character device, not a regular file"),
        "{}",
        error.message
    );
}

#[test]
fn template_that_is_a_directory_or_a_fifo_is_refused() {
    let dir = dir_with(&[]);
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    for (path, kind) in [("sub", "a directory"), ("fifo", "a FIFO")] {
        // A FIFO without a writer would block a plain read forever.
        let error = render_err(&lab_with_user_data_at(dir.path(), path), "a");
        assert!(error.message.contains(kind), "{path}: {}", error.message);
    }
}

// ---- secrets --------------------------------------------------------------------------------

/// A secret that every escaping changes: a quote, a backslash, a newline, HTML specials.
const TRICKY: &str = "pa\"ss\\wo<r>d&'x\nsecond-line";
/// `TRICKY` as a KDL string.
const TRICKY_KDL: &str = r#""pa\"ss\\wo<r>d&'x\nsecond-line""#;

/// Every way `TRICKY` could show up in printed text if masking missed it.
fn tricky_leaks(text: &str) -> Vec<&'static str> {
    [
        "pa\"ss",
        "pa\\\"ss",
        "ss\\wo",
        "ss\\\\wo",
        "wo<r>d",
        "wo&lt;r&gt;d",
        "second-line",
    ]
    .into_iter()
    .filter(|form| text.contains(form))
    .collect()
}

#[test]
fn a_secret_with_quotes_backslashes_and_newlines_is_masked_in_json_encoded_output() {
    let lab = lab(&format!(
        "lab \"sec\" {{ vars {{ password_hash {TRICKY_KDL} secret=#true; }}; }}\n{IMG}node \"a\""
    ));
    let rendered = render_ok(&lab, "a", &[]);
    // The built-in template writes it with `json_encode`: escaped, so not the raw value.
    assert!(!rendered.user_data.contains(TRICKY));
    assert_eq!(
        string(&only_user(&yaml(&rendered.user_data))["passwd"]),
        TRICKY
    );
    let masked = rendered.masked(&rendered.user_data);
    assert_eq!(tricky_leaks(&masked), Vec::<&str>::new(), "{masked}");
    assert_eq!(string(&only_user(&yaml(&masked))["passwd"]), "(secret)");
}

#[test]
fn a_secret_is_masked_in_html_escaped_quoted_and_block_scalar_forms() {
    // `line` is `TRICKY`'s first line: one-line forms; `key` is all of it, in a block scalar.
    let template = "#cloud-config\n\
        a: {{ vars.line | escape }}\n\
        b: '{{ vars.line | replace(from=\"'\", to=\"''\") }}'\n\
        d: {{ vars.line | addslashes }}\n\
        e: {{ vars.line | escape_xml }}\n\
        c: |\n  {{ vars.key | indent(prefix=\"  \") }}\n";
    let dir = dir_with(&[("ud.tera", template)]);
    let lab = lab_in(
        dir.path(),
        &format!(
            "{IMG}node \"a\" {{ cloud-init {{ user-data \"ud.tera\"; vars {{ line #\"pa\"ss\\wo<r>d&'x\"#  secret=#true; key {TRICKY_KDL} secret=#true; }}; }}; }}"
        ),
    );
    let rendered = render_ok(&lab, "a", &[]);
    let parsed = yaml(&rendered.user_data);
    assert_eq!(string(&parsed["b"]), "pa\"ss\\wo<r>d&'x");
    assert_eq!(string(&parsed["c"]), format!("{TRICKY}\n"));
    let masked = rendered.masked(&rendered.user_data);
    assert_eq!(tricky_leaks(&masked), Vec::<&str>::new(), "{masked}");
    assert_eq!(
        masked,
        "#cloud-config\na: (secret)\nb: '(secret)'\nd: (secret)\ne: (secret)\nc: |\n  (secret)\n  (secret)\n"
    );
}

#[test]
fn a_yaml_error_does_not_quote_a_secret() {
    let dir = dir_with(&[("ud.tera", "#cloud-config\ntoken: {{ vars.token }}: bad\n")]);
    let lab = lab_in(
        dir.path(),
        &format!(
            "{IMG}node \"a\" {{ cloud-init {{ user-data \"ud.tera\"; vars {{ token \"tok-3141592\" secret=#true; }}; }}; }}"
        ),
    );
    let error = render_err(&lab, "a");
    assert!(
        error.message.contains("not valid YAML"),
        "{}",
        error.message
    );
    assert!(!error.to_string().contains("3141592"), "{error}");
    assert!(
        error.message.contains("`token: (secret): bad`"),
        "the offending line is still shown, masked: {}",
        error.message
    );
}

#[test]
fn a_template_error_does_not_quote_a_secret() {
    let dir = dir_with(&[("ud.tera", "#cloud-config\nn: {{ vars.token | round }}\n")]);
    let lab = lab_in(
        dir.path(),
        &format!(
            "{IMG}node \"a\" {{ cloud-init {{ user-data \"ud.tera\"; vars {{ token {TRICKY_KDL} secret=#true; }}; }}; }}"
        ),
    );
    let error = render_err(&lab, "a");
    let shown = format!("{error} {}", error.help.as_deref().unwrap_or_default());
    assert_eq!(tricky_leaks(&shown), Vec::<&str>::new(), "{shown}");
}

/// `vlab render` (human and `--json`) of a lab whose secret needs escaping.
#[test]
fn vlab_render_and_render_json_print_no_form_of_a_secret() {
    let dir = dir_with(&[]);
    let file = dir.path().join("lab.kdl");
    std::fs::write(
        &file,
        format!(
            "lab \"sec\" {{ vars {{ password_hash {TRICKY_KDL} secret=#true; }}; ssh-key \"ssh-ed25519 AAAA x\"; }}\n{IMG}node \"a\"\n"
        ),
    )
    .expect("write lab");
    for json in [false, true] {
        let mut cmd = assert_cmd::Command::cargo_bin("vlab").expect("vlab binary");
        cmd.args(["render", "-f"]).arg(&file).arg("a");
        if json {
            cmd.arg("--json");
        }
        let output = cmd.output().expect("vlab runs");
        let stdout = String::from_utf8(output.stdout).expect("utf-8");
        assert!(output.status.success(), "json={json}: {stdout}");
        assert!(stdout.contains("(secret)"), "json={json}: {stdout}");
        assert_eq!(
            tricky_leaks(&stdout),
            Vec::<&str>::new(),
            "json={json}: {stdout}"
        );
        if json {
            let value: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON value");
            let user_data = value["files"]["user-data"].as_str().expect("user-data");
            assert_eq!(tricky_leaks(user_data), Vec::<&str>::new(), "{user_data}");
        }
    }
}
