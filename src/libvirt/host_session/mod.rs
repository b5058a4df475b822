//! `HostSession`: the libvirt calls that carry out one host's changes. Each method does one
//! thing to one resource and reports errors with the resource's name; deciding what to do is
//! the planner's job. Every call blocks. Networks and domains are here; the pool, volumes
//! and disks in `storage`.

mod storage;

use super::LibvirtError;
use super::console_watch::ConsoleWatch;
use super::host_connection::HostConnection;
use super::pool_uploader::PoolUploader;
use crate::host::domain_xml::DomainXml;
use crate::host::resource_names as names;
use crate::host::xml_element::XmlElement;
use crate::lab::choices::Accel;
use crate::lab::{Host, Lab};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use virt::domain::Domain;

pub struct HostSession {
    pub lab_name: String,
    pub host: Host,
    pub uploader: PoolUploader,
    connection: Arc<HostConnection>,
    /// One lock per pool volume being uploaded: two images with the same content (one
    /// kernel shared by two images) are one volume, uploaded once; the second upload waits
    /// and then finds it complete.
    uploads: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

type Result<T> = std::result::Result<T, LibvirtError>;

/// `Ok(None)` when libvirt says the resource does not exist. Any other failure (a dropped
/// connection, a permission problem) is an error: it must never pass for "absent", or vlab
/// would recreate what exists or skip deleting what it owns.
fn found<T>(result: std::result::Result<T, virt::error::Error>, what: &str) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if absent(&e) => Ok(None),
        Err(e) => Err(LibvirtError::call(what, &e)),
    }
}

fn absent(e: &virt::error::Error) -> bool {
    use virt::error::ErrorNumber;
    let code = e.code();
    code.is(ErrorNumber::NoDomain)
        || code.is(ErrorNumber::NoNetwork)
        || code.is(ErrorNumber::NoStorageVolume)
        || code.is(ErrorNumber::NoStoragePool)
}

fn err(what: &str) -> impl Fn(virt::error::Error) -> LibvirtError + '_ {
    move |e| LibvirtError::call(what, &e)
}

impl HostSession {
    /// A session on `connection`, the command's connection to `host`.
    pub fn open(lab: &Lab, host: &Host, connection: &Arc<HostConnection>) -> HostSession {
        HostSession {
            lab_name: lab.name.clone(),
            host: host.clone(),
            uploader: PoolUploader::on(connection),
            connection: connection.clone(),
            uploads: Mutex::new(HashMap::new()),
        }
    }

    pub fn define_network(&self, name: &str, xml: &str) -> Result<()> {
        let network = self
            .connection
            .conn()
            .define_network_xml(xml)
            .map_err(err(name))?;
        network.create().map_err(err(name))?;
        network.set_autostart(true).map_err(err(name))?;
        Ok(())
    }

    /// Brings a network's DHCP and DNS host entries to those of `wanted` (its declared XML)
    /// with `virNetworkUpdate`, live and in its definition: the network keeps running and
    /// the guests on it stay connected.
    pub fn update_network_hosts(&self, name: &str, wanted: &str) -> Result<()> {
        use crate::host::network_edit::{NetworkEdit, Section};
        use virt::sys;
        let network = self
            .connection
            .conn()
            .lookup_network_by_name(name)
            .map_err(err(name))?;
        let current = network.xml_desc(0).map_err(err(name))?;
        let mut flags = sys::VIR_NETWORK_UPDATE_AFFECT_CONFIG;
        if network.is_active().map_err(err(name))? {
            flags |= sys::VIR_NETWORK_UPDATE_AFFECT_LIVE;
        }
        for edit in NetworkEdit::between(&current, wanted).map_err(|e| LibvirtError::Call {
            what: name.to_string(),
            message: e.to_string(),
        })? {
            let command = if edit.add {
                sys::VIR_NETWORK_UPDATE_COMMAND_ADD_LAST
            } else {
                sys::VIR_NETWORK_UPDATE_COMMAND_DELETE
            };
            let section = match edit.section {
                Section::DhcpHost => sys::VIR_NETWORK_SECTION_IP_DHCP_HOST,
                Section::DnsHost => sys::VIR_NETWORK_SECTION_DNS_HOST,
            };
            network
                .update(command, section, -1, &edit.xml, flags)
                .map_err(|e| LibvirtError::call(&format!("{name}: updating {}", edit.xml), &e))?;
        }
        Ok(())
    }

