//! Fuzz target: the render path. The input is split at NUL bytes into a template text and
//! up to three variable values (`user`, `password_hash`, `token`), then:
//!
//! 1. the template is rendered with a real node's context carrying those values (as the
//!    lab's own `user-data` would be), the output goes through the YAML check, and the
//!    secrets are masked in the output and in any error;
//! 2. the values go into a lab (as KDL strings; `password_hash` and `token` secret) that is
//!    checked and rendered with the built-in templates: when the lab is valid, the render
//!    must succeed, the user-data must be YAML with exactly one user named `user`, the sudo
//!    rule unchanged and no other keys, and masking must hide the secrets.
//!
//! Nothing may panic or hang. Templates are programs: loops over `range` or `set_global`
//! doubling can take any time and memory, so inputs that use those are skipped (see
//! docs/benchmarks.md).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::path::Path;
use std::sync::OnceLock;
use vlab::cloud_init::secret_mask::SecretMask;
use vlab::cloud_init::{check_output, render, render_context, render_template};
use vlab::lab::Lab;
use vlab::language::lab_source::LabSource;
use yaml_rust2::{Yaml, YamlLoader};

const LAB: &str = r#"lab "fz"
image "img" url="https://x.test/i.qcow2" unverified=#true
network "lan" cidr="10.0.0.0/24" domain="lab.test"
node "a" {
    interface network="lan" address="10.0.0.10"
    interface network="lan"
}
"#;

fn lab() -> &'static Lab {
    static LAB_CHECKED: OnceLock<Lab> = OnceLock::new();
    LAB_CHECKED.get_or_init(|| {
        let source = LabSource::from_bytes(Path::new("fz.kdl"), LAB.as_bytes().to_vec())
            .expect("fixed lab source");
        vlab::check(&source).unwrap_or_else(|_| panic!("the fixed lab is valid"))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\0');
    let template = parts.next().unwrap_or_default();
    let user = parts.next().unwrap_or("vlab");
    let hash = parts.next().unwrap_or_default();
    let token = parts.next().unwrap_or_default();
    let mask = SecretMask::new([hash, token]);
    if !template.contains("range") && !template.contains("set_global") {
        template_path(template, user, hash, token, &mask);
    }
    built_in_path(user, hash, token, &mask);
});

/// A lab's own template, rendered and checked like `render` does.
fn template_path(template: &str, user: &str, hash: &str, token: &str, mask: &SecretMask) {
    let lab = lab();
    let mut context = render_context::context(lab, &lab.nodes[0], &["ssh-ed25519 AAAA k".into()]);
    context["user"] = Value::String(user.into());
    context["vars"]["user"] = Value::String(user.into());
    context["vars"]["password_hash"] = Value::String(hash.into());
    context["vars"]["token"] = Value::String(token.into());
    match render_template("a", "fuzz.tera", template, &context) {
        Ok(out) => {
            let shown = mask.apply(&out);
            assert_hidden(&shown, &[hash, token]);
            if let Err(e) = check_output("a", "fuzz.tera", "user-data", &out) {
                assert_hidden(&e.masked(mask).message, &[hash, token]);
            }
        }
        Err(e) => {
            let _ = e.masked(mask).to_string();
        }
    }
}

/// The values in a real lab, through the resolver and the built-in templates.
fn built_in_path(user: &str, hash: &str, token: &str, mask: &SecretMask) {
    let kdl = format!(
        "lab \"fz\" {{ vars {{ user {}; password_hash {} secret=#true; token {} secret=#true; }}; }}\n\
         image \"img\" url=\"https://x.test/i.qcow2\" unverified=#true\nnode \"a\"\n",
        kdl_string(user),
        kdl_string(hash),
        kdl_string(token)
    );
    let Ok(source) = LabSource::from_bytes(Path::new("fz.kdl"), kdl.into_bytes()) else {
        return;
    };
    let Ok(lab) = vlab::check(&source) else {
        return;
    };
    let rendered = match render(&lab, &lab.nodes[0], &[]) {
        Ok(rendered) => rendered,
        Err(e) => panic!("a valid lab renders with the built-in templates: {e}"),
    };
    let docs = YamlLoader::load_from_str(&rendered.user_data).expect("user-data is YAML");
    let ud = &docs[0];
    let keys: Vec<&str> = ud
        .as_hash()
        .expect("a mapping")
        .keys()
        .filter_map(Yaml::as_str)
        .collect();
    assert_eq!(
        keys,
        ["hostname", "manage_etc_hosts", "users", "ssh_pwauth"]
    );
    let users = ud["users"].as_vec().expect("users");
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["name"].as_str(), Some(user));
    assert_eq!(users[0]["sudo"].as_str(), Some("ALL=(ALL) NOPASSWD:ALL"));
    if !hash.is_empty() {
        assert_eq!(users[0]["passwd"].as_str(), Some(hash));
    }
    for (_, file) in rendered.files() {
        assert_hidden(&mask.apply(file), &[hash, token]);
        YamlLoader::load_from_str(file).expect("every built-in file is YAML");
    }
}

/// No secret shows in `shown` (one that shares a character with `(secret)` could be made
/// up of the replacement and its neighbours, so those are not asserted).
fn assert_hidden(shown: &str, secrets: &[&str]) {
    for secret in secrets {
        if !secret.is_empty() && !secret.contains(['(', ')', 's', 'e', 'c', 'r', 't']) {
            assert!(
                !shown.contains(secret),
                "secret {secret:?} shown in {shown:?}"
            );
        }
    }
}

/// `value` as a KDL 2 quoted string: every character but printable ASCII escaped.
fn kdl_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    out.push('"');
    out
}
