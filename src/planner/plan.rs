//! `Plan`: the changes that converge the hosts to the lab, as data. Each `Change` has a typed
//! target (see `target`), an action, before and after, a `Reason` for people (the applier
//! never branches on the reason) and, for a node's update or replace, its `AttributeDiff`.
//! Also how a change is written as JSON and read back.

use super::attribute_diff::AttributeDiff;
use super::reason::Reason;
use super::target::{ResourceKind, Target};
use crate::lab::Artifact;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    /// Changed in place (a domain redefined and restarted).
    Update,
    /// Deleted and created again.
    Replace,
    Delete,
    /// Exists as wanted but is not running.
    Start,
}

impl Action {
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
            Action::Start => ">",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "ChangeRecord", try_from = "ChangeRecord")]
pub struct Change {
    pub host: String,
    /// What the change acts on, with what carrying it out needs.
    pub target: Target,
    pub action: Action,
    pub before: Option<String>,
    pub after: Option<String>,
    /// Why, for people: the applier never branches on it.
    pub reason: Reason,
    /// What a node's update or replace changes, attribute by attribute; `None` for every
    /// other change.
    pub attributes: Option<AttributeDiff>,
}

impl Change {
    pub fn kind(&self) -> ResourceKind {
        self.target.kind()
    }

    /// The resource's name on the host (domain, network, volume or pool name; image name).
    pub fn name(&self) -> String {
        self.target.name()
    }

    /// The image files (by `Artifact::name`) carrying this change out needs pulled: the file
    /// an image change uploads, every file of the image a built node boots. A start or a
    /// delete needs none, so a plan of only those runs offline.
    pub fn images_needed(&self) -> Vec<String> {
        use Action::{Create, Delete, Replace, Start, Update};
        match (&self.target, self.action) {
            (
                Target::Image {
                    image, artifact, ..
                },
                Create | Update | Replace | Start,
            ) => {
                vec![artifact.name(image)]
            }
            (
                Target::Node {
                    needs: Some(needs), ..
                },
                Create | Update | Replace,
            ) => Artifact::ALL.iter().map(|a| a.name(&needs.image)).collect(),
            (Target::Image { .. }, Delete)
            | (Target::Node { .. }, Start | Delete)
            | (Target::Node { needs: None, .. }, Create | Update | Replace)
            | (
                Target::Pool { .. } | Target::Network { .. } | Target::Volume { .. },
                Create | Update | Replace | Delete | Start,
            ) => Vec::new(),
        }
    }

    /// `node.web-web-1@local`.
    pub fn address(&self) -> String {
        format!("{}.{}@{}", self.kind().word(), self.name(), self.host)
    }
}

/// A change as `plan --json` prints it and a saved plan stores it: the flat fields scripts
/// read (`kind`, `name`, `reason` as text) and the typed `target` and `reason_detail` it is
/// read back from, so a saved plan compares equal to a fresh one.
#[derive(Serialize, Deserialize)]
struct ChangeRecord {
    host: String,
    kind: ResourceKind,
    name: String,
    action: Action,
    before: Option<String>,
    after: Option<String>,
    reason: String,
    reason_detail: Reason,
    target: Target,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    attributes: Option<AttributeDiff>,
}

impl From<Change> for ChangeRecord {
    fn from(change: Change) -> ChangeRecord {
        ChangeRecord {
            kind: change.kind(),
            name: change.name(),
            reason: change.reason.to_string(),
            host: change.host,
            action: change.action,
            before: change.before,
            after: change.after,
            reason_detail: change.reason,
            target: change.target,
            attributes: change.attributes,
        }
    }
}

impl TryFrom<ChangeRecord> for Change {
    type Error = String;

