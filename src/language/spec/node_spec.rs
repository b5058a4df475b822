//! `NodeSpec`: a `node "name" { ... }` guest, and `NodeSettings`, which `defaults` shares.
//!
//! ```kdl
//! node "web-{index}" count=3 {
//!     image "debian-12"
//!     groups "frontend"
//!     cpus 2
//!     memory "1GiB"
//!     disk "data" size="10GiB"
//!     interface "eth0" network="lan" address="10.0.0.{index+10}"
//!     cloud-init { user-data "web.yaml"; vars { role "web" } }
//! }
//! ```

use super::read_choice;
use super::read_count;
use super::var_spec::{VarSpec, read_vars};
use crate::lab::choices::{DiskFormat, XenBoot};
use crate::language::diagnostic::Diagnostics;
use crate::language::node_reader::NodeReader;
use crate::language::spanned::Spanned;
use kdl::KdlNode;
use miette::SourceSpan;

#[derive(Debug, Clone)]
pub struct NodeSpec {
    pub name: Spanned<String>,
    pub count: Option<Spanned<u32>>,
    /// Boxed: most of it is empty options, and a big lab's node list is moved as it is
    /// collected from the pieces of the file (see `Loader`).
    pub settings: Box<NodeSettings>,
}

/// Everything a node may set, each optional so `defaults` can fill the gaps.
#[derive(Debug, Clone, Default)]
pub struct NodeSettings {
    pub image: Option<Spanned<String>>,
    pub host: Option<Spanned<String>>,
    pub cpus: Option<Spanned<i128>>,
    pub memory: Option<Spanned<String>>,
    pub disk_size: Option<Spanned<String>>,
    /// `None` when no `disk` is written (so defaults apply), else the node's own list.
    pub disks: Option<Vec<DiskSpec>>,
    pub interfaces: Option<Vec<InterfaceSpec>>,
    pub cloud_init: Option<CloudInitSpec>,
    pub xen_boot: Option<Spanned<XenBoot>>,
    /// `groups "web" "frontend"`: Ansible groups for `vlab inventory`, as written (the
    /// resolver checks the names and adds a node's to the defaults').
    pub groups: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Clone)]
pub struct DiskSpec {
    pub name: Spanned<String>,
    pub size: Option<Spanned<String>>,
    pub format: Option<Spanned<DiskFormat>>,
    pub span: SourceSpan,
}

#[derive(Debug, Clone)]
pub struct InterfaceSpec {
    /// `None`: named `eth<position>`.
    pub name: Option<Spanned<String>>,
    pub network: Option<Spanned<String>>,
    pub address: Option<Spanned<String>>,
    pub mac: Option<Spanned<String>>,
    pub span: SourceSpan,
}

#[derive(Debug, Clone, Default)]
pub struct CloudInitSpec {
    pub user_data: Option<Spanned<String>>,
    pub meta_data: Option<Spanned<String>>,
    pub network_config: Option<Spanned<String>>,
    pub vendor_data: Option<Spanned<String>>,
    pub vars: Vec<VarSpec>,
}

impl NodeSpec {
    pub fn read(node: &KdlNode, d: &mut Diagnostics) -> Option<NodeSpec> {
        let r = NodeReader::new(node);
        let name = r.required_arg_string(0, "name", "node \"web\" { ... }", d);
        let count = read_count(&r, d);
        let settings = Box::new(NodeSettings::read_from(&r, d));
        r.finish(d);
        Some(NodeSpec {
            name: name?,
            count,
            settings,
        })
    }
}

impl NodeSettings {
    /// Reads the `defaults { ... }` block.
    pub fn read_defaults(node: &KdlNode, d: &mut Diagnostics) -> NodeSettings {
        let r = NodeReader::new(node);
        let settings = NodeSettings::read_from(&r, d);
        r.finish(d);
        settings
    }

    fn read_from(r: &NodeReader<'_>, d: &mut Diagnostics) -> NodeSettings {
        let disks = r.children("disk");
        let interfaces = r.children("interface");
        NodeSettings {
            image: r.string("image", d),
            host: r.string("host", d),
            cpus: r.integer("cpus", d),
            memory: r.string("memory", d),
            disk_size: r.string("disk-size", d),
            disks: (!disks.is_empty()).then(|| {
                disks
                    .into_iter()
                    .filter_map(|n| DiskSpec::read(n, d))
                    .collect()
            }),
            interfaces: (!interfaces.is_empty()).then(|| {
                interfaces
                    .into_iter()
                    .map(|n| InterfaceSpec::read(n, d))
                    .collect()
            }),
            cloud_init: r.child("cloud-init", d).map(|n| CloudInitSpec::read(n, d)),
            xen_boot: read_choice(r, "xen-boot", d),
            groups: r.strings("groups", d),
        }
    }
}

impl DiskSpec {
    fn read(node: &KdlNode, d: &mut Diagnostics) -> Option<DiskSpec> {
        let r = NodeReader::new(node);
        let name = r.required_arg_string(0, "name", "disk \"data\" size=\"10GiB\"", d);
        let spec = DiskSpec {
            name: name
                .clone()
                .unwrap_or_else(|| Spanned::new(String::new(), r.name_span())),
            size: r.string("size", d),
            format: read_choice(&r, "format", d),
            span: r.name_span(),
        };
        r.finish(d);
        name.map(|_| spec)
    }
}

impl InterfaceSpec {
    fn read(node: &KdlNode, d: &mut Diagnostics) -> InterfaceSpec {
        let r = NodeReader::new(node);
        let spec = InterfaceSpec {
            name: r.arg_string(0, "name", d),
            network: r.string("network", d),
            address: r.string("address", d),
            mac: r.string("mac", d),
            span: r.name_span(),
        };
        r.finish(d);
        spec
    }
}

impl CloudInitSpec {
    fn read(node: &KdlNode, d: &mut Diagnostics) -> CloudInitSpec {
        let r = NodeReader::new(node);
        let spec = CloudInitSpec {
            user_data: r.string("user-data", d),
            meta_data: r.string("meta-data", d),
            network_config: r.string("network-config", d),
            vendor_data: r.string("vendor-data", d),
            vars: r
                .child("vars", d)
                .map(|n| read_vars(n, d))
                .unwrap_or_default(),
        };
        r.finish(d);
        spec
    }
}
