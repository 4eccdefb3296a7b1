//! The directive grammar (SPEC 4).

use std::ops::Range;

use super::Directive;

/// A grammar error: the byte span within the directive text, a message and a fix hint. Reported as `kpi/syntax`
/// (or `kpi/bad-period` for a malformed period).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub rule: &'static str,
    pub span: Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

/// Parses one directive, `<<#kpi` … `>>` included.
pub fn parse(text: &str) -> Result<Directive, ParseError> {
    let _ = text;
    todo!("directive: parser")
}
