//! The engine entry points the command line calls: one pipeline for preprocessor mode, `build` and `check`.
//!
//! A run over a book: the structure check (when the config names a schema) over the chapters as written, then
//! directive expansion chapter by chapter, changing only chapter content.

use std::borrow::Cow;
use std::path::Path;

use crate::check;
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Sources};
use crate::preprocess::{DataPreload, Preprocessor, Worker};
use crate::protocol::{Contents, Context, Request};

/// The file name `eval` findings point at.
pub const EVAL_FILE: &str = "<eval>";

/// Runs the structure check and expands every directive in the request's chapters. Returns the findings and the
/// text of every file they point into (chapters as written, keyed `src/…`; data files; book.toml).
///
/// Memory: the structure check reads every chapter, unescaped in place of its JSON; expansion reads those that
/// may hold a directive (without the check, each unescaped into a buffer its thread reuses) and keeps only the
/// splices. So the book's text is held about once throughout.
pub fn preprocess(request: &mut Request<'_>, config: &Config) -> (Vec<Diagnostic>, Sources) {
    preprocess_preloaded(request, config, None)
}

/// Starts loading the data files the context's config names (see [`DataPreload`]): call it from
/// [`Request::parse_with`]. `None` when the config has errors (the run stops there) or names no data.
pub fn preload_data(context: Context<'_>) -> Option<DataPreload> {
    let (config, found) = Config::from_table(context.kpi_table(), context.book_language());
    if config.data.is_empty() || found.iter().any(|d| d.severity == crate::diagnostics::Severity::Error) {
        return None;
    }
    DataPreload::start(context.root().to_path_buf(), config.data)
}

/// [`preprocess`] with the data files already being loaded ([`preload_data`]).
pub fn preprocess_preloaded(
    request: &mut Request<'_>,
    config: &Config,
    preload: Option<DataPreload>,
) -> (Vec<Diagnostic>, Sources) {
    let root = request.root_buf();
    let src = request.book_src().trim_end_matches('/').to_string();
    let chapter_file = |source_path: Option<&str>| match source_path {
        Some(path) if src.is_empty() || src == "." => path.replace('\\', "/"),
        Some(path) => format!("{src}/{}", path.replace('\\', "/")),
        None => String::new(),
    };
    let files: Vec<String> = request.chapters().iter().map(|c| chapter_file(c.source_path)).collect();
    let language = request.book_language().map(str::to_string);
    let mut expander =
        Preprocessor::new(&root, config.clone(), language.as_deref(), request.renderer()).with_preload(preload);
    let mut found = Vec::new();
    let mut sources = Sources::new();
    let threads = crate::parallel::worker_threads();
    if config.structure.is_some() {
        request.unescape_contents(Contents::All);
        let chapters: Vec<check::Chapter> = request
            .chapters()
            .iter()
            .map(|c| check::Chapter {
                title: c.name.to_string(),
                source_path: c.source_path.map(|_| files[c.index].clone()),
                content: request.content(c.index),
                depth: c.depth,
            })
            .collect();
        let code_ranges;
        (found, sources, code_ranges) = structure_check_with_ranges(&root, config, &chapters);
        drop(chapters);
        crate::memory::release_freed();
        // The check parsed every chapter already: its code and HTML ranges spare the scanner a second parse.
        // `chapters` held every chapter in order, so the check's ranges are indexed like the request's chapters.
        let workers = request.change_contents(Contents::WithDirectives, threads, Worker::default, |worker, i, text| {
            expander.splices_on(worker, &files[i], text, code_ranges.get(i).and_then(Option::as_deref))
        });
        expander.take_findings(workers);
    } else {
        // Only the splices are kept besides the input: a repeated expansion once, the rest of a chapter never.
        let workers = request.change_contents(Contents::WithDirectives, threads, Worker::default, |worker, i, text| {
            expander.splices_on(worker, &files[i], text, None)
        });
        expander.take_findings(workers);
    }
    found.extend(expander.diagnostics());
    sources.extend(expander.sources());
    // Freeing the answers, the memo and the data set takes about a millisecond, which the book's writing
    // need not wait for.
    // (A thread that cannot be started drops it here.)
    let _ = std::thread::Builder::new().name("kpi-free".into()).spawn(move || drop(expander));
    (found, sources)
}

/// The structure check (SPEC 6) over the chapters as written, for the schema the config names (none: nothing
/// to check). A schema that cannot be loaded is the one finding. Returns the findings and the chapters they
/// point into.
pub fn structure_check(root: &Path, config: &Config, chapters: &[check::Chapter<'_>]) -> (Vec<Diagnostic>, Sources) {
    let (found, sources, _) = structure_check_with_ranges(root, config, chapters);
    (found, sources)
}

/// [`structure_check`], also giving each chapter's code and HTML ranges (see [`check::check_with_code_ranges`];
/// empty when there is no schema to check).
pub fn structure_check_with_ranges(
    root: &Path,
    config: &Config,
    chapters: &[check::Chapter<'_>],
) -> (Vec<Diagnostic>, Sources, Vec<Option<check::CodeRanges>>) {
    let Some(spec) = &config.structure else {
        return (Vec::new(), Sources::new(), Vec::new());
    };
    let (found, code_ranges) = match check::load_schema(spec, root) {
        Ok(schema) => check::check_with_code_ranges(chapters, &schema, config),
        Err(diagnostic) => (vec![diagnostic], Vec::new()),
    };
    let mut sources = Sources::new();
    for chapter in chapters {
        if let Some(file) = &chapter.source_path
            && found.iter().any(|d| &d.file == file)
        {
            sources.insert(file.clone(), chapter.content.to_string());
        }
    }
    (found, sources, code_ranges)
}

/// The findings of expanding every chapter's directives (`mdbook-kpi check`), which keeps no expansion: the
/// chapters are expanded a batch at a time and dropped, so memory falls as the work goes on. `code_ranges` are the
/// structure check's code and HTML ranges per chapter (empty without a check), which spare the scanner a parse.
/// Returns the findings and the text of every file they point into.
pub fn expansion_findings(
    root: &Path,
    book_language: Option<&str>,
    renderer: &str,
    config: &Config,
    mut chapters: Vec<check::Chapter<'_>>,
    mut code_ranges: Vec<Option<check::CodeRanges>>,
) -> (Vec<Diagnostic>, Sources) {
    /// About this much text per batch: enough for every core, little next to the book.
    const BATCH_BYTES: usize = 1 << 18;
    let mut expander = Preprocessor::new(root, config.clone(), book_language, renderer);
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
        expander.expand_chapters_with_ranges(batch);
        for chapter in &mut chapters[start..end] {
            chapter.content = Cow::Borrowed("");
        }
        start = end;
    }
    (expander.diagnostics(), expander.sources())
}

/// Evaluates one directive (`<<#kpi …>>`) against the data of the book at `root`: the text it expands to, or
/// with `json` the template context. Findings about the directive point at [`EVAL_FILE`].
pub fn eval(root: &Path, config: &Config, directive: &str, json: bool) -> Result<String, (Vec<Diagnostic>, Sources)> {
    let mut expander = Preprocessor::new(root, config.clone(), None, "markdown");
    expander.eval(directive, json).map_err(|found| (found, expander.sources()))
}
