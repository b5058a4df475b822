//! The pipeline: the stages every command is made of, in the order data flows.
//!
//! ```text
//! load -> (resolve) -> render -> observe -> plan        read-only: validate, plan, status
//!                                           pull -> apply    apply, destroy
//! ```
//!
//! `load` reads and checks the lab file (the language stage and the resolver); `render`
//! builds each node's cloud-init seed (with the lab's SSH keys, made on first use:
//! `node_access`) and spec digest; `plan` observes the hosts through the
//! command's `Connections` and asks the pure planner what to change; `seed_diffs` reads the
//! old cloud-init files of the nodes a plan rebuilds for new ones, to show the plan; `images`
//! pulls what a plan needs; `converge` carries a plan out through the applier; `lab_checks`
//! prepares the checks `vlab test` runs; `instance_load` loads a lab as an instance of
//! itself. Commands call these and
//! print; nothing here prints, asks, or reads flags, and every failure is a
//! `PipelineError` with its hint.

pub(crate) mod capacity;
pub(crate) mod converge;
pub(crate) mod images;
pub mod instance_load;
pub mod lab_checks;
pub mod node_access;
pub mod node_control;
pub(crate) mod node_preview;
pub mod node_states;
pub mod node_status;
pub mod pipeline_error;
pub mod seed_diffs;
pub mod selected_plan;

pub use pipeline_error::PipelineError;

use crate::access::lab_keys::LabKeys;
use crate::checksum::Checksum;
use crate::cloud_init::{self, GuestKeys};
use crate::host::node_record::NodeRecord;
use crate::host::spec_digest;
use crate::lab::{Artifact, Lab};
use crate::language::lab_source::LabSource;
use crate::libvirt::Connections;
use crate::planner::desired::{self, NodeInputs};
use crate::planner::observed::Observed;
use crate::planner::plan::Plan;
use crate::planner::scope::Scope;
use crate::planner::targeting::{TargetRequest, Targeting};
use std::collections::BTreeMap;
use std::path::Path;

/// A lab file read and checked: its text (for saved plans) and the checked model.
pub struct LoadedLab {
    pub source: LabSource,
    pub lab: Lab,
}

/// Reads and checks the lab file: the checked lab, or why not (a file that cannot be read,
/// or the diagnostics of one that has problems).
pub fn load(file: &Path) -> Result<LoadedLab, PipelineError> {
    let source = LabSource::read(file)?;
    match crate::check_with(&source, crate::CheckOptions::from_env()) {
        Ok(lab) => Ok(LoadedLab { source, lab }),
        Err(diagnostics) => Err(PipelineError::Invalid {
            file: Box::new(source),
            diagnostics,
        }),
    }
}

/// `load`, or with an instance asked for, the lab as that instance (`instance_load`), which
/// reads the hosts' networks.
pub fn load_as(
    file: &Path,
    instance: Option<&instance_load::InstanceRequest>,
) -> Result<LoadedLab, PipelineError> {
    match instance {
        Some(request) => instance_load::load(file, request),
        None => load(file),
    }
}

/// Renders every node's seed and computes its spec digest and record, with the content
/// digests known for the images and their kernels and initrds.
pub fn render(
    lab: &Lab,
    digests: &BTreeMap<String, Checksum>,
) -> Result<BTreeMap<String, NodeInputs>, PipelineError> {
    render_with_keys(lab, digests, &node_access::lab_keys(lab)?)
}

/// `render` with the lab's keys from `lab_keys` (a folder other than vlab's data directory).
pub fn render_with_keys(
    lab: &Lab,
    digests: &BTreeMap<String, Checksum>,
    lab_keys: &LabKeys,
) -> Result<BTreeMap<String, NodeInputs>, PipelineError> {
    let mut nodes = BTreeMap::new();
    for node in &lab.nodes {
        let keys = GuestKeys::for_node(lab, node, lab_keys).map_err(|source| {
            node_access::AccessError::Keys {
                dir: lab_keys.dir().display().to_string(),
                source,
            }
        })?;
        let rendered = cloud_init::render_with(lab, node, &keys)?;
        let seed = rendered.seed().map_err(|source| PipelineError::Seed {
            node: node.name.clone(),
            source,
        })?;
        let boot = (
            digests.get(&Artifact::Kernel.name(&node.image)),
            digests.get(&Artifact::Initrd.name(&node.image)),
        );
        let image = lab.image(&node.image);
        let digest = spec_digest::node_digest(node, image, boot, &seed);
        let record = NodeRecord::of(node, image, digests, rendered.secret_lines());
        nodes.insert(
            node.name.clone(),
            NodeInputs {
                seed,
                digest,
                record,
            },
        );
    }
    Ok(nodes)
}

/// A plan with what it was made from, for apply: the nodes as rendered, the hosts as
/// observed and the selection and targets it was restricted to, so that apply can plan again
/// once the images it pulled are known (`converge::apply`).
pub struct Planned {
    pub plan: Plan,
    pub nodes: BTreeMap<String, NodeInputs>,
    pub observed: Observed,
    pub scope: Option<Scope>,
    /// `--target` and `--replace`, resolved (empty: none).
    pub targeting: Targeting,
}

impl Planned {
    /// The plan made again against the same observation with `nodes` rendered from
    /// `digests`, with the same nodes rebuilt on request and restricted to the same selection
    /// and targets.
    pub fn again(
        &self,
        lab: &Lab,
        nodes: &BTreeMap<String, NodeInputs>,
        digests: &BTreeMap<String, Checksum>,
    ) -> Plan {
        let mut desired = desired::desired(lab, nodes, digests);
        self.targeting.mark(&mut desired);
        let plan = crate::planner::plan(&desired, &self.observed);
        let plan = match &self.scope {
            Some(scope) => scope.restrict(plan).0,
            None => plan,
        };
        self.targeting.restrict(plan).0
    }
}

/// Renders every node, looks up the images in the cache, observes the hosts and plans. A plan
/// that needs a name something vlab does not own holds is refused (`NamesTaken`).
pub fn plan(lab: &Lab, connections: &Connections) -> Result<Planned, PipelineError> {
    plan_with(lab, connections, &TargetRequest::default())
}

/// `plan` with the nodes `request` asks to rebuild marked before planning. The plan is the
/// whole lab's: `Planned::targeting` restricts it (`selected_plan`). An address that names
/// nothing is an error (`Target`).
pub fn plan_with(
    lab: &Lab,
    connections: &Connections,
    request: &TargetRequest,
) -> Result<Planned, PipelineError> {
    let store = images::open_store()?;
    let digests = images::known_digests(lab, &store);
    let nodes = render(lab, &digests)?;
    let mut desired = desired::desired(lab, &nodes, &digests);
    let observed = crate::libvirt::observer::observe(lab, connections)?;
    let targeting = Targeting::resolve(request, &desired, &observed)?;
    targeting.mark(&mut desired);
    let plan = crate::planner::plan(&desired, &observed);
    if !plan.conflicts.is_empty() {
        return Err(PipelineError::NamesTaken(plan.conflicts));
    }
    Ok(Planned {
        plan,
        nodes,
        observed,
        scope: None,
        targeting,
    })
}
