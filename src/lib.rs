//! vlab: declarative KVM and Xen labs on libvirt hosts, in plan/apply style.
//!
//! The pipeline, one folder per stage (docs/architecture.md):
//!
//! ```text
//! lab.kdl -language-> LabSpec -resolver-> Lab -+
//! hosts -libvirt::observer-> Observed ---------+-> planner (pure) -> Plan
//! image_store (pull) + cloud_init (seed) ------+-> applier -> libvirt -> host
//! ```
//!
//! `pipeline` strings the stages together for the commands (`commands`, printing through
//! `cli`). This crate root only holds `check`: load and resolve, the first two stages (and
//! the `CheckOptions` the person running vlab may widen them with).

pub mod access;
pub(crate) mod applier;
pub mod byte_size;
pub mod checks;
pub mod checksum;
pub mod cli;
pub mod cloud_init;
pub mod commands;
pub mod graph;
pub mod host;
pub(crate) mod host_uri;
pub mod image_store;
pub(crate) mod index_template;
pub mod lab;
pub mod lab_lock;
pub mod language;
pub mod libvirt;
pub mod local_file;
pub(crate) mod mac_address;
pub mod pipeline;
pub(crate) mod planner;
pub mod printable;
pub mod private_file;
pub mod process;
pub(crate) mod resolver;
pub(crate) mod saved_plan;
pub mod utc_time;

use lab::Lab;
use language::diagnostic::Diagnostics;
use language::lab_source::LabSource;

/// What the person running vlab allows beyond what a lab file may ask for on its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckOptions {
    /// `test:///PATH` hosts, whose driver file libvirt's test driver reads: for vlab's own
    /// tests only, set by `VLAB_TEST_DRIVER_FILES=1`, never by a lab file.
    pub test_driver_files: bool,
    /// The lab as an instance of itself (`--instance`): its name and moved ranges.
    pub instance: Option<resolver::relocation::InstanceOptions>,
}

/// The variable that allows `test:///PATH` driver files (vlab's own tests set it).
pub const TEST_DRIVER_FILES_VAR: &str = "VLAB_TEST_DRIVER_FILES";

impl CheckOptions {
    /// The options the environment gives: `VLAB_TEST_DRIVER_FILES=1`.
    pub fn from_env() -> CheckOptions {
        CheckOptions {
            test_driver_files: std::env::var_os(TEST_DRIVER_FILES_VAR).is_some_and(|v| v == "1"),
            instance: None,
        }
    }
}

/// Loads and resolves a lab with the default (strict) options: the checked model, or every
/// problem found.
///
/// Syntax and type problems are reported first, as a set; reference, name and address
/// checks run once the file reads cleanly, so one mistake never shows up twice.
pub fn check(source: &LabSource) -> Result<Lab, Diagnostics> {
    check_with(source, CheckOptions::default())
}

/// `check` with options given by the person running vlab.
pub fn check_with(source: &LabSource, options: CheckOptions) -> Result<Lab, Diagnostics> {
    let (spec, mut diagnostics) = language::loader::Loader::load(&source.text);
    if !diagnostics.is_empty() {
        diagnostics.sort();
        return Err(diagnostics);
    }
    resolver::Resolver::resolve(&spec, &source.base_dir(), &source.stem(), options)
}
