//! vlab's integration tests, in one test crate so that `cargo test` links one binary.
//!
//! One module per area; shared helpers are in `support/`, snapshots in `tests/snapshots/`
//! (named `<module>__<name>.snap`), lab fixtures in `tests/fixtures/`, guest build scripts in
//! `tests/guests/`. Modules marked `#![cfg(feature = "host-tests")]` need what
//! scripts/test.sh installs (libvirtd, QEMU, cloud-init, mtools). Run one module with
//! `cargo test --test it cli` (or `cargo test --features host-tests --test it tiny_guest`).
//!
//! Tests of different modules run in parallel threads of this one process, so tests that use
//! the real libvirtd take `support::host_lock::exclusive()`, and no test changes the
//! process's environment or current directory.

// Tests read as scripts: the pedantic lints that would make them longer or noisier are off.
#![allow(
    clippy::too_many_lines,
    clippy::format_collect,
    clippy::needless_raw_string_hashes,
    clippy::ignored_unit_patterns,
    clippy::redundant_closure_for_method_calls,
    clippy::duration_suboptimal_units,
    clippy::map_unwrap_or
)]

#[macro_use]
mod support;

mod access_cli;
mod capacity_cli;
mod checks_cli;
mod checks_in_guests;
mod classroom_ops;
mod cli;
mod cloud_init_host;
mod cloud_init_render;
mod cloud_init_render_security;
mod converge_diff;
mod converge_lifecycle;
mod crash_safety;
mod debian_guest;
mod domain_xml;
mod graph_browser;
mod graph_cli;
mod guest_access;
mod hostile_lab;
mod image_cli;
mod image_pull;
mod image_pull_limits;
mod image_rebuilt;
mod instance_cli;
mod instance_run;
mod inventory_ansible;
mod inventory_cli;
mod inventory_groups;
mod junit_schema;
mod loader_cases;
mod name_conflict;
mod network_xml;
mod output_cli;
mod plan_cli;
mod plan_diff_cli;
mod pool_upload;
mod resolver_cases;
mod seat_cases;
mod seat_count;
mod seat_reset;
mod selection_cli;
mod target_cli;
mod tiny_guest;
mod xen_domain_xml;
mod xen_plan_converged;
