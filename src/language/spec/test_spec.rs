//! `TestSpec`: a `test "name" { ... }` block, a check `vlab test` runs in the lab's guests.
//!
//! ```kdl
//! test "web-answers" {
//!     node "web-1"
//!     command "wget -qO- http://localhost/"
//!     stdout-contains "Welcome"
//!     retries 5
//!     delay "2s"
//! }
//! test "web-reaches-db" { reach from="web-1" to="db"; }
//! test "db-listens" { port from="web-1" to="db" port=5432; }
//! ```
//!
//! Read here: each setting with its type and span. Which settings go together (a `command`
//! or one built-in, expectations only with a `command`), the durations, the patterns, the
//! ranges and the nodes named are the resolver's (`resolver::checks`).

use crate::language::diagnostic::Diagnostics;
use crate::language::node_reader::NodeReader;
use crate::language::spanned::Spanned;
use kdl::KdlNode;
use miette::SourceSpan;

const EXAMPLE: &str = "test \"web-up\" { node \"web-1\"; command \"true\"; }";

#[derive(Debug, Clone)]
pub struct TestSpec {
    pub name: Spanned<String>,
    /// The node a `command` runs on.
    pub node: Option<Spanned<String>>,
    /// A shell command line, run by the login shell of the node's default user over ssh.
    pub command: Option<Spanned<String>>,
    pub exit_code: Option<Spanned<i128>>,
    pub stdout_contains: Option<Spanned<String>>,
    pub stdout_matches: Option<Spanned<String>>,
    pub stderr_contains: Option<Spanned<String>>,
    pub stderr_matches: Option<Spanned<String>>,
    /// The built-in `reach from=... to=...`.
    pub reach: Option<ProbeSpec>,
    /// The built-in `port [from=...] to=... port=N`.
    pub port: Option<ProbeSpec>,
    pub retries: Option<Spanned<i128>>,
    pub delay: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
}

/// A built-in check's settings: the node it runs on, the node it tries, and (`port` only)
/// the TCP port.
#[derive(Debug, Clone)]
pub struct ProbeSpec {
    /// The span of the word `reach` or `port`.
    pub span: SourceSpan,
    pub from: Option<Spanned<String>>,
    pub to: Option<Spanned<String>>,
    pub port: Option<Spanned<i128>>,
}

impl TestSpec {
    pub fn read(node: &KdlNode, d: &mut Diagnostics) -> Option<TestSpec> {
        let r = NodeReader::new(node);
        let name = r.required_arg_string(0, "name", EXAMPLE, d);
        let spec = TestSpec {
            name: name
                .clone()
                .unwrap_or_else(|| Spanned::new(String::new(), r.name_span())),
            node: r.string("node", d),
            command: r.string("command", d),
            exit_code: r.integer("exit-code", d),
            stdout_contains: r.string("stdout-contains", d),
            stdout_matches: r.string("stdout-matches", d),
            stderr_contains: r.string("stderr-contains", d),
            stderr_matches: r.string("stderr-matches", d),
            reach: r.child("reach", d).map(|n| ProbeSpec::read(n, false, d)),
            port: r.child("port", d).map(|n| ProbeSpec::read(n, true, d)),
            retries: r.integer("retries", d),
            delay: r.string("delay", d),
            timeout: r.string("timeout", d),
        };
        r.finish(d);
        name.map(|_| spec)
    }
}

impl ProbeSpec {
    fn read(node: &KdlNode, with_port: bool, d: &mut Diagnostics) -> ProbeSpec {
        let r = NodeReader::new(node);
        let spec = ProbeSpec {
            span: r.name_span(),
            from: r.string("from", d),
            to: r.string("to", d),
            port: if with_port {
                r.integer("port", d)
            } else {
                None
            },
        };
        r.finish(d);
        spec
    }
}
