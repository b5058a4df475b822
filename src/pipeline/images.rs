//! The image stage of the pipeline: which images a lab (or a plan) needs, which digests are
//! known before pulling, the pull itself into the local cache, and the push of pulled images
//! to the hosts. Fetching, verifying and caching are the `ImageStore`'s, uploading the
//! libvirt layer's; this only asks them.

use super::PipelineError;
use crate::checksum::Checksum;
use crate::host::resource_names::base_volume;
use crate::image_store::cache_layout::CacheLayout;
use crate::image_store::fetcher::FetchPolicy;
use crate::image_store::pull_reporter::PullReporter;
use crate::image_store::{CachedImage, ImageStore, PullRequest};
use crate::lab::{Artifact, Host, Lab};
use crate::libvirt::pool_uploader::PoolUploader;
use crate::libvirt::{Connections, LibvirtError};
use crate::planner::plan::{Change, Plan};
use std::collections::BTreeMap;
use std::sync::Arc;

pub fn open_store() -> Result<ImageStore, PipelineError> {
    ImageStore::open(CacheLayout::default_root(), FetchPolicy::default())
        .map_err(PipelineError::Cache)
}

/// Every image of `lab`, with its direct-boot kernel and initrd as images of their own
/// (`<image>-kernel`, `<image>-initrd`).
pub fn lab_requests(lab: &Lab) -> Vec<PullRequest> {
    let mut requests = Vec::new();
    for image in &lab.images {
        for (artifact, url, verification) in image.artifacts() {
            requests.push(PullRequest {
                name: artifact.name(&image.name),
                url: url.to_string(),
                verification,
            });
        }
    }
    requests
}

/// The content digest of each of the lab's images that is known without pulling: from the
/// cache, or from an inline checksum of an uncompressed image (the content's own digest).
pub fn known_digests(lab: &Lab, store: &ImageStore) -> BTreeMap<String, Checksum> {
    lab_requests(lab)
        .iter()
        .filter_map(|request| {
            let digest = store
                .cached(request)
                .map(|image| image.digest)
                .or_else(|| request.inline_digest().cloned())?;
            Some((request.name.clone(), digest))
        })
        .collect()
}

/// The images (and kernels and initrds) the plan's changes need: those it uploads, and those
/// of the nodes it builds or rebuilds. A plan that only deletes or starts needs none, and
/// runs offline.
pub fn needed_by(lab: &Lab, plan: &Plan) -> Vec<PullRequest> {
    let needed: Vec<String> = plan
        .changes
        .iter()
        .flat_map(Change::images_needed)
        .collect();
    lab_requests(lab)
        .into_iter()
        .filter(|r| needed.contains(&r.name))
        .collect()
}

/// Pulls `requests` into the cache, `parallel` at once, with progress to `reporter`. Any
/// failure (each is in the error) or Ctrl-C fails the whole.
pub fn pull(
    requests: &[PullRequest],
    parallel: usize,
    reporter: &dyn PullReporter,
) -> Result<Vec<CachedImage>, PipelineError> {
    let store = open_store()?;
    let runtime = runtime()?;
    let results = runtime.block_on(async {
        tokio::select! {
            results = store.pull_all(requests, parallel, reporter) => Some(results),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    let Some(results) = results else {
        return Err(PipelineError::Interrupted);
    };
    let (images, failures): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
    if !failures.is_empty() {
        return Err(PipelineError::Pull(
            failures.into_iter().filter_map(Result::err).collect(),
        ));
    }
    Ok(images.into_iter().filter_map(Result::ok).collect())
}

fn runtime() -> Result<tokio::runtime::Runtime, PipelineError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(PipelineError::Runtime)
}

/// Places the pulled `images` on every host of the lab whose nodes boot from them, as base
/// volumes in the host's pool (created if missing), hosts in parallel on the command's
/// connections. Returns each host's failure; a host that has an image already skips it.
pub fn push(
    lab: &Lab,
    images: &[CachedImage],
    connections: &Arc<Connections>,
    reporter: &Arc<dyn PullReporter>,
) -> Vec<LibvirtError> {
    let handles: Vec<_> = lab
        .hosts
        .iter()
        .map(|host| {
            let wanted = images_for(lab, host, images);
            let (host, connections, reporter) =
                (host.clone(), connections.clone(), reporter.clone());
            std::thread::spawn(move || place_on(&host, &wanted, &connections, reporter.as_ref()))
        })
        .collect();
    let mut failures = Vec::new();
    for handle in handles {
        match handle.join() {
            Ok(Ok(())) => {}
            Ok(Err(message)) => failures.push(message),
            Err(_) => failures.push(LibvirtError::Stopped("an upload thread")),
        }
    }
    failures
}

/// The cached images (and kernels and initrds) the nodes on `host` boot from.
fn images_for(lab: &Lab, host: &Host, images: &[CachedImage]) -> Vec<CachedImage> {
    let mut wanted: Vec<CachedImage> = Vec::new();
    for node in lab.nodes.iter().filter(|n| n.host == host.name) {
        let names = Artifact::ALL.map(|a| a.name(&node.image));
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
    connections: &Connections,
    reporter: &dyn PullReporter,
) -> Result<(), LibvirtError> {
    if images.is_empty() {
        return Ok(());
    }
    let connection = connections.to(host)?;
    let uploader = PoolUploader::on(&connection);
    uploader.ensure_pool(&host.pool)?;
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
                return Err(e.into());
            }
        }
    }
    Ok(())
}
