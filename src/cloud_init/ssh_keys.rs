//! The SSH public keys for the default user: the lab's `ssh-key` entries, else the running
//! user's `~/.ssh/*.pub`.

use std::path::Path;

pub fn for_lab(lab_keys: &[String]) -> Vec<String> {
    if !lab_keys.is_empty() {
        return lab_keys.to_vec();
    }
    match std::env::var_os("HOME") {
        Some(home) => keys_in(&Path::new(&home).join(".ssh")),
        None => Vec::new(),
    }
}

/// The first line of each `*.pub` file in `dir`, sorted by file name.
pub fn keys_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "pub"))
        .collect();
    paths.sort();
    paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter_map(|text| text.lines().next().map(|l| l.trim().to_string()))
        .filter(|line| !line.is_empty())
        .collect()
}
