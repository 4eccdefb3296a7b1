//! `{"version":1,"diagnostics":[…],"summary":{"errors":N,"warnings":N}}` (docs/src/cli.md), pretty-printed, ending with
//! a newline. The field names and their order are part of the contract, so they are spelled out here rather than
//! taken from whatever [`Diagnostic`] happens to hold.

use serde::Serialize;

use super::{Diagnostic, Severity, Summary, summarize};

/// The version of the JSON document's shape; bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    diagnostics: Vec<Finding<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Finding<'a> {
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    help: Option<&'a str>,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

impl<'a> From<&'a Diagnostic> for Finding<'a> {
    fn from(d: &'a Diagnostic) -> Self {
        Finding {
            rule: d.rule.as_str(),
            severity: d.severity,
            message: &d.message,
            help: d.help.as_deref(),
            file: &d.file,
            line: d.line,
            column: d.column,
            end_line: d.end_line,
            end_column: d.end_column,
        }
    }
}

pub fn render(diagnostics: &[Diagnostic]) -> String {
    let document = Document {
        version: FORMAT_VERSION,
        diagnostics: diagnostics.iter().map(Finding::from).collect(),
        summary: summarize(diagnostics),
    };
    // Plain structs of strings and integers: serde_json cannot fail on them.
    let mut out = serde_json::to_string_pretty(&document).unwrap_or_default();
    out.push('\n');
    out
}
