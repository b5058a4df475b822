//! The applier: carries out a `Plan` on the lab's hosts. It decides nothing: every step is a
//! change the planner listed. Each host's changes form a dependency graph (`Schedule`);
//! changes run as soon as what they need is done, at most `parallelism` at once per host,
//! on tokio with every blocking libvirt call on its blocking threads. Hosts run in
//! parallel. A change whose prerequisite failed is skipped and says which one; everything
//! independent still runs. After a node starts, the applier waits until the guest says it
//! is ready (its image's `ready` setting) without holding a slot. The report says what was
//! and was not done, and the next plan picks up from there.

pub mod console_watch;
pub mod host_session;
pub mod node_builder;
pub mod schedule;

use crate::checksum::Checksum;
use crate::host::resource_names as names;
use crate::image_store::CachedImage;
use crate::lab::choices::ReadyWhen;
use crate::lab::{Host, Lab, Readiness};
use crate::planner::desired::NodeInputs;
use crate::planner::plan::{Action, Change, Plan, ResourceKind};
use console_watch::ConsoleWatch;
use host_session::HostSession;
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
/// pulled images (by lab image name, including `<image>-kernel` and `<image>-initrd`), a
/// directory to stage seeds in before upload, and how to run.
pub struct ApplyInputs {
    pub lab: Lab,
    pub nodes: BTreeMap<String, NodeInputs>,
    pub images: BTreeMap<String, CachedImage>,
    pub staging: PathBuf,
    /// Wait for started guests to be ready.
    pub wait: bool,
    /// How many changes run at once on one host (at least 1).
    pub parallelism: usize,
}

/// How a change ended, for the changes waiting on it.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Done,
    Failed,
    Skipped,
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
        for host in inputs.lab.hosts.iter() {
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
        tokio::task::spawn_blocking(move || HostSession::open(&inputs.lab, &host)).await
    };
    let session = match opened {
        Ok(Ok(session)) => Arc::new(session),
        Ok(Err(e)) => return fail_all_changes(&changes, &e, &*reporter),
        Err(e) => return fail_all_changes(&changes, &e.to_string(), &*reporter),
    };
    let schedule = Schedule::new(&inputs.lab, &changes);
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
        let run = Run {
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
    };
    fail_all(&plan, error, reporter)
}

enum RunResult {
    Done(Option<Duration>),
    Failed(String),
    Skipped(String),
}

impl RunResult {
    fn outcome(&self) -> Outcome {
        match self {
            RunResult::Done(_) => Outcome::Done,
            RunResult::Failed(_) => Outcome::Failed,
            RunResult::Skipped(_) => Outcome::Skipped,
        }
    }
}

/// One change with what carrying it out needs.
struct Run {
    change: Change,
    session: Arc<HostSession>,
    inputs: Arc<ApplyInputs>,
    reporter: Arc<dyn ApplyReporter>,
}

