//! Host backends: what vlab writes to libvirt hosts (domain and network XML, resource names)
//! and, later, the calls that carry out a plan. QEMU/KVM and Xen differ in XML and
//! capabilities, not in the pipeline.

pub mod domain_xml;
pub mod network_edit;
pub mod network_xml;
pub mod resource_names;
pub mod spec_digest;
pub mod xml_element;
