//! `LabHeaderSpec`: the optional `lab "name" { ... }` node.
//!
//! ```kdl
//! lab "web-demo" {
//!     description "Three web servers"
//!     ssh-key "ssh-ed25519 AAAA... alice@laptop"
//!     vars { motd "Welcome" }
//! }
//! ```

use super::var_spec::{VarSpec, read_vars};
use crate::language::diagnostic::Diagnostics;
use crate::language::node_reader::NodeReader;
use crate::language::spanned::Spanned;
use kdl::KdlNode;
use miette::SourceSpan;

#[derive(Debug, Clone)]
pub struct LabHeaderSpec {
    pub name: Option<Spanned<String>>,
    pub description: Option<Spanned<String>>,
    pub ssh_keys: Vec<Spanned<String>>,
    pub vars: Vec<VarSpec>,
    pub span: SourceSpan,
}

impl LabHeaderSpec {
    pub fn read(node: &KdlNode, d: &mut Diagnostics) -> LabHeaderSpec {
        let r = NodeReader::new(node);
        let name = r.arg_string(0, "name", d);
        let description = r.text("description", d);
        let ssh_keys = r
            .children("ssh-key")
            .into_iter()
            .filter_map(|key| {
                let kr = NodeReader::new(key);
                let value = kr.required_arg_string(
                    0,
                    "public key",
                    "ssh-key \"ssh-ed25519 AAAA... you@host\"",
                    d,
                );
                kr.finish(d);
                value
            })
            .collect();
        let vars = r
            .child("vars", d)
            .map(|block| read_vars(block, d))
            .unwrap_or_default();
        let span = r.name_span();
        r.finish(d);
        LabHeaderSpec {
            name,
            description,
            ssh_keys,
            vars,
            span,
        }
    }
}
