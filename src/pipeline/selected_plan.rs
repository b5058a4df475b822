//! Plans of a selection (`--seat`, `--node`): the lab's plan, or its destroy plan,
//! restricted to the selected nodes by the planner's `Scope`, with what the plan output says
//! about the selection; and plans with `--target` and `--replace` (the planner's
//! `Targeting`), restricted after the selection, with what the output says about them. The
//! whole lab when nothing is selected, exactly as `plan` and `destroy_plan` make it.

use super::{PipelineError, Planned, converge};
use crate::lab::Lab;
use crate::lab::selection::Selection;
use crate::libvirt::Connections;
use crate::planner::plan::Plan;
use crate::planner::scope::Scope;
use crate::planner::targeting::TargetRequest;
use serde::Serialize;

/// What a plan of a selection covered, for people and for `--json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectionOutcome {
    pub selection: Selection,
    /// The selected nodes' names.
    pub nodes: Vec<String>,
    /// The lab's nodes outside the selection.
    pub outside: usize,
    /// Changes of the whole lab's plan that the selection left out.
    pub left_out: usize,
}

impl SelectionOutcome {
    /// `Selection: seat 3 (2 nodes); 10 nodes outside it are not changed.`
    pub fn headline(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "Selection: {} ({}); {} outside it {} not changed.",
            self.selection.describe(),
            plural(self.nodes.len(), "node", "nodes"),
            plural(self.outside, "node", "nodes"),
            if self.outside == 1 { "is" } else { "are" },
        )
    }

    /// Said when the selection left changes out, else `None`.
    pub fn left_out_line(&self) -> Option<String> {
        (self.left_out > 0).then(|| {
            format!(
                "{} change(s) outside the selection are left out; plan without --seat/--node to see them.",
                self.left_out
            )
        })
    }
}

/// What a plan with `--target` or `--replace` covered, for people and for `--json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetOutcome {
    /// The full addresses targeted and to rebuild.
    #[serde(flatten)]
    pub request: TargetRequest,
    /// Changes that the targets left out.
    pub left_out: usize,
}

impl TargetOutcome {
    /// `Targets: node.lab_web@local; rebuilt on request: node.lab_db@local.`
    pub fn headline(&self) -> String {
        let mut parts = Vec::new();
        if !self.request.targets.is_empty() {
            parts.push(format!("Targets: {}", self.request.targets.join(", ")));
        }
        if !self.request.replace.is_empty() {
            parts.push(format!(
                "rebuilt on request: {}",
                self.request.replace.join(", ")
            ));
        }
        format!("{}.", parts.join("; "))
    }

    /// Said when the targets left changes out, else `None`.
    pub fn left_out_line(&self) -> Option<String> {
        (self.left_out > 0).then(|| {
            format!(
                "{} change(s) outside the targets are left out; plan without --target to see them.",
                self.left_out
            )
        })
    }
}

/// The lab's plan restricted to `selection` (the whole plan when it selects all).
pub fn plan(
    lab: &Lab,
    connections: &Connections,
    selection: &Selection,
) -> Result<(Planned, Option<SelectionOutcome>), PipelineError> {
    let (planned, outcome, _) = plan_with(lab, connections, selection, &TargetRequest::default())?;
    Ok((planned, outcome))
}

/// The lab's plan with the nodes `request` asks for rebuilt, restricted to `selection` and
/// then to `request`'s targets; what each restriction covered (`None`: none asked for).
pub fn plan_with(
    lab: &Lab,
    connections: &Connections,
    selection: &Selection,
    request: &TargetRequest,
) -> Result<(Planned, Option<SelectionOutcome>, Option<TargetOutcome>), PipelineError> {
    let checked = if selection.is_all() {
        None
    } else {
        Some(Checked::new(lab, selection)?)
    };
    let mut planned = super::plan_with(lab, connections, request)?;
    let outcome = checked.map(|checked| {
        planned.scope = Some(checked.scope.clone());
        let (plan, outcome) = checked.restrict(std::mem::take(&mut planned.plan), selection);
        planned.plan = plan;
        outcome
    });
    let targets = (!planned.targeting.is_empty()).then(|| {
        let (plan, left_out) = planned
            .targeting
            .restrict(std::mem::take(&mut planned.plan));
        planned.plan = plan;
        TargetOutcome {
            request: planned.targeting.request(),
            left_out,
        }
    });
    Ok((planned, outcome, targets))
}

/// The destroy plan restricted to `selection`: the selected nodes, and the networks of the
/// seats it holds whole. Base images are shared: a selection never purges them (the
/// command refuses `--purge-images` with one).
pub fn destroy_plan(
    lab: &Lab,
    purge_images: bool,
    connections: &Connections,
    selection: &Selection,
) -> Result<(Plan, Option<SelectionOutcome>), PipelineError> {
    if selection.is_all() {
        return Ok((
            converge::destroy_plan(lab, purge_images, connections)?,
            None,
        ));
    }
    let checked = Checked::new(lab, selection)?;
    let plan = converge::destroy_plan(lab, false, connections)?;
    let (plan, outcome) = checked.restrict(plan, selection);
    Ok((plan, Some(outcome)))
}

/// A selection checked against the lab, before anything is observed.
struct Checked {
    scope: Scope,
    nodes: Vec<String>,
    outside: usize,
}

impl Checked {
    fn new(lab: &Lab, selection: &Selection) -> Result<Checked, PipelineError> {
        let selected = selection.resolve(lab)?;
        Ok(Checked {
            scope: Scope::new(lab, &selected),
            nodes: selected.nodes,
            outside: selected.outside,
        })
    }

    fn restrict(self, plan: Plan, selection: &Selection) -> (Plan, SelectionOutcome) {
        let (plan, left_out) = self.scope.restrict(plan);
        let outcome = SelectionOutcome {
            selection: selection.clone(),
            nodes: self.nodes,
            outside: self.outside,
            left_out,
        };
        (plan, outcome)
    }
}
