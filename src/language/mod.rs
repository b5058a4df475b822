//! The load stage: lab text in, `LabSpec` (the lab as written, every value with its span)
//! and `Diagnostics` out. It reads the file (`LabSource`), scans and parses the KDL
//! (`kdl_scan`, `document_parser`), reads each node into its spec type (`NodeReader`,
//! `spec/`) and renders what it found wrong (`report`): each problem is a `Diagnostic` whose
//! kind is a `DiagnosticCode`.
//!
//! It checks only the input itself: syntax, types, unknown names, naming rules. References,
//! uniqueness, addresses and `count` expansion are the resolver's (`crate::resolver`), which
//! turns a `LabSpec` into the checked `Lab`. Nothing here touches a host or the network.

pub mod diagnostic;
pub mod diagnostic_code;
pub mod document_parser;
pub(crate) mod entry_values;
pub mod kdl_scan;
pub mod lab_source;
pub mod line_index;
pub mod loader;
pub mod name_rules;
pub mod node_reader;
pub mod report;
pub(crate) mod source_excerpt;
pub mod spanned;
pub mod spec;
