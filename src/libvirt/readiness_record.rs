//! `ReadinessRecord`: what vlab last learnt about a running guest's readiness, kept on the
//! host in the domain's *live* metadata (`<vlab-ready:ready>` in namespace
//! `urn:x-vlab:ready:1`), so that `vlab status` and `vlab output` on any machine can say
//! "ready since 12:03:44", "waiting since ...", or "failed: not ready after 600 s".
//!
//! Live metadata lives and dies with the running guest: when the domain stops (or is
//! re-created) the record is gone with it, so a record never describes an earlier boot.
//! Apply's readiness wait writes it (`waiting` when the wait starts, then `ready` or
//! `failed`); a guest started without a wait (`apply --no-wait`, `ready "none"`) has none.
//! Writing is best effort: a host that refuses live metadata loses only this record, never
//! the apply. Nothing here decides what "ready" means (`lab::Readiness` does).

use crate::utc_time::UtcTime;
use serde::Serialize;
use std::time::Duration;
use virt::domain::Domain;
use virt::sys;

/// The XML namespace of the record; its prefix in the domain XML is `KEY`.
pub const NAMESPACE: &str = "urn:x-vlab:ready:1";
const KEY: &str = "vlab-ready";

/// The longest failure reason kept (the console lines of a failure stay in apply's output).
const MAX_DETAIL: usize = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadyState {
    /// Apply started waiting for the guest and has not seen it ready yet (or was stopped
    /// while waiting).
    Waiting,
    Ready,
    Failed,
}

impl ReadyState {
    pub fn word(self) -> &'static str {
        match self {
            ReadyState::Waiting => "waiting",
            ReadyState::Ready => "ready",
            ReadyState::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadinessRecord {
    pub state: ReadyState,
    /// When the state began, in seconds since the Unix epoch (the clock of the machine that
    /// ran the apply).
    pub since: u64,
    /// How long the guest took from start to ready, in seconds (`ready` only).
    pub after: Option<f64>,
    /// Why the wait failed, in one line (`failed` only).
    pub detail: Option<String>,
}

impl ReadinessRecord {
    pub fn waiting() -> Self {
        Self::now(ReadyState::Waiting, None, None)
    }

    pub fn ready(after: Duration) -> Self {
        let tenths = (after.as_secs_f64() * 10.0).round() / 10.0;
        Self::now(ReadyState::Ready, Some(tenths), None)
    }

    /// A failed wait; only the first line of `why` is kept, and at most `MAX_DETAIL` bytes.
    pub fn failed(why: &str) -> Self {
        let first = why.lines().next().unwrap_or_default().trim();
        let mut detail: String = first.chars().filter(|c| !c.is_control()).collect();
        if detail.len() > MAX_DETAIL {
            let mut end = MAX_DETAIL;
            while !detail.is_char_boundary(end) {
                end -= 1;
            }
            detail.truncate(end);
        }
        Self::now(ReadyState::Failed, None, Some(detail))
    }

    fn now(state: ReadyState, after: Option<f64>, detail: Option<String>) -> Self {
        ReadinessRecord {
            state,
            since: UtcTime::now().0,
            after,
            detail,
        }
    }

    /// Stores the record in the running domain's live metadata, replacing any earlier one.
    /// Best effort: false when the host refused it.
    pub fn write(&self, domain: &Domain) -> bool {
        domain
            .set_metadata(
                sys::VIR_DOMAIN_METADATA_ELEMENT as i32,
                Some(&self.to_xml()),
                Some(KEY),
                Some(NAMESPACE),
                sys::VIR_DOMAIN_AFFECT_LIVE,
            )
            .is_ok()
    }

    /// The record of a running domain, if apply left one on this boot.
    pub fn read(domain: &Domain) -> Option<ReadinessRecord> {
        let xml = domain
            .metadata(
                sys::VIR_DOMAIN_METADATA_ELEMENT as i32,
                Some(NAMESPACE),
                sys::VIR_DOMAIN_AFFECT_LIVE,
            )
            .ok()?;
        Self::from_xml(&xml)
    }

    pub fn to_xml(&self) -> String {
        let mut element = crate::host::xml_element::XmlElement::new("ready")
            .attr("state", self.state.word())
            .attr("since", self.since);
        if let Some(after) = self.after {
            element = element.attr("after", after);
        }
        if let Some(detail) = &self.detail {
            element = element.attr("detail", detail);
        }
        element.render()
    }

    /// Reads a record back; `None` for anything vlab did not write.
    pub fn from_xml(xml: &str) -> Option<ReadinessRecord> {
        let doc = roxmltree::Document::parse(xml).ok()?;
        let root = doc.root_element();
        if root.tag_name().name() != "ready" {
            return None;
        }
        let state = match root.attribute("state")? {
            "waiting" => ReadyState::Waiting,
            "ready" => ReadyState::Ready,
            "failed" => ReadyState::Failed,
            _ => return None,
        };
        Some(ReadinessRecord {
            state,
            since: root.attribute("since")?.parse().ok()?,
            after: root.attribute("after").and_then(|a| a.parse().ok()),
            detail: root.attribute("detail").map(str::to_string),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_as_written() {
        let ready = ReadinessRecord::ready(Duration::from_millis(12_345));
        assert_eq!(ready.after, Some(12.3));
        assert_eq!(ReadinessRecord::from_xml(&ready.to_xml()), Some(ready));
        let failed =
            ReadinessRecord::failed("not ready after 600 s; the console's last lines:\n    | x");
        assert_eq!(
            failed.detail.as_deref(),
            Some("not ready after 600 s; the console's last lines:")
        );
        assert_eq!(ReadinessRecord::from_xml(&failed.to_xml()), Some(failed));
    }

    #[test]
    fn a_failure_reason_is_one_bounded_line_that_stays_well_formed() {
        let long = format!("{}\"<&>\u{7}", "é".repeat(400));
        let record = ReadinessRecord::failed(&long);
        let detail = record.detail.clone().expect("detail");
        assert!(detail.len() <= MAX_DETAIL, "{}", detail.len());
        let back = ReadinessRecord::from_xml(&record.to_xml()).expect("parses");
        assert_eq!(back.detail.as_deref(), Some(detail.as_str()));
    }

    #[test]
    fn anything_else_is_not_a_record() {
        for xml in [
            "",
            "<ready/>",
            "<ready state='done' since='1'/>",
            "<other state='ready' since='1'/>",
            "<ready state='ready' since='soon'/>",
        ] {
            assert_eq!(ReadinessRecord::from_xml(xml), None, "{xml}");
        }
        let waiting = ReadinessRecord::from_xml("<ready state='waiting' since='7'/>");
        assert_eq!(
            waiting.map(|r| (r.state, r.since)),
            Some((ReadyState::Waiting, 7))
        );
    }
}
