//! `vlab stop [--seat N] [--node NAME|GLOB]...`: shuts the selected guests down without destroying them:
//! the ACPI power button, then a hard stop after the image's `shutdown-timeout`, all at once.
//! Each is recorded as stopped on purpose on its host, so `vlab plan` does not take it for
//! drift and `vlab apply` does not start it again; `vlab start` does.

use super::{CommandError, ExitStatus, load_lab, lock};
use crate::cli::LabArgs;
use crate::cli::output::Output;
use crate::lab::Lab;
use crate::lab::selection::Selection;
use crate::libvirt::Connections;
use crate::pipeline::node_control::{self, ControlledNode};
use crate::printable::printable;
use std::time::Instant;

pub fn run(
    args: &LabArgs,
    selection: &Selection,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let lab = load_lab(args, out)?.lab;
    let _lock = lock(&lab, "stop", None, out)?;
    let connections = Connections::new();
    let selected = node_control::select(&lab, selection, &connections)
        .map_err(|e| CommandError::new(e.to_string()))?;
    let results: Vec<(String, Result<String, String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = selected
            .iter()
            .map(|c| scope.spawn(|| (address(&lab, c), stop_one(&lab, c))))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| (String::new(), Err("stopped unexpectedly".into())))
            })
            .collect()
    });
    let mut failed = 0;
    for (address, result) in &results {
        match result {
            Ok(what) if !out.quiet => crate::outln!("  - {address}: {what}"),
            Ok(_) => {}
            Err(why) => {
                failed += 1;
                eprintln!("{}: {address}: {}", out.error_word(), printable(why));
            }
        }
    }
    if failed > 0 {
        return Err(CommandError::Reported);
    }
    Ok(ExitStatus::Success)
}

fn address(lab: &Lab, c: &ControlledNode) -> String {
    format!(
        "node.{}@{}",
        crate::host::resource_names::domain(&lab.name, &c.node.name),
        c.host
    )
}

fn stop_one(lab: &Lab, c: &ControlledNode) -> Result<String, String> {
    let Some(domain) = &c.domain else {
        return Ok("not created (nothing to stop)".into());
    };
    let was_running = domain.is_running();
    let timeout = lab
        .image(&c.node.image)
        .map_or(crate::lab::readiness::DEFAULT_SHUTDOWN_TIMEOUT, |i| {
            i.shutdown_timeout
        });
    let started = Instant::now();
    let by_itself = domain.stop(timeout).map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(match (was_running, by_itself) {
        (false, _) => "already shut off (kept stopped)".into(),
        (true, true) => format!("stopped: the guest shut down in {seconds:.1} s"),
        (true, false) => format!(
            "stopped hard after {seconds:.1} s (the guest did not shut down within {} s)",
            timeout.as_secs()
        ),
    })
}
