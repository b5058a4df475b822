//! `Schedule`: the order constraints between one host's changes, as a dependency list. Pure:
//! no I/O, so every rule is a unit test.
//!
//! - a node is built after the pool, its image (with its kernel and initrd), the networks and
//!   links it attaches to (all named in its change's target), and after the host's node
//!   deletions (which free names, addresses and memory);
//! - an image is uploaded after the pool exists;
//! - a network is deleted after the deleted nodes that were on it are gone, and created after
//!   the deletions of networks (a renamed network may reuse the old one's subnet);
//! - volumes are deleted last, once no domain being deleted or rebuilt can still use them.
//!
//! Everything else may run at once; the applier bounds how many run together.

use crate::planner::plan::{Action, Change};
use crate::planner::target::ResourceKind;
use crate::planner::target::{NodeNeeds, Target};

/// For each change (by position), the positions of the changes it must wait for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub deps: Vec<Vec<usize>>,
}

impl Schedule {
    /// The constraints between `changes`, all of one host. What a node needs is in its
    /// change's target.
    pub fn new(changes: &[Change]) -> Schedule {
        use Action::{Create, Delete, Replace, Start, Update};
        let positions = |keep: &dyn Fn(&Change) -> bool| -> Vec<usize> {
            (0..changes.len()).filter(|&i| keep(&changes[i])).collect()
        };
        let is = |kind: ResourceKind, actions: &'static [Action]| {
            move |c: &Change| c.kind() == kind && actions.contains(&c.action)
        };
        let pool = positions(&|c| c.kind() == ResourceKind::Pool);
        let node_deletes = positions(&is(ResourceKind::Node, &[Action::Delete]));
        let network_deletes = positions(&is(ResourceKind::Network, &[Action::Delete]));
        let node_changes = positions(&|c| c.kind() == ResourceKind::Node);
        let deps = changes
            .iter()
            .map(|change| match (&change.target, change.action) {
                (Target::Pool { .. }, Create | Update | Replace | Delete | Start)
                | (Target::Node { .. }, Delete) => Vec::new(),
                (Target::Image { .. }, Create | Update | Replace | Delete | Start) => pool.clone(),
                (Target::Volume { .. }, Create | Update | Replace | Delete | Start) => {
                    node_changes.clone()
                }
                (Target::Network { .. }, Delete) => node_deletes.clone(),
                (Target::Network { .. }, Create | Replace | Update | Start) => {
                    network_deletes.clone()
                }
                (Target::Node { needs, .. }, Create | Replace | Update | Start) => {
                    let mut deps: Vec<usize> = pool.clone();
                    deps.extend(&node_deletes);
                    if let Some(needs) = needs {
                        deps.extend(positions(&|c| {
                            c.action != Action::Delete && provides(c, needs)
                        }));
                    }
                    deps.sort_unstable();
                    deps
                }
            })
            .collect();
        Schedule { deps }
    }
}

/// Whether `change` makes something a node with `needs` boots from or attaches to: a file
/// of its image, or one of its networks.
fn provides(change: &Change, needs: &NodeNeeds) -> bool {
    match &change.target {
        Target::Image { image, .. } => *image == needs.image,
        Target::Network { name, .. } => needs.networks.contains(name),
        Target::Pool { .. } | Target::Node { .. } | Target::Volume { .. } => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::Artifact;
    use crate::planner::reason::Reason;

    fn change(target: Target, action: Action) -> Change {
        Change {
            host: "local".into(),
            target,
            action,
            before: None,
            after: None,
            reason: Reason::NewNode,
            attributes: None,
        }
    }

    fn pool() -> Target {
        Target::Pool {
            name: "vlab".into(),
        }
    }

    fn image(image: &str) -> Target {
        Target::Image {
            image: image.into(),
            artifact: Artifact::Disk,
            volume: None,
        }
    }

    fn network(name: &str) -> Target {
        Target::Network {
            name: name.into(),
            xml: None,
        }
    }

    /// Node `x` boots image `a` on network `one`, node `y` image `b` on network `two`.
    fn node(node: &str) -> Target {
        let (image, network) = if node == "x" {
            ("a", "one")
        } else {
            ("b", "two")
        };
        Target::Node {
            node: node.into(),
            domain: format!("s_{node}"),
            needs: Some(NodeNeeds {
                image: image.into(),
                networks: vec![format!("vlab_s_{network}")],
            }),
        }
    }

    fn gone(node: &str) -> Target {
        Target::Node {
            node: node.into(),
            domain: format!("s_{node}"),
            needs: None,
        }
    }

    fn volume(name: &str) -> Target {
        Target::Volume { name: name.into() }
    }

    #[test]
    fn a_node_waits_for_its_own_image_and_network_only() {
        let kernel = Target::Image {
            image: "a".into(),
            artifact: Artifact::Kernel,
            volume: None,
        };
        let changes = vec![
            change(pool(), Action::Create),
            change(image("a"), Action::Create),
            change(image("b"), Action::Create),
            change(network("vlab_s_one"), Action::Create),
            change(network("vlab_s_two"), Action::Create),
            change(node("x"), Action::Create),
            change(node("y"), Action::Create),
            change(kernel, Action::Create),
        ];
        let s = Schedule::new(&changes);
        assert_eq!(s.deps[0], Vec::<usize>::new());
        assert_eq!(s.deps[1], vec![0]);
        assert_eq!(s.deps[3], Vec::<usize>::new());
        assert_eq!(s.deps[5], vec![0, 1, 3, 7], "its image's kernel too");
        assert_eq!(s.deps[6], vec![0, 2, 4]);
    }

    #[test]
    fn deletions_come_first_and_volumes_last() {
        let changes = vec![
            change(volume("s_old_root.qcow2"), Action::Delete),
            change(network("vlab_s_old"), Action::Delete),
            change(gone("old"), Action::Delete),
            change(network("vlab_s_one"), Action::Create),
            change(node("x"), Action::Replace),
        ];
        let s = Schedule::new(&changes);
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

    /// Depth-first search for a back edge: false when `i` reaches a cycle.
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

    #[test]
    fn the_schedule_has_no_cycles() {
        let targets = [
            pool(),
            image("a"),
            network("vlab_s_one"),
            node("x"),
            volume("v"),
        ];
        let actions = [
            Action::Create,
            Action::Update,
            Action::Replace,
            Action::Delete,
            Action::Start,
        ];
        let mut changes = Vec::new();
        for target in &targets {
            for action in actions {
                changes.push(change(target.clone(), action));
            }
        }
        let s = Schedule::new(&changes);
        let mut state = vec![0u8; changes.len()];
        for (i, change) in changes.iter().enumerate() {
            assert!(visit(i, &s.deps, &mut state), "cycle through {change:?}");
        }
    }
}
