//! `PlanShift`: a node whose change differs between the plan apply was given and the plan
//! made again once the images it pulled are known.
//!
//! A plan made while an image is not in the cache cannot know the image's digest: a node
//! built from it may look unchanged (or only updated) when the pulled image is in fact new,
//! and carrying out such a plan would record the new image on a domain whose disk still
//! stands on the old one. So apply plans again after pulling, and refuses when any node's
//! change moved; it never carries out a plan nobody saw. Pure: it compares two plans. Only
//! node changes count: an image upload's change names its base volume once the digest is
//! known, which is no change of what apply does.

use super::plan::{Action, Change, Plan};
use super::reason::Reason;
use super::target::Target;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanShift {
    pub host: String,
    /// The lab's node name.
    pub node: String,
    /// The change the plan had for the node (`None`: none).
    pub planned: Option<Action>,
    /// The change it needs now (`None`: none), and why.
    pub now: Option<(Action, Reason)>,
}

impl PlanShift {
    /// Every node whose change in `now` differs from its change in `planned`, in host and
    /// node order.
    pub fn between(planned: &Plan, now: &Plan) -> Vec<PlanShift> {
        let before = node_changes(planned);
        let after = node_changes(now);
        let mut keys: Vec<&(String, String)> = before.keys().chain(after.keys()).collect();
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .filter_map(|key| {
                let old = before.get(key).map(|c| c.action);
                let new = after.get(key).map(|c| (c.action, c.reason.clone()));
                (old != new.as_ref().map(|(a, _)| *a)).then(|| PlanShift {
                    host: key.0.clone(),
                    node: key.1.clone(),
                    planned: old,
                    now: new,
                })
            })
            .collect()
    }
}

/// `node web-1@local: the plan said ~ update; now -/+ replace: its image changed (...)`.
impl fmt::Display for PlanShift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let said = match self.planned {
            Some(action) => format!("the plan said {} {}", action.symbol(), word(action)),
            None => "the plan left it alone".to_string(),
        };
        let now = match &self.now {
            Some((action, reason)) => {
                format!("now {} {}: {reason}", action.symbol(), word(*action))
            }
            None => "now it needs no change".to_string(),
        };
        write!(f, "node {}@{}: {said}; {now}", self.node, self.host)
    }
}

fn word(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Replace => "replace",
        Action::Delete => "delete",
        Action::Start => "start",
    }
}

fn node_changes(plan: &Plan) -> BTreeMap<(String, String), &Change> {
    plan.changes
        .iter()
        .filter_map(|change| match &change.target {
            Target::Node { node, .. } => Some(((change.host.clone(), node.clone()), change)),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::Artifact;
    use crate::planner::target::NodeNeeds;

    fn node(name: &str, action: Action, reason: Reason) -> Change {
        Change {
            host: "local".into(),
            target: Target::Node {
                node: name.into(),
                domain: format!("vlab-lab-{name}"),
                needs: Some(NodeNeeds {
                    image: "tiny".into(),
                    networks: Vec::new(),
                }),
            },
            action,
            before: None,
            after: None,
            reason,
            attributes: None,
        }
    }

    fn image(volume: Option<&str>) -> Change {
        Change {
            host: "local".into(),
            target: Target::Image {
                image: "tiny".into(),
                artifact: Artifact::Disk,
                volume: volume.map(str::to_string),
            },
            action: Action::Create,
            before: None,
            after: None,
            reason: Reason::ImageNotPulled,
            attributes: None,
        }
    }

    fn plan(changes: Vec<Change>) -> Plan {
        Plan {
            lab: "lab".into(),
            changes,
            conflicts: Vec::new(),
        }
    }

    #[test]
    fn the_same_node_changes_are_no_shift_even_when_the_image_volume_became_known() {
        let before = plan(vec![
            image(None),
            node("a", Action::Create, Reason::NewNode),
        ]);
        let after = plan(vec![
            image(Some("vlab-base-sha256-ab")),
            node("a", Action::Create, Reason::NewNode),
        ]);
        assert_eq!(PlanShift::between(&before, &after), Vec::new());
    }

    #[test]
    fn an_update_that_became_a_replace_is_a_shift_that_says_why() {
        let changed = Reason::ImageChanged {
            from: "vlab-base-sha256-aa".into(),
            to: "vlab-base-sha256-bb".into(),
        };
        let before = plan(vec![node("a", Action::Update, Reason::SettingsChanged)]);
        let after = plan(vec![node("a", Action::Replace, changed.clone())]);
        let shifts = PlanShift::between(&before, &after);
        assert_eq!(
            shifts,
            vec![PlanShift {
                host: "local".into(),
                node: "a".into(),
                planned: Some(Action::Update),
                now: Some((Action::Replace, changed)),
            }]
        );
        let text = shifts[0].to_string();
        assert!(
            text.starts_with("node a@local: the plan said ~ update; now -/+ replace: its image")
        );
    }

    #[test]
    fn a_node_the_plan_left_alone_that_now_needs_a_change_or_no_longer_does_is_a_shift() {
        let before = plan(vec![
            image(None),
            node("b", Action::Update, Reason::SettingsChanged),
        ]);
        let after = plan(vec![node(
            "a",
            Action::Replace,
            Reason::ImageChanged {
                from: "x".into(),
                to: "y".into(),
            },
        )]);
        let shifts = PlanShift::between(&before, &after);
        let nodes: Vec<_> = shifts
            .iter()
            .map(|s| (s.node.as_str(), s.planned))
            .collect();
        assert_eq!(nodes, vec![("a", None), ("b", Some(Action::Update))]);
        assert!(shifts[0].to_string().contains("the plan left it alone"));
        assert!(shifts[1].to_string().ends_with("now it needs no change"));
    }
}
