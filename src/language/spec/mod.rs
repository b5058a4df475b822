//! Spec types: the lab file as written, after type checks and before any cross-checks.
//!
//! Each type keeps the spans of its values so the resolver can point at them. Strings that
//! may hold `{index}` placeholders stay strings here; sizes, addresses, URIs and checksums are
//! parsed by the resolver, after count expansion. Each submodule also holds the function
//! that reads its type from a KDL node.

pub mod host_spec;
pub mod image_spec;
pub mod lab_header_spec;
pub mod link_spec;
pub mod network_spec;
pub mod node_spec;
pub mod ready_spec;
pub mod seats_spec;
pub mod test_spec;
pub mod var_spec;

pub use host_spec::HostSpec;
pub use image_spec::{BootFileSpec, ImageSpec};
pub use lab_header_spec::LabHeaderSpec;
pub use link_spec::LinkSpec;
pub use network_spec::{DhcpSpec, NetworkSpec};
pub use node_spec::{CloudInitSpec, DiskSpec, InterfaceSpec, NodeSettings, NodeSpec};
pub use ready_spec::ReadySpec;
pub use seats_spec::SeatsSpec;
pub use test_spec::{ProbeSpec, TestSpec};
pub use var_spec::VarSpec;

use crate::lab::choices::Choice;
use crate::language::diagnostic::{Diagnostic, Diagnostics};
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::node_reader::NodeReader;
use crate::language::spanned::Spanned;

/// The whole lab file as written.
#[derive(Debug, Clone, Default)]
pub struct LabSpec {
    pub header: Option<LabHeaderSpec>,
    pub defaults: Option<NodeSettings>,
    pub hosts: Vec<HostSpec>,
    pub images: Vec<ImageSpec>,
    pub networks: Vec<NetworkSpec>,
    pub nodes: Vec<NodeSpec>,
    pub links: Vec<LinkSpec>,
    /// The `seats` block: one seat's resources, declared once for every seat.
    pub seats: Option<SeatsSpec>,
    /// The `test` blocks: checks `vlab test` runs in the guests (no part of any resource).
    pub tests: Vec<TestSpec>,
}

/// Reads a one-word setting such as `mode "nat"` into its enum.
pub fn read_choice<C: Choice>(
    r: &NodeReader<'_>,
    key: &'static str,
    d: &mut Diagnostics,
) -> Option<Spanned<C>> {
    let word = r.string(key, d)?;
    parse_choice(word, key, d)
}

/// Checks a word against a closed set; a wrong word becomes a diagnostic listing the valid
/// ones (with a did-you-mean when one is close).
pub fn parse_choice<C: Choice>(
    word: Spanned<String>,
    key: &'static str,
    d: &mut Diagnostics,
) -> Option<Spanned<C>> {
    if let Some(value) = C::parse(&word.value) {
        Some(Spanned::new(value, word.span))
    } else {
        let help =
            match crate::language::name_rules::suggest(&word.value, C::ALL.iter().map(|(w, _)| *w))
            {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!("use one of {}", C::words()),
            };
        d.push(
            Diagnostic::new(
                DiagnosticCode::InvalidValue,
                word.span,
                format!("`{}` is not a valid `{key}`", word.value),
            )
            .label(format!("expected one of {}", C::words()))
            .help(help),
        );
        None
    }
}

/// Reads `count=N` (1..=MAX_COUNT).
pub fn read_count(r: &NodeReader<'_>, d: &mut Diagnostics) -> Option<Spanned<u32>> {
    let count = r.integer("count", d)?;
    match u32::try_from(count.value) {
        Ok(n) if (1..=MAX_COUNT).contains(&n) => Some(count.map(|_| n)),
        _ => {
            d.push(
                Diagnostic::new(
                    DiagnosticCode::InvalidValue,
                    count.span,
                    format!("count must be between 1 and {MAX_COUNT}"),
                )
                .label("out of range")
                .help("remove `count` for a single instance"),
            );
            None
        }
    }
}

/// The largest `count`: a guard against a typo creating millions of resources.
pub const MAX_COUNT: u32 = 10_000;
