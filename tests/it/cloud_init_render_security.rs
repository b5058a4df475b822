//! Security properties of cloud-init rendering (issue 14): template files are read bounded
//! and only when regular, secrets never reach printed text in any form a template can write
//! them, and values from the lab cannot change the structure of the built-in YAML.
//!
//! Uses the helpers of `cloud_init_render`; no external tools, no network.

use super::cloud_init_render::{
    IMG, dir_with, lab, lab_in, only_user, render_err, render_ok, string, yaml,
};
use vlab::cloud_init::render;

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
    // A copy of /dev/zero inside the lab's folder (tests run as root, as CI does): it never
    // ends, and reading it whole would run out of memory.
    let made = std::process::Command::new("mknod")
        .arg(dir.path().join("zero"))
        .args(["c", "1", "5"])
        .status()
        .expect("mknod runs");
    assert!(made.success(), "mknod needs root");
    let error = render_err(&lab_with_user_data_at(dir.path(), "zero"), "a");
    assert!(
        error
            .message
            .contains("a character device, not a regular file"),
        "{}",
        error.message
    );
}

/// The resolver refuses `/etc/...` and `..` by name; a symbolic link the lab ships that
/// leads out of its folder is refused when the template is read, without reading it.
#[test]
fn template_that_links_out_of_the_lab_folder_is_refused() {
    let dir = dir_with(&[]);
    let outside = tempfile::tempdir().expect("tempdir");
    let secret = outside.path().join("credentials");
    std::fs::write(&secret, "aws_secret_access_key = SECRET-VALUE\n").expect("secret");
    std::os::unix::fs::symlink(&secret, dir.path().join("ud.tera")).expect("symlink");
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.tera")).expect("symlink");
    for path in ["ud.tera", "zero.tera"] {
        let error = render_err(&lab_with_user_data_at(dir.path(), path), "a");
        assert!(
            error
                .message
                .contains("leads outside the lab file's folder"),
            "{path}: {}",
            error.message
        );
        assert!(!error.message.contains("SECRET-VALUE"));
    }
    // A link that stays inside the folder is fine.
    std::fs::write(dir.path().join("real.tera"), "#cloud-config\n").expect("template");
    std::os::unix::fs::symlink("real.tera", dir.path().join("link.tera")).expect("symlink");
    let lab = lab_with_user_data_at(dir.path(), "link.tera");
    let node = lab.node("a").expect("node a");
    assert!(vlab::cloud_init::render(&lab, node, &[]).is_ok());
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

// ---- values from the lab cannot change the YAML's structure ---------------------------------

const INJECTION: &str = "bob\nruncmd: [touch /pwned]";

/// The lab's diagnostics as `code line:col` strings.
fn diagnostics(kdl: &str) -> Vec<String> {
    let source = vlab::language::lab_source::LabSource::from_bytes(
        std::path::Path::new("lab.kdl"),
        kdl.as_bytes().to_vec(),
    )
    .expect("source");
    match vlab::check(&source) {
        Ok(_) => Vec::new(),
        Err(d) => d
            .iter()
            .map(|d| {
                let l = d.locate("lab.kdl", kdl);
                format!("{} {}:{} {}", l.code, l.line, l.column, l.message)
            })
            .collect(),
    }
}

#[test]
fn a_user_that_is_not_a_unix_user_name_is_a_validate_error_at_the_value() {
    let cases = [
        format!("lab \"x\" {{ vars {{ user \"bob\\nruncmd: [touch /pwned]\"; }}; }}\n{IMG}"),
        format!(
            "{IMG}defaults {{ cloud-init {{ vars {{ user \"Bob Smith\"; }}; }}; }}\nnode \"a\""
        ),
        format!("{IMG}node \"a\" {{ cloud-init {{ vars {{ user \"root\"; }}; }}; }}"),
        format!("{IMG}node \"a\" {{ cloud-init {{ vars {{ user 42; }}; }}; }}"),
    ];
    for kdl in &cases {
        let found = diagnostics(kdl);
        assert_eq!(found.len(), 1, "{kdl}: {found:?}");
        assert!(
            found[0].starts_with("invalid-name ") && found[0].contains("invalid user name"),
            "{kdl}: {found:?}"
        );
    }
    // A secret value is not quoted.
    let found = diagnostics(&format!(
        "{IMG}node \"a\" {{ cloud-init {{ vars {{ user \"Sec Ret\" secret=#true; }}; }}; }}"
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(!found[0].contains("Sec Ret"), "{found:?}");
    // The span is the value, not the variable's name.
    let found = diagnostics(&cases[0]);
    assert!(found[0].contains(" 1:23 "), "{found:?}");
    assert_eq!(
        diagnostics(&format!(
            "{IMG}node \"a\" {{ cloud-init {{ vars {{ user \"_svc-1\"; }}; }}; }}"
        )),
        Vec::<String>::new()
    );
}

/// Checks that `user_data` has exactly the built-in structure, with `name` as the user.
fn assert_built_in_structure(user_data: &str, name: &str) {
    let ud = yaml(user_data);
    let keys: Vec<&str> = ud
        .as_hash()
        .expect("a mapping")
        .keys()
        .map(|k| k.as_str().expect("string keys"))
        .collect();
    let expected: Vec<&str> = [
        "hostname",
        "fqdn",
        "manage_etc_hosts",
        "users",
        "ssh_pwauth",
    ]
    .into_iter()
    .filter(|k| *k != "fqdn" || !ud["fqdn"].is_badvalue())
    .collect();
    assert_eq!(keys, expected, "{user_data}");
    let user = only_user(&ud);
    assert_eq!(string(&user["name"]), name, "{user_data}");
    assert_eq!(string(&user["sudo"]), "ALL=(ALL) NOPASSWD:ALL");
    assert!(ud["runcmd"].is_badvalue(), "{user_data}");
}

#[test]
fn legal_but_yaml_special_values_render_back_to_themselves() {
    // `null` and `true` are Unix user names and YAML keywords; the hash has `: ` and ` #`.
    for user in ["null", "true", "_y"] {
        let lab = lab(&format!(
            "lab \"x\" {{ vars {{ user \"{user}\"; password_hash \"$6$a: b #c\" secret=#true; }}; }}\n{IMG}node \"a\""
        ));
        let rendered = render_ok(&lab, "a", &[]);
        assert_built_in_structure(&rendered.user_data, user);
        let ud = yaml(&rendered.user_data);
        assert_eq!(string(&only_user(&ud)["passwd"]), "$6$a: b #c");
    }
}

/// Past the resolver's checks (as if a rule were loosened), the built-in templates still
/// write every value quoted: nothing from the lab adds keys to any of the three files.
#[test]
fn built_in_templates_quote_every_value_even_unchecked_ones() {
    let mut lab = lab(&format!(
        "lab \"x\"\n{IMG}network \"lan\" cidr=\"10.0.0.0/24\" domain=\"lab.test\"\nnode \"a\" {{ interface network=\"lan\" address=\"10.0.0.10\"; }}"
    ));
    lab.vars.insert(
        "user".into(),
        vlab::lab::Variable {
            value: serde_json::Value::String(INJECTION.into()),
            secret: false,
        },
    );
    let hostile = "a\nruncmd: [touch /pwned]\n#";
    lab.networks[0].domain = Some("t\nruncmd: [x]".into());
    lab.nodes[0].name = hostile.into();
    lab.nodes[0].interfaces[0].name = "e\nx: [y]".into();
    let rendered = render(&lab, &lab.nodes[0], &[]).expect("renders");
    assert_built_in_structure(&rendered.user_data, INJECTION);
    let ud = yaml(&rendered.user_data);
    assert_eq!(string(&ud["hostname"]), hostile);
    assert_eq!(string(&ud["fqdn"]), format!("{hostile}.t\nruncmd: [x]"));
    let md = yaml(&rendered.meta_data);
    assert_eq!(
        md.as_hash().map(|h| h.len()),
        Some(2),
        "{}",
        rendered.meta_data
    );
    assert_eq!(string(&md["local-hostname"]), hostile);
    let nc = yaml(&rendered.network_config);
    let ethernets = nc["ethernets"].as_hash().expect("ethernets");
    assert_eq!(ethernets.len(), 1, "{}", rendered.network_config);
    let eth = &nc["ethernets"]["e\nx: [y]"];
    assert_eq!(string(&eth["set-name"]), "e\nx: [y]");
    assert_eq!(
        eth["addresses"].as_vec().map(|a| a.len()),
        Some(1),
        "{}",
        rendered.network_config
    );
}
