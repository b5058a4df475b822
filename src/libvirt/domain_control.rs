//! `DomainControl`: what `vlab stop`, `start`, `snapshot` and `reset` do to one existing
//! domain of a lab: a graceful stop (ACPI power button, then hard after a timeout) that
//! records "stopped on purpose" (`PowerRecord`), clearing that record before a start, and
//! the domain's internal snapshots (created with the guest's memory when it runs, listed
//! with their times, reverted and deleted).
//!
//! It carries out one call at a time and decides nothing: which nodes, which snapshot, and
//! whether a snapshot belongs to the lab as it is now, are the commands' business. Every
//! call blocks.

use super::console_watch::ConsoleWatch;
use super::power_record::PowerRecord;
use super::{HostConnection, LibvirtError};
use std::time::Duration;
use virt::domain::Domain;
use virt::domain_snapshot::DomainSnapshot;

pub struct DomainControl {
    pub name: String,
    domain: Domain,
    conn: virt::connect::Connect,
}

/// One internal snapshot as libvirt describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub name: String,
    /// Seconds since the epoch (libvirt's `creationTime`).
    pub created: u64,
    /// The domain's state when it was taken (`running`, `shutoff`, ...).
    pub state: String,
    /// Its free-text description (vlab writes its own record there).
    pub description: String,
    /// Whether it holds the guest's memory (taken while it ran).
    pub with_memory: bool,
}

fn call(what: &str) -> impl Fn(virt::error::Error) -> LibvirtError + '_ {
    move |e| LibvirtError::call(what, &e)
}

impl DomainControl {
    /// The domain named `name`, or `None` when the host has none.
    pub fn find(connection: &HostConnection, name: &str) -> Result<Option<Self>, LibvirtError> {
        match connection.conn().lookup_domain_by_name(name) {
            Ok(domain) => Ok(Some(DomainControl {
                name: name.to_string(),
                domain,
                conn: connection.conn().clone(),
            })),
            Err(e) if e.code().is(virt::error::ErrorNumber::NoDomain) => Ok(None),
            Err(e) => Err(LibvirtError::call(name, &e)),
        }
    }

    pub fn is_running(&self) -> bool {
        self.domain.is_active().unwrap_or(false)
    }

    /// Records "stopped on purpose", then stops the guest: the ACPI power button and up to
    /// `timeout` for it to stop, then a hard stop. True when the guest stopped by itself.
    pub fn stop(&self, timeout: Duration) -> Result<bool, LibvirtError> {
        PowerRecord::mark_stopped(&self.domain).map_err(call(&self.name))?;
        if !self.is_running() {
            return Ok(true);
        }
        stop_domain(&self.conn, &self.domain, &self.name, timeout)
    }

    /// Forgets "stopped on purpose" (the next apply starts the guest, as for any stopped
    /// guest).
    pub fn clear_stopped(&self) -> Result<(), LibvirtError> {
        PowerRecord::clear(&self.domain).map_err(call(&self.name))
    }

    /// Takes an internal snapshot named `name` (with the guest's memory when it runs).
    pub fn create_snapshot(&self, name: &str, description: &str) -> Result<(), LibvirtError> {
        let xml = crate::host::xml_element::XmlElement::new("domainsnapshot")
            .child(crate::host::xml_element::XmlElement::leaf("name", name))
            .child(crate::host::xml_element::XmlElement::leaf(
                "description",
                description,
            ))
            .render();
        self.domain
            .create_snapshot_xml(&xml, 0)
            .map(|_| ())
            .map_err(call(&self.name))
    }

    /// The domain's snapshots, oldest first.
    pub fn snapshots(&self) -> Result<Vec<SnapshotInfo>, LibvirtError> {
        let all = match self.domain.list_all_snapshots(0) {
            Ok(all) => all,
            // A driver without snapshots (libxl) has none.
            Err(e) if e.code().is(virt::error::ErrorNumber::NoSupport) => Vec::new(),
            Err(e) => return Err(LibvirtError::call(&self.name, &e)),
        };
        let mut out: Vec<SnapshotInfo> = all.iter().filter_map(describe).collect();
        out.sort_by(|a, b| (a.created, &a.name).cmp(&(b.created, &b.name)));
        Ok(out)
    }

    /// Returns the domain to snapshot `name`: its disks, and its memory and running state
    /// when the snapshot holds them.
    pub fn revert(&self, name: &str) -> Result<(), LibvirtError> {
        self.snapshot(name)?.revert(0).map_err(call(&self.name))
    }

