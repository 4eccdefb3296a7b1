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
        (figures_found, figures_sources) =
            figure_findings(request, &expander, &root, config, &files, checked.figure_segments);
        drop(chapters);
        crate::memory::release_freed();
        // The check parsed every chapter already: its code and HTML ranges spare the scanner a second parse.
        // `chapters` held every chapter in order, so the check's ranges are indexed like the request's chapters.
        let workers = request.change_contents(Contents::WithDirectives, threads, Worker::default, |worker, i, text| {
            expander.splices_on(worker, &files[i], text, code_ranges.get(i).and_then(Option::as_deref))
        });
        expander.take_findings(workers);
    } else {
        // One pass over the chapters, each unescaped once: parsed for its hand-typed figures (the parse's code
        // and HTML ranges spare the directive scanner a parse of its own), then its directives expanded. Only
        // the splices are kept besides the input: a repeated expansion once, the rest of a chapter never.
        let figures_on = crate::check::rules::figures::enabled(config);
        let read_figures: Vec<bool> =
            request.chapters().iter().map(|chapter| figures_on && chapter.source_path.is_some()).collect();
        let has_directives: Vec<bool> = (0..files.len()).map(|index| request.may_have_directives(index)).collect();
        let which = if figures_on { Contents::All } else { Contents::WithDirectives };
        let passes = request.change_contents(which, threads, ChapterPass::default, |pass, i, text| {
            let code_ranges = if read_figures[i] {
                let (segments, code_ranges) = crate::figures::extract::segments_and_code_ranges(text);
                pass.segments.push((i, segments));
                code_ranges
            } else {
                None
            };
            if !has_directives[i] {
                return Vec::new();
            }
            expander.splices_on(&mut pass.worker, &files[i], text, code_ranges.as_deref())
        });
        let mut segments: crate::check::rules::figures::Presegmented = vec![None; files.len()];
        let mut workers = Vec::with_capacity(passes.len());
        for pass in passes {
            workers.push(pass.worker);
            for (index, chapter_segments) in pass.segments {
                segments[index] = Some(chapter_segments);
            }
        }
        expander.take_findings(workers);
        (figures_found, figures_sources) = figure_findings(request, &expander, &root, config, &files, segments);
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

/// One thread's share of the pass over the chapters without the structure check: its expansion findings, and
/// the hand-typed figures it read, by chapter index.
#[derive(Default)]
struct ChapterPass {
    worker: Worker,
    segments: Vec<(usize, Vec<crate::figures::extract::Segment>)>,
}

/// The hand-typed figures of the request's chapters held against the data and each other (see
/// [`crate::check::rules::figures`]). `segments` holds each chapter's figures as its parse gathered them,
/// indexed like the request's chapters; the chapters' texts are those that came in, whatever the expansion
/// has changed since.
fn figure_findings(
    request: &Request<'_>,
    expander: &Preprocessor,
    root: &Path,
    config: &Config,
    files: &[String],
    mut segments: crate::check::rules::figures::Presegmented,
) -> (Vec<Diagnostic>, Sources) {
    use crate::check::rules::figures;
    if !figures::enabled(config) {
        return (Vec::new(), Sources::new());
    }
    let chapters: Vec<usize> = request.chapters().iter().filter(|c| c.source_path.is_some()).map(|c| c.index).collect();
    let names: Vec<&str> = chapters.iter().map(|&index| files[index].as_str()).collect();
    let presegmented = chapters.iter().map(|&index| segments.get_mut(index).and_then(Option::take)).collect();
    figures::with_preprocessor_lazy(
        expander,
        root,
        config,
        &names,
        |at| request.original_content(chapters[at]),
        presegmented,
    )
}
