//! `Plan`: the changes that converge the hosts to the lab, as data. Each `Change` has a typed
//! target (see `target`), an action, before and after, and a `Reason` for people (the applier
//! never branches on the reason). Also how a change is written as JSON and read back.

use super::reason::Reason;
use super::target::Target;
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    Pool,
    Image,
    Network,
    Node,
    Volume,
}

impl ResourceKind {
    pub fn word(self) -> &'static str {
        match self {
            ResourceKind::Pool => "pool",
            ResourceKind::Image => "image",
            ResourceKind::Network => "network",
            ResourceKind::Node => "node",
            ResourceKind::Volume => "volume",
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
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub lab: String,
    pub changes: Vec<Change>,
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