    pub fn start_network(&self, name: &str) -> Result<()> {
        let network = self
            .connection
            .conn()
            .lookup_network_by_name(name)
            .map_err(err(name))?;
        network.create().map_err(err(name))
    }

    pub fn delete_network(&self, name: &str) -> Result<()> {
        let Some(network) = found(self.connection.conn().lookup_network_by_name(name), name)?
        else {
            return Ok(());
        };
        if network.is_active().map_err(err(name))? {
            network.destroy().map_err(err(name))?;
        }
        network.undefine().map_err(err(name))
    }

    /// Stops (hard) and undefines a domain; absent is fine.
    pub fn delete_domain(&self, name: &str) -> Result<()> {
        let Some(domain) = found(self.connection.conn().lookup_domain_by_name(name), name)? else {
            return Ok(());
        };
        // A transient domain (started with `virsh create`) is gone once stopped.
        let persistent = domain.is_persistent().map_err(err(name))?;
        if domain.is_active().map_err(err(name))? {
            domain.destroy().map_err(err(name))?;
        }
        if persistent {
            // Its internal snapshots go with it (their data is in the root volume, which the
            // plan deletes too); a driver without snapshots (libxl) has none to count.
            let flags = if domain.num_snapshots(0).unwrap_or(0) > 0 {
                virt::sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
            } else {
                0
            };
            domain.undefine_flags(flags).map_err(err(name))?;
        }
        Ok(())
    }

    /// Defines the node's domain (over its old definition, if any: the UUID stays) and
    /// starts it, stopping it first when it runs with its old definition. With `watch`, the
    /// domain starts paused and its console is attached before it resumes, so the readiness
    /// wait sees every line. With `accel "auto"`, a domain that fails to start under KVM is
    /// defined again with software emulation, and the fallback is reported (never on Xen
    /// hosts, which have no `accel` and whose XML has `kvm` false). A definition that
    /// fails is an error as it is: nothing that vlab did not define here is ever touched.
    pub fn define_and_start(
        &self,
        xml: &DomainXml<'_>,
        watch: bool,
        warn: &dyn Fn(String),
    ) -> Result<Option<ConsoleWatch>> {
        let name = names::domain(&self.lab_name, &xml.node.name);
        // The reset point of the old definition would bring it back: it is taken again once
        // the guest is ready.
        if let Some(old) = found(self.connection.conn().lookup_domain_by_name(&name), &name)?
            && let Ok(baseline) = Domain::lookup_snapshot_by_name(&old, names::BASELINE_SNAPSHOT, 0)
        {
            baseline.delete(0).map_err(err(&name))?;
        }
        let domain = self.define(&name, xml)?;
        if domain.is_active().map_err(err(&name))? {
            let timeout = xml
                .lab
                .image(&xml.node.image)
                .map_or(Duration::ZERO, |i| i.shutdown_timeout);
            self.stop(&domain, &name, timeout)?;
        }
        let error = match self.launch(&domain, &name, watch) {
            Ok(Some(mut console)) => {
                console.unproven_kvm = xml.kvm && self.host.accel == Some(Accel::Auto);
                return Ok(Some(console));
            }
            Ok(None) => return Ok(None),
            Err(e) => e,
        };
        match self.host.accel {
            Some(Accel::Auto) if xml.kvm => {
                warn(format!(
                    "{error}; KVM did not work, so it runs with software emulation (set `accel \"tcg\"` on host `{}` to skip the attempt)",
                    self.host.name
                ));
                let fallback = DomainXml {
                    kvm: false,
                    ..xml.clone()
                };
                let domain = self.define(&name, &fallback)?;
                self.launch(&domain, &name, watch)
            }
            Some(Accel::Kvm) => Err(LibvirtError::KvmFailed {
                error: Box::new(error),
                host: self.host.name.clone(),
            }),
            Some(Accel::Auto | Accel::Tcg) | None => Err(error),
        }
    }

