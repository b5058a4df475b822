//! `{seat}` and `{index}` expansion of spec strings for one instance of a resource, and the
//! instances a resource stands for: each seat of a `seats` block (seat by seat, after the
//! shared resources), each copy of a `count`.

use super::Resolver;
use crate::index_template;
use crate::language::diagnostic::Diagnostic;
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::spanned::Spanned;
use crate::language::spec::{LabSpec, SeatsSpec};

/// Which copy of a resource is being resolved: its seat (`None` outside `seats`) and its
/// `count` index (`None` without `count`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Instance {
    pub seat: Option<u32>,
    pub index: Option<u32>,
}

/// The instances of a resource of seat `seat`: one per `count` index 1..=N, or a single one
/// without `count`.
pub(super) fn instances(seat: Option<u32>, count: Option<&Spanned<u32>>) -> Vec<Instance> {
    match count {
        Some(count) => (1..=count.value)
            .map(|index| Instance {
                seat,
                index: Some(index),
            })
            .collect(),
        None => vec![Instance { seat, index: None }],
    }
}

/// The specs of one kind with the seat each is resolved for: the shared ones (outside
/// `seats`) in file order, then the block's for seat 1, 2, ... So growing the seat count only
/// appends to every list, and what was derived in order (MACs steered clear of collisions)
/// stays as it was for the seats already there.
pub(super) fn seated<'s, T>(
    spec: &'s LabSpec,
    shared: &'s [T],
    in_seat: fn(&'s SeatsSpec) -> &'s [T],
) -> Vec<(&'s T, Option<u32>)> {
    let mut out: Vec<(&T, Option<u32>)> = shared.iter().map(|s| (s, None)).collect();
    if let Some(seats) = &spec.seats {
        let block = in_seat(seats);
        for seat in 1..=seats.count.value {
            out.extend(block.iter().map(|s| (s, Some(seat))));
        }
    }
    out
}

impl Resolver<'_> {
    /// `text` with `{seat}` and `{index}` replaced for `at`; a bad placeholder is reported at
    /// its span.
    pub(super) fn expand(
        &mut self,
        text: &Spanned<String>,
        at: Instance,
    ) -> Option<Spanned<String>> {
        let expanded = index_template::expand_seat(&text.value, at.seat)
            .map_err(|why| (why, at.seat.is_none(), true))
            .and_then(|t| {
                index_template::expand(&t, at.index).map_err(|why| (why, at.index.is_none(), false))
            });
        match expanded {
            Ok(value) => Some(Spanned::new(value, text.span)),
            Err((why, outside, seat)) => {
                let help = match (seat, outside) {
                    (true, true) => {
                        "declare the resource inside `seats N { ... }`, or remove the placeholder"
                    }
                    (true, false) => "write `{seat}`, `{seat+N}`, `{seat-N}` or `{seat:02}`",
                    (false, true) => "add `count=N` to the resource, or remove the placeholder",
                    (false, false) => "write `{index}`, `{index+N}`, `{index-N}` or `{index:02}`",
                };
                self.d.push(
                    Diagnostic::new(DiagnosticCode::InvalidPlaceholder, text.span, why)
                        .label("bad placeholder")
                        .help(help),
                );
                None
            }
        }
    }
}
