//! `HostSpec`: a `host "name" uri="..."` node, a libvirt host the lab places guests on.
//!
//! ```kdl
//! host "local" uri="qemu:///system" accel="tcg"
//! host "xen1" uri="xen+ssh://root@xen1.example.net/system"
//! host "xen2" uri="xen:///system" hvmloader="/usr/lib/xen/boot/hvmloader"
//! host "kvm3" uri="qemu+ssh://root@kvm3/system?keyfile=/k" { allow-uri-params "keyfile"; }
//! ```
//!
//! Reading only: what the URI and `allow-uri-params` mean is checked by the resolver.

use super::read_choice;
use crate::lab::choices::{Accel, Hypervisor};
use crate::language::diagnostic::{Diagnostic, Diagnostics};
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::node_reader::NodeReader;
use crate::language::spanned::Spanned;
use kdl::KdlNode;

#[derive(Debug, Clone)]
pub struct HostSpec {
    pub name: Spanned<String>,
    pub uri: Option<Spanned<String>>,
    pub hypervisor: Option<Spanned<Hypervisor>>,
    pub accel: Option<Spanned<Accel>>,
    pub pool: Option<Spanned<String>>,
    pub hvmloader: Option<Spanned<String>>,
    pub device_model: Option<Spanned<String>>,
    pub pvgrub: Option<Spanned<String>>,
    pub pvgrub_pvh: Option<Spanned<String>>,
    /// `allow-uri-params "keyfile" "no_verify"`: the URI parameters the lab opts in to.
    pub allow_uri_params: Vec<Spanned<String>>,
}

impl HostSpec {
    pub fn read(node: &KdlNode, d: &mut Diagnostics) -> Option<HostSpec> {
        let r = NodeReader::new(node);
        let name = r.required_arg_string(0, "name", "host \"local\" uri=\"qemu:///system\"", d);
        let spec = HostSpec {
            name: name
                .clone()
                .unwrap_or_else(|| Spanned::new(String::new(), r.name_span())),
            uri: r.string("uri", d),
            hypervisor: read_choice(&r, "hypervisor", d),
            accel: read_choice(&r, "accel", d),
            pool: r.string("pool", d),
            hvmloader: r.string("hvmloader", d),
            device_model: r.string("device-model", d),
            pvgrub: r.string("pvgrub", d),
            pvgrub_pvh: r.string("pvgrub-pvh", d),
            allow_uri_params: r
                .child("allow-uri-params", d)
                .map(|n| read_allow_list(n, d))
                .unwrap_or_default(),
        };
        r.finish(d);
        name.map(|_| spec)
    }
}

/// The arguments of `allow-uri-params`: one or more parameter names, nothing else.
fn read_allow_list(node: &KdlNode, d: &mut Diagnostics) -> Vec<Spanned<String>> {
    let r = NodeReader::new(node);
    if r.arg_count() == 0 {
        d.push(
            Diagnostic::new(
                DiagnosticCode::MissingArgument,
                r.name_span(),
                "`allow-uri-params` needs the names of the URI parameters it allows",
            )
            .label("argument missing")
            .help("write `allow-uri-params \"keyfile\" \"no_verify\"`"),
        );
    }
    let names = (0..r.arg_count())
        .filter_map(|i| r.arg_string(i, "parameter name", d))
        .collect();
    r.finish(d);
    names
}