impl Run {
    /// Waits for the prerequisites, then for a slot, then carries the change out and (for a
    /// started node) waits for the guest to be ready, without the slot.
    async fn after(
        &self,
        waits_for: Vec<(String, watch::Receiver<Option<Outcome>>)>,
        slots: Arc<Semaphore>,
    ) -> RunResult {
        for (address, mut outcome) in waits_for {
            let ended = outcome.wait_for(Option::is_some).await.map(|o| o.clone());
            let why = match ended {
                Ok(Some(Outcome::Done)) => continue,
                Ok(Some(Outcome::Failed)) => format!("{address} failed"),
                Ok(Some(Outcome::Skipped)) => format!("{address} was skipped"),
                Ok(None) | Err(_) => format!("{address} did not finish"),
            };
            self.reporter.skipped(&self.change, &why);
            return RunResult::Skipped(why);
        }
        let Ok(slot) = slots.acquire_owned().await else {
            return RunResult::Failed("the applier stopped".into());
        };
        self.reporter.started(&self.change);
        let readiness = self.readiness();
        let (session, inputs, reporter, change) = (
            self.session.clone(),
            self.inputs.clone(),
            self.reporter.clone(),
            self.change.clone(),
        );
        let watch = readiness.is_some();
        let carried = tokio::task::spawn_blocking(move || {
            carry_out(&session, &inputs, &change, watch, &*reporter)
        })
        .await
        .unwrap_or_else(|e| Err(format!("the change stopped unexpectedly: {e}")));
        drop(slot);
        let console = match carried {
            Ok(console) => console,
            Err(e) => return self.fail(e),
        };
        let (Some(mut console), Some(readiness)) = (console, readiness) else {
            self.reporter.done(&self.change, None);
            return RunResult::Done(None);
        };
        self.reporter.waiting(&self.change, &readiness.describe());
        let waited = tokio::task::spawn_blocking(move || console.wait(&readiness))
            .await
            .unwrap_or_else(|e| Err(format!("the readiness wait stopped unexpectedly: {e}")));
        match waited {
            Ok(after) => {
                self.reporter.done(&self.change, Some(after));
                RunResult::Done(Some(after))
            }
            Err(e) => self.fail(format!("the guest runs, but {e}")),
        }
    }

    fn fail(&self, error: String) -> RunResult {
        self.reporter.failed(&self.change, &error);
        RunResult::Failed(error)
    }

    /// What to wait for after this change, if anything: a node that (re)starts, of an image
    /// whose readiness can be seen, when the apply waits at all.
    fn readiness(&self) -> Option<Readiness> {
        let lab = &self.inputs.lab;
        if !self.inputs.wait || self.change.kind != ResourceKind::Node {
            return None;
        }
        if self.change.action == Action::Delete {
            return None;
        }
        let node = lab
            .nodes
            .iter()
            .find(|n| names::domain(&lab.name, &n.name) == self.change.name)?;
        let ready = &lab.image(&node.image)?.ready;
        match ready.when {
            ReadyWhen::None => None,
            ReadyWhen::CloudInit | ReadyWhen::Console => Some(ready.clone()),
        }
    }
}

fn carry_out(
    session: &HostSession,
    inputs: &ApplyInputs,
    change: &Change,
    watch: bool,
    reporter: &dyn ApplyReporter,
) -> Result<Option<ConsoleWatch>, String> {
    let lab = &inputs.lab;
    let nothing = |r: Result<(), String>| r.map(|_| None);
    match (change.kind, change.action) {
        (ResourceKind::Pool, _) => nothing(session.ensure_pool()),
        (ResourceKind::Image, _) => {
            nothing(node_builder::upload_image(session, inputs, &change.name))
        }
        (ResourceKind::Volume, _) => nothing(session.delete_volume(&change.name)),
        (ResourceKind::Network, Action::Delete) => nothing(session.delete_network(&change.name)),
        (ResourceKind::Network, Action::Start) => nothing(session.start_network(&change.name)),
        (ResourceKind::Network, Action::Create | Action::Replace | Action::Update) => {
            session.delete_network(&change.name)?;
            let xml = node_builder::network_xml(lab, &change.name)?;
            nothing(session.define_network(&change.name, &xml))
        }
        (ResourceKind::Node, Action::Delete) => nothing(session.delete_domain(&change.name)),
        (ResourceKind::Node, Action::Start) => session.start_domain(&change.name, watch),
        (ResourceKind::Node, action @ (Action::Create | Action::Replace | Action::Update)) => {
            let node = lab
                .nodes
                .iter()
                .find(|n| names::domain(&lab.name, &n.name) == change.name)
                .ok_or_else(|| format!("no node for domain {}", change.name))?;
            let warn = |text: String| reporter.warn(&text);
            node_builder::build_node(session, inputs, node, action, watch, &warn)
        }
    }
}

/// The digest of a pulled image, for the planner's desired state.
pub fn digests(images: &BTreeMap<String, CachedImage>) -> BTreeMap<String, Checksum> {
    images
        .iter()
        .map(|(name, image)| (name.clone(), image.digest.clone()))
        .collect()
}
