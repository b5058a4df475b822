//! `defaults` merged into a node: the node's own settings win; a node that lists any disk or
//! interface replaces the default list; cloud-init templates merge per file and variables
//! key by key; `groups` add up (the defaults' first), as group membership does in Ansible.

use crate::language::spec::{CloudInitSpec, NodeSettings};
use std::borrow::Cow;

/// The node's settings with the gaps filled from `defaults` (the node's own, unchanged and
/// uncopied, when there are none).
pub(super) fn merge<'a>(
    node: &'a NodeSettings,
    defaults: Option<&NodeSettings>,
) -> Cow<'a, NodeSettings> {
    let Some(d) = defaults else {
        return Cow::Borrowed(node);
    };
    Cow::Owned(NodeSettings {
        image: node.image.clone().or_else(|| d.image.clone()),
        host: node.host.clone().or_else(|| d.host.clone()),
        cpus: node.cpus.clone().or_else(|| d.cpus.clone()),
        memory: node.memory.clone().or_else(|| d.memory.clone()),
        disk_size: node.disk_size.clone().or_else(|| d.disk_size.clone()),
        disks: node.disks.clone().or_else(|| d.disks.clone()),
        interfaces: node.interfaces.clone().or_else(|| d.interfaces.clone()),
        cloud_init: merge_cloud_init(node.cloud_init.as_ref(), d.cloud_init.as_ref()),
        xen_boot: node.xen_boot.clone().or_else(|| d.xen_boot.clone()),
        groups: merge_groups(node.groups.as_ref(), d.groups.as_ref()),
    })
}

/// The defaults' groups, then the node's: a node is in both (the resolver keeps a repeated
/// group once).
fn merge_groups<T: Clone>(node: Option<&Vec<T>>, defaults: Option<&Vec<T>>) -> Option<Vec<T>> {
    match (node, defaults) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (Some(n), Some(d)) => Some(d.iter().chain(n).cloned().collect()),
    }
}

/// Template paths per file, variables key by key; the node wins.
fn merge_cloud_init(
    node: Option<&CloudInitSpec>,
    defaults: Option<&CloudInitSpec>,
) -> Option<CloudInitSpec> {
    let (node, defaults) = match (node, defaults) {
        (None, None) => return None,
        (Some(n), None) => return Some(n.clone()),
        (None, Some(d)) => return Some(d.clone()),
        (Some(n), Some(d)) => (n, d),
    };
    let mut vars = defaults.vars.clone();
    vars.retain(|v| !node.vars.iter().any(|n| n.name.value == v.name.value));
    vars.extend(node.vars.iter().cloned());
    Some(CloudInitSpec {
        user_data: node
            .user_data
            .clone()
            .or_else(|| defaults.user_data.clone()),
        meta_data: node
            .meta_data
            .clone()
            .or_else(|| defaults.meta_data.clone()),
        network_config: node
            .network_config
            .clone()
            .or_else(|| defaults.network_config.clone()),
        vendor_data: node
            .vendor_data
            .clone()
            .or_else(|| defaults.vendor_data.clone()),
        vars,
    })
}
