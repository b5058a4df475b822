//! `Observer`: reads what a lab's hosts hold, through libvirt: vlab's pool and its volumes,
//! the networks named with the lab's prefix, and the domains whose vlab metadata names the
//! lab (with the record of what apply built each from, when it kept one). Read-only: it never changes a host. Calls block; async callers use `spawn_blocking`.

use super::{Connections, HostConnection, LibvirtError};
use crate::host::domain_xml::METADATA_NS;
use crate::host::node_record::NodeRecord;
use crate::host::resource_names as names;
use crate::lab::{Host, Lab};
use crate::planner::observed::{
    DomainState, ForeignDomain, NetworkSummary, Observed, ObservedDomain, ObservedHost,
    ObservedNetwork,
};
use virt::error::ErrorNumber;

#[derive(Debug, thiserror::Error)]
#[error("host `{host}` ({uri}): {message}")]
pub struct ObserveError {
    pub host: String,
    pub uri: String,
    pub message: String,
}

/// Observes every host of the lab through the command's connections; the first host that
/// cannot be read fails the whole.
pub fn observe(lab: &Lab, connections: &Connections) -> Result<Observed, ObserveError> {
    let hosts = lab
        .hosts
        .iter()
        .map(|host| {
            let connection = connections.to(host).map_err(|e| ObserveError {
                host: host.name.clone(),
                uri: host.uri.raw.clone(),
                message: match e {
                    LibvirtError::Connect { message, .. } => message,
                    other => other.to_string(),
                },
            })?;
            observe_host(lab, host, &connection)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Observed { hosts })
}

fn observe_host(
    lab: &Lab,
    host: &Host,
    connection: &HostConnection,
) -> Result<ObservedHost, ObserveError> {
    let fail = |e: virt::error::Error| ObserveError {
        host: host.name.clone(),
        uri: host.uri.raw.clone(),
        message: e.message().to_string(),
    };
    let conn = connection.conn();
    let prefix = names::prefix(&lab.name);
    let mut seen = ObservedHost {
        name: host.name.clone(),
        ..ObservedHost::default()
    };
    match conn.lookup_storage_pool_by_name(&host.pool) {
        Ok(pool) if pool.is_active().map_err(fail)? => {
            crate::libvirt::pool_uploader::refresh(&pool).map_err(fail)?;
            seen.pool_exists = true;
            seen.volumes = pool.list_volumes().map_err(fail)?.into_iter().collect();
        }
        // An inactive pool is planned as missing: creating it starts it.
        Ok(_) => {}
        Err(e) if e.code().is(ErrorNumber::NoStoragePool) => {}
        Err(e) => return Err(fail(e)),
    }
    for network in conn.list_all_networks(0).map_err(fail)? {
        match observe_network(&network, &prefix) {
            Ok(Some(observed)) => seen.networks.push(observed),
            Ok(None) => {}
            Err(e) if vanished(&e) => {}
            Err(e) => return Err(fail(e)),
        }
    }
    (seen.domains, seen.foreign_domains) =
        observe_domains(conn.list_all_domains(0).map_err(fail)?, &lab.name).map_err(fail)?;
    Ok(seen)
}

/// A domain or network that another client removed between vlab listing it and reading it
/// (the host is shared: other labs and tools create and delete guests all the time) is gone,
/// not an error.
fn vanished(e: &virt::error::Error) -> bool {
    e.code().is(ErrorNumber::NoDomain) || e.code().is(ErrorNumber::NoNetwork)
}

fn observe_network(
    network: &virt::network::Network,
    prefix: &str,
) -> Result<Option<ObservedNetwork>, virt::error::Error> {
    let name = network.name()?;
    if !name.starts_with(prefix) {
        return Ok(None);
    }
    let xml = network.xml_desc(0)?;
    Ok(Some(ObservedNetwork {
        name,
        summary: NetworkSummary::from_xml(&xml).unwrap_or_default(),
        active: network.is_active()?,
    }))
}

/// The listed domains that belong to `lab`, and the names of all the others (the lab must
/// not take them), skipping those that vanished since the listing.
pub fn observe_domains(
    domains: Vec<virt::domain::Domain>,
    lab: &str,
) -> Result<(Vec<ObservedDomain>, Vec<ForeignDomain>), virt::error::Error> {
    let mut observed = Vec::new();
    let mut foreign = Vec::new();
    for domain in domains {
        match observe_domain(&domain, lab) {
            Ok(Ok(d)) => observed.push(d),
            Ok(Err(f)) => foreign.push(f),
            Err(e) if vanished(&e) => {}
            Err(e) => return Err(e),
        }
    }
    Ok((observed, foreign))
}

fn observe_domain(
    domain: &virt::domain::Domain,
    lab: &str,
) -> Result<Result<ObservedDomain, ForeignDomain>, virt::error::Error> {
    let xml = domain.xml_desc(0)?;
    let mut observed = match classify_domain(&xml, lab) {
        Ok(observed) => observed,
        Err(owner) => {
            return Ok(Err(ForeignDomain {
                name: domain.name()?,
                lab: owner,
            }));
        }
    };
    observed.state = match domain.state()?.0.known() {
        // Blocked is a running guest waiting on I/O (idle Xen guests are often blocked).
        Some(virt::domain::DomainState::Running | virt::domain::DomainState::Blocked) => {
            DomainState::Running
        }
        Some(virt::domain::DomainState::Shutoff) => DomainState::ShutOff,
        _ => DomainState::Other,
    };
    Ok(Ok(observed))
}

/// The domain as the planner sees it, if its metadata says it belongs to `lab`.
pub fn parse_domain(xml: &str, lab: &str) -> Option<ObservedDomain> {
    classify_domain(xml, lab).ok()
}

/// The domain as the planner sees it when it belongs to `lab`; else the lab its vlab
/// metadata names (`None`: no vlab metadata, or XML vlab cannot read), from one parse.
fn classify_domain(xml: &str, lab: &str) -> Result<ObservedDomain, Option<String>> {
    let doc = roxmltree::Document::parse(xml).map_err(|_| None)?;
    let root = doc.root_element();
    let meta = root
        .descendants()
        .find(|n| n.tag_name().namespace() == Some(METADATA_NS) && n.tag_name().name() == "lab")
        .ok_or(None)?;
    if meta.attribute("name") != Some(lab) {
        return Err(meta.attribute("name").map(str::to_string));
    }
    let text = |tag: &str| {
        root.children()
            .find(|n| n.has_tag_name(tag))
            .and_then(|n| n.text())
            .map(str::trim)
    };
    let memory_kib = root
        .children()
        .find(|n| n.has_tag_name("memory"))
        .and_then(|m| {
            let value: u64 = m.text()?.trim().parse().ok()?;
            Some(match m.attribute("unit").unwrap_or("KiB") {
                "b" | "bytes" => value / 1024,
                "M" | "MiB" => value * 1024,
                "G" | "GiB" => value * 1024 * 1024,
                _ => value,
            })
        })
        .unwrap_or(0);
    // Metadata naming the lab without a name or node is not the lab's to change.
    let unreadable = || Some(lab.to_string());
    Ok(ObservedDomain {
        name: text("name").ok_or_else(unreadable)?.to_string(),
        node: meta.attribute("node").ok_or_else(unreadable)?.to_string(),
        digest: meta.attribute("digest").unwrap_or_default().to_string(),
        image: meta.attribute("image").unwrap_or_default().to_string(),
        seed_volume: meta.attribute("seed").unwrap_or_default().to_string(),
        root_size: meta
            .attribute("root-size")
            .and_then(|s| s.parse().ok())
            .filter(|s| *s > 0),
        cpus: text("vcpu").and_then(|v| v.parse().ok()).unwrap_or(0),
        memory_kib,
        state: DomainState::Other,
        stopped_on_purpose: super::power_record::PowerRecord::stopped_in(root),
        record: meta
            .children()
            .find(|n| {
                n.tag_name().namespace() == Some(METADATA_NS) && n.tag_name().name() == "record"
            })
            .and_then(|n| n.text())
            .and_then(NodeRecord::from_json),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use virt::connect::Connect;

    #[test]
    fn reads_vlab_metadata_and_ignores_other_labs() {
        let xml = "<domain type='kvm'><name>web-web-1</name><metadata><vlab:lab xmlns:vlab='urn:x-vlab:lab:1' name='web' node='web-1' digest='sha256:ab' image='vlab-base-sha256-cd' seed='vlab-web-web-1-seed-1.img' root-size='0'/></metadata><memory unit='KiB'>2097152</memory><vcpu placement='static'>2</vcpu></domain>";
        let d = parse_domain(xml, "web").expect("owned");
        assert_eq!(
            (d.name.as_str(), d.node.as_str(), d.digest.as_str()),
            ("web-web-1", "web-1", "sha256:ab")
        );
        assert_eq!((d.cpus, d.memory_kib, d.root_size), (2, 2_097_152, None));
        assert_eq!(d.seed_volume, "vlab-web-web-1-seed-1.img");
        assert!(parse_domain(xml, "other").is_none());
        assert!(parse_domain("<domain><name>x</name></domain>", "web").is_none());
        assert_eq!(
            classify_domain(xml, "other").err(),
            Some(Some("web".into()))
        );
        assert_eq!(
            classify_domain("<domain><name>x</name></domain>", "web").err(),
            Some(None)
        );
    }

    /// Another client deletes a domain between vlab's listing and its reading: the domain is
    /// skipped, the others are still observed.
    #[test]
    fn a_domain_deleted_after_the_listing_is_skipped() {
        virt::error::clear_error_callback();
        let conn = Connect::open(Some("test:///default")).expect("test driver");
        let define = |name: &str| {
            let xml = format!(
                "<domain type='test'><name>{name}</name><metadata><vlab:lab xmlns:vlab='urn:x-vlab:lab:1' name='race' node='{name}' digest='d' image='i' seed='s' root-size='0'/></metadata><memory>65536</memory><os><type>hvm</type></os></domain>"
            );
            conn.define_domain_xml(&xml).expect("define")
        };
        let (kept, gone) = (define("race-kept"), define("race-gone"));
        let listed = conn.list_all_domains(0).expect("list");
        gone.undefine().expect("undefine");
        let error = gone.xml_desc(0).expect_err("the domain is gone");
        assert!(vanished(&error), "{error}");
        let (observed, foreign) =
            observe_domains(listed, "race").expect("no error for the vanished domain");
        let names: Vec<&str> = observed.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["race-kept"]);
        // The test driver's own domain has no vlab metadata: it is foreign, by name.
        assert!(foreign.contains(&ForeignDomain {
            name: "test".into(),
            lab: None
        }));
        kept.undefine().expect("undefine");
    }
}
