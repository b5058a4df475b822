//! `Schedule`: the order constraints between one host's changes, as a dependency list. Pure:
//! no I/O, so every rule is a unit test.
//!
//! - a node is built after the pool, its image (with its kernel and initrd), the networks and links it attaches to, and
//!   after the host's node deletions (which free names, addresses and memory);
//! - an image is uploaded after the pool exists;
//! - a network is deleted after the deleted nodes that were on it are gone, and created after
//!   the deletions of networks (a renamed network may reuse the old one's subnet);
//! - volumes are deleted last, once no domain being deleted or rebuilt can still use them.
//!
//! Everything else may run at once; the applier bounds how many run together.

use crate::host::resource_names as names;
use crate::lab::Lab;
use crate::planner::plan::{Action, Change, ResourceKind};

/// For each change (by position), the positions of the changes it must wait for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub deps: Vec<Vec<usize>>,
}

impl Schedule {
    /// The constraints between `changes`, all of one host.
    pub fn new(lab: &Lab, changes: &[Change]) -> Schedule {
        let positions = |keep: &dyn Fn(&Change) -> bool| -> Vec<usize> {
            (0..changes.len()).filter(|&i| keep(&changes[i])).collect()
        };
        let is = |kind: ResourceKind, actions: &'static [Action]| {
            move |c: &Change| c.kind == kind && actions.contains(&c.action)
        };
        let pool = positions(&|c| c.kind == ResourceKind::Pool);
        let node_deletes = positions(&is(ResourceKind::Node, &[Action::Delete]));
        let network_deletes = positions(&is(ResourceKind::Network, &[Action::Delete]));
        let node_changes = positions(&|c| c.kind == ResourceKind::Node);
        let deps = changes
            .iter()
            .map(|change| match (change.kind, change.action) {
                (ResourceKind::Pool, _) | (ResourceKind::Node, Action::Delete) => Vec::new(),
                (ResourceKind::Image, _) => pool.clone(),
                (ResourceKind::Volume, _) => node_changes.clone(),
                (ResourceKind::Network, Action::Delete) => node_deletes.clone(),
                (
                    ResourceKind::Network,
                    Action::Create | Action::Replace | Action::Update | Action::Start,
                ) => network_deletes.clone(),
                (
                    ResourceKind::Node,
                    Action::Create | Action::Replace | Action::Update | Action::Start,
                ) => {
                    let wanted = node_prerequisites(lab, &change.name);
                    let mut deps: Vec<usize> = pool.clone();
                    deps.extend(&node_deletes);
                    deps.extend(positions(&|c| {
                        matches!(c.kind, ResourceKind::Image | ResourceKind::Network)
                            && c.action != Action::Delete
                            && wanted.contains(&(c.kind, c.name.clone()))
                    }));
                    deps.sort_unstable();
                    deps
                }
            })
            .collect();
        Schedule { deps }
    }
}

