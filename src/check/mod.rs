//! The structure check (docs/src/structure-check.md): a book against a schema of modules, parts and a closed loop, plus
//! the SMART, jargon and bare-number rules.
//!
//! [`read_book`] reads a book from disk (for `mdbook-kpi check`); [`load_schema`] gives the schema;
//! [`check`] runs every rule over the chapters and returns the findings, sorted.
//!
//! How things are found (docs/src/structure-check.md): a module is a chapter (by its SUMMARY title or its title
//! heading) or a heading whose text, numbering removed, contains one of the module's titles; `{#id}` on a heading names
//! a module exactly (see `rules::modules` for how the best candidate wins). Findings about a missing module point
//! at SUMMARY.md as a whole (no line): the file beside the book's top-level chapters.

pub mod book;
pub mod outline;
pub mod rules;
pub mod schema;

pub use book::{BookOnDisk, read_book};
pub use schema::{Schema, load_schema};

use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::rules::Rule;
use outline::BookOutline;
use rules::Finding;

/// One chapter as the check sees it, whether read from disk or from mdBook's JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chapter<'a> {
    /// The title in SUMMARY.md.
    pub title: String,
    /// Relative to the book root, `/` separators (`src/analysis.md`); `None` for a draft chapter.
    pub source_path: Option<String>,
    /// Borrowed from mdBook's JSON in preprocessor mode (no copy of the book), owned when read from disk.
    pub content: std::borrow::Cow<'a, str>,
    /// Nesting in SUMMARY.md: 0 for a top-level chapter.
    pub depth: usize,
}

/// A book of `(title, text)` chapters at `src/0.md`, `src/1.md`, …, all at the top level (for unit tests).
#[cfg(test)]
pub(crate) fn test_chapters(chapters: &[(&str, &str)]) -> Vec<Chapter<'static>> {
    chapters
        .iter()
        .enumerate()
        .map(|(i, (title, content))| Chapter {
            title: title.to_string(),
            source_path: Some(format!("src/{i}.md")),
            content: content.to_string().into(),
            depth: 0,
        })
        .collect()
}

/// Runs every structure rule over the chapters (in SUMMARY order) and returns the findings in a deterministic
/// order, with the severities of `config.rules` applied and `kpi-allow` comments honoured.
pub fn check(chapters: &[Chapter<'_>], schema: &Schema, config: &Config) -> Vec<Diagnostic> {
    check_with_code_ranges(chapters, schema, config).0
}

/// The byte ranges of a chapter's code blocks, HTML blocks, code spans and inline HTML, merged and in order.
pub type CodeRanges = Vec<std::ops::Range<usize>>;

/// [`check`], and for each chapter the ranges where `<<#kpi` is not a directive
/// ([`outline::ChapterDoc::code_and_html`]): what the directive scanner finds with a Markdown parse of its own,
/// so that an expansion after the check can skip that second parse. `None` for a chapter that starts with a byte
/// order mark, which the scanner parses without (mdBook strips it before sending chapters).
pub fn check_with_code_ranges(
    chapters: &[Chapter<'_>],
    schema: &Schema,
    config: &Config,
) -> (Vec<Diagnostic>, Vec<Option<CodeRanges>>) {
    let checked = check_with_figures(chapters, schema, config, false);
    (checked.diagnostics, checked.code_ranges)
}

/// What [`check_with_figures`] gives besides its findings, for the steps after it.
pub struct Checked {
    pub diagnostics: Vec<Diagnostic>,
    /// Per chapter, see [`check_with_code_ranges`].
    pub code_ranges: Vec<Option<CodeRanges>>,
    /// Per chapter, its hand-typed figure segments read from the check's own parse (all `None` unless asked
    /// for), so that the figure check need not parse the chapters again.
    pub figure_segments: Vec<Option<Vec<crate::figures::extract::Segment>>>,
}

/// Compiles the structure check's patterns now, rather than on first use (see [`crate::engine::warm_up`]).
pub fn compile_patterns() {
    outline::compile_patterns();
    rules::compile_chapter_patterns();
    rules::compile_patterns();
}

/// [`check_with_code_ranges`], and with `figures` each chapter's figure segments from the same parse.
pub fn check_with_figures(chapters: &[Chapter<'_>], schema: &Schema, config: &Config, figures: bool) -> Checked {
    rules::compile_patterns();
    let configured;
    let words = match config.jargon.as_deref() {
        Some(words) => {
            configured = rules::style::JargonList::new(Some(words));
            &configured
        }
        None => rules::style::JargonList::built_in(),
    };
    let chinese = rules::is_chinese_book(chapters.iter().map(|c| c.title.as_str()));
    let (outline, per_chapter) = BookOutline::new_with(chapters, figures, |ci, doc, collector| {
        (rules::per_chapter(doc, ci, words, chinese), collector.map(|c| c.finish()))
    });
    let (per_chapter, figure_segments): (Vec<_>, Vec<_>) = per_chapter.into_iter().unzip();
    let findings = rules::run(&outline, schema, per_chapter);
    let mut diagnostics: Vec<Diagnostic> =
        findings.into_iter().filter_map(|finding| to_diagnostic(&outline, config, finding)).collect();
    crate::diagnostics::sort(&mut diagnostics);
    let code_ranges = outline
        .docs
        .iter()
        .map(|doc| (!doc.text.starts_with('\u{feff}')).then(|| doc.code_and_html().to_vec()))
        .collect();
    Checked { diagnostics, code_ranges, figure_segments }
}

fn to_diagnostic(outline: &BookOutline<'_>, config: &Config, finding: Finding) -> Option<Diagnostic> {
    let severity = config.severity(finding.rule)?;
    let doc = outline.docs.get(finding.chapter);
    if let Some(doc) = doc {
        let allowed = doc.allows.iter().any(|allow| {
            allow.span.contains(&finding.span.start) && allow.rules.iter().any(|r| allows(r, finding.rule))
        });
        if allowed {
            return None;
        }
    }
    let mut diagnostic = Diagnostic::new(finding.rule, severity, finding.message);
    diagnostic.help = finding.help;
    if let Some(file) = finding.file {
        return Some(diagnostic.in_file(file));
    }
    if let Some(doc) = doc {
        diagnostic = diagnostic.in_file(doc.file).at_span(doc.lines(), finding.span);
        if doc.file.is_empty() {
            diagnostic = diagnostic.at(Default::default(), Default::default());
        }
    }
    Some(diagnostic)
}

/// `kpi-allow` takes rule ids, a family (`style/*` or `style`), or `all`.
fn allows(allowed: &str, rule: Rule) -> bool {
    let family = rule.family();
    allowed == rule.as_str() || allowed == "all" || allowed == family || allowed.strip_suffix("/*") == Some(family)
}
