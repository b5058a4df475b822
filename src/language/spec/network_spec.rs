//! `NetworkSpec`: a `network "name" { mode ...; cidr ... }` node.
//!
//! ```kdl
//! network "lan" mode="nat" cidr="10.0.0.0/24" {
//!     dhcp start="10.0.0.100" end="10.0.0.199"
//!     domain "lab.test"
//! }
//! ```

use super::{read_choice, read_count};
use crate::lab::choices::NetworkMode;
use crate::language::diagnostic::Diagnostics;
use crate::language::node_reader::NodeReader;
use crate::language::spanned::Spanned;
use kdl::KdlNode;
use miette::SourceSpan;

#[derive(Debug, Clone)]
pub struct NetworkSpec {
    pub name: Spanned<String>,
    pub count: Option<Spanned<u32>>,
    pub mode: Option<Spanned<NetworkMode>>,
    pub cidr: Option<Spanned<String>>,
    pub gateway: Option<Spanned<String>>,
    pub dhcp: Option<DhcpSpec>,
    pub domain: Option<Spanned<String>>,
    pub bridge: Option<Spanned<String>>,
}

/// `dhcp #false`, `dhcp #true` or `dhcp start="..." end="..."`.
#[derive(Debug, Clone)]
pub struct DhcpSpec {
    pub enabled: Option<Spanned<bool>>,
    pub start: Option<Spanned<String>>,
    pub end: Option<Spanned<String>>,
    pub span: SourceSpan,
}

impl NetworkSpec {
    pub fn read(node: &KdlNode, d: &mut Diagnostics) -> Option<NetworkSpec> {
        let r = NodeReader::new(node);
        let name = r.required_arg_string(0, "name", "network \"lan\" cidr=\"10.0.0.0/24\"", d);
        let spec = NetworkSpec {
            name: name
                .clone()
                .unwrap_or_else(|| Spanned::new(String::new(), r.name_span())),
            count: read_count(&r, d),
            mode: read_choice(&r, "mode", d),
            cidr: r.string("cidr", d),
            gateway: r.string("gateway", d),
            dhcp: r.child("dhcp", d).map(|n| DhcpSpec::read(n, d)),
            domain: r.string("domain", d),
            bridge: r.string("bridge", d),
        };
        r.finish(d);
        name.map(|_| spec)
    }
}

impl DhcpSpec {
    fn read(node: &KdlNode, d: &mut Diagnostics) -> DhcpSpec {
        let r = NodeReader::new(node);
        let enabled = if r.arg_count() > 0 {
            r.arg_bool(0, d)
        } else {
            None
        };
        let spec = DhcpSpec {
            enabled,
            start: r.string("start", d),
            end: r.string("end", d),
            span: r.name_span(),
        };
        r.finish(d);
        spec
    }
}
