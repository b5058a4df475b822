//! Shared helpers for the integration tests: the diagnostic-case harness, HTTP servers, the
//! tiny guest, the snapshot macro and the lock that keeps host tests apart.
#![allow(dead_code)]

pub mod diagnostic_cases;
pub mod fault_server;
pub mod host_lock;
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
