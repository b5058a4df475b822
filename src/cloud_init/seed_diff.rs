//! `SeedDiff`: what changed in a node's cloud-init files, from the seed its domain was built
//! with to the seed the lab renders now: a unified diff per file that differs (user-data,
//! meta-data, network-config, vendor-data), or why the old files cannot be shown.
//!
//! Both sides are masked before they are compared, each by its own record of the lines that
//! show a secret (`SecretMask::masked_lines`, kept in the domain's `NodeRecord`): the old
//! files' secrets may be ones the lab no longer knows, and a secret that changed shows as a
//! masked line on both sides, so as no difference at all. Pure: unpacking seeds is
//! `seed_image::files`, downloading them the libvirt layer's, printing the plan view's.

use super::secret_mask::masked_text;
use serde::Serialize;
use std::collections::BTreeMap;

/// Per file, the lines that show a secret, masked (`NodeRecord::secret_lines`).
pub type SecretLines = BTreeMap<String, BTreeMap<usize, String>>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SeedDiff {
    /// The files that differ, in the seed's order; none when only masked secrets changed.
    Changed { files: Vec<FileDiff> },
    /// The old files cannot be shown (a domain built by an older vlab, which kept no record
    /// of their secrets; a seed the host cannot hand out), and why.
    Unknown { why: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileDiff {
    pub file: String,
    /// The unified diff, `--- host/FILE` to `+++ lab/FILE`, three lines of context.
    pub diff: String,
}

impl SeedDiff {
    /// The diff from the `old` seed's files (as unpacked) to the `new` one's, each masked by
    /// its own secret lines.
    pub fn between(
        old: &[(String, Vec<u8>)],
        old_secrets: &SecretLines,
        new: &[(String, Vec<u8>)],
        new_secrets: &SecretLines,
    ) -> SeedDiff {
        let shown = |files: &[(String, Vec<u8>)], secrets: &SecretLines| -> Vec<(String, String)> {
            files
                .iter()
                .map(|(name, data)| {
                    let text = String::from_utf8_lossy(data);
                    let masked = match secrets.get(name) {
                        Some(lines) => masked_text(&text, lines),
                        None => text.into_owned(),
                    };
                    (name.clone(), masked)
                })
                .collect()
        };
        let (old, new) = (shown(old, old_secrets), shown(new, new_secrets));
        let mut names: Vec<&String> = new.iter().map(|(n, _)| n).collect();
        names.extend(
            old.iter()
                .map(|(n, _)| n)
                .filter(|n| !new.iter().any(|(m, _)| m == *n)),
        );
        let text_of = |files: &[(String, String)], name: &str| -> String {
            files
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| t.clone())
                .unwrap_or_default()
        };
        let files = names
            .into_iter()
            .filter_map(|name| {
                let (before, after) = (text_of(&old, name), text_of(&new, name));
                (before != after).then(|| FileDiff {
                    file: name.clone(),
                    diff: unified(name, &before, &after),
                })
            })
            .collect();
        SeedDiff::Changed { files }
    }
}

fn unified(name: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("host/{name}"), &format!("lab/{name}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        pairs
            .iter()
            .map(|(n, t)| ((*n).to_string(), t.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn only_the_files_that_differ_get_a_unified_diff_of_the_changed_lines() {
        let old = files(&[
            ("meta-data", "instance-id: lab-a-111\n"),
            (
                "network-config",
                "version: 2\naddresses:\n  - 10.0.0.10/24\ngateway4: 10.0.0.1\n",
            ),
        ]);
        let new = files(&[
            ("meta-data", "instance-id: lab-a-111\n"),
            (
                "network-config",
                "version: 2\naddresses:\n  - 10.0.0.12/24\ngateway4: 10.0.0.1\n",
            ),
        ]);
        let none = SecretLines::new();
        let SeedDiff::Changed { files } = SeedDiff::between(&old, &none, &new, &none) else {
            panic!("a diff expected");
        };
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].file, "network-config");
        assert_eq!(
            files[0].diff,
            "--- host/network-config\n+++ lab/network-config\n@@ -1,4 +1,4 @@\n version: 2\n addresses:\n-  - 10.0.0.10/24\n+  - 10.0.0.12/24\n gateway4: 10.0.0.1\n"
        );
    }

    #[test]
    fn each_side_is_masked_by_its_own_record_so_a_changed_secret_is_no_difference() {
        let old = files(&[("user-data", "#cloud-config\npassword: old-secret\n")]);
        let new = files(&[(
            "user-data",
            "#cloud-config\npassword: new-secret\nuser: bob\n",
        )]);
        let lines = |line: &str| -> SecretLines {
            BTreeMap::from([(
                "user-data".to_string(),
                BTreeMap::from([(1, line.to_string())]),
            )])
        };
        let diff = SeedDiff::between(
            &old,
            &lines("password: (secret)"),
            &new,
            &lines("password: (secret)"),
        );
        let SeedDiff::Changed { files: changed } = &diff else {
            panic!("a diff expected");
        };
        let text = &changed[0].diff;
        assert!(text.contains("+user: bob\n"), "{text}");
        assert!(!text.contains("old-secret"), "{text}");
        assert!(!text.contains("new-secret"), "{text}");
        // Only the secret changed: nothing to show.
        let (a, b) = (
            files(&[("user-data", "#cloud-config\npassword: a\n")]),
            files(&[("user-data", "#cloud-config\npassword: b\n")]),
        );
        let masked = lines("password: (secret)");
        assert_eq!(
            SeedDiff::between(&a, &masked, &b, &masked),
            SeedDiff::Changed { files: Vec::new() }
        );
    }

    #[test]
    fn a_file_only_one_side_has_is_diffed_against_nothing() {
        let old = files(&[("user-data", "a\n")]);
        let new = files(&[("user-data", "a\n"), ("vendor-data", "v\n")]);
        let none = SecretLines::new();
        let SeedDiff::Changed { files } = SeedDiff::between(&old, &none, &new, &none) else {
            panic!("a diff expected");
        };
        assert_eq!(files[0].file, "vendor-data");
        assert!(
            files[0].diff.ends_with("@@ -0,0 +1 @@\n+v\n"),
            "{}",
            files[0].diff
        );
        let SeedDiff::Changed { files } = SeedDiff::between(&new, &none, &old, &none) else {
            panic!("a diff expected");
        };
        assert!(files[0].diff.ends_with("-v\n"), "{}", files[0].diff);
    }
}
