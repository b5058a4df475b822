//! `vlab graph` against libvirt's in-memory test driver (no daemon): the dot, Mermaid and
//! HTML drawings of a lab (snapshots; the HTML page with its inline style and script left
//! out, those are `src/graph`'s and the browser test's), node states read from a host file
//! (running, shut off, absent), a host that cannot be reached (drawn, state unknown, a
//! warning), `--offline`, `-o FILE` and an invalid lab. Rendering in a browser and by
//! Graphviz is tested in `graph_browser`.

use std::path::Path;
use std::process::Command;
use vlab::TEST_DRIVER_FILES_VAR;

pub const LAB: &str = r#"lab "gl" {
    description "Two web servers, a database and a router"
}
host "t" uri="test:///default" hypervisor="kvm" accel="tcg"
image "tiny" url="https://example.net/tiny.qcow2" checksum="sha256:9c3b21fcd1e1f6d8ad1e5b4b7f4f1d3ba5e8c6a1f0d2e3b4c5d6e7f8091a2b3c"
network "lan" cidr="10.41.0.0/24"
network "back" mode="isolated"
defaults { image "tiny"; }
node "web-{index}" count=2 { interface network="lan" address="10.41.0.{index+10}"; }
node "db" { interface network="lan"; interface "eth1" network="back"; }
node "router" { interface network="lan"; }
link "router:eth1" "db:eth2" cidr="10.255.0.0/30"
"#;

pub fn vlab(dir: &Path, lab: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let file = dir.join("gl.kdl");
    std::fs::write(&file, lab).expect("lab");
    let output = Command::new(env!("CARGO_BIN_EXE_vlab"))
        .current_dir(dir)
        .env("VLAB_CACHE_DIR", dir.join("cache"))
        .env("HOME", dir)
        .env(TEST_DRIVER_FILES_VAR, "1")
        .env_remove("VLAB_DATA_DIR")
        .env_remove("XDG_DATA_HOME")
        .args(["--color", "never", args[0], "-f"])
        .arg(&file)
        .args(&args[1..])
        .output()
        .expect("vlab runs");
    (
        output.status.code(),
        String::from_utf8(output.stdout).expect("utf-8"),
        String::from_utf8(output.stderr).expect("utf-8"),
    )
}

/// The page with the text of its inline style and script, and their CSP hashes, left out.
fn page_structure(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    for (open, close) in [("<style>", "</style>"), ("<script>", "</script>")] {
        let start = rest.find(open).expect("open") + open.len();
        let end = start + rest[start..].find(close).expect("close");
        out.push_str(&rest[..start]);
        out.push_str("[INLINE]");
        rest = &rest[end..];
    }
    out.push_str(rest);
    replace_spans(&out, "'sha256-", "'")
}

/// `text` with every `start...end` span (its end the first `end` after it) as `start[HASH]end`.
fn replace_spans(text: &str, start: &str, end: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(start) {
        let from = at + start.len();
        let to = from + rest[from..].find(end).expect("end");
        out.push_str(&rest[..from]);
        out.push_str("[HASH]");
        rest = &rest[to..];
    }
    out.push_str(rest);
    out
}

#[test]
fn dot_mermaid_and_html_drawings_of_a_lab() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, dot, stderr) = vlab(dir.path(), LAB, &["graph"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "");
    snapshot!("dot", dot);
    let (code, mermaid, stderr) = vlab(dir.path(), LAB, &["graph", "--format", "mermaid"]);
    assert_eq!(code, Some(0), "{stderr}");
    snapshot!("mermaid", mermaid);
    let (code, html, stderr) = vlab(dir.path(), LAB, &["graph", "--format", "html"]);
    assert_eq!(code, Some(0), "{stderr}");
    snapshot!("html", page_structure(&html));
}

