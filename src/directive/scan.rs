//! Finding directives in a chapter with pulldown-cmark offsets (SPEC 4, "Where directives are expanded").

use std::ops::Range;

/// One place in a chapter that the preprocessor rewrites.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// `<<#kpi …>>` in text. `span` covers `<<` to `>>`.
    Directive {
        span: Range<usize>,
        /// Whether the directive stands alone on its line (after any list indentation or `> ` markers), as
        /// block forms require.
        alone_on_line: bool,
        /// The text before the directive on its line that a block form's output lines must repeat
        /// (indentation and `> ` markers).
        line_prefix: String,
    },
    /// `\<<#kpi`: `span` covers the backslash, which is removed.
    Escape { span: Range<usize> },
    /// `<<#kpi` with no closing `>>` before the end of its paragraph: a `kpi/syntax` error.
    Unterminated { span: Range<usize> },
}

/// Every directive, escape and unterminated directive in `markdown`, in order, never overlapping.
pub fn scan(markdown: &str) -> Vec<Found> {
    let _ = markdown;
    todo!("directive: scanner")
}
