//! `vlab image pull | list | prune | verify`: the image cache from the command line.

use super::{CommandError, ExitStatus, load_lab};
use crate::checksum::Checksum;
use crate::cli::LabArgs;
use crate::cli::diagnostics_view::warn_unverified;
use crate::cli::output::Output;
use crate::cli::reporters::{self, human_bytes};
use crate::image_store::cache_layout::CacheLayout;
use crate::image_store::pull_error::masked_url;
use crate::image_store::{PullRequest, checksums_file, maintenance};
use crate::lab::Verification;
use crate::pipeline::images;
use serde_json::json;

/// `vlab image pull`: the lab's images, or one image by URL.
pub fn pull(
    lab: &LabArgs,
    url: Option<&str>,
    checksum: Option<&str>,
    checksums_url: Option<&str>,
    parallel: usize,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let requests = if let Some(url) = url {
        vec![ad_hoc_request(url, checksum, checksums_url)?]
    } else {
        let lab = load_lab(lab, out)?.lab;
        warn_unverified(&lab, out);
        images::lab_requests(&lab)
    };
    let reporter = reporters::for_output(out);
    let images = images::pull(&requests, parallel, reporter.as_ref())
        .map_err(|e| CommandError::from_pipeline(e, out))?;
    if url.is_some() && !out.json {
        for image in images {
            crate::outln!("{}", image.path.display());
        }
    }
    Ok(ExitStatus::Success)
}

fn layout() -> CacheLayout {
    CacheLayout::new(CacheLayout::default_root())
}

fn ad_hoc_request(
    url: &str,
    checksum: Option<&str>,
    list: Option<&str>,
) -> Result<PullRequest, CommandError> {
    let verification = match (checksum, list) {
        (Some(c), _) => Verification::Checksum(Checksum::parse(c).map_err(|why| {
            CommandError::with_help(
                format!("invalid --checksum: {why}"),
                "write sha256:<hex> or sha512:<hex>",
            )
        })?),
        (None, Some(list)) => Verification::ChecksumsUrl(list.to_string()),
        (None, None) => {
            return Err(CommandError::with_help(
                format!("{url} has no checksum to verify it against"),
                "give `--checksum sha256:<hex>` or `--checksums-url URL`: vlab never caches an image it cannot verify",
            ));
        }
    };
    Ok(PullRequest {
        name: checksums_file::file_name_of(url),
        url: url.to_string(),
        verification,
    })
}

/// `entry` with its source URL as it may be shown: any password in it masked.
fn masked(mut entry: maintenance::Entry) -> maintenance::Entry {
    entry.record.source_url = masked_url(&entry.record.source_url).into_owned();
    entry
}

/// `vlab image list`.
pub fn list(out: &Output) -> Result<ExitStatus, CommandError> {
    let entries = maintenance::list(&layout())
        .map_err(|e| CommandError::new(format!("cannot read the image cache: {e}")))?;
    let entries: Vec<_> = entries.into_iter().map(masked).collect();
    if out.json {
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&entries).unwrap_or_default()
        );
        return Ok(ExitStatus::Success);
    }
    if entries.is_empty() {
        if !out.quiet {
            eprintln!("the image cache at {} is empty", layout().root.display());
        }
        return Ok(ExitStatus::Success);
    }
    crate::outln!(
        "{:<20} {:>10}  {:<12}  SOURCE",
        "DIGEST",
        "SIZE",
        "LAST USE"
    );
    for entry in entries {
        let r = &entry.record;
        let digest = r.digest.chars().take(19).collect::<String>();
        crate::outln!(
            "{digest:<20} {:>10}  {:<12}  {}",
            human_bytes(r.size),
            ago(r.last_used),
            r.source_url
        );
    }
    Ok(ExitStatus::Success)
}

/// `vlab image prune`.
pub fn prune(
    older_than: Option<&str>,
    dry_run: bool,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let age = older_than
        .map(|text| {
            crate::cli::duration_arg::seconds(text).ok_or_else(|| {
                CommandError::with_help(
                    format!("invalid age `{text}`"),
                    "write a number and a unit: 30d, 12h, 45m, 90s",
                )
            })
        })
        .transpose()?;
    let mut pruned = maintenance::prune(&layout(), age, dry_run)
        .map_err(|e| CommandError::new(format!("cannot prune the image cache: {e}")))?;
    pruned.images = std::mem::take(&mut pruned.images)
        .into_iter()
        .map(masked)
        .collect();
    if out.json {
        crate::outln!("{}", json!({"dry_run": dry_run, "removed": pruned}));
    } else if !out.quiet {
        let verb = if dry_run { "would remove" } else { "removed" };
        for entry in &pruned.images {
            crate::outln!(
                "{verb} {} ({})",
                entry.record.digest,
                entry.record.source_url
            );
        }
        for path in &pruned.partial_files {
            crate::outln!("{verb} {}", path.display());
        }
        crate::outln!(
            "{verb} {} image(s) and {} partial file(s), {}",
            pruned.images.len(),
            pruned.partial_files.len(),
            human_bytes(pruned.bytes)
        );
    }
    Ok(ExitStatus::Success)
}

/// `vlab image verify`.
pub fn verify(out: &Output) -> Result<ExitStatus, CommandError> {
    let checked = maintenance::verify(&layout())
        .map_err(|e| CommandError::new(format!("cannot verify the image cache: {e}")))?;
    let corrupt = checked.iter().filter(|c| !c.ok).count();
    if out.json {
        crate::outln!("{}", json!({"checked": checked, "corrupt": corrupt}));
    } else {
        for c in checked.iter().filter(|c| !c.ok) {
            eprintln!(
                "{}: {} is corrupt (its content hashes to {}); removed",
                out.error_word(),
                c.path.display(),
                c.actual.as_deref().unwrap_or("?")
            );
        }
        if !out.quiet {
            crate::outln!(
                "verified {} image(s): {} intact, {corrupt} corrupt and removed",
                checked.len(),
                checked.len() - corrupt
            );
        }
    }
    if corrupt > 0 {
        return Err(CommandError::Reported);
    }
    Ok(ExitStatus::Success)
}

fn ago(timestamp: u64) -> String {
    if timestamp == 0 {
        return "unknown".into();
    }
    let seconds = crate::image_store::cache_layout::now().saturating_sub(timestamp);
    match seconds {
        s if s < 120 => "just now".into(),
        s if s < 7200 => format!("{} min ago", s / 60),
        s if s < 172_800 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86_400),
    }
}
