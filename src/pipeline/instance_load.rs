//! Loading a lab as an instance of itself (`--instance NAME`): the lab is checked once
//! under the instance's name (`LAB.NAME`) to learn its networks and their hosts, the hosts
//! are asked which IPv4 ranges their networks hold, each network of the instance is given a
//! range from the instance pool (`planner::instance_ranges`: kept when the instance has the
//! network already), and the lab is checked again with those ranges, every address in them
//! moved along (`resolver::relocation`). Reads the hosts; changes nothing.

use super::{LoadedLab, PipelineError};
use crate::host::resource_names as names;
use crate::language::lab_source::LabSource;
use crate::libvirt::Connections;
use crate::libvirt::network_ranges::NetworkRanges;
use crate::planner::instance_ranges::{HostRanges, InstanceRanges, WantedRange};
use crate::resolver::relocation::InstanceOptions;
use ipnet::Ipv4Net;
use std::path::Path;

/// The instance asked for, and the pool its ranges come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceRequest {
    pub name: String,
    pub pool: Ipv4Net,
}

/// The default instance pool: 10.224.0.0/12 (10.224.0.0 to 10.239.255.255).
pub const DEFAULT_POOL: &str = "10.224.0.0/12";

pub fn load(file: &Path, request: &InstanceRequest) -> Result<LoadedLab, PipelineError> {
    let source = LabSource::read(file)?;
    let mut options = crate::CheckOptions::from_env();
    options.instance = Some(InstanceOptions {
        name: request.name.clone(),
        ranges: std::collections::BTreeMap::new(),
    });
    let first = check(&source, options.clone())?;
    let wanted: Vec<WantedRange> = first
        .networks
        .iter()
        .filter_map(|n| {
            Some(WantedRange {
                network: n.name.clone(),
                libvirt_name: names::network(&first.name, &n.name),
                cidr: n.ipv4.as_ref()?.cidr,
                hosts: n.hosts.clone(),
            })
        })
        .collect();
    let connections = Connections::new();
    let mut taken = HostRanges::new();
    for host in first
        .hosts
        .iter()
        .filter(|h| wanted.iter().any(|w| w.hosts.contains(&h.name)))
    {
        let ranges = connections
            .to(host)
            .and_then(|c| NetworkRanges::read(&c))
            .map_err(|e| PipelineError::Instance {
                message: format!(
                    "cannot read the networks of host `{}` ({}) to give instance `{}` its ranges: {e}",
                    host.name, host.uri, request.name
                ),
            })?;
        taken.insert(host.name.clone(), ranges);
    }
    let ranges =
        InstanceRanges::allocate(&first.name, &wanted, &taken, request.pool).map_err(|e| {
            PipelineError::Instance {
                message: e.to_string(),
            }
        })?;
    if let Some(instance) = options.instance.as_mut() {
        instance.ranges = ranges;
    }
    let lab = check(&source, options)?;
    Ok(LoadedLab { source, lab })
}

fn check(
    source: &LabSource,
    options: crate::CheckOptions,
) -> Result<crate::lab::Lab, PipelineError> {
    crate::check_with(source, options).map_err(|diagnostics| PipelineError::Invalid {
        file: Box::new(source.clone()),
        diagnostics,
    })
}
