//! rustc-style output with the source line and a caret underline.
//! (Placeholder to be replaced by the annotate-snippets renderer.)

use super::{Diagnostic, Sources};

pub fn render(diagnostics: &[Diagnostic], _sources: &Sources) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&format!("{}[{}]: {}\n", d.severity.as_str(), d.rule, d.message));
        if !d.file.is_empty() {
            out.push_str(&format!("  --> {}:{}:{}\n", d.file, d.line, d.column));
        }
        if let Some(help) = &d.help {
            out.push_str(&format!("  = help: {help}\n"));
        }
    }
    out
}
