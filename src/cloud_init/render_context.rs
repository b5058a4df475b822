//! The Tera context every cloud-init template sees: the lab, the node (with its interfaces
//! ready for network-config), the merged variables, the default user and the SSH keys.
//! docs/cloud-init.md lists every name. Pure: built from the checked `Lab` alone.

use crate::lab::choices::NetworkMode;
use crate::lab::{Attachment, Interface, Lab, Node, Variable};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The user vlab creates when the lab does not name one (`vars { user "..." }`).
pub const DEFAULT_USER: &str = "vlab";

pub fn context(lab: &Lab, node: &Node, ssh_keys: &[String]) -> Value {
    let vars = merged_vars(lab, node);
    let user = vars
        .get("user")
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_USER)
        .to_string();
    json!({
        "lab": {
            "name": lab.name,
            "description": lab.description,
            "networks": lab.networks.iter().map(|n| json!({
                "name": n.name,
                "mode": n.mode,
                "cidr": n.ipv4.as_ref().map(|p| p.cidr.to_string()),
                "gateway": n.ipv4.as_ref().map(|p| p.gateway.to_string()),
                "domain": n.domain,
            })).collect::<Vec<_>>(),
            "vars": values(&lab.vars),
        },
        "node": {
            "name": node.name,
            "index": node.index,
            "host": node.host,
            "hypervisor": node.hypervisor,
            "image": node.image,
            "cpus": node.cpus,
            "memory_mib": node.memory.bytes() / (1024 * 1024),
            "domain": node_domain(lab, node),
            "interfaces": interfaces(lab, node),
            "vars": values(&node.cloud_init.vars),
        },
        "vars": vars,
        "user": user,
        "ssh_keys": ssh_keys,
    })
}

/// Lab variables overlaid with the node's (the node wins).
fn merged_vars(lab: &Lab, node: &Node) -> BTreeMap<String, Value> {
    let mut merged = values(&lab.vars);
    merged.extend(values(&node.cloud_init.vars));
    merged
}

fn values(vars: &BTreeMap<String, Variable>) -> BTreeMap<String, Value> {
    vars.iter()
        .map(|(k, v)| (k.clone(), v.value.clone()))
        .collect()
}

/// The DNS domain of the first network (in interface order) that has one.
fn node_domain(lab: &Lab, node: &Node) -> Option<String> {
    node.interfaces.iter().find_map(|i| match &i.attachment {
        Attachment::Network(name) => lab.network(name).and_then(|n| n.domain.clone()),
        Attachment::Link(_) => None,
    })
}

/// Each interface as network-config needs it. The default route goes to the first interface
/// on a network that leads somewhere (nat, route, or a host bridge); isolated networks and
/// links never carry it.
fn interfaces(lab: &Lab, node: &Node) -> Vec<Value> {
    let mut default_taken = false;
    node.interfaces
        .iter()
        .map(|interface| {
            let mut value = interface_value(lab, interface);
            let leads_out = value["leads_out"].as_bool().unwrap_or(false);
            value["default_route"] = Value::Bool(leads_out && !default_taken);
            default_taken |= leads_out;
            value
        })
        .collect()
}

fn interface_value(lab: &Lab, interface: &Interface) -> Value {
    let address = interface.address.map(|a| a.to_string());
    match &interface.attachment {
        Attachment::Network(name) => {
            let network = lab.network(name);
            let plan = network.and_then(|n| n.ipv4.as_ref());
            let mode = network.map_or(NetworkMode::Isolated, |n| n.mode);
            let served = plan.is_some_and(|p| p.dhcp.is_some());
            // On a host bridge the outside network's own DHCP server answers (its `cidr`
            // only describes that network for static addresses).
            let dhcp = address.is_none() && (served || mode == NetworkMode::Bridge);
            let dns: Vec<String> = match (mode, plan) {
                (NetworkMode::Bridge, _) | (_, None) => Vec::new(),
                (_, Some(p)) => vec![p.gateway.to_string()],
            };
            json!({
                "name": interface.name,
                "mac": interface.mac.to_string(),
                "kind": "network",
                "network": name,
                "link": Value::Null,
                "address": address,
                "prefix": interface.prefix,
                "cidr": plan.map(|p| p.cidr.to_string()),
                "gateway": plan.map(|p| p.gateway.to_string()),
                "dns": dns,
                "search": network.and_then(|n| n.domain.clone()).into_iter().collect::<Vec<_>>(),
                "dhcp": dhcp,
                "leads_out": matches!(mode, NetworkMode::Nat | NetworkMode::Route | NetworkMode::Bridge),
            })
        }
        Attachment::Link(link) => json!({
            "name": interface.name,
            "mac": interface.mac.to_string(),
            "kind": "link",
            "network": Value::Null,
            "link": link,
            "address": address,
            "prefix": interface.prefix,
            "cidr": lab.links.iter().find(|l| &l.name == link).and_then(|l| l.cidr).map(|c| c.to_string()),
            "gateway": Value::Null,
            "dns": Vec::<String>::new(),
            "search": Vec::<String>::new(),
            "dhcp": false,
            "leads_out": false,
        }),
    }
}
