//! `{"version":1,"diagnostics":[…],"summary":{…}}` (SPEC 7).

use super::{Diagnostic, summarize};

pub fn render(diagnostics: &[Diagnostic]) -> String {
    let doc = serde_json::json!({
        "version": 1,
        "diagnostics": diagnostics,
        "summary": summarize(diagnostics),
    });
    let mut out = serde_json::to_string_pretty(&doc).expect("diagnostics serialize");
    out.push('\n');
    out
}