/// The image and networks the node whose domain is `domain` needs, as (kind, change name).
fn node_prerequisites(lab: &Lab, domain: &str) -> Vec<(ResourceKind, String)> {
    let Some(node) = lab
        .nodes
        .iter()
        .find(|n| names::domain(&lab.name, &n.name) == domain)
    else {
        return Vec::new();
    };
    let mut wanted: Vec<(ResourceKind, String)> = crate::lab::Artifact::ALL
        .iter()
        .map(|artifact| (ResourceKind::Image, artifact.name(&node.image)))
        .collect();
    for interface in &node.interfaces {
        let network = names::attachment_network(&lab.name, &interface.attachment);
        wanted.push((ResourceKind::Network, network));
    }
    wanted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::lab_source::LabSource;

    fn lab() -> Lab {
        let text = r#"
lab "s"
image "a" url="https://example.net/a.qcow2" checksum="sha256:9c3b21fcd1e1f6d8ad1e5b4b7f4f1d3ba5e8c6a1f0d2e3b4c5d6e7f8091a2b3c"
image "b" url="https://example.net/b.qcow2" checksum="sha256:9c3b21fcd1e1f6d8ad1e5b4b7f4f1d3ba5e8c6a1f0d2e3b4c5d6e7f8091a2b3c"
network "one" cidr="10.1.0.0/24"
network "two" cidr="10.2.0.0/24"
node "x" image="a" { interface network="one"; }
node "y" image="b" { interface network="two"; }
"#;
        let source = LabSource {
            path: "lab.kdl".into(),
            display: "lab.kdl".into(),
            text: std::sync::Arc::new(text.into()),
        };
        crate::check(&source).expect("valid lab")
    }

    fn change(kind: ResourceKind, name: &str, action: Action) -> Change {
        Change {
            host: "local".into(),
            kind,
            name: name.into(),
            action,
            before: None,
            after: None,
            reason: String::new(),
        }
    }

    #[test]
    fn a_node_waits_for_its_own_image_and_network_only() {
        let changes = vec![
            change(ResourceKind::Pool, "vlab", Action::Create),
            change(ResourceKind::Image, "a", Action::Create),
            change(ResourceKind::Image, "b", Action::Create),
            change(ResourceKind::Network, "vlab_s_one", Action::Create),
            change(ResourceKind::Network, "vlab_s_two", Action::Create),
            change(ResourceKind::Node, "s_x", Action::Create),
            change(ResourceKind::Node, "s_y", Action::Create),
        ];
        let s = Schedule::new(&lab(), &changes);
        assert_eq!(s.deps[0], Vec::<usize>::new());
        assert_eq!(s.deps[1], vec![0]);
        assert_eq!(s.deps[3], Vec::<usize>::new());
        assert_eq!(s.deps[5], vec![0, 1, 3]);
        assert_eq!(s.deps[6], vec![0, 2, 4]);
    }

    #[test]
    fn deletions_come_first_and_volumes_last() {
        let changes = vec![
            change(ResourceKind::Volume, "s_old_root.qcow2", Action::Delete),
            change(ResourceKind::Network, "vlab_s_old", Action::Delete),
            change(ResourceKind::Node, "s_old", Action::Delete),
            change(ResourceKind::Network, "vlab_s_one", Action::Create),
            change(ResourceKind::Node, "s_x", Action::Replace),
        ];
        let s = Schedule::new(&lab(), &changes);
        assert_eq!(s.deps[0], vec![2, 4], "volumes wait for every node change");
        assert_eq!(
            s.deps[1],
            vec![2],
            "a network goes after the nodes deleted from it"
        );
        assert_eq!(s.deps[2], Vec::<usize>::new());
        assert_eq!(s.deps[3], vec![1], "new networks after deleted ones");
        assert_eq!(s.deps[4], vec![2, 3]);
    }

    #[test]
    fn the_schedule_has_no_cycles() {
        let kinds = [
            ResourceKind::Pool,
            ResourceKind::Image,
            ResourceKind::Network,
            ResourceKind::Node,
            ResourceKind::Volume,
        ];
        let actions = [
            Action::Create,
            Action::Update,
            Action::Replace,
            Action::Delete,
            Action::Start,
        ];
        let mut changes = Vec::new();
        for kind in kinds {
            for action in actions {
                let name = match kind {
                    ResourceKind::Node => "s_x",
                    ResourceKind::Network => "vlab_s_one",
                    ResourceKind::Image => "a",
                    ResourceKind::Pool | ResourceKind::Volume => "v",
                };
                changes.push(change(kind, name, action));
            }
        }
        let s = Schedule::new(&lab(), &changes);
        // Depth-first search for a back edge.
        fn visit(i: usize, deps: &[Vec<usize>], state: &mut [u8]) -> bool {
            if state[i] == 1 {
                return false;
            }
            if state[i] == 2 {
                return true;
            }
            state[i] = 1;
            let ok = deps[i].iter().all(|&j| visit(j, deps, state));
            state[i] = 2;
            ok
        }
        let mut state = vec![0u8; changes.len()];
        for (i, change) in changes.iter().enumerate() {
            assert!(visit(i, &s.deps, &mut state), "cycle through {change:?}");
        }
    }
}
