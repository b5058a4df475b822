//! `SavedPlan`: a plan written by `vlab plan -o FILE` for `vlab apply FILE`. It records the
//! lab file it was made from (path and SHA-256), so apply can refuse when the lab file
//! changed, and the plan itself, so apply can refuse when the hosts changed (a fresh plan
//! that differs), with the selection and the targets it was made for, so that fresh plan is
//! made the same way. Reading and writing only.

use crate::lab::selection::Selection;
use crate::planner::plan::Plan;
use crate::planner::targeting::TargetRequest;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SavedPlan {
    pub format: u32,
    pub lab_file: PathBuf,
    pub lab_sha256: String,
    pub plan: Plan,
    /// The selection (`--seat`, `--node`) the plan was made for; absent for the whole lab.
    /// Apply plans the same selection again to compare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<Selection>,
    /// The instance (`--instance`) and its pool the plan was made for; absent for the lab
    /// itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<(String, String)>,
    /// `--target` and `--replace` as resolved (full addresses); absent when none was given.
    /// Apply plans with the same again to compare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<TargetRequest>,
}

impl SavedPlan {
    pub fn new(lab_file: &Path, lab_text: &str, plan: Plan) -> SavedPlan {
        let lab_file = std::fs::canonicalize(lab_file).unwrap_or_else(|_| lab_file.to_path_buf());
        SavedPlan {
            format: FORMAT,
            lab_file,
            lab_sha256: sha256(lab_text),
            plan,
            selection: None,
            instance: None,
            targets: None,
        }
    }

    /// The plan as made for `selection` (recorded unless it is the whole lab).
    #[must_use]
    pub fn with_selection(mut self, selection: &Selection) -> SavedPlan {
        self.selection = (!selection.is_all()).then(|| selection.clone());
        self
    }

    /// The instance (name, pool) the plan was made for, if any.
    pub fn with_instance(mut self, instance: Option<(String, String)>) -> SavedPlan {
        self.instance = instance;
        self
    }

    /// The plan as made with `targets` (recorded unless none was given).
    #[must_use]
    pub fn with_targets(mut self, targets: &TargetRequest) -> SavedPlan {
        self.targets = (!targets.is_empty()).then(|| targets.clone());
        self
    }

    pub fn write(&self, path: &Path) -> Result<(), SavedPlanError> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| SavedPlanError::Write {
            path: path.to_path_buf(),
            source: e.into(),
        })?;
        std::fs::write(path, json).map_err(|source| SavedPlanError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    pub fn read(path: &Path) -> Result<SavedPlan, SavedPlanError> {
        let bytes = std::fs::read(path).map_err(|source| SavedPlanError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        // The format first: a plan of another format may not parse as this one at all.
        let not_a_plan = |e: serde_json::Error| SavedPlanError::NotAPlan {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let format = serde_json::from_slice::<Format>(&bytes)
            .map_err(not_a_plan)?
            .format;
        if format != FORMAT {
            return Err(SavedPlanError::Format {
                path: path.to_path_buf(),
                format,
            });
        }
        serde_json::from_slice(&bytes).map_err(not_a_plan)
    }

    /// Whether `lab_text` is the text the plan was made from.
    pub fn matches_lab(&self, lab_text: &str) -> bool {
        self.lab_sha256 == sha256(lab_text)
    }
}

/// Only the format of a plan file.
#[derive(Deserialize)]
struct Format {
    format: u32,
}

/// Why a plan file could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    #[error("cannot write the plan to {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the plan {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a vlab plan: {message}", path.display())]
    NotAPlan { path: PathBuf, message: String },
    #[error("{} is a plan of format {format}; this vlab reads format {FORMAT}", path.display())]
    Format { path: PathBuf, format: u32 },
}

impl SavedPlanError {
    pub fn hint(&self) -> Option<String> {
        match self {
            SavedPlanError::NotAPlan { .. } | SavedPlanError::Format { .. } => Some(
                "a plan made by another vlab version cannot be applied: run `vlab plan -o FILE` again"
                    .into(),
            ),
            SavedPlanError::Write { .. } | SavedPlanError::Read { .. } => None,
        }
    }
}

fn sha256(text: &str) -> String {
    crate::checksum::hex(&Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::SavedPlan;
    use crate::planner::targeting::TargetRequest;

    #[test]
    fn a_saved_plan_reads_back_equal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("lab.plan");
        let saved = SavedPlan::new(
            &dir.path().join("lab.kdl"),
            "lab \"lab\"\n",
            crate::planner::plan::tests::sample(),
        )
        .with_targets(&TargetRequest {
            targets: vec!["node.lab_a@local".into()],
            replace: vec!["node.lab_a@local".into()],
        });
        saved.write(&path).expect("write");
        let back = SavedPlan::read(&path).expect("read");
        assert_eq!(back, saved);
        assert_eq!(back.plan, crate::planner::plan::tests::sample());
        assert!(back.matches_lab("lab \"lab\"\n"));
    }
}
