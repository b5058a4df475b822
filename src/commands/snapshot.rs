//! `vlab snapshot save|list|restore|delete`: named snapshots of the whole lab or of the
//! nodes `--node` selects. Each is an internal snapshot of every selected node's domain
//! (disks, and memory while it runs) named `vlab-user-NAME`, whose description records the
//! lab, the node and the node's spec digest. A restore is refused, before any node is
//! touched, when a selected node lacks the snapshot or the snapshot was taken of another
//! definition of the node than the lab file's now. Snapshots belong to the lab's domains:
//! `vlab destroy` removes them with the domains, and nothing else does.

use super::{CommandError, ExitStatus, load_lab, lock};
use crate::cli::LabArgs;
use crate::cli::output::Output;
use crate::host::resource_names as names;
use crate::lab::selection::Selection;
use crate::libvirt::Connections;
use crate::libvirt::domain_control::SnapshotInfo;
use crate::pipeline::node_control::{self, ControlledNode};
use crate::pipeline::{self, Planned};
use crate::planner::target::Target;
use crate::utc_time::UtcTime;
use serde::Serialize;

/// What `vlab snapshot` was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Save,
    List,
    Restore,
    Delete,
}

#[derive(Debug, Serialize)]
struct Listed {
    snapshot: String,
    node: String,
    taken: String,
    state: String,
    memory: bool,
    /// What taking it added to the root disk's file on the host, in bytes.
    size_bytes: Option<u64>,
}

pub fn run(
    args: &LabArgs,
    verb: Verb,
    name: Option<&str>,
    selection: &Selection,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    if let Some(name) = name {
        check_name(name)?;
    }
    let lab = load_lab(args, out)?.lab;
    let _lock = lock(&lab, "snapshot", None, out)?;
    let connections = Connections::new();
    let selected = node_control::select(&lab, selection, &connections)
        .map_err(|e| CommandError::new(e.to_string()))?;
    let lab = &lab;
    match (verb, name) {
        (Verb::List, _) => list(&selected, name, out),
        (Verb::Save, Some(name)) => save(lab, name, &selected, &connections, out),
        (Verb::Restore, Some(name)) => restore(lab, args, name, &selected, &connections, out),
        (Verb::Delete, Some(name)) => delete(name, &selected, out),
        (_, None) => Err(CommandError::new("a snapshot name is needed")),
    }
}

fn save(
    lab: &crate::lab::Lab,
    name: &str,
    selected: &[ControlledNode],
    connections: &Connections,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let fail = |e: crate::libvirt::LibvirtError| CommandError::new(e.to_string());
    let planned =
        pipeline::plan(lab, connections).map_err(|e| CommandError::from_pipeline(e, out))?;
    let snapshot = names::user_snapshot(name);
    for c in selected {
        let domain = created(c)?;
        if domain
            .snapshots()
            .map_err(fail)?
            .iter()
            .any(|s| s.name == snapshot)
        {
            return Err(CommandError::with_help(
                format!("node `{}` has a snapshot `{name}` already", c.node.name),
                format!("delete it first: `vlab snapshot delete {name}`, or pick another name"),
            ));
        }
        if let Some(change) = pending(&planned, &c.node.name) {
            return Err(CommandError::with_help(
                format!(
                    "node `{}` is not as the lab file says ({})",
                    c.node.name, change
                ),
                "run `vlab apply` first, so the snapshot records the lab as written",
            ));
        }
    }
    for c in selected {
        let domain = created(c)?;
        let before = domain.root_allocation();
        let record = serde_json::json!({
            "vlab": 1,
            "lab": lab.name,
            "node": c.node.name,
            "digest": planned.nodes.get(&c.node.name).map(|n| n.digest.clone()),
            "size_bytes": serde_json::Value::Null,
        });
        domain
            .create_snapshot(&snapshot, &record.to_string())
            .map_err(fail)?;
        let size = before
            .zip(domain.root_allocation())
            .map(|(b, a)| a.saturating_sub(b));
        if let Some(size) = size {
            let mut record = record;
            record["size_bytes"] = serde_json::json!(size);
            domain
                .set_snapshot_description(&snapshot, &record.to_string())
                .map_err(fail)?;
        }
        if !out.quiet {
            crate::outln!(
                "  + snapshot `{name}` of {}: taken{}",
                c.node.name,
                size.map(|s| format!(" ({})", mib(s))).unwrap_or_default()
            );
        }
    }
    Ok(ExitStatus::Success)
}

