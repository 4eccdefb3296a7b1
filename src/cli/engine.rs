//! The engine entry points the command line calls: one pipeline for preprocessor mode, `build` and `check`.
//!
//! A run over a book: the structure check (when the config names a schema) over the chapters as written, then
//! directive expansion chapter by chapter, changing only chapter content.

use std::path::Path;

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Sources};
use crate::preprocess::Preprocessor;
use crate::protocol::Request;

/// The file name `eval` findings point at.
pub const EVAL_FILE: &str = "<eval>";

/// Runs the structure check and expands every directive in the request's chapters. Returns the findings and the
/// text of every file they point into (chapters as written, keyed `src/…`; data files; book.toml).
pub fn preprocess(request: &mut Request, config: &Config) -> (Vec<Diagnostic>, Sources) {
    let root = request.root_buf();
    let src = request.book_src().trim_end_matches('/').to_string();
    let chapter_file = |source_path: Option<&str>| match source_path {
        Some(path) if src.is_empty() || src == "." => path.replace('\\', "/"),
        Some(path) => format!("{src}/{}", path.replace('\\', "/")),
        None => String::new(),
    };
    let mut found = Vec::new();
    let mut sources = Sources::new();
    if config.structure.is_some() {
        let chapters: Vec<BookChapter> = request
            .chapters()
            .iter()
            .map(|c| BookChapter {
                title: c.name.to_string(),
                source_path: c.source_path.map(|p| chapter_file(Some(p))),
                content: c.content.to_string(),
                depth: c.depth,
            })
            .collect();
        let structure = structure_check(&root, &chapters, config);
        for chapter in &chapters {
            if let Some(file) = &chapter.source_path
                && structure.iter().any(|d| &d.file == file)
            {
                sources.insert(file.clone(), chapter.content.clone());
            }
        }
        found.extend(structure);
    }
    let mut expander = Preprocessor::new(&root, config.clone(), request.book_language(), request.renderer());
    for chapter in request.chapters_mut() {
        let file = chapter_file(chapter.source_path);
        if let Some(expanded) = expander.expand_chapter(&file, chapter.content) {
            *chapter.content = expanded;
        }
    }
    found.extend(expander.diagnostics());
    sources.extend(expander.sources().iter().map(|(k, v)| (k.clone(), v.clone())));
    (found, sources)
}

/// One chapter as the structure check sees it (the shape of `crate::check::Chapter` on the `check` branch).
pub struct BookChapter {
    /// The title in SUMMARY.md.
    pub title: String,
    /// Relative to the book root, `/` separators (`src/analysis.md`); `None` for a draft chapter.
    pub source_path: Option<String>,
    pub content: String,
    /// Nesting in SUMMARY.md: 0 for a top-level chapter.
    pub depth: usize,
}

/// The structure check over the chapters as written (SPEC 6) for the schema the config names.
///
/// STUB until the `check` module lands on main; then this body becomes
/// `crate::check::load_schema(spec, root)` followed by `crate::check::check(&chapters, &schema, config)`, with a
/// schema error returned as the one finding.
fn structure_check(root: &Path, chapters: &[BookChapter], config: &Config) -> Vec<Diagnostic> {
    let _ = (root, chapters, config);
    Vec::new()
}

/// Evaluates one directive (`<<#kpi …>>`) against the data of the book at `root`: the text it expands to, or
/// with `json` the template context. Findings about the directive point at [`EVAL_FILE`].
pub fn eval(root: &Path, config: &Config, directive: &str, json: bool) -> Result<String, (Vec<Diagnostic>, Sources)> {
    let mut expander = Preprocessor::new(root, config.clone(), None, "markdown");
    expander.eval(directive, json).map_err(|found| (found, expander.sources().clone()))
}
