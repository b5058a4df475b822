//! `SavedPlan`: a plan written by `vlab plan -o FILE` for `vlab apply FILE`. It records the
//! lab file it was made from (path and SHA-256), so apply can refuse when the lab file
//! changed, and the plan itself, so apply can refuse when the hosts changed (a fresh plan
//! that differs). Reading and writing only.

use crate::planner::plan::Plan;
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
}

impl SavedPlan {
    pub fn new(lab_file: &Path, lab_text: &str, plan: Plan) -> SavedPlan {
        let lab_file = std::fs::canonicalize(lab_file).unwrap_or_else(|_| lab_file.to_path_buf());
        SavedPlan {
            format: FORMAT,
            lab_file,
            lab_sha256: sha256(lab_text),
            plan,
        }
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(path, json)
            .map_err(|e| format!("cannot write the plan to {}: {e}", path.display()))
    }

    pub fn read(path: &Path) -> Result<SavedPlan, String> {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("cannot read the plan {}: {e}", path.display()))?;
        let saved: SavedPlan = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{} is not a vlab plan: {e}", path.display()))?;
        if saved.format != FORMAT {
            return Err(format!(
                "{} is a plan of format {}; this vlab reads format {FORMAT}",
                path.display(),
                saved.format
            ));
        }
        Ok(saved)
    }

    /// Whether `lab_text` is the text the plan was made from.
    pub fn matches_lab(&self, lab_text: &str) -> bool {
        self.lab_sha256 == sha256(lab_text)
    }
}

fn sha256(text: &str) -> String {
    crate::checksum::hex(&Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::SavedPlan;

    #[test]
    fn a_saved_plan_reads_back_equal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("lab.plan");
        let saved = SavedPlan::new(
            &dir.path().join("lab.kdl"),
            "lab \"lab\"\n",
            crate::planner::plan::tests::sample(),
        );
        saved.write(&path).expect("write");
        let back = SavedPlan::read(&path).expect("read");
        assert_eq!(back, saved);
        assert_eq!(back.plan, crate::planner::plan::tests::sample());
        assert!(back.matches_lab("lab \"lab\"\n"));
    }
}