#[test]
fn node_states_come_from_the_host_and_an_unreachable_host_leaves_them_unknown() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The test driver reads this host file: web-1 runs, db is shut off, the rest is absent.
    let host_file = dir.path().join("host.xml");
    std::fs::write(
        &host_file,
        "<node>\n\
         <domain type='test'><name>gl_web-1</name><memory>131072</memory><os><type>hvm</type></os></domain>\n\
         <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><name>gl_db</name><memory>131072</memory><os><type>hvm</type></os><test:runstate>5</test:runstate></domain>\n\
         </node>\n",
    )
    .expect("host file");
    let lab = LAB
        .replace("test:///default", &format!("test://{}", host_file.display()))
        .replacen(
            "image \"tiny\"",
            "host \"gone\" uri=\"test:///nonexistent/host.xml\" hypervisor=\"kvm\" accel=\"tcg\"\nimage \"tiny\"",
            1,
        )
        .replace("node \"router\" {", "node \"router\" host=\"gone\" {")
        .replace("defaults { image", "defaults { host \"t\"; image")
        .replace("link \"router:eth1\" \"db:eth2\" cidr=\"10.255.0.0/30\"\n", "");
    let (code, dot, stderr) = vlab(dir.path(), &lab, &["graph"]);
    assert_eq!(code, Some(0), "{stderr}");
    for line in [
        "\"node/web-1\" [label=\"web-1\\nrunning\"",
        "\"node/web-2\" [label=\"web-2\\nabsent\"",
        "\"node/db\" [label=\"db\\nshut off\"",
        "\"node/router\" [label=\"router\\nstate unknown\"",
    ] {
        assert!(dot.contains(line), "{line} in:\n{dot}");
    }
    assert!(dot.contains("label=\"host gone\\nkvm test:///nonexistent/host.xml\\nunreachable: "));
    // (libxml2 may say first, itself, that the file is not there.)
    assert!(
        stderr.contains("\nwarning: host `gone` cannot be reached (")
            || stderr.starts_with("warning: host `gone`"),
        "{stderr}"
    );
    assert!(stderr.contains("help: pass --offline"), "{stderr}");

    // --offline asks no host: no warning, no states, the image instead.
    let (code, dot, stderr) = vlab(dir.path(), &lab, &["graph", "--offline"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "");
    assert!(
        dot.contains("\"node/router\" [label=\"router\\ntiny\""),
        "{dot}"
    );
    assert!(!dot.contains("unreachable"));
}

#[test]
fn out_writes_the_format_its_extension_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (file, starts) in [
        ("lab.html", "<!DOCTYPE html>"),
        ("lab.mmd", "flowchart TB"),
        ("lab.gv", "graph \"gl\" {"),
        ("lab.txt", "graph \"gl\" {"),
    ] {
        let (code, stdout, stderr) = vlab(dir.path(), LAB, &["graph", "-o", file]);
        assert_eq!(code, Some(0), "{stderr}");
        assert_eq!(stdout, "");
        assert_eq!(stderr, format!("wrote {file}\n"));
        let written = std::fs::read_to_string(dir.path().join(file)).expect("written");
        assert!(written.starts_with(starts), "{file}: {written}");
    }
    // --format wins over the extension.
    let (code, _, stderr) = vlab(
        dir.path(),
        LAB,
        &["graph", "--format", "mermaid", "-o", "x.html", "-q"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "");
    let written = std::fs::read_to_string(dir.path().join("x.html")).expect("written");
    assert!(written.starts_with("flowchart TB"));

    let (code, _, stderr) = vlab(dir.path(), LAB, &["graph", "-o", "no/such/dir/x.dot"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("cannot write no/such/dir/x.dot"),
        "{stderr}"
    );
}

#[test]
fn an_invalid_lab_is_an_error_with_its_diagnostics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = LAB.replace("network=\"back\"", "network=\"bak\"");
    let (code, stdout, stderr) = vlab(dir.path(), &lab, &["graph", "--offline"]);
    assert_eq!(code, Some(1));
    assert_eq!(stdout, "");
    assert!(stderr.contains("did you mean `back`?"), "{stderr}");
}

/// A description may hold anything a KDL string can; every format keeps it as text.
pub const HOSTILE_DESCRIPTION: &str = r#"x\"]; evil [label=\"\n</p></title></text></svg><script>document.title='owned'</script><img src=x onerror=alert(1)> %%{init: {}}%% `md` #35; | \\N end"#;

pub fn hostile_lab() -> String {
    LAB.replace(
        "description \"Two web servers, a database and a router\"",
        &format!("description \"{HOSTILE_DESCRIPTION}\""),
    )
}

#[test]
fn a_hostile_description_stays_text_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = hostile_lab();
    let (code, html, stderr) = vlab(dir.path(), &lab, &["graph", "--format", "html"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(!html.contains("<img"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    let (code, mermaid, _) = vlab(dir.path(), &lab, &["graph", "--format", "mermaid"]);
    assert_eq!(code, Some(0));
    assert!(!mermaid.contains("evil"), "mermaid shows no description");
    let (code, dot, _) = vlab(dir.path(), &lab, &["graph"]);
    assert_eq!(code, Some(0));
    let title = dot.lines().nth(1).expect("title line");
    assert!(
        title.starts_with("  graph [label=\"lab gl\\nx\\\"]; evil [label=\\\"\\n</p>"),
        "{title}"
    );
    assert!(title.ends_with("| \\\\N end\", labelloc=t, fontname=\"sans-serif\", nodesep=0.4];"));
}
