//! Shared helpers for the integration tests: the diagnostic-case harness, HTTP servers, the
//! tiny guest, a pseudo-terminal, the JUnit schema check, the snapshot macro, the lock that
//! keeps host tests apart, and the opt-in a lab host needs for a test URI.
#![allow(dead_code)]

pub mod ansible;
pub mod diagnostic_cases;
pub mod fault_server;
pub mod host_lock;
pub mod junit_schema;
pub mod lab_cli;
pub mod pty;
pub mod static_server;
pub mod tiny_guest;

/// `insta::assert_snapshot!` with the snapshot kept where it was when every test file was its
/// own crate: `tests/snapshots/<file>__<name>.snap` (e.g. `cli__json-diagnostics.snap`),
/// not insta's default for this crate (`tests/it/snapshots/it__cli__...`).
macro_rules! snapshot {
    ($name:expr, $value:expr $(,)?) => {{
        let file = module_path!().rsplit("::").next().unwrap_or_default();
        let name = format!("{file}__{}", $name);
        insta::with_settings!({
            snapshot_path => "../snapshots",
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!(name, $value);
        });
    }};
}

/// The `allow-uri-params` block a lab's `host` needs for `uri` (such as
/// `VLAB_TEST_SSH_URI`, which carries `keyfile` and `no_verify`): exactly the parameters of
/// its query that are not free to use (docs/lab-language.md, "Host URIs"); empty without.
pub fn uri_opt_in(uri: &str) -> String {
    const FREE: [&str; 3] = ["mode", "proxy", "no_tty"];
    let Some((_, query)) = uri.split_once('?') else {
        return String::new();
    };
    let names: Vec<String> = query
        .split('&')
        .map(|p| p.split_once('=').map_or(p, |(name, _)| name))
        .filter(|name| !FREE.contains(name))
        .map(|name| format!("\"{name}\""))
        .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!(" {{ allow-uri-params {}; }}", names.join(" "))
    }
}
