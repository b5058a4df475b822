//! What vlab writes to libvirt hosts, as pure functions: the names of everything it creates
//! (`resource_names`, one owner per naming rule), domain XML for QEMU/KVM and Xen, network
//! XML, the edits between two networks' host entries, node spec digests and the record of
//! what each node's domain was built from (`node_record`). QEMU/KVM and
//! Xen differ in domain XML and capabilities, not in the pipeline; network XML is the same
//! for both. No I/O here: sending it to a host is `crate::libvirt`'s job.

pub mod domain_xml;
pub mod network_edit;
pub mod network_xml;
pub mod node_record;
pub mod resource_names;
pub mod spec_digest;
pub mod xen_domain_xml;
pub mod xml_element;
