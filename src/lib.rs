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
//! `cli`). This crate root only holds `check`: load and resolve, the first two stages.

pub(crate) mod applier;
pub mod byte_size;
pub mod checksum;
pub mod cli;
pub mod cloud_init;
pub mod commands;
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
pub mod private_file;
pub(crate) mod resolver;
pub(crate) mod saved_plan;

use lab::Lab;
use language::diagnostic::Diagnostics;
use language::lab_source::LabSource;

/// Loads and resolves a lab: the checked model, or every problem found.
///
/// Syntax and type problems are reported first, as a set; reference, name and address
/// checks run once the file reads cleanly, so one mistake never shows up twice.
pub fn check(source: &LabSource) -> Result<Lab, Diagnostics> {
    let (spec, mut diagnostics) = language::loader::Loader::load(&source.text);
    if !diagnostics.is_empty() {
        diagnostics.sort();
        return Err(diagnostics);
    }
    resolver::Resolver::resolve(&spec, &source.base_dir(), &source.stem())
}