    /// Stops a running domain: the ACPI power button, up to `timeout` for it to stop, then a
    /// hard stop (`domain_control::stop_domain`).
    fn stop(&self, domain: &Domain, name: &str, timeout: Duration) -> Result<()> {
        super::domain_control::stop_domain(self.connection.conn(), domain, name, timeout)
            .map(|_| ())
    }

    /// Defines the domain; over an existing definition of that name it keeps the UUID, as
    /// libvirt requires for a redefinition.
    fn define(&self, name: &str, xml: &DomainXml<'_>) -> Result<Domain> {
        let conn = self.connection.conn();
        let mut element = xml.element();
        if let Some(existing) = found(conn.lookup_domain_by_name(name), name)? {
            let uuid = existing.uuid_string().map_err(err(name))?;
            element = element.child(XmlElement::leaf("uuid", uuid));
        }
        conn.define_domain_xml(&element.render()).map_err(err(name))
    }

    /// Starts a defined, stopped domain (paused first and watched when `watch`).
    fn launch(&self, domain: &Domain, name: &str, watch: bool) -> Result<Option<ConsoleWatch>> {
        if !watch {
            return domain.create().map(|()| None).map_err(err(name));
        }
        domain
            .create_with_flags(virt::sys::VIR_DOMAIN_START_PAUSED)
            .map_err(err(name))?;
        let console = ConsoleWatch::attach(self.connection.conn(), domain);
        // Resume whatever happened: a guest that runs unwatched beats one left paused.
        domain.resume().map_err(err(name))?;
        console.map(Some).map_err(|e| LibvirtError::Call {
            what: name.to_string(),
            message: e.to_string(),
        })
    }

    /// Takes the node's reset point: an internal snapshot (disks and memory) of the running
    /// guest, named `BASELINE_SNAPSHOT`, replacing an older one. `vlab reset` reverts to it.
    pub fn save_baseline(&self, name: &str, description: &str) -> Result<()> {
        let Some(control) = super::domain_control::DomainControl::find(&self.connection, name)?
        else {
            return Ok(());
        };
        if control
            .snapshots()?
            .iter()
            .any(|s| s.name == names::BASELINE_SNAPSHOT)
        {
            control.delete_snapshot(names::BASELINE_SNAPSHOT)?;
        }
        control.create_snapshot(names::BASELINE_SNAPSHOT, description)
    }

    /// Starts a domain that exists as wanted but does not run (or is paused). A domain that
    /// started meanwhile (a hypervisor that restarts a guest itself, as Xen's `on_reboot`
    /// does after a crash) is taken as started: the wanted state holds, and there is no boot
    /// of vlab's own to watch.
    pub fn start_domain(&self, name: &str, watch: bool) -> Result<Option<ConsoleWatch>> {
        let domain = self
            .connection
            .conn()
            .lookup_domain_by_name(name)
            .map_err(err(name))?;
        if domain.is_active().map_err(err(name))? {
            return Self::resume_if_paused(&domain, name);
        }
        match self.launch(&domain, name, watch) {
            Ok(console) => Ok(console),
            Err(e) if domain.is_active().unwrap_or(false) => {
                Self::resume_if_paused(&domain, name).map_err(|_| e)
            }
            Err(e) => Err(e),
        }
    }

    fn resume_if_paused(domain: &Domain, name: &str) -> Result<Option<ConsoleWatch>> {
        let paused = matches!(
            domain.state().ok().and_then(|(s, _)| s.known()),
            Some(virt::domain::DomainState::Paused)
        );
        if paused {
            domain.resume().map_err(err(name))?;
        }
        Ok(None)
    }
}
