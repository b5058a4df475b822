//! `LinkSpec`: a `link "a:eth1" "b:eth1"` node, a point-to-point wire between two guests.
//!
//! ```kdl
//! link "r1:eth1" "r2:eth1" cidr="10.255.0.0/30"
//! ```

use super::read_count;
use crate::language::diagnostic::Diagnostics;
use crate::language::node_reader::NodeReader;
use crate::language::spanned::Spanned;
use kdl::KdlNode;

const EXAMPLE: &str = "link \"r1:eth1\" \"r2:eth1\"";

#[derive(Debug, Clone)]
pub struct LinkSpec {
    pub a: Spanned<String>,
    pub b: Spanned<String>,
    pub count: Option<Spanned<u32>>,
    pub cidr: Option<Spanned<String>>,
}

impl LinkSpec {
    pub fn read(node: &KdlNode, d: &mut Diagnostics) -> Option<LinkSpec> {
        let r = NodeReader::new(node);
        let a = r.required_arg_string(0, "first endpoint", EXAMPLE, d);
        let b = if r.arg_count() == 0 {
            None
        } else {
            r.required_arg_string(1, "second endpoint", EXAMPLE, d)
        };
        let count = read_count(&r, d);
        let cidr = r.string("cidr", d);
        r.finish(d);
        Some(LinkSpec {
            a: a?,
            b: b?,
            count,
            cidr,
        })
    }
}
