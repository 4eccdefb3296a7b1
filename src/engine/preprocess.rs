//! Preprocessing mdBook's request: the config from its context, the structure check over its chapters, then
//! directive expansion, changing only chapter contents.

use std::borrow::Cow;
use std::path::Path;

use super::{Findings, Outcome, Product, Refusal, Status};
use crate::config::{BOOK_TOML, Config, OnError};
use crate::diagnostics::{self, Diagnostic, Severity, Sources};
use crate::preprocess::{DataPreload, Preprocessor, Worker};
use crate::protocol::{Contents, Context, Request};

/// The preprocess job: mdBook's JSON parsed (the data files loading meanwhile), then [`preprocess_request`].
pub(super) fn run(input: Cow<'_, [u8]>) -> Outcome<'_> {
    let mut preload = None;
    let mut request = match Request::parse_with(input, |context| preload = preload_data(context)) {
        Ok(request) => request,
        Err(error) => {
            return Outcome::refused(Refusal::new(format!("malformed mdBook input: {error}"), Some(error.help())));
        }
    };
    let notes = request.version_warning().into_iter().collect();
    let (status, findings) = preprocess_request(&mut request, preload);
    // A failed run hands back no book: mdBook must not build one without the expansions.
    let product = if status == Status::Passed { Product::Book(request) } else { Product::None };
    Outcome { status, passes: vec![findings], notes, product }
}

/// Starts loading the data files the context's config names (see [`DataPreload`]): call it from
/// [`Request::parse_with`]. `None` when the config has errors (the run stops there) or names no data.
pub fn preload_data(context: Context<'_>) -> Option<DataPreload> {
    let (config, found) = Config::from_table(context.kpi_table(), context.book_language());
    if config.data.is_empty() || found.iter().any(|d| d.severity == Severity::Error) {
        return None;
    }
    DataPreload::start(context.root().to_path_buf(), config.data, config.encodings)
}

/// Reads the config from the request, then expands the book's directives and runs the structure check; the
/// stdin protocol and the in-process build both come here. Config errors always fail; other errors fail unless
/// `on-error = "warn"`. A failed run leaves the request's contents as they were read.
pub(super) fn preprocess_request(request: &mut Request<'_>, preload: Option<DataPreload>) -> (Status, Findings) {
    let (config, mut config_diagnostics) = Config::from_table(request.kpi_table(), request.book_language());
    let mut sources = Sources::new();
    place_in_book_toml(request.root(), &mut config_diagnostics, &mut sources);
    if config_diagnostics.iter().any(|d| d.severity == Severity::Error) {
        let findings = Findings { diagnostics: config_diagnostics, sources };
        return (failed(&findings), findings);
    }
    let Findings { diagnostics: mut found, sources: found_sources } = expand_request(request, &config, preload);
    sources.extend(found_sources);
    config_diagnostics.append(&mut found);
    let mut all = config_diagnostics;
    diagnostics::sort(&mut all);
    let findings = Findings { diagnostics: all, sources };
    let status =
        if findings.has_errors() && config.on_error == OnError::Fail { failed(&findings) } else { Status::Passed };
    (status, findings)
}

fn failed(findings: &Findings) -> Status {
    let counts = findings.counts();
    Status::Failed(Some(format!(
        "mdbook-kpi: {} error(s), {} warning(s); the book was not changed",
        counts.errors, counts.warnings
    )))
}

/// mdBook's JSON has no positions. When book.toml on disk says the same, take its findings, which do.
fn place_in_book_toml(root: &Path, found: &mut [Diagnostic], sources: &mut Sources) {
    if found.is_empty() {
        return;
    }
    let Ok(text) = std::fs::read_to_string(root.join(BOOK_TOML)) else {
        return;
    };
    let (_, placed) = Config::from_book_toml(&text);
    let same = placed.len() == found.len()
        && placed.iter().zip(found.iter()).all(|(p, f)| p.rule == f.rule && p.message == f.message);
    if same {
        found.clone_from_slice(&placed);
        sources.insert(BOOK_TOML.to_string(), text);
    }
}

/// Runs the structure check and expands every directive in the request's chapters, with the data files taken
/// from `preload` when their loading was started already ([`preload_data`]). Returns the findings.
///
/// Memory: the structure check reads every chapter, unescaped in place of its JSON; expansion reads those that
/// may hold a directive (without the check, each unescaped into a buffer its thread reuses) and keeps only the
/// splices. So the book's text is held about once throughout.
pub fn expand_request(request: &mut Request<'_>, config: &Config, preload: Option<DataPreload>) -> Findings {
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
    // The request shares the chapters out over as many threads as rayon's pool has.
    let threads = rayon::current_num_threads();
    let (figures_found, figures_sources);
    if config.structure.is_some() {
        // The check's patterns compile on one of rayon's threads while another unescapes the chapters (in
        // place: no page faults, which compiling beside the read of stdin slowed; and on a thread whose arena
        // the outline reuses, where a thread of its own kept 0.9 MB more at the peak). When stdin was mdBook's
        // pipe, they compiled while it was read (`warm_up`) and this has nothing left to do.
        rayon::join(crate::check::compile_patterns, || request.unescape_contents(Contents::All));
        let chapters: Vec<crate::check::Chapter> = request
            .chapters()
            .iter()
            .map(|c| crate::check::Chapter {
                title: c.name.to_string(),
                source_path: c.source_path.map(|_| files[c.index].clone()),
                content: request.content(c.index),
                depth: c.depth,
            })
            .collect();
        let checked = super::structure_check(&root, config, &chapters);
        (found, sources) = (checked.diagnostics, checked.sources);
        let code_ranges = checked.code_ranges;
        // The check's parse gathered the hand-typed figures too.
        (figures_found, figures_sources, _) =
            figure_findings(request, &expander, &root, config, &files, Some(checked.figure_segments));
        drop(chapters);
        crate::memory::release_freed();
        // The check parsed every chapter already: its code and HTML ranges spare the scanner a second parse.
        // `chapters` held every chapter in order, so the check's ranges are indexed like the request's chapters.
        let workers = request.change_contents(Contents::WithDirectives, threads, Worker::default, |worker, i, text| {
            expander.splices_on(worker, &files[i], text, code_ranges.get(i).and_then(Option::as_deref))
        });
        expander.take_findings(workers);
    } else {
        // The figure check parses each chapter; its code and HTML ranges spare the scanner a second parse.
        let code_ranges;
        (figures_found, figures_sources, code_ranges) =
            figure_findings(request, &expander, &root, config, &files, None);
        // Only the splices are kept besides the input: a repeated expansion once, the rest of a chapter never.
        let workers = request.change_contents(Contents::WithDirectives, threads, Worker::default, |worker, i, text| {
            expander.splices_on(worker, &files[i], text, code_ranges.get(i).and_then(Option::as_deref))
        });
        expander.take_findings(workers);
    }
    found.extend(expander.diagnostics());
    found.extend(figures_found);
    sources.extend(expander.sources());
    sources.extend(figures_sources);
    // Freeing the answers, the memo and the data set takes about a millisecond, which the book's writing
    // need not wait for. It is one job off the critical path, not work to share, so it gets a thread of its own
    // rather than a place in rayon's queue behind other work; a thread that cannot be started drops it here.
    let _ = std::thread::Builder::new().name("kpi-free".into()).spawn(move || drop(expander));
    Findings { diagnostics: found, sources }
}

/// The hand-typed figures of the request's chapters held against the data and each other (see
/// [`crate::check::rules::figures`]), before any directive is expanded. `presegmented` holds the segments the
/// structure check's parse gathered, indexed like the request's chapters; without it (no structure check) each
/// chapter is parsed here, and the parse's code and HTML ranges are handed back, indexed the same way, to
/// spare the directive scanner a parse of its own.
fn figure_findings(
    request: &Request<'_>,
    expander: &Preprocessor,
    root: &Path,
    config: &Config,
    files: &[String],
    presegmented: Option<crate::check::rules::figures::Presegmented>,
) -> (Vec<Diagnostic>, Sources, Vec<Option<crate::check::CodeRanges>>) {
    use crate::check::rules::figures;
    use rayon::prelude::*;
    if !figures::enabled(config) {
        return (Vec::new(), Sources::new(), Vec::new());
    }
    // `content` unescapes a chapter into a copy of its own (unescaping in place would change how an unchanged
    // chapter is written back); each copy is made while its chapter is read and dropped after, not held for
    // the whole book.
    let chapters: Vec<usize> = request.chapters().iter().filter(|c| c.source_path.is_some()).map(|c| c.index).collect();
    let names: Vec<&str> = chapters.iter().map(|&index| files[index].as_str()).collect();
    let mut code_ranges = Vec::new();
    let presegmented = match presegmented {
        Some(mut segments) => chapters.iter().map(|&index| segments.get_mut(index).and_then(Option::take)).collect(),
        None => {
            let parsed: Vec<_> = chapters
                .par_iter()
                .map_init(String::new, |buffer, &index| {
                    crate::figures::extract::segments_and_code_ranges(request.content_in(index, buffer))
                })
                .collect();
            code_ranges.resize(request.chapters().len(), None);
            let mut segments = Vec::with_capacity(parsed.len());
            for (&index, (chapter_segments, ranges)) in chapters.iter().zip(parsed) {
                segments.push(Some(chapter_segments));
                code_ranges[index] = ranges;
            }
            segments
        }
    };
    let (found, sources) = figures::with_preprocessor_lazy(
        expander,
        root,
        config,
        &names,
        |at| request.content(chapters[at]),
        presegmented,
    );
    (found, sources, code_ranges)
}
