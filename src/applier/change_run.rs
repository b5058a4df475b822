//! `ChangeRun`: one change of a host's plan, carried out when its prerequisites are done:
//! it waits for them (skipping, and saying which one failed), takes a parallelism slot,
//! makes its libvirt calls on a blocking thread, and for a node that (re)starts waits for
//! the guest to be ready without the slot. On a host where `accel "auto"` picked KVM, a
//! guest whose console stays silent is restarted with software emulation. Deciding what to
//! do is the planner's job; the order is `Schedule`'s.

use super::node_builder;
use super::{ApplyError, ApplyInputs, ApplyReporter};
use crate::lab::Readiness;
use crate::lab::choices::ReadyWhen;
use crate::libvirt::LibvirtError;
use crate::libvirt::console_watch::{ConsoleWatch, WaitFailure};
use crate::libvirt::host_session::HostSession;
use crate::planner::plan::{Action, Change};
use crate::planner::target::Target;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, watch};

/// How long a guest started under KVM that `accel "auto"` has not seen working may print
/// nothing at all before vlab takes KVM for broken. A kernel with a serial console, or GRUB
/// with a serial terminal, prints within seconds under KVM.
const KVM_SILENCE_LIMIT: Duration = Duration::from_secs(30);

/// How a change ended, for the changes waiting on it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done,
    Failed,
    Skipped,
}

pub enum RunResult {
    Done(Option<Duration>),
    Failed(String),
    Skipped(String),
}

impl RunResult {
    pub fn outcome(&self) -> Outcome {
        match self {
            RunResult::Done(_) => Outcome::Done,
            RunResult::Failed(_) => Outcome::Failed,
            RunResult::Skipped(_) => Outcome::Skipped,
        }
    }
}

/// One change with what carrying it out needs.
pub struct ChangeRun {
    pub change: Change,
    pub session: Arc<HostSession>,
    pub inputs: Arc<ApplyInputs>,
    pub reporter: Arc<dyn ApplyReporter>,
}

impl ChangeRun {
    /// Waits for the prerequisites, then for a slot, then carries the change out and (for a
    /// started node) waits for the guest to be ready, without the slot.
    pub async fn after(
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
        .unwrap_or_else(|e| {
            Err(ApplyError::Stopped {
                what: "change",
                message: e.to_string(),
            })
        });
        drop(slot);
        let console = match carried {
            Ok(console) => console,
            Err(e) => return self.fail(e.report()),
        };
        let (Some(console), Some(readiness)) = (console, readiness) else {
            self.reporter.done(&self.change, None);
            return RunResult::Done(None);
        };
        self.reporter.waiting(&self.change, &readiness.describe());
        let silent_limit = console.unproven_kvm.then_some(KVM_SILENCE_LIMIT);
        let waited = self.wait(console, &readiness, silent_limit).await;
        let waited = match waited {
            Err(WaitFailure::Silent) => match self.restart_without_kvm().await {
                Ok(console) => self.wait(console, &readiness, None).await,
                Err(e) => return self.fail(e.report()),
            },
            other => other,
        };
        match waited {
            Ok(after) => {
                self.save_baseline().await;
                self.reporter.done(&self.change, Some(after));
                RunResult::Done(Some(after))
            }
            Err(WaitFailure::Failed(e)) => self.fail(format!("the guest runs, but {e}")),
            Err(WaitFailure::Silent) => self.fail("the guest printed nothing".into()),
        }
    }

    async fn wait(
        &self,
        mut console: ConsoleWatch,
        readiness: &Readiness,
        silent_limit: Option<Duration>,
    ) -> Result<Duration, WaitFailure> {
        let readiness = readiness.clone();
        tokio::task::spawn_blocking(move || console.wait(&readiness, silent_limit))
            .await
            .unwrap_or_else(|e| {
                Err(WaitFailure::Failed(format!(
                    "the readiness wait stopped unexpectedly: {e}"
                )))
            })
    }

    /// `accel "auto"` chose KVM, the domain started, and its console stayed silent: the
    /// sign of a KVM that starts guests but never runs them. The node is defined again with
    /// software emulation (its disks stay) and started, watched again.
    async fn restart_without_kvm(&self) -> Result<ConsoleWatch, ApplyError> {
        self.reporter.warn(&format!(
            "{}: the guest printed nothing in {} s under KVM, so KVM does not work on host `{}`: restarting it with software emulation (set `accel \"tcg\"` there to skip the attempt)",
            self.change.address(),
            KVM_SILENCE_LIMIT.as_secs(),
            self.session.host.name
        ));
        let (session, inputs, reporter, change) = (
            self.session.clone(),
            self.inputs.clone(),
            self.reporter.clone(),
            self.change.clone(),
        );
        tokio::task::spawn_blocking(move || {
            let Target::Node { node, .. } = &change.target else {
                return Err(ApplyError::NotANode(change.address()));
            };
            let node = lab_node(&inputs.lab, node)?;
            let warn = |text: String| reporter.warn(&text);
            node_builder::build_node(&session, &inputs, node, Action::Update, true, true, &warn)?
                .ok_or(ApplyError::NoConsole)
        })
        .await
        .unwrap_or_else(|e| {
            Err(ApplyError::Stopped {
                what: "restart",
                message: e.to_string(),
            })
        })
    }

