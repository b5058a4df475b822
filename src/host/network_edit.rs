//! `NetworkEdit`: the `virNetworkUpdate` calls that turn a network's DHCP and DNS host
//! entries into the declared ones, so a node added to or removed from a running lab does not
//! mean recreating the network (which would cut every guest on it off). Pure: it compares two
//! network XML documents; the applier makes the calls.

use super::xml_element::XmlElement;
use roxmltree::Document;
use std::collections::BTreeMap;

/// Which part of the network an edit changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    DhcpHost,
    DnsHost,
}

/// Delete or add one host entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkEdit {
    pub add: bool,
    pub section: Section,
    /// The entry as `virNetworkUpdate` takes it.
    pub xml: String,
}

/// Network XML (as the host returned it, or as declared) that does not parse.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("unreadable network XML: {0}")]
pub struct UnreadableNetworkXml(String);

impl NetworkEdit {
    /// The edits from the entries of `current` to those of `wanted`: deletions first, so an
    /// address or MAC that moves to another entry is free when that entry is added.
    pub fn between(current: &str, wanted: &str) -> Result<Vec<NetworkEdit>, UnreadableNetworkXml> {
        let (now, want) = (entries(current)?, entries(wanted)?);
        let mut edits = Vec::new();
        for (key, xml) in &now {
            if want.get(key) != Some(xml) {
                edits.push(NetworkEdit {
                    add: false,
                    section: key.0,
                    xml: xml.clone(),
                });
            }
        }
        for (key, xml) in &want {
            if now.get(key) != Some(xml) {
                edits.push(NetworkEdit {
                    add: true,
                    section: key.0,
                    xml: xml.clone(),
                });
            }
        }
        Ok(edits)
    }
}

/// Each host entry by (section, identity: MAC for DHCP, address for DNS), re-rendered in
/// vlab's canonical form so equal entries compare equal whatever libvirt's formatting.
fn entries(xml: &str) -> Result<BTreeMap<(Section, String), String>, UnreadableNetworkXml> {
    let doc = Document::parse(xml).map_err(|e| UnreadableNetworkXml(e.to_string()))?;
    let mut out = BTreeMap::new();
    for host in doc.descendants().filter(|n| n.has_tag_name("host")) {
        let parent = host
            .parent()
            .map(|p| p.tag_name().name())
            .unwrap_or_default();
        let attr = |name: &str| host.attribute(name).unwrap_or_default().to_string();
        match parent {
            "dhcp" => {
                let entry = XmlElement::new("host")
                    .attr("mac", attr("mac").to_lowercase())
                    .attr("name", attr("name"))
                    .attr("ip", attr("ip"));
                out.insert(
                    (Section::DhcpHost, attr("mac").to_lowercase()),
                    entry.render(),
                );
            }
            "dns" => {
                let names = host
                    .children()
                    .filter(|n| n.has_tag_name("hostname"))
                    .map(|n| XmlElement::leaf("hostname", n.text().unwrap_or_default().trim()));
                let entry = XmlElement::new("host")
                    .attr("ip", attr("ip"))
                    .children(names);
                out.insert((Section::DnsHost, attr("ip")), entry.render());
            }
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "<network><name>n</name><dns><host ip='10.0.0.10'><hostname>a</hostname></host><host ip='10.0.0.11'><hostname>b</hostname></host></dns><ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.128' end='10.0.0.254'/><host mac='52:54:00:00:00:0A' name='a' ip='10.0.0.10'/><host mac='52:54:00:00:00:0b' name='b' ip='10.0.0.11'/></dhcp></ip></network>";

    #[test]
    fn the_same_entries_need_no_edit_whatever_the_formatting() {
        let same = BEFORE
            .replace('\'', "\"")
            .replace("52:54:00:00:00:0A", "52:54:00:00:00:0a");
        assert_eq!(NetworkEdit::between(BEFORE, &same), Ok(vec![]));
    }

    #[test]
    fn a_removed_node_is_deleted_and_an_added_one_added_deletions_first() {
        let after = "<network><dns><host ip='10.0.0.10'><hostname>a</hostname></host><host ip='10.0.0.12'><hostname>c</hostname></host></dns><ip><dhcp><host mac='52:54:00:00:00:0a' name='a' ip='10.0.0.10'/><host mac='52:54:00:00:00:0c' name='c' ip='10.0.0.12'/></dhcp></ip></network>";
        let edits = NetworkEdit::between(BEFORE, after).expect("edits");
        let summary: Vec<(bool, Section, &str)> = edits
            .iter()
            .map(|e| (e.add, e.section, e.xml.as_str()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    false,
                    Section::DhcpHost,
                    "<host mac='52:54:00:00:00:0b' name='b' ip='10.0.0.11'/>\n"
                ),
                (
                    false,
                    Section::DnsHost,
                    "<host ip='10.0.0.11'>\n  <hostname>b</hostname>\n</host>\n"
                ),
                (
                    true,
                    Section::DhcpHost,
                    "<host mac='52:54:00:00:00:0c' name='c' ip='10.0.0.12'/>\n"
                ),
                (
                    true,
                    Section::DnsHost,
                    "<host ip='10.0.0.12'>\n  <hostname>c</hostname>\n</host>\n"
                ),
            ]
        );
    }

    #[test]
    fn a_changed_address_deletes_the_old_entry_then_adds_the_new() {
        let after = BEFORE.replace("name='b' ip='10.0.0.11'", "name='b' ip='10.0.0.21'");
        let edits = NetworkEdit::between(BEFORE, &after).expect("edits");
        assert_eq!(edits.len(), 2);
        assert!(!edits[0].add && edits[0].xml.contains("10.0.0.11"));
        assert!(edits[1].add && edits[1].xml.contains("10.0.0.21"));
    }
}
