//! `ReadySpec`: an image's `ready` setting, how vlab tells that a guest booted from it is up.
//!
//! ```kdl
//! image "debian-12" {
//!     ready "cloud-init" timeout="10m"              // cloud-init's final message (the default)
//! }
//! image "tiny" {
//!     ready "console" marker="vlab-tiny: ready"     // a line of the guest's own
//! }
//! ```
//!
//! Only reads the words; whether they fit together is the resolver's job.

use super::parse_choice;
use crate::lab::choices::ReadyWhen;
use crate::language::diagnostic::Diagnostics;
use crate::language::node_reader::NodeReader;
use crate::language::spanned::Spanned;
use kdl::KdlNode;
use miette::SourceSpan;

#[derive(Debug, Clone)]
pub struct ReadySpec {
    pub when: Option<Spanned<ReadyWhen>>,
    pub marker: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub span: SourceSpan,
}

impl ReadySpec {
    pub fn read(node: &KdlNode, d: &mut Diagnostics) -> ReadySpec {
        let r = NodeReader::new(node);
        let spec = ReadySpec {
            when: read_ready_word(&r, d),
            marker: r.string("marker", d),
            timeout: r.string("timeout", d),
            span: r.name_span(),
        };
        r.finish(d);
        spec
    }
}

/// The positional word (`cloud-init`, `console`, `none`), checked like every other choice.
fn read_ready_word(r: &NodeReader<'_>, d: &mut Diagnostics) -> Option<Spanned<ReadyWhen>> {
    let word = r.required_arg_string(0, "kind", "ready \"cloud-init\"", d)?;
    parse_choice(word, "ready", d)
}
