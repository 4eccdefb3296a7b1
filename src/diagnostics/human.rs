//! rustc-style output: a title with the rule id, the ` --> file:line:column` location, the quoted source line with
//! a caret underline, and `= help: …`. Drawn by `annotate-snippets`, which measures display widths itself (CJK
//! characters take two columns, tabs four), so all we hand it is the right excerpt and byte offsets into it.

use std::collections::BTreeMap;
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use super::{Diagnostic, Severity, Sources, Summary};

/// Renders findings without colour, each followed by a blank line (like rustc). The closing summary is the
/// caller's: see [`summary_line`].
pub fn render(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    render_styled(diagnostics, sources, false)
}

/// Renders findings, with ANSI colours when `color` is true (for a terminal).
pub fn render_styled(diagnostics: &[Diagnostic], sources: &Sources, color: bool) -> String {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    let mut line_tables = LineTables::default();
    let mut out = String::new();
    for diagnostic in diagnostics {
        let excerpt = line_tables.excerpt(diagnostic, sources);
        out.push_str(&render_one(&renderer, diagnostic, excerpt.as_ref()));
        out.push_str("\n\n");
    }
    out
}

/// The closing line of a run: `error: 2 errors, 1 warning`, `warning: 1 warning`, or `no problems found`.
pub fn summary_line(summary: &Summary) -> String {
    let errors = plural(summary.errors, "error");
    let warnings = plural(summary.warnings, "warning");
    match (summary.errors, summary.warnings) {
        (0, 0) => "no problems found".to_string(),
        (0, _) => format!("warning: {warnings}"),
        (_, 0) => format!("error: {errors}"),
        _ => format!("error: {errors}, {warnings}"),
    }
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
}

fn render_one(renderer: &Renderer, diagnostic: &Diagnostic, excerpt: Option<&Excerpt<'_>>) -> String {
    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let title = level.primary_title(diagnostic.message.as_str()).id(diagnostic.rule.as_str());
    let mut group = match (excerpt, diagnostic.file.is_empty()) {
        (Some(excerpt), _) => title.element(
            Snippet::source(excerpt.text)
                .line_start(excerpt.first_line)
                .path(diagnostic.file.as_str())
                .annotation(AnnotationKind::Primary.span(excerpt.span.clone())),
        ),
        (None, true) => Group::with_title(title),
        (None, false) => title.element(origin_without_source(diagnostic)),
    };
    if let Some(help) = &diagnostic.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    renderer.render(&[group])
}

/// ` --> file:line:column` for a finding whose text we cannot quote (or that has no position).
fn origin_without_source(diagnostic: &Diagnostic) -> Origin<'_> {
    let origin = Origin::path(diagnostic.file.as_str());
    match (diagnostic.line, diagnostic.column) {
        (0, _) => origin,
        (line, 0) => origin.line(line),
        (line, column) => origin.line(line).char_column(column),
    }
}

/// The lines a finding covers, and its span as byte offsets into them.
struct Excerpt<'a> {
    text: &'a str,
    first_line: usize,
    span: Range<usize>,
}

/// Byte offsets of line starts per source file, built on first use so that many findings in one big chapter cost
/// one scan of it.
#[derive(Default)]
struct LineTables<'s> {
    starts: BTreeMap<&'s str, Vec<usize>>,
}

impl<'s> LineTables<'s> {
    /// The excerpt to quote, or `None` when the finding has no position or its file is not among the sources.
    fn excerpt(&mut self, diagnostic: &Diagnostic, sources: &'s Sources) -> Option<Excerpt<'s>> {
        if diagnostic.line == 0 {
            return None;
        }
        let (file, text) = sources.get_key_value(&diagnostic.file)?;
        let starts = self.starts.entry(file.as_str()).or_insert_with(|| line_starts(text));
        let first = line_bounds(text, starts, diagnostic.line)?;
        let column = diagnostic.column.max(1);
        let start = first.start + byte_of_column(&text[first.clone()], column);
        let end = span_end(text, starts, diagnostic, start).unwrap_or(start);
        let last = line_bounds(text, starts, line_of(starts, end) + 1).unwrap_or(first.clone());
        let end = if end == start { end + char_len_at(text, start, last.end) } else { end };
        Some(Excerpt {
            text: &text[first.start..last.end],
            first_line: diagnostic.line,
            span: start - first.start..end - first.start,
        })
    }
}

/// The byte offset where the finding ends, when it has an end after its start.
fn span_end(text: &str, starts: &[usize], diagnostic: &Diagnostic, start: usize) -> Option<usize> {
    if diagnostic.end_line == 0 || diagnostic.end_column == 0 {
        return None;
    }
    let line = line_bounds(text, starts, diagnostic.end_line)?;
    let end = line.start + byte_of_column(&text[line], diagnostic.end_column);
    (end > start).then_some(end)
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect()
}

/// The byte range of a 1-based line without its line ending; `None` past the last line.
fn line_bounds(text: &str, starts: &[usize], line: usize) -> Option<Range<usize>> {
    let start = *starts.get(line.checked_sub(1)?)?;
    let end = starts.get(line).map_or(text.len(), |&next| next - 1);
    let end = if end > start && text.as_bytes()[end - 1] == b'\r' { end - 1 } else { end };
    Some(start..end)
}

/// The 0-based index of the line holding a byte offset.
fn line_of(starts: &[usize], offset: usize) -> usize {
    starts.partition_point(|&start| start <= offset).saturating_sub(1)
}

/// The byte offset of a 1-based character column within a line; columns past the end land at the end.
fn byte_of_column(line: &str, column: usize) -> usize {
    line.char_indices().nth(column.saturating_sub(1)).map_or(line.len(), |(i, _)| i)
}

/// The length of the character at `offset` if it lies before `limit`, so that a point finding underlines one
/// character (an empty span at the end of a line still gets a caret from annotate-snippets).
fn char_len_at(text: &str, offset: usize, limit: usize) -> usize {
    if offset >= limit {
        return 0;
    }
    text.get(offset..).and_then(|rest| rest.chars().next()).map_or(0, char::len_utf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_map_to_byte_offsets_of_characters() {
        assert_eq!(byte_of_column("营收q4", 1), 0);
        assert_eq!(byte_of_column("营收q4", 3), 6);
        assert_eq!(byte_of_column("营收q4", 9), "营收q4".len());
    }

    #[test]
    fn line_bounds_drop_line_endings() {
        let text = "ab\r\n营收\nx";
        let starts = line_starts(text);
        assert_eq!(&text[line_bounds(text, &starts, 1).unwrap()], "ab");
        assert_eq!(&text[line_bounds(text, &starts, 2).unwrap()], "营收");
        assert_eq!(&text[line_bounds(text, &starts, 3).unwrap()], "x");
        assert_eq!(line_bounds(text, &starts, 4), None);
        assert_eq!(line_bounds(text, &starts, 0), None);
    }

    #[test]
    fn summary_line_names_both_counts() {
        assert_eq!(summary_line(&Summary { errors: 2, warnings: 1 }), "error: 2 errors, 1 warning");
        assert_eq!(summary_line(&Summary { errors: 0, warnings: 3 }), "warning: 3 warnings");
        assert_eq!(summary_line(&Summary { errors: 1, warnings: 0 }), "error: 1 error");
        assert_eq!(summary_line(&Summary::default()), "no problems found");
    }
}
