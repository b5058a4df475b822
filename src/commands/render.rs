//! `vlab render NODE`: a node's rendered cloud-init files and seed, printed for review
//! (secrets masked) or written to a directory with the node's domain XML (mode 0600: they
//! may hold secrets).

use super::{CommandError, ExitStatus, load_lab};
use crate::cli::LabArgs;
use crate::cli::output::Output;
use crate::cloud_init::RenderedNode;
use crate::pipeline::node_preview::NodePreview;
use serde_json::json;
use std::path::Path;

pub fn run(
    args: &LabArgs,
    node_name: &str,
    out_dir: Option<&Path>,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let lab = load_lab(args, out)?.lab;
    let NodePreview {
        rendered,
        seed,
        domain_xml,
    } = NodePreview::of(&lab, node_name).map_err(|e| CommandError::from_pipeline(e, out))?;
    match out_dir {
        Some(dir) => write_files(dir, &rendered, &seed, &domain_xml, out)?,
        None => print_files(&rendered, seed.len(), out),
    }
    Ok(ExitStatus::Success)
}

fn print_files(rendered: &RenderedNode, seed_len: usize, out: &Output) {
    if out.json {
        let files: serde_json::Map<String, serde_json::Value> = rendered
            .files()
            .into_iter()
            .map(|(name, text)| (name.to_string(), json!(rendered.masked(text))))
            .collect();
        crate::outln!(
            "{}",
            json!({"node": rendered.node, "instance_id": rendered.instance_id, "files": files, "seed_bytes": seed_len})
        );
        return;
    }
    for (name, text) in rendered.files() {
        crate::outln!("{}", out.dim(&format!("--- {name} ---")));
        crate::outln!("{}", rendered.masked(text).trim_end());
    }
    if !out.quiet {
        eprintln!(
            "node {}: instance-id {}, seed {} bytes (vfat, label cidata)",
            rendered.node, rendered.instance_id, seed_len
        );
    }
}

fn write_files(
    dir: &Path,
    rendered: &RenderedNode,
    seed: &[u8],
    domain: &str,
    out: &Output,
) -> Result<(), CommandError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CommandError::new(format!("cannot create {}: {e}", dir.display())))?;
    let mut written = Vec::new();
    for (name, text) in rendered.files() {
        written.push(write_private(&dir.join(name), text.as_bytes())?);
    }
    written.push(write_private(&dir.join("seed.img"), seed)?);
    written.push(write_private(&dir.join("domain.xml"), domain.as_bytes())?);
    if out.json {
        crate::outln!(
            "{}",
            json!({"node": rendered.node, "instance_id": rendered.instance_id, "written": written})
        );
    } else if !out.quiet {
        for path in &written {
            crate::outln!("{path}");
        }
    }
    Ok(())
}

/// Writes a file readable by its owner only (rendered data may hold secrets).
fn write_private(path: &Path, data: &[u8]) -> Result<String, CommandError> {
    crate::private_file::write(path, data)
        .map_err(|e| CommandError::new(format!("cannot write {}: {e}", path.display())))?;
    Ok(path.display().to_string())
}
