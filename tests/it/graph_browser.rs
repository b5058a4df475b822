//! `vlab graph`'s drawings in the programs that read them: each HTML page (of every example
//! lab, of the CLI tests' lab, of a lab with a hostile description) loaded in a real headless
//! Chromium from `file://`, with no console message (no script error, no CSP refusal, no
//! failed fetch), its script run to the end, and every node's name in the DOM; and each dot
//! drawing accepted by Graphviz (`dot -Tsvg`). A page with a deliberate error is checked to
//! be caught, so a silent browser cannot pass for a clean page.
//!
//! Needs `chromium` and `graphviz`, which scripts/test.sh installs; without them these tests
//! fail and say so.
#![cfg(feature = "host-tests")]

use super::graph_cli::{HOSTILE_DESCRIPTION, LAB, hostile_lab, vlab};
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use vlab::language::lab_source::LabSource;

/// What Chromium made of a page: the DOM after its scripts ran, and its console's lines.
struct Loaded {
    dom: String,
    console: Vec<String>,
}

fn load_in_chromium(page: &Path) -> Loaded {
    let profile = tempfile::tempdir().expect("profile dir");
    let output = assert_cmd::Command::new("chromium")
        .env("HOME", profile.path())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run chromium ({e}): scripts/test.sh installs it (apt-get install chromium)"
            )
        });
    assert!(
        output.status.success(),
        "chromium failed on {}: {}",
        page.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let console = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("CONSOLE(") || l.contains("Uncaught"))
        .map(str::to_string)
        .collect();
    Loaded {
        dom: String::from_utf8_lossy(&output.stdout).into_owned(),
        console,
    }
}

/// Loads `page` and checks it: no console line, the script ran to its end and counted
/// every node, and each node's name is in the DOM.
fn assert_clean_page(page: &Path, nodes: &[String]) -> Loaded {
    let loaded = load_in_chromium(page);
    assert!(
        loaded.console.is_empty(),
        "{}: console said:\n{}",
        page.display(),
        loaded.console.join("\n")
    );
    assert!(
        loaded.dom.contains(&format!(
            "<html lang=\"en\" data-graph-nodes=\"{}\">",
            nodes.len()
        )),
        "{}: the page's script did not run to its end:\n{}",
        page.display(),
        loaded.dom
    );
    for name in nodes {
        assert!(
            loaded.dom.contains(&format!("data-name=\"{name}\"")),
            "{}: node {name} is not on the page",
            page.display()
        );
    }
    loaded
}

fn node_names(lab_text: &str, dir: &Path) -> Vec<String> {
    let file = dir.join("names.kdl");
    std::fs::write(&file, lab_text).expect("lab");
    let source = LabSource::read(&file).expect("source");
    let lab = vlab::check(&source).expect("valid lab");
    lab.nodes.into_iter().map(|n| n.name).collect()
}

fn assert_dot_accepts(dot: &str, what: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("lab.dot");
    std::fs::write(&file, dot).expect("dot file");
    let output = Command::new("dot")
        .arg("-Tsvg")
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run dot ({e}): scripts/test.sh installs it (apt-get install graphviz)")
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.is_empty(),
        "{what}: dot said {stderr}"
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("<svg"));
}

#[test]
fn a_page_with_a_script_error_or_a_refused_script_is_caught() {
    let dir = tempfile::tempdir().expect("tempdir");
    let thrown = dir.path().join("thrown.html");
    std::fs::write(
        &thrown,
        "<!DOCTYPE html><html><body><p data-name=\"a\">a</p><script>no_such_function();</script></body></html>",
    )
    .expect("page");
    let loaded = load_in_chromium(&thrown);
    assert!(
        loaded
            .console
            .iter()
            .any(|l| l.contains("no_such_function")),
        "the error was not seen: {:?}",
        loaded.console
    );
    let refused = dir.path().join("refused.html");
    std::fs::write(
        &refused,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'\"></head><body><script>document.documentElement.setAttribute('data-graph-nodes', '0');</script></body></html>",
    )
    .expect("page");
    let loaded = load_in_chromium(&refused);
    assert!(!loaded.console.is_empty(), "the CSP refusal was not seen");
    assert!(
        loaded.dom.contains("<html><head>"),
        "the script ran: {}",
        loaded.dom
    );
}

#[test]
fn every_example_lab_draws_a_clean_page_and_dot_that_graphviz_reads() {
    let labs = Path::new(env!("CARGO_MANIFEST_DIR")).join("labs");
    let mut files: Vec<_> = std::fs::read_dir(&labs)
        .expect("labs/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "kdl"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    let out = tempfile::tempdir().expect("tempdir");
    for lab in &files {
        let stem = lab.file_stem().and_then(|s| s.to_str()).expect("stem");
        let text = std::fs::read_to_string(lab).expect("lab");
        let names = node_names(&text, out.path());
        let page = out.path().join(format!("{stem}.html"));
        // --offline: the example labs name real hosts, which a test must not reach.
        let status = Command::new(env!("CARGO_BIN_EXE_vlab"))
            .args(["graph", "--offline", "-q", "-f"])
            .arg(lab)
            .arg("-o")
            .arg(&page)
            .status()
            .expect("vlab runs");
        assert!(status.success(), "{stem}");
        assert_clean_page(&page, &names);
        let dot = Command::new(env!("CARGO_BIN_EXE_vlab"))
            .args(["graph", "--offline", "-f"])
            .arg(lab)
            .output()
            .expect("vlab runs");
        assert_dot_accepts(&String::from_utf8_lossy(&dot.stdout), stem);
    }
}

#[test]
fn the_page_of_a_lab_with_node_states_is_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, _, stderr) = vlab(dir.path(), LAB, &["graph", "-o", "lab.html"]);
    assert_eq!(code, Some(0), "{stderr}");
    let loaded = assert_clean_page(&dir.path().join("lab.html"), &node_names(LAB, dir.path()));
    assert!(loaded.dom.contains("class=\"node state-absent\""));
}

#[test]
fn a_hostile_description_stays_text_in_the_browser_and_in_graphviz() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = hostile_lab();
    let (code, _, stderr) = vlab(dir.path(), &lab, &["graph", "-o", "lab.html"]);
    assert_eq!(code, Some(0), "{stderr}");
    let loaded = assert_clean_page(&dir.path().join("lab.html"), &node_names(&lab, dir.path()));
    // Its script did not run (the title is the page's), its image is no element.
    assert!(
        loaded.dom.contains("<title>lab gl</title>"),
        "{}",
        loaded.dom
    );
    assert!(!loaded.dom.contains("<img"), "{}", loaded.dom);
    assert!(loaded.dom.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(HOSTILE_DESCRIPTION.contains("<img"));
    let (code, dot, _) = vlab(dir.path(), &lab, &["graph"]);
    assert_eq!(code, Some(0));
    assert_dot_accepts(&dot, "hostile lab");
}
