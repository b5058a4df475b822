//! The tiny test guest (tests/guests/build-tiny-guest.sh), built once into target/tiny-guest
//! and shared by the end-to-end tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds the guest (or waits for another test building it) and returns its directory.
pub fn tiny_guest() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tiny-guest");
    let status = Command::new(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guests/build-tiny-guest.sh"),
    )
    .arg(&dir)
    .status()
    .expect("build script runs");
    assert!(status.success(), "building the tiny guest failed");
    dir
}

/// The SHA-256 of `file` as the guest's SHA256SUMS lists it.
pub fn sum(dir: &Path, file: &str) -> String {
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).expect("SHA256SUMS");
    sums.lines()
        .find(|l| l.ends_with(&format!(" {file}")))
        .and_then(|l| l.split_whitespace().next())
        .expect("listed")
        .to_string()
}
