//! `Spanned<T>`: a value read from the lab file together with the byte range it came from.
//!
//! Every value that a later check may complain about keeps its span, so that the complaint
//! can underline the exact text. This module holds no logic beyond carrying the pair.

use miette::SourceSpan;

/// A value and the source range (byte offset and length in the lab file) it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: SourceSpan,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: SourceSpan) -> Self {
        Spanned { value, span }
    }

    /// Keeps the span, transforms the value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Spanned<U> {
        Spanned {
            value: f(self.value),
            span: self.span,
        }
    }

    pub fn as_ref(&self) -> Spanned<&T> {
        Spanned {
            value: &self.value,
            span: self.span,
        }
    }
}

impl Spanned<String> {
    pub fn as_str(&self) -> &str {
        &self.value
    }
}
