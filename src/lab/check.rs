//! `Check`: a checked `test` block, what `vlab test` runs: a command on a node with what its
//! result must be, or a built-in (`reach`: one node pings another; `port`: a TCP port of a
//! node is open, from another node or from the machine running vlab), and how often to try.
//!
//! Built by the resolver (names, nodes and settings checked, `{seat}` expanded). Checks are
//! no part of any node: they are not in a node's spec digest, so adding, changing or
//! removing one never changes a plan. Running them is `checks::CheckRunner`'s.

use super::expectation::Expectation;
use super::readiness::seconds;
use serde::Serialize;
use std::time::Duration;

/// How long one attempt may take when the test does not say.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_mins(1);

/// The pause between two attempts when the test does not say.
pub const DEFAULT_DELAY: Duration = Duration::from_secs(1);

/// The most `retries` a test may have: a guard against a typo.
pub const MAX_RETRIES: u32 = 100;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub name: String,
    /// The seat of a test declared in `seats`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat: Option<u32>,
    pub kind: CheckKind,
    /// Attempts after the first one that failed: `retries 3` tries up to four times.
    pub retries: u32,
    /// The pause between attempts.
    #[serde(serialize_with = "seconds")]
    pub delay: Duration,
    /// How long one attempt may take before it is stopped (and counts as failed).
    #[serde(serialize_with = "seconds")]
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum CheckKind {
    /// `command` on `node`, through the login shell of the node's default user over ssh.
    Command {
        node: String,
        command: String,
        expect: Expectation,
    },
    /// `from` pings one address of `to` (on a network or link they share, if any).
    Reach { from: String, to: String },
    /// A TCP connection to `port` of `to` succeeds: from node `from`, or from the machine
    /// running vlab when `from` is `None`.
    Port {
        from: Option<String>,
        to: String,
        port: u16,
    },
}

impl Check {
    /// The node the check runs on; `None`: on the machine running vlab.
    pub fn runs_on(&self) -> Option<&str> {
        match &self.kind {
            CheckKind::Command { node, .. } => Some(node),
            CheckKind::Reach { from, .. } => Some(from),
            CheckKind::Port { from, .. } => from.as_deref(),
        }
    }

    /// The node a built-in tries to reach.
    pub fn target(&self) -> Option<&str> {
        match &self.kind {
            CheckKind::Command { .. } => None,
            CheckKind::Reach { to, .. } | CheckKind::Port { to, .. } => Some(to),
        }
    }

    /// Every node the check needs up: the one it runs on and the one it tries.
    pub fn nodes(&self) -> Vec<&str> {
        self.runs_on().into_iter().chain(self.target()).collect()
    }

    /// The node a selection (`--seat`, `--node`) picks the check by: the one it runs on, or
    /// for a `port` check from the machine running vlab, the one it tries.
    pub fn selected_by(&self) -> &str {
        self.runs_on().or(self.target()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(kind: CheckKind) -> Check {
        Check {
            name: "c".into(),
            seat: None,
            kind,
            retries: 0,
            delay: DEFAULT_DELAY,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    #[test]
    fn a_check_knows_where_it_runs_and_what_it_needs() {
        let command = check(CheckKind::Command {
            node: "web".into(),
            command: "true".into(),
            expect: Expectation::default(),
        });
        assert_eq!(
            (command.runs_on(), command.nodes()),
            (Some("web"), vec!["web"])
        );
        let reach = check(CheckKind::Reach {
            from: "web".into(),
            to: "db".into(),
        });
        assert_eq!(reach.nodes(), ["web", "db"]);
        assert_eq!(reach.selected_by(), "web");
        let local = check(CheckKind::Port {
            from: None,
            to: "db".into(),
            port: 22,
        });
        assert_eq!((local.runs_on(), local.nodes()), (None, vec!["db"]));
        assert_eq!(local.selected_by(), "db");
    }
}