fn restore(
    lab: &crate::lab::Lab,
    args: &LabArgs,
    name: &str,
    selected: &[ControlledNode],
    connections: &Connections,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let fail = |e: crate::libvirt::LibvirtError| CommandError::new(e.to_string());
    let planned =
        pipeline::plan(lab, connections).map_err(|e| CommandError::from_pipeline(e, out))?;
    let snapshot = names::user_snapshot(name);
    for c in selected {
        let info = created(c)?
            .snapshots()
            .map_err(fail)?
            .into_iter()
            .find(|s| s.name == snapshot)
            .ok_or_else(|| {
                CommandError::with_help(
                    format!("node `{}` has no snapshot `{name}`", c.node.name),
                    "`vlab snapshot list` shows the lab's snapshots",
                )
            })?;
        let wanted = planned.nodes.get(&c.node.name).map(|n| n.digest.clone());
        if recorded(&info, "digest") != wanted || recorded(&info, "lab") != Some(lab.name.clone()) {
            return Err(CommandError::with_help(
                format!(
                    "snapshot `{name}` of node `{}` was taken of another definition of the node than lab file {} holds now",
                    c.node.name,
                    args.file.display()
                ),
                "restore it with the lab file it was taken with, or take a new snapshot",
            ));
        }
    }
    for c in selected {
        let started = std::time::Instant::now();
        created(c)?.revert(&snapshot).map_err(fail)?;
        if !out.quiet {
            crate::outln!(
                "  ~ {}: restored to `{name}` in {:.1} s",
                c.node.name,
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(ExitStatus::Success)
}

fn delete(
    name: &str,
    selected: &[ControlledNode],
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let fail = |e: crate::libvirt::LibvirtError| CommandError::new(e.to_string());
    let snapshot = names::user_snapshot(name);
    let mut deleted = 0;
    for c in selected {
        let Some(domain) = &c.domain else { continue };
        if domain
            .snapshots()
            .map_err(fail)?
            .iter()
            .any(|s| s.name == snapshot)
        {
            domain.delete_snapshot(&snapshot).map_err(fail)?;
            deleted += 1;
            if !out.quiet {
                crate::outln!("  - snapshot `{name}` of {}: deleted", c.node.name);
            }
        }
    }
    if deleted == 0 {
        return Err(CommandError::with_help(
            format!("no selected node has a snapshot `{name}`"),
            "`vlab snapshot list` shows the lab's snapshots",
        ));
    }
    Ok(ExitStatus::Success)
}

fn list(
    selected: &[ControlledNode],
    only: Option<&str>,
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    let mut rows = Vec::new();
    for c in selected {
        let Some(domain) = &c.domain else { continue };
        let snapshots = domain
            .snapshots()
            .map_err(|e| CommandError::new(e.to_string()))?;
        for s in snapshots {
            let Some(name) = s.name.strip_prefix("vlab-user-") else {
                continue;
            };
            if only.is_some_and(|o| o != name) {
                continue;
            }
            rows.push(Listed {
                snapshot: name.to_string(),
                node: c.node.name.clone(),
                taken: UtcTime(s.created).rfc3339(),
                state: s.state.clone(),
                memory: s.with_memory,
                size_bytes: recorded_size(&s),
            });
        }
    }
    rows.sort_by(|a, b| (&a.snapshot, &a.taken, &a.node).cmp(&(&b.snapshot, &b.taken, &b.node)));
    if out.json {
        crate::outln!("{}", serde_json::json!({ "snapshots": rows }));
        return Ok(ExitStatus::Success);
    }
    if rows.is_empty() {
        crate::outln!("No snapshots.");
        return Ok(ExitStatus::Success);
    }
    crate::outln!(
        "{:<20} {:<20} {:<21} {:<9} {:<7} SIZE",
        "SNAPSHOT",
        "NODE",
        "TAKEN",
        "STATE",
        "MEMORY"
    );
    for r in &rows {
        crate::outln!(
            "{:<20} {:<20} {:<21} {:<9} {:<7} {}",
            r.snapshot,
            r.node,
            r.taken,
            r.state,
            if r.memory { "yes" } else { "no" },
            r.size_bytes.map_or_else(|| "-".to_string(), mib)
        );
    }
    Ok(ExitStatus::Success)
}

fn created(
    c: &ControlledNode,
) -> Result<&crate::libvirt::domain_control::DomainControl, CommandError> {
    c.domain.as_ref().ok_or_else(|| {
        CommandError::with_help(
            format!("node `{}` does not exist on host `{}`", c.node.name, c.host),
            "bring the lab up with `vlab apply`",
        )
    })
}

/// The change the plan holds for `node`, in words, if any.
fn pending(planned: &Planned, node: &str) -> Option<String> {
    planned
        .plan
        .changes
        .iter()
        .find(|c| matches!(&c.target, Target::Node { node: n, .. } if n == node))
        .map(|c| c.reason.to_string())
}

/// A string field of the record vlab wrote into the snapshot's description.
fn recorded(info: &SnapshotInfo, field: &str) -> Option<String> {
    let record: serde_json::Value = serde_json::from_str(&info.description).ok()?;
    record.get(field)?.as_str().map(str::to_string)
}

fn recorded_size(info: &SnapshotInfo) -> Option<u64> {
    let record: serde_json::Value = serde_json::from_str(&info.description).ok()?;
    record.get("size_bytes")?.as_u64()
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1_048_576.0)
}

/// Snapshot names: letters, digits, `.`, `_` and `-`, at most 64, not starting with `-` or `.`.
fn check_name(name: &str) -> Result<(), CommandError> {
    let fine = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with(['-', '.'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if fine {
        Ok(())
    } else {
        Err(CommandError::with_help(
            format!("`{name}` cannot name a snapshot"),
            "use letters, digits, `.`, `_` and `-` (at most 64), e.g. `before-lesson-2`",
        ))
    }
}
