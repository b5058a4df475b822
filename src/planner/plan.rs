//! `Plan`: the changes that converge the hosts to the lab, as data. Each `Change` has a
//! resource address, an action, before and after, and a reason for people (the applier never
//! branches on the reason).

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
pub struct Change {
    pub host: String,
    pub kind: ResourceKind,
    /// The resource's name on the host (domain, network, volume or pool name; image name).
    pub name: String,
    pub action: Action,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: String,
}

impl Change {
    /// `node.web-web-1@local`.
    pub fn address(&self) -> String {
        format!("{}.{}@{}", self.kind.word(), self.name, self.host)
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