    fn try_from(record: ChangeRecord) -> Result<Change, String> {
        if record.kind != record.target.kind() || record.name != record.target.name() {
            return Err(format!(
                "change {}.{} does not match its target",
                record.kind.word(),
                record.name
            ));
        }
        Ok(Change {
            host: record.host,
            target: record.target,
            action: record.action,
            before: record.before,
            after: record.after,
            reason: record.reason_detail,
            attributes: record.attributes,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Plan {
    pub lab: String,
    pub changes: Vec<Change>,
    /// Names the lab needs that something vlab does not own holds: while there is one, the
    /// plan is refused (the pipeline turns it into an error), never carried out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<super::name_conflict::NameConflict>,
}

/// `N to add, N to change, N to replace, N to destroy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub replace: usize,
    pub destroy: usize,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for change in &self.changes {
            match change.action {
                Action::Create => s.add += 1,
                Action::Update | Action::Start => s.change += 1,
                Action::Replace => s.replace += 1,
                Action::Delete => s.destroy += 1,
            }
        }
        s
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} to add, {} to change, {} to replace, {} to destroy",
            self.add, self.change, self.replace, self.destroy
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::planner::reason::NetworkPart;
    use crate::planner::target::NodeNeeds;

    fn change(target: Target, action: Action, reason: Reason) -> Change {
        Change {
            host: "local".into(),
            target,
            action,
            before: Some("1 cpu, 1024 MiB".into()),
            after: None,
            reason,
            attributes: None,
        }
    }

    /// A plan with a change of every target kind.
    pub(crate) fn sample() -> Plan {
        let node = Target::Node {
            node: "a".into(),
            domain: "lab_a".into(),
            needs: Some(NodeNeeds {
                image: "debian".into(),
                networks: vec!["vlab_lab_lan".into()],
            }),
        };
        let image = Target::Image {
            image: "debian".into(),
            artifact: Artifact::Kernel,
            volume: None,
        };
        let network = Target::Network {
            name: "vlab_lab_lan".into(),
            xml: Some("<network><name>vlab_lab_lan</name></network>".into()),
        };
        let differences = vec![NetworkPart::DhcpRange];
        Plan {
            lab: "lab".into(),
            conflicts: Vec::new(),
            changes: vec![
                change(
                    Target::Pool {
                        name: "vlab".into(),
                    },
                    Action::Create,
                    Reason::PoolMissing,
                ),
                change(image, Action::Create, Reason::ImageNotPulled),
                change(
                    network,
                    Action::Replace,
                    Reason::NetworkDiffers { differences },
                ),
                change(node, Action::Update, Reason::SettingsChanged),
                change(
                    Target::Volume {
                        name: "vlab_lab_old.qcow2".into(),
                    },
                    Action::Delete,
                    Reason::VolumeUnused,
                ),
            ],
        }
    }

    #[test]
    fn a_plan_reads_back_equal_from_its_json_which_keeps_the_flat_fields() {
        let plan = sample();
        let json = serde_json::to_string(&plan).expect("serialise");
        let back: Plan = serde_json::from_str(&json).expect("read back");
        assert_eq!(back, plan);
        let value: serde_json::Value = serde_json::from_str(&json).expect("json");
        let image = &value["changes"][1];
        assert_eq!(image["host"], "local");
        assert_eq!(image["kind"], "image");
        assert_eq!(image["name"], "debian-kernel");
        assert_eq!(image["action"], "create");
        assert_eq!(
            image["reason"],
            "the image is not pulled yet: apply pulls, verifies and uploads it"
        );
        assert_eq!(image["reason_detail"]["code"], "image_not_pulled");
        let network = &value["changes"][2];
        assert_eq!(
            network["reason"],
            "its definition differs from the lab (DHCP range)"
        );
        assert_eq!(value["changes"][3]["before"], "1 cpu, 1024 MiB");
        assert_eq!(value["changes"][3]["target"]["node"], "a");
    }

    #[test]
    fn a_change_whose_name_does_not_match_its_target_is_refused() {
        let change = change(
            Target::Volume { name: "v".into() },
            Action::Delete,
            Reason::VolumeUnused,
        );
        let json = serde_json::to_string(&change).expect("serialise");
        // The record's own `name` comes before the target's.
        let edited = json.replacen("\"name\":\"v\"", "\"name\":\"w\"", 1);
        assert_ne!(edited, json);
        assert!(serde_json::from_str::<Change>(&edited).is_err());
    }

    #[test]
    fn images_needed_are_the_uploaded_file_and_a_built_node_s_whole_image() {
        let plan = sample();
        let needed: Vec<Vec<String>> = plan.changes.iter().map(Change::images_needed).collect();
        assert_eq!(
            needed,
            [
                vec![],
                vec!["debian-kernel".to_string()],
                vec![],
                vec![
                    "debian".into(),
                    "debian-kernel".into(),
                    "debian-initrd".into()
                ],
                vec![],
            ]
        );
    }
}
