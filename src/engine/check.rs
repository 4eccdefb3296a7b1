//! The check job (`mdbook-kpi check`): a book on disk read, never written, checked for structure and expanded
//! for findings only.

use std::borrow::Cow;
use std::path::Path;

use super::{Findings, Outcome, Product, Status, book_root};
use crate::config::{BOOK_TOML, Config};
use crate::diagnostics::{self, Diagnostic, Severity, Sources};
use crate::preprocess::Preprocessor;
use crate::rules::Rule;

/// Reads book.toml, SUMMARY.md and the chapters itself (mdBook's loader would create missing chapters), then
/// finds what the preprocessor would: the structure check's findings and every directive's.
pub(super) fn run(book: &Path) -> Outcome<'static> {
    let root = match book_root(book) {
        Ok(root) => root,
        Err(refusal) => return Outcome::refused(refusal),
    };
    let mut book = match crate::check::read_book(&root) {
        Ok(book) => book,
        Err(diagnostic) => {
            let mut sources = Sources::new();
            if let Ok(text) = std::fs::read_to_string(root.join(&diagnostic.file)) {
                sources.insert(diagnostic.file.clone(), text);
            }
            return Outcome::one_pass(
                Status::Stopped,
                Findings { diagnostics: vec![diagnostic], sources },
                Product::None,
            );
        }
    };
    // Findings quote the files they point into: book.toml and SUMMARY.md here, chapters and data files as the
    // check and the expansion find something in them (a copy of every chapter would double the book).
    let mut sources = Sources::new();
    if !book.book_toml_text.is_empty() {
        sources.insert(BOOK_TOML.to_string(), book.book_toml_text.clone());
    }
    sources.insert(book.summary_path.clone(), book.summary_text.clone());
    let (config, mut found) = Config::from_book_toml(&book.book_toml_text);
    if found.iter().any(|d| d.severity == Severity::Error) {
        diagnostics::sort(&mut found);
        return Outcome::one_pass(Status::Stopped, Findings { diagnostics: found, sources }, Product::None);
    }
    // The data files load on a thread of their own while the structure check runs (the figure check and the
    // expansion after it wait for them), as the preprocessor loads them while mdBook's JSON is read.
    let preload = if config.data.is_empty() {
        None
    } else {
        crate::preprocess::DataPreload::start(root.clone(), config.data.clone(), config.encodings.clone())
    };
    let StructureChecked { diagnostics: structure, sources: structure_sources, code_ranges, figure_segments } =
        structure_check(&root, &config, &book.chapters);
    found.extend(structure);
    sources.extend(structure_sources);
    let chapters = std::mem::take(&mut book.chapters);
    let chapter_count = chapters.iter().filter(|c| c.source_path.is_some()).count();
    // Findings do not depend on the renderer (chart options are checked for tables too), and a table costs a
    // fraction of an SVG chart.
    let handed = Handed { code_ranges, figure_segments, preload };
    let (expanded, directives) =
        expansion_findings_counted(&root, book.language.as_deref(), "markdown", &config, chapters, handed);
    found.extend(expanded.diagnostics);
    sources.extend(expanded.sources);
    diagnostics::sort(&mut found);
    let findings = Findings { diagnostics: found, sources };
    let status = if findings.diagnostics.iter().any(is_setup_error) {
        Status::Misconfigured
    } else if findings.has_errors() {
        Status::Failed(None)
    } else {
        Status::Passed
    };
    Outcome::one_pass(status, findings, Product::Checked { chapters: chapter_count, directives })
}

/// A config or schema error: the check could not run as configured.
fn is_setup_error(diagnostic: &Diagnostic) -> bool {
    // A templates or schema path that leaves the book is a config error too (a data file's is reported in the
    // data file and fails like other data errors).
    let refused_config_path = diagnostic.rule == Rule::DataPath && diagnostic.file == BOOK_TOML;
    diagnostic.severity == Severity::Error
        && (matches!(diagnostic.rule.family(), "config" | "schema") || refused_config_path)
}

/// What [`structure_check`] found, and what it read that the steps after it reuse.
pub struct StructureChecked {
    pub diagnostics: Vec<Diagnostic>,
    /// The chapters the findings point into.
    pub sources: Sources,
    /// Each chapter's code and HTML ranges (see [`crate::check::check_with_code_ranges`]; empty when there is
    /// no schema to check), which spare the directive scanner a second parse.
    pub code_ranges: Vec<Option<crate::check::CodeRanges>>,
    /// Each chapter's hand-typed figure segments, read from the check's parse when the figure rules are on
    /// (see [`crate::check::Checked`]), which spare the figure check a second parse.
    pub figure_segments: crate::check::rules::figures::Presegmented,
}

