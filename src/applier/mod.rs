//! The applier: carries out a `Plan` on the lab's hosts. It decides nothing: every step is a
//! change the planner listed. Each host's changes form a dependency graph (`Schedule`);
//! changes run as soon as what they need is done, at most `parallelism` at once per host,
//! on tokio with every blocking libvirt call on its blocking threads. Hosts run in
//! parallel. A change whose prerequisite failed is skipped and says which one; everything
//! independent still runs. After a node starts, the applier waits until the guest says it
//! is ready (its image's `ready` setting) without holding a slot. The report says what was
//! and was not done, and the next plan picks up from there.

pub mod apply_error;
pub mod change_run;
pub mod node_builder;
pub mod schedule;

pub use apply_error::ApplyError;

use crate::image_store::CachedImage;
use crate::lab::{Host, Lab};
use crate::libvirt::host_session::HostSession;
use crate::libvirt::{Connections, LibvirtError};
use crate::planner::desired::NodeInputs;
use crate::planner::plan::{Change, Plan};
use change_run::{ChangeRun, Outcome, RunResult};
use schedule::Schedule;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, watch};

/// How the applier tells the outside what it does. Called from several threads at once.
pub trait ApplyReporter: Send + Sync {
    fn started(&self, change: &Change);
    /// The guest runs; the applier now waits for `what`.
    fn waiting(&self, change: &Change, what: &str);
    /// Done; `ready_after` is how long the guest took to be ready, when it was waited for.
    fn done(&self, change: &Change, ready_after: Option<Duration>);
    fn failed(&self, change: &Change, error: &str);
    fn skipped(&self, change: &Change, why: &str);
    fn warn(&self, text: &str);
}

/// What happened to each change, by address.
#[derive(Debug, Default, serde::Serialize)]
pub struct ApplyReport {
    pub done: Vec<String>,
    pub failed: Vec<(String, String)>,
    pub skipped: Vec<(String, String)>,
    /// Seconds from start to ready, for the nodes whose readiness was awaited.
    pub ready: BTreeMap<String, f64>,
}

/// Everything the applier needs besides the plan: the lab, each node's seed and digest, the
/// pulled image files (by `Artifact::name`), a directory to stage seeds in before upload,
/// and how to run. What each change acts on, and needs, is in its target.
pub struct ApplyInputs {
    pub lab: Lab,
    pub nodes: BTreeMap<String, NodeInputs>,
    pub images: BTreeMap<String, CachedImage>,
    pub staging: PathBuf,
    /// The command's connections to the hosts.
    pub connections: Arc<Connections>,
    /// Wait for started guests to be ready.
    pub wait: bool,
    /// How many changes run at once on one host (at least 1).
    pub parallelism: usize,
}

pub fn apply(
    plan: &Plan,
    inputs: Arc<ApplyInputs>,
    reporter: Arc<dyn ApplyReporter>,
) -> ApplyReport {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return fail_all(
                plan,
                &format!("cannot start the apply runtime: {e}"),
                &*reporter,
            );
        }
    };
    runtime.block_on(async {
        let mut hosts = tokio::task::JoinSet::new();
        for host in &inputs.lab.hosts {
            let changes: Vec<Change> = plan
                .changes
                .iter()
                .filter(|c| c.host == host.name)
                .cloned()
                .collect();
            if changes.is_empty() {
                continue;
            }
            let (inputs, reporter, host) = (inputs.clone(), reporter.clone(), host.clone());
            hosts.spawn(apply_host(changes, host, inputs, reporter));
        }
        let mut report = ApplyReport::default();
        while let Some(done) = hosts.join_next().await {
            if let Ok(r) = done {
                report.done.extend(r.done);
                report.failed.extend(r.failed);
                report.skipped.extend(r.skipped);
                report.ready.extend(r.ready);
            }
        }
        report
    })
}

fn fail_all(plan: &Plan, error: &str, reporter: &dyn ApplyReporter) -> ApplyReport {
    let mut report = ApplyReport::default();
    for change in &plan.changes {
        reporter.failed(change, error);
        report.failed.push((change.address(), error.to_string()));
    }
    report
}

async fn apply_host(
    changes: Vec<Change>,
    host: Host,
    inputs: Arc<ApplyInputs>,
    reporter: Arc<dyn ApplyReporter>,
) -> ApplyReport {
    let opened = {
        let (inputs, host) = (inputs.clone(), host.clone());
        tokio::task::spawn_blocking(move || {
            let connection = inputs.connections.to(&host)?;
            Ok::<_, LibvirtError>(HostSession::open(&inputs.lab, &host, &connection))
        })
        .await
    };
    let session = match opened {
        Ok(Ok(session)) => Arc::new(session),
        Ok(Err(e)) => return fail_all_changes(&changes, &e.to_string(), &*reporter),
        Err(e) => return fail_all_changes(&changes, &e.to_string(), &*reporter),
    };
    let schedule = Schedule::new(&changes);
    let slots = Arc::new(Semaphore::new(inputs.parallelism.max(1)));
    let (senders, receivers): (Vec<_>, Vec<_>) = changes
        .iter()
        .map(|_| watch::channel(None::<Outcome>))
        .unzip();
    let mut tasks = tokio::task::JoinSet::new();
    for ((index, change), sender) in changes.iter().enumerate().zip(senders) {
        let waits_for: Vec<(String, watch::Receiver<Option<Outcome>>)> = schedule.deps[index]
            .iter()
            .map(|&d| (changes[d].address(), receivers[d].clone()))
            .collect();
        let run = ChangeRun {
            change: change.clone(),
            session: session.clone(),
            inputs: inputs.clone(),
            reporter: reporter.clone(),
        };
        let slots = slots.clone();
        tasks.spawn(async move {
            let result = run.after(waits_for, slots).await;
            let _ = sender.send(Some(result.outcome()));
            (run.change.address(), result)
        });
    }
    let mut report = ApplyReport::default();
    while let Some(joined) = tasks.join_next().await {
        let Ok((address, result)) = joined else {
            continue;
        };
        match result {
            RunResult::Done(ready) => {
                if let Some(after) = ready {
                    report.ready.insert(address.clone(), after.as_secs_f64());
                }
                report.done.push(address);
            }
            RunResult::Failed(e) => report.failed.push((address, e)),
            RunResult::Skipped(why) => report.skipped.push((address, why)),
        }
    }
    report.done.sort();
    report
}

fn fail_all_changes(changes: &[Change], error: &str, reporter: &dyn ApplyReporter) -> ApplyReport {
    let plan = Plan {
        lab: String::new(),
        changes: changes.to_vec(),
        conflicts: Vec::new(),
    };
    fail_all(&plan, error, reporter)
}
