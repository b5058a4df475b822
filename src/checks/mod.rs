//! Running a lab's checks (its `test` blocks) in the guests: `Probe` (one attempt: a
//! command over ssh, or a TCP connection from here), `CheckRunner` (bounded parallelism,
//! retries, judging), `CheckResult` and `Summary` (how it went, the verdict), and
//! `junit_report` (the JUnit XML document CI systems read).
//!
//! What to run and where (the selection, each node's state and address) is prepared by
//! `pipeline::lab_checks`; printing is `cli::check_view`'s. Nothing here reads the lab
//! file or a host.

pub mod check_probe;
pub mod check_result;
pub mod check_runner;
pub mod junit_report;

pub use check_probe::{Probe, ProbeOutcome};
pub use check_result::{CheckResult, CheckStatus, Summary, Verdict};
pub use check_runner::{CheckRunner, PreparedCheck};
