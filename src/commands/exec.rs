//! `vlab exec [SELECTOR...|--all] [--seat S] [--node N] -- CMD...`: runs CMD on every selected
//! node (the names and globs given, among the nodes `--seat`/`--node` select) at once, over
//! OpenSSH with the lab's key and each guest's pinned host key (as `vlab ssh` does), and
//! prints each node's output with the node's name before every line, then a summary of exit
//! codes; `--json` prints rc, stdout and stderr per node instead. Exits 1 when CMD failed,
//! or could not run, on any selected node.
//!
//! A selected node that is not running, or has no address, counts as failed without ssh
//! being run. Each ssh runs with `BatchMode=yes` (no prompt can hang the run).

use super::{CommandError, ExitStatus, load_lab, selected_nodes};
use crate::access::batch_ssh::BatchSsh;
use crate::access::node_selector::NodeSelector;
use crate::cli::output::{Output, write_stdout};
use crate::cli::{LabArgs, SelectionArgs};
use crate::libvirt::Connections;
use crate::pipeline::node_access::{self, NodeAccess};
use serde::Serialize;

/// How CMD ended on one node.
#[derive(Debug, Serialize)]
struct NodeResult {
    node: String,
    /// CMD's exit status; None when it did not run or ended by a signal.
    rc: Option<i32>,
    stdout: String,
    stderr: String,
    /// Why CMD did not run (the node is not running, has no address, ssh is missing).
    error: Option<String>,
}

impl NodeResult {
    fn ok(&self) -> bool {
        self.rc == Some(0)
    }
}

pub fn run(
    args: &LabArgs,
    selector: &NodeSelector,
    select: &SelectionArgs,
    command: &[String],
    out: &Output,
) -> Result<ExitStatus, CommandError> {
    if command.is_empty() {
        return Err(CommandError::with_help(
            "no command to run",
            "put it after `--`: vlab exec --all -- uptime",
        ));
    }
    let lab = load_lab(args, out)?.lab;
    let in_selection = selected_nodes(&lab, select)?;
    let names: Vec<&str> = in_selection.iter().map(String::as_str).collect();
    let selected = selector.select(&names).map_err(|pattern| {
        let whose = if names.len() == lab.nodes.len() {
            "the lab"
        } else {
            "the selection"
        };
        CommandError::with_help(
            format!("no node of {whose} matches `{pattern}`"),
            format!("its nodes: {}", names.join(", ")),
        )
    })?;
    let connections = Connections::new();
    let access: Vec<NodeAccess> = node_access::read(&lab, &connections)
        .map_err(|e| CommandError::new(e.to_string()))?
        .into_iter()
        .filter(|a| selected.contains(&a.target.node.as_str()))
        .collect();
    let results = run_all(&access, command);
    if out.json {
        crate::outln!(
            "{}",
            serde_json::json!({"lab": lab.name, "command": command, "results": results})
        );
    } else {
        print(&results, out);
    }
    if results.iter().all(NodeResult::ok) {
        Ok(ExitStatus::Success)
    } else {
        Err(CommandError::Reported)
    }
}

/// CMD on every node at once, one ssh process each; results in the nodes' order.
fn run_all(access: &[NodeAccess], command: &[String]) -> Vec<NodeResult> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = access
            .iter()
            .map(|a| scope.spawn(move || run_one(a, command)))
            .collect();
        handles
            .into_iter()
            .zip(access)
            .map(|(handle, a)| {
                handle.join().unwrap_or_else(|_| NodeResult {
                    node: a.target.node.clone(),
                    rc: None,
                    stdout: String::new(),
                    stderr: String::new(),
                    error: Some("the ssh runner stopped unexpectedly".into()),
                })
            })
            .collect()
    })
}

fn run_one(access: &NodeAccess, command: &[String]) -> NodeResult {
    let target = &access.target;
    let failed = |error: String| NodeResult {
        node: target.node.clone(),
        rc: None,
        stdout: String::new(),
        stderr: String::new(),
        error: Some(error),
    };
    if access.state != "running" {
        let state = match access.state {
            "absent" => "does not exist".to_string(),
            other => format!("is {other}"),
        };
        return failed(format!("the node {state} on host `{}`", access.host));
    }
    let Some(address) = &target.address else {
        return failed("the node has no address yet".into());
    };
    match BatchSsh::run(target, address, command, None) {
        Ok(output) => NodeResult {
            node: target.node.clone(),
            rc: output.status,
            stdout: output.stdout,
            stderr: output.stderr,
            error: None,
        },
        Err(e) => failed(format!("cannot run ssh: {e}")),
    }
}

/// Each node's output, every line after the node's name (stderr's to stderr), then the
/// summary line on stderr.
fn print(results: &[NodeResult], out: &Output) {
    let width = results.iter().map(|r| r.node.len()).max().unwrap_or(0);
    for r in results {
        let mut text = String::new();
        for line in r.stdout.lines() {
            text.push_str(&format!("{:<width$} | {line}\n", r.node));
        }
        write_stdout(text.as_bytes());
        for line in r.stderr.lines() {
            eprintln!("{:<width$} ! {line}", r.node);
        }
        if let Some(error) = &r.error {
            eprintln!("{:<width$} ! {}: {error}", r.node, out.error_word());
        }
    }
    if out.quiet {
        return;
    }
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.ok())
        .map(|r| match r.rc {
            Some(rc) => format!("{} (exit {rc})", r.node),
            None if r.error.is_some() => format!("{} (not run)", r.node),
            None => format!("{} (killed)", r.node),
        })
        .collect();
    if failed.is_empty() {
        eprintln!("{} node(s): all exited 0", results.len());
    } else {
        eprintln!(
            "{} node(s): {} exited 0, {} failed: {}",
            results.len(),
            results.len() - failed.len(),
            failed.len(),
            failed.join(", ")
        );
    }
}
