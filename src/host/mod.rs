//! Host backends: what vlab writes to libvirt hosts (domain and network XML, resource names).
//! QEMU/KVM and Xen differ in domain XML and capabilities, not in the pipeline; network XML
//! is the same for both.

pub mod domain_xml;
pub mod network_xml;
pub mod resource_names;
pub mod spec_digest;
pub mod xen_domain_xml;
pub mod xml_element;
