//! `vlab image push`: pull a lab's images into the cache, then place each on every host whose
//! nodes use it, as a base volume in the host's vlab pool (skipped where it is already).

use super::{CommandError, ExitStatus, load_lab};
use crate::cli::LabArgs;
use crate::cli::diagnostics_view::warn_unverified;
use crate::cli::output::Output;
use crate::cli::reporters;
use crate::image_store::pull_reporter::PullReporter;
use crate::libvirt::Connections;
use crate::pipeline::images;
use std::sync::Arc;

pub fn run(args: &LabArgs, parallel: usize, out: &Output) -> Result<ExitStatus, CommandError> {
    let lab = load_lab(args, out)?.lab;
    warn_unverified(&lab, out);
    let pulled = images::pull(
        &images::lab_requests(&lab),
        parallel,
        reporters::for_output(out).as_ref(),
    )
    .map_err(|e| CommandError::from_pipeline(e, out))?;
    let reporter: Arc<dyn PullReporter> = Arc::from(reporters::for_output(out));
    let failures = images::push(&lab, &pulled, &Arc::new(Connections::new()), &reporter);
    for message in &failures {
        eprintln!("{}: {message}", out.error_word());
    }
    if failures.is_empty() {
        Ok(ExitStatus::Success)
    } else {
        Err(CommandError::Reported)
    }
}
