//! `{index}` expansion of spec strings for one instance of a counted resource, and the
//! instances a `count` stands for.

use super::Resolver;
use crate::index_template;
use crate::language::diagnostic::Diagnostic;
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::spanned::Spanned;

/// The `count` indexes of a resource: 1..=N, or a single `None` for one without `count`.
pub(super) fn instances(count: Option<&Spanned<u32>>) -> Vec<Option<u32>> {
    match count {
        Some(count) => (1..=count.value).map(Some).collect(),
        None => vec![None],
    }
}

impl Resolver<'_> {
    /// `text` with `{index}` replaced for `index`; a bad placeholder is reported at its span.
    pub(super) fn expand(
        &mut self,
        text: &Spanned<String>,
        index: Option<u32>,
    ) -> Option<Spanned<String>> {
        match index_template::expand(&text.value, index) {
            Ok(value) => Some(Spanned::new(value, text.span)),
            Err(why) => {
                self.d.push(
                    Diagnostic::new(DiagnosticCode::InvalidPlaceholder, text.span, why)
                        .label("bad placeholder")
                        .help(if index.is_none() {
                            "add `count=N` to the resource, or remove the placeholder"
                        } else {
                            "write `{index}`, `{index+N}`, `{index-N}` or `{index:02}`"
                        }),
                );
                None
            }
        }
    }
}