    /// Replaces snapshot `name`'s description (libvirt redefines its metadata; the snapshot's
    /// data is not touched).
    pub fn set_snapshot_description(
        &self,
        name: &str,
        description: &str,
    ) -> Result<(), LibvirtError> {
        let xml = self
            .snapshot(name)?
            .xml_desc(virt::sys::VIR_DOMAIN_SNAPSHOT_XML_SECURE)
            .map_err(call(&self.name))?;
        let (Some(start), Some(end)) = (xml.find("<description>"), xml.find("</description>"))
        else {
            return Err(LibvirtError::Call {
                what: self.name.clone(),
                message: format!("snapshot `{name}` has no description to replace"),
            });
        };
        let element =
            crate::host::xml_element::XmlElement::leaf("description", description).render();
        let redefined = format!(
            "{}{}{}",
            &xml[..start],
            element.trim_end(),
            &xml[end + "</description>".len()..]
        );
        self.domain
            .create_snapshot_xml(&redefined, virt::sys::VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE)
            .map(|_| ())
            .map_err(call(&self.name))
    }

    /// Records the guest as ready from now on (`ReadinessRecord`), `after` its return to a
    /// snapshot taken when it was ready.
    pub fn mark_ready(&self, after: Duration) {
        super::readiness_record::ReadinessRecord::ready(after).write(&self.domain);
    }

    pub fn delete_snapshot(&self, name: &str) -> Result<(), LibvirtError> {
        self.snapshot(name)?.delete(0).map_err(call(&self.name))
    }

    /// The bytes the root disk's file takes on the host now (internal snapshots live in it:
    /// the growth across a snapshot is what taking it cost). `None` when it cannot be read.
    pub fn root_allocation(&self) -> Option<u64> {
        let xml = self.domain.xml_desc(0).ok()?;
        let doc = roxmltree::Document::parse(&xml).ok()?;
        let source = doc
            .descendants()
            .filter(|n| n.has_tag_name("disk") && n.attribute("device") == Some("disk"))
            .find_map(|disk| disk.children().find(|n| n.has_tag_name("source")))?;
        // A pool volume (`<source pool= volume=>`, as vlab writes KVM disks) or a file.
        let volume = match (source.attribute("pool"), source.attribute("volume")) {
            (Some(pool), Some(volume)) => self
                .conn
                .lookup_storage_pool_by_name(pool)
                .ok()?
                .lookup_storage_vol_by_name(volume)
                .ok()?,
            _ => self
                .conn
                .lookup_storage_vol_by_path(source.attribute("file")?)
                .ok()?,
        };
        volume.info().ok().map(|info| info.allocation)
    }

    fn snapshot(&self, name: &str) -> Result<DomainSnapshot, LibvirtError> {
        Domain::lookup_snapshot_by_name(&self.domain, name, 0).map_err(call(&self.name))
    }
}

fn describe(snapshot: &DomainSnapshot) -> Option<SnapshotInfo> {
    let xml = snapshot.xml_desc(0).ok()?;
    let doc = roxmltree::Document::parse(&xml).ok()?;
    let root = doc.root_element();
    let text = |tag: &str| {
        root.children()
            .find(|n| n.has_tag_name(tag))
            .and_then(|n| n.text())
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let memory = root.children().find(|n| n.has_tag_name("memory"));
    Some(SnapshotInfo {
        name: text("name"),
        created: text("creationTime").parse().unwrap_or(0),
        state: text("state"),
        description: text("description"),
        with_memory: memory.is_some_and(|m| m.attribute("snapshot") == Some("internal")),
    })
}

/// Stops a running domain: asks the guest to shut down (ACPI power button) and waits up to
/// `timeout` for it to stop (its console closes), then stops it hard if it still runs. True
/// when it stopped by itself.
pub fn stop_domain(
    conn: &virt::connect::Connect,
    domain: &Domain,
    name: &str,
    timeout: Duration,
) -> Result<bool, LibvirtError> {
    let console = if timeout.is_zero() {
        None
    } else {
        ConsoleWatch::attach(conn, domain).ok()
    };
    if let Some(mut console) = console
        && domain.shutdown().is_ok()
        && console.wait_closed(timeout)
    {
        return Ok(true);
    }
    match domain.destroy() {
        Ok(()) => Ok(false),
        // It stopped on its own after all.
        Err(_) if !domain.is_active().map_err(call(name))? => Ok(true),
        Err(e) => Err(LibvirtError::call(name, &e)),
    }
}
