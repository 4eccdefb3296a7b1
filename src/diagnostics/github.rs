//! GitHub Actions workflow commands: one `::error …::message` / `::warning …::message` line per finding, which the
//! runner turns into an annotation on the file and line. See GitHub's "Workflow commands for GitHub Actions".

use super::{Diagnostic, Severity};

pub fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(command).collect()
}

/// `::error file=src/ch1.md,line=3,col=12,endLine=3,endColumn=18,title=kpi/unknown-metric::message%0Ahelp: …`
/// followed by a newline. Properties that are unknown (empty file, 0 positions) are left out.
pub fn command(diagnostic: &Diagnostic) -> String {
    let name = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut properties = Vec::new();
    if !diagnostic.file.is_empty() {
        properties.push(format!("file={}", escape_property(&diagnostic.file)));
    }
    properties.extend(position_properties(diagnostic));
    properties.push(format!("title={}", escape_property(diagnostic.rule.as_str())));
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!("::{name} {}::{}\n", properties.join(","), escape_data(&message))
}

/// `line`, `col`, `endLine`, `endColumn`, each only when known; a column means nothing without its line, and
/// GitHub refuses columns on an annotation whose start and end lines differ.
fn position_properties(d: &Diagnostic) -> Vec<String> {
    let mut out = Vec::new();
    if d.line == 0 {
        return out;
    }
    let spans_lines = d.end_line != 0 && d.end_line != d.line;
    out.push(format!("line={}", d.line));
    if d.column != 0 && !spans_lines {
        out.push(format!("col={}", d.column));
    }
    if d.end_line != 0 {
        out.push(format!("endLine={}", d.end_line));
        if d.end_column != 0 && d.column != 0 && !spans_lines {
            out.push(format!("endColumn={}", d.end_column));
        }
    }
    out
}

/// Escapes a command's message (GitHub's `escapeData`): `%`, CR and LF.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes a property value (GitHub's `escapeProperty`): as [`escape_data`], plus `:` and `,`, which would end
/// the value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
