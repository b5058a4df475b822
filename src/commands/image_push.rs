//! `vlab image push`: pull a lab's images into the cache, then place each on every host whose
//! nodes use it, as a base volume in the host's vlab pool (skipped where it is already).

use super::image::{lab_requests, pull_images};
use super::validate::load_lab;
use super::{CommandError, ExitStatus};
use crate::cli::LabArgs;
use crate::host::resource_names::base_volume;
use crate::image_store::CachedImage;
use crate::lab::{Host, Lab};
use crate::libvirt::pool_uploader::PoolUploader;
use crate::output::Output;
use crate::reporters;
use std::sync::Arc;

pub fn run(args: &LabArgs, parallel: usize, out: &Output) -> Result<ExitStatus, CommandError> {
    let (_, lab) = load_lab(args, out)?;
    super::validate::warn_unverified(&lab, out);
    let images = pull_images(&lab_requests(&lab), parallel, out)?;
    let reporter: Arc<dyn crate::image_store::pull_reporter::PullReporter> =
        Arc::from(reporters::for_output(out));
    let mut failures = Vec::new();
    // Hosts in parallel, each on a blocking thread of its own (libvirt calls block).
    let handles: Vec<_> = lab
        .hosts
        .iter()
        .map(|host| {
            let wanted = images_for(&lab, host, &images);
            let host = host.clone();
            let reporter = Arc::clone(&reporter);
            std::thread::spawn(move || place_on(&host, &wanted, reporter.as_ref()))
        })
        .collect();
    for handle in handles {
        match handle.join() {
            Ok(Ok(())) => {}
            Ok(Err(message)) => failures.push(message),
            Err(_) => failures.push("an upload thread failed".to_string()),
        }
    }
    for message in &failures {
        eprintln!("{}: {message}", out.error_word());
    }
    if failures.is_empty() {
        Ok(ExitStatus::Success)
    } else {
        Err(CommandError::Reported)
    }
}

/// The cached images (and kernels and initrds) the nodes on `host` boot from.
fn images_for(lab: &Lab, host: &Host, images: &[CachedImage]) -> Vec<CachedImage> {
    let mut wanted: Vec<CachedImage> = Vec::new();
    for node in lab.nodes.iter().filter(|n| n.host == host.name) {
        let names = crate::lab::Artifact::ALL.map(|a| a.name(&node.image));
        for image in images.iter().filter(|i| names.contains(&i.name)) {
            if !wanted.iter().any(|w| w.digest == image.digest) {
                wanted.push(image.clone());
            }
        }
    }
    wanted
}

fn place_on(
    host: &Host,
    images: &[CachedImage],
    reporter: &dyn crate::image_store::pull_reporter::PullReporter,
) -> Result<(), String> {
    if images.is_empty() {
        return Ok(());
    }
    let uploader = PoolUploader::connect(&host.uri.raw).map_err(|e| e.to_string())?;
    uploader
        .ensure_pool(&host.pool)
        .map_err(|e| e.to_string())?;
    for image in images {
        let label = format!("{}→{}", image.name, host.name);
        reporter.started(&label, &base_volume(&image.digest), Some(image.size), 0);
        let progress = |n: u64| reporter.progress(&label, n);
        match uploader.place(&host.pool, &image.path, &image.digest, &progress) {
            Ok(volume) => reporter.done(
                &label,
                &image.digest,
                std::path::Path::new(&volume.path),
                !volume.uploaded,
            ),
            Err(e) => {
                reporter.failed(&label, &e.to_string());
                return Err(e.to_string());
            }
        }
    }
    Ok(())
}