    /// A KVM node whose writable disks are all qcow2 gets its reset point once it is ready
    /// (`HostSession::save_baseline`); one that cannot be taken is a warning, not a failure:
    /// the guest runs as the lab says, only `vlab reset` will not work for it.
    async fn save_baseline(&self) {
        let Target::Node { node, domain, .. } = &self.change.target else {
            return;
        };
        let Some(lab_node) = self.inputs.lab.node(node) else {
            return;
        };
        let kvm = lab_node.hypervisor == crate::lab::choices::Hypervisor::Kvm;
        let qcow2 = lab_node
            .disks
            .iter()
            .all(|d| d.format == crate::lab::choices::DiskFormat::Qcow2);
        if !kvm || !qcow2 {
            return;
        }
        let description = serde_json::json!({
            "vlab": 1,
            "lab": self.inputs.lab.name,
            "node": node,
            "digest": self.inputs.nodes.get(node).map(|n| n.digest.clone()),
        })
        .to_string();
        let (session, domain) = (self.session.clone(), domain.clone());
        let saved =
            tokio::task::spawn_blocking(move || session.save_baseline(&domain, &description)).await;
        let why = match saved {
            Ok(Ok(())) => return,
            Ok(Err(e)) => e.to_string(),
            Err(e) => e.to_string(),
        };
        self.reporter.warn(&format!(
            "{}: no reset point for `vlab reset` ({why})",
            self.change.address()
        ));
    }

    fn fail(&self, error: String) -> RunResult {
        self.reporter.failed(&self.change, &error);
        RunResult::Failed(error)
    }

    /// What to wait for after this change, if anything: a node that (re)starts, of an image
    /// whose readiness can be seen, when the apply waits at all.
    fn readiness(&self) -> Option<Readiness> {
        let Target::Node {
            needs: Some(needs), ..
        } = &self.change.target
        else {
            return None;
        };
        if !self.inputs.wait || self.change.action == Action::Delete {
            return None;
        }
        let ready = &self.inputs.lab.image(&needs.image)?.ready;
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
) -> Result<Option<ConsoleWatch>, ApplyError> {
    use Action::{Create, Delete, Replace, Start, Update};
    let nothing = |r: Result<(), LibvirtError>| r.map(|()| None).map_err(ApplyError::from);
    let unplanned = || {
        Err(ApplyError::Unplanned {
            action: change.action,
            address: change.address(),
        })
    };
    match (&change.target, change.action) {
        (Target::Pool { .. }, Create | Update | Replace | Start) => nothing(session.ensure_pool()),
        (
            Target::Image {
                image, artifact, ..
            },
            Create | Update | Replace | Start,
        ) => {
            node_builder::upload_image(session, inputs, &artifact.name(image))?;
            Ok(None)
        }
        (Target::Volume { name }, Delete) => nothing(session.delete_volume(name)),
        (Target::Network { name, .. }, Delete) => nothing(session.delete_network(name)),
        (Target::Network { name, .. }, Start) => nothing(session.start_network(name)),
        (Target::Network { name, xml }, Update) => {
            nothing(session.update_network_hosts(name, definition(change, xml.as_deref())?))
        }
        (Target::Network { name, xml }, Create | Replace) => {
            let xml = definition(change, xml.as_deref())?;
            session.delete_network(name)?;
            nothing(session.define_network(name, xml))
        }
        (Target::Node { domain, .. }, Delete) => nothing(session.delete_domain(domain)),
        (Target::Node { domain, .. }, Start) => Ok(session.start_domain(domain, watch)?),
        (Target::Node { node, .. }, action @ (Create | Replace | Update)) => {
            let node = lab_node(&inputs.lab, node)?;
            let warn = |text: String| reporter.warn(&text);
            node_builder::build_node(session, inputs, node, action, watch, false, &warn)
        }
        (Target::Pool { .. } | Target::Image { .. }, Delete)
        | (Target::Volume { .. }, Create | Update | Replace | Start) => unplanned(),
    }
}

/// The definition the planner wrote into a network change that creates, replaces or updates.
fn definition<'a>(change: &Change, xml: Option<&'a str>) -> Result<&'a str, ApplyError> {
    xml.ok_or_else(|| ApplyError::NoDefinition(change.address()))
}

/// The lab's node named `name` (its lab name, as the change's target records it).
fn lab_node<'a>(lab: &'a crate::lab::Lab, name: &str) -> Result<&'a crate::lab::Node, ApplyError> {
    lab.node(name)
        .ok_or_else(|| ApplyError::UnknownNode(name.to_string()))
}