/// The structure check over the chapters as written, for the schema the config names (none: nothing to check).
/// A schema that cannot be loaded is the one finding.
pub fn structure_check(root: &Path, config: &Config, chapters: &[crate::check::Chapter<'_>]) -> StructureChecked {
    let Some(spec) = &config.structure else {
        return StructureChecked {
            diagnostics: Vec::new(),
            sources: Sources::new(),
            code_ranges: Vec::new(),
            figure_segments: Vec::new(),
        };
    };
    let figures = crate::check::rules::figures::enabled(config);
    let (found, code_ranges, figure_segments) = match crate::check::load_schema(spec, root) {
        Ok(schema) => {
            let checked = crate::check::check_with_figures(chapters, &schema, config, figures);
            let mut found = checked.diagnostics;
            waive_parts_the_data_lacks(root, config, &schema, &mut found);
            (found, checked.code_ranges, checked.figure_segments)
        }
        Err(diagnostic) => (vec![diagnostic], Vec::new(), Vec::new()),
    };
    let mut sources = Sources::new();
    for chapter in chapters {
        if let Some(file) = &chapter.source_path
            && found.iter().any(|d| &d.file == file)
        {
            sources.insert(file.clone(), chapter.content.to_string());
        }
    }
    StructureChecked { diagnostics: found, sources, code_ranges, figure_segments }
}

/// Drops `structure/missing-part` for a part tied to data dimensions (`dimensions = ["product"]`) when the
/// book's data gives none of them with two members or more: a company with one product need not analyse its
/// product lines. The data is read only when such a finding exists, and only data that loads without errors
/// waives anything.
fn waive_parts_the_data_lacks(
    root: &Path,
    config: &Config,
    schema: &crate::check::Schema,
    found: &mut Vec<Diagnostic>,
) {
    let part_of = |finding: &Diagnostic| {
        let parts = schema.modules.iter().flat_map(|module| &module.parts);
        parts
            .filter(|part| !part.dimensions.is_empty())
            .find(|part| finding.message.ends_with(&format!("({})", part.id)))
    };
    let waivable = |d: &Diagnostic| d.rule == Rule::StructureMissingPart && part_of(d).is_some();
    if config.data.is_empty() || !found.iter().any(waivable) {
        return;
    }
    let loaded = crate::data::salvage::load(root, &config.data, &config.encodings);
    let Some(data) = loaded.data.filter(|_| loaded.errors.is_empty()) else { return };
    let varied = |dimension: &String| data.dimensions.get(dimension).is_some_and(|d| d.members.len() >= 2);
    found.retain(|finding| match part_of(finding) {
        Some(part) if finding.rule == Rule::StructureMissingPart => part.dimensions.iter().any(varied),
        _ => true,
    });
}

/// The findings of expanding every chapter's directives, which keeps no expansion: the chapters are expanded a
/// batch at a time and dropped, so memory falls as the work goes on. `code_ranges` are the structure check's
/// code and HTML ranges per chapter (empty without a check), which spare the scanner a parse.
pub fn expansion_findings(
    root: &Path,
    book_language: Option<&str>,
    renderer: &str,
    config: &Config,
    chapters: Vec<crate::check::Chapter<'_>>,
    code_ranges: Vec<Option<crate::check::CodeRanges>>,
) -> Findings {
    let handed = Handed { code_ranges, ..Handed::default() };
    expansion_findings_counted(root, book_language, renderer, config, chapters, handed).0
}

/// What the steps before the expansion hand it: the structure check's code ranges and figure segments (see
/// [`StructureChecked`]; empty without a check) and the data files, when their loading has started.
#[derive(Default)]
struct Handed {
    code_ranges: Vec<Option<crate::check::CodeRanges>>,
    figure_segments: crate::check::rules::figures::Presegmented,
    preload: Option<crate::preprocess::DataPreload>,
}

/// [`expansion_findings`], and how many directives the chapters held (for `check`'s closing line).
fn expansion_findings_counted(
    root: &Path,
    book_language: Option<&str>,
    renderer: &str,
    config: &Config,
    mut chapters: Vec<crate::check::Chapter<'_>>,
    handed: Handed,
) -> (Findings, usize) {
    let Handed { mut code_ranges, mut figure_segments, preload } = handed;
    /// About this much text per batch: enough for every core, little next to the book.
    const BATCH_BYTES: usize = 1 << 18;
    // The expansions are thrown away: only what expanding finds is wanted.
    let mut expander =
        Preprocessor::new(root, config.clone(), book_language, renderer).with_preload(preload).for_findings_only();
    // Hand-typed figures, read before any chapter is expanded (and dropped).
    let mut presegmented = Vec::new();
    let texts: Vec<crate::check::rules::figures::ChapterText> = chapters
        .iter()
        .enumerate()
        .filter_map(|(index, c)| {
            let file = c.source_path.clone()?;
            presegmented.push(figure_segments.get_mut(index).and_then(Option::take));
            Some(crate::check::rules::figures::ChapterText { file, text: &c.content })
        })
        .collect();
    drop(figure_segments);
    let (figures_found, figures_sources) =
        crate::check::rules::figures::with_preprocessor(&expander, root, config, &texts, presegmented);
    drop(texts);
    let mut start = 0;
    while start < chapters.len() {
        let mut end = start;
        let mut batch_bytes = 0;
        while end < chapters.len() && batch_bytes < BATCH_BYTES {
            batch_bytes += chapters[end].content.len();
            end += 1;
        }
        let batch = chapters[start..end]
            .iter_mut()
            .enumerate()
            .map(|(offset, c)| {
                let ranges = code_ranges.get_mut(start + offset).and_then(Option::take);
                (c.source_path.clone().unwrap_or_default(), c.content.to_mut(), ranges)
            })
            .collect();
        expander.expand_chapters(batch);
        for chapter in &mut chapters[start..end] {
            chapter.content = Cow::Borrowed("");
        }
        start = end;
    }
    let mut diagnostics = expander.diagnostics();
    diagnostics.extend(figures_found);
    let mut sources = expander.sources();
    sources.extend(figures_sources);
    (Findings { diagnostics, sources }, expander.directive_count())
}
