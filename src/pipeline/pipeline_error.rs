//! `PipelineError`: why a stage of the pipeline could not go on, once the lab file reads
//! cleanly (problems in the file itself are `Diagnostics`, carried by `Invalid`). Each
//! variant names its stage; `hint` is what the user can do about it, rendered once by the
//! command line, never sewn into the message.

use crate::cloud_init::render_error::RenderError;
use crate::image_store::pull_error::PullError;
use crate::lab_lock::LockError;
use crate::language::diagnostic::Diagnostics;
use crate::language::lab_source::{LabSource, SourceError};
use crate::language::name_rules::unknown_help;
use crate::libvirt::observer::ObserveError;
use crate::planner::name_conflict::NameConflict;
use crate::planner::plan_shift::PlanShift;
use crate::saved_plan::SavedPlanError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The lab file could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The lab file was read and has problems; the command prints them.
    #[error("{} has {} problem(s)", file.display, diagnostics.len())]
    Invalid {
        file: Box<LabSource>,
        diagnostics: Diagnostics,
    },
    #[error("the lab has no node `{node}`")]
    UnknownNode { node: String, known: Vec<String> },
    /// `--seat` or `--node` does not fit the lab.
    #[error(transparent)]
    Selection(#[from] crate::lab::selection::SelectionError),
    /// `--target` or `--replace` names nothing vlab can act on.
    #[error(transparent)]
    Target(#[from] crate::planner::resource_address::AddressError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Access(#[from] super::node_access::AccessError),
    #[error("cannot build the seed image: {0}")]
    SeedImage(#[source] std::io::Error),
    #[error("cannot build the seed of `{node}`: {source}")]
    Seed {
        node: String,
        #[source]
        source: std::io::Error,
    },
    /// The image cache could not be opened.
    #[error("{0}")]
    Cache(PullError),
    /// Some images could not be pulled; each failure is listed.
    #[error("{} image(s) could not be pulled", .0.len())]
    Pull(Vec<PullError>),
    #[error("interrupted")]
    Interrupted,
    #[error(transparent)]
    Observe(#[from] ObserveError),
    #[error(transparent)]
    Locked(#[from] LockError),
    /// The plan does not fit its hosts: nothing was changed.
    #[error("the plan does not fit its hosts, so nothing was changed:\n  {}", .0.join("\n  "))]
    Capacity(Vec<String>),
    #[error("cannot create {}: {source}", path.display())]
    Staging {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error(transparent)]
    SavedPlan(#[from] SavedPlanError),
    #[error("{} changed since the plan was made", .0.display())]
    LabChangedSincePlan(PathBuf),
    #[error(
        "the hosts changed since the plan was made: it no longer describes what apply would do"
    )]
    HostsChangedSincePlan,
    /// An instance's ranges could not be given (a host that cannot be read, a full pool).
    #[error("{message}")]
    Instance { message: String },
    /// The images apply pulled change what some node needs: nothing was changed on the
    /// hosts (the images are in the cache now, so the next plan is right).
    #[error("{}", pulled_images(.0))]
    PulledImagesChangeThePlan(Vec<PlanShift>),
    /// Names the lab needs are held by domains vlab does not own: nothing was changed.
    #[error("{}", names_taken(.0))]
    NamesTaken(Vec<NameConflict>),
}

fn pulled_images(shifts: &[PlanShift]) -> String {
    let mut message = String::from(
        "the images just pulled were not in the cache when the plan was made, and they change \
         what the plan must do; nothing was changed on the hosts:",
    );
    for shift in shifts {
        message.push_str(&format!("\n  {shift}"));
    }
    message
}

fn names_taken(conflicts: &[NameConflict]) -> String {
    let mut message = format!(
        "{} name(s) the lab needs are taken; nothing was changed",
        conflicts.len()
    );
    for conflict in conflicts {
        message.push_str("\n  ");
        message.push_str(&conflict.to_string());
    }
    message
}

impl PipelineError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            PipelineError::Source(e) => e.help(),
            PipelineError::SavedPlan(e) => e.hint(),
            PipelineError::UnknownNode { node, known } => {
                Some(unknown_help("node", node, known.iter().map(String::as_str)))
            }
            PipelineError::Render(e) => e.help.clone(),
            PipelineError::Selection(e) => Some(e.hint()),
            PipelineError::Target(e) => Some(e.hint()),
            PipelineError::Observe(_) => {
                Some("is libvirtd running there, and can this user reach it?".into())
            }
            PipelineError::Interrupted => {
                Some("partial downloads are kept; the next pull resumes them".into())
            }
            PipelineError::Capacity(_) => Some(
                "make the lab smaller (fewer seats, less memory), free the host, or spread the nodes over more hosts; `--skip-capacity-check` applies anyway"
                    .into(),
            ),
            PipelineError::Locked(_) => Some(
                "another apply or destroy of this lab is running; wait, or use --lock-timeout"
                    .into(),
            ),
            PipelineError::NamesTaken(_) => Some(
                "vlab never changes a domain it does not own: rename the node (or the lab), or \
                 remove that domain yourself (`virsh undefine NAME`) if it is not needed"
                    .into(),
            ),
            PipelineError::LabChangedSincePlan(_) | PipelineError::HostsChangedSincePlan => {
                Some("run `vlab plan -o FILE` again and review the new plan".into())
            }
            PipelineError::Instance { .. } => Some(
                "an instance's networks take their ranges from the instance pool \
                 (--instance-pool or VLAB_INSTANCE_POOL, default 10.224.0.0/12): give a larger \
                 or another pool, or remove instances no longer needed (`vlab destroy --instance`)"
                    .into(),
            ),
            PipelineError::PulledImagesChangeThePlan(_) => Some(
                "the images are in the cache now: run `vlab plan` to review the new plan, then \
                 apply again"
                    .into(),
            ),
            PipelineError::Access(_) => Some(
                "vlab keeps each lab's SSH keys in ~/.local/share/vlab/labs/LAB (or under \
                 VLAB_DATA_DIR or XDG_DATA_HOME): check that it can write there"
                    .into(),
            ),
            PipelineError::Invalid { .. }
            | PipelineError::Seed { .. }
            | PipelineError::SeedImage(_)
            | PipelineError::Cache(_)
            | PipelineError::Pull(_)
            | PipelineError::Staging { .. }
            | PipelineError::Runtime(_) => None,
        }
    }
}
