//! `PowerRecord`: "stopped on purpose", kept on the host in the domain's persistent metadata
//! (`<vlab-power:power wanted="stopped" since="..."/>`, namespace `urn:x-vlab:power:1`).
//! `vlab stop` writes it and `vlab start` removes it; the observer reads it, so the planner
//! does not take a guest an instructor stopped for drift and start it again. Redefining the
//! domain (an update or a replace by apply) drops it: a re-created guest runs.
//!
//! It records the wanted power state only; stopping and starting are `DomainControl`'s.

use crate::utc_time::UtcTime;
use virt::domain::Domain;
use virt::sys;

/// The XML namespace of the record.
pub const NAMESPACE: &str = "urn:x-vlab:power:1";
const KEY: &str = "vlab-power";

pub struct PowerRecord;

impl PowerRecord {
    /// Marks `domain` as stopped on purpose (in its persistent definition, and in the live
    /// one while it still runs).
    pub fn mark_stopped(domain: &Domain) -> Result<(), virt::error::Error> {
        let xml = crate::host::xml_element::XmlElement::new("power")
            .attr("wanted", "stopped")
            .attr("since", UtcTime::now().rfc3339())
            .render();
        domain.set_metadata(
            sys::VIR_DOMAIN_METADATA_ELEMENT as i32,
            Some(&xml),
            Some(KEY),
            Some(NAMESPACE),
            Self::scope(domain),
        )
    }

    /// Removes the mark (nothing to do when there is none).
    pub fn clear(domain: &Domain) -> Result<(), virt::error::Error> {
        domain.set_metadata(
            sys::VIR_DOMAIN_METADATA_ELEMENT as i32,
            None,
            None,
            Some(NAMESPACE),
            Self::scope(domain),
        )
    }

    /// Whether a domain's XML carries the mark.
    pub fn stopped_in(root: roxmltree::Node<'_, '_>) -> bool {
        root.descendants().any(|n| {
            n.tag_name().namespace() == Some(NAMESPACE)
                && n.tag_name().name() == "power"
                && n.attribute("wanted") == Some("stopped")
        })
    }

    fn scope(domain: &Domain) -> u32 {
        if domain.is_active().unwrap_or(false) {
            sys::VIR_DOMAIN_AFFECT_CONFIG | sys::VIR_DOMAIN_AFFECT_LIVE
        } else {
            sys::VIR_DOMAIN_AFFECT_CONFIG
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_is_found_by_its_namespace_only() {
        let marked = format!(
            "<domain><metadata><p:power xmlns:p='{NAMESPACE}' wanted='stopped' since='x'/></metadata></domain>"
        );
        let doc = roxmltree::Document::parse(&marked).expect("xml");
        assert!(PowerRecord::stopped_in(doc.root_element()));
        for xml in [
            "<domain><metadata><power wanted='stopped'/></metadata></domain>".to_string(),
            format!(
                "<domain><metadata><p:power xmlns:p='{NAMESPACE}' wanted='running'/></metadata></domain>"
            ),
        ] {
            let doc = roxmltree::Document::parse(&xml).expect("xml");
            assert!(!PowerRecord::stopped_in(doc.root_element()), "{xml}");
        }
    }
}
