//! Expanding directives in chapters: scan, parse, narrate, splice — every byte outside a directive unchanged.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::check::CodeRanges;
use crate::config::{Config, Locale, OnError};
use crate::data::DataSet;
use crate::data::salvage::Loaded;
use crate::diagnostics::{self, Diagnostic, Severity, Sources};
use crate::directive::{parse, scan};
use crate::narrate::{Failure, Narrator, Target, Templates, chart};
use crate::rules::Rule;
use crate::source::LineIndex;
use crate::splice::Splice;

/// Expands the directives of one book, chapter by chapter, collecting findings.
pub struct Preprocessor {
    root: PathBuf,
    config: Config,
    locale: Locale,
    target: Target,
    templates: Templates,
    /// Loaded by the first directive that needs it, from whichever thread: a book without directives needs no
    /// data file. Load errors are kept here and reported once.
    data: OnceLock<Loaded>,
    /// Directives that wait for data that failed to load: reported once, as a count at the first of them.
    waiting: Mutex<Waiting>,
    diagnostics: Vec<Diagnostic>,
    /// The chapters and data files findings point into, for the human renderer.
    sources: Sources,
    /// What expanding chapters one after another accumulates.
    worker: Worker,
    memo: Memo,
    /// Whether a directive's sentence names the report year, by directive text (asked of each directive of a
    /// chapter until one does).
    names_year: crate::memo::Memo<Box<str>, bool>,
    /// The data files, when their loading was started before this preprocessor was made.
    preload: Mutex<Option<DataPreload>>,
    /// Findings only (`mdbook-kpi check`): directives are checked as they would expand, but no text is written.
    findings_only: bool,
}

/// The data files being loaded on a thread of their own, started as soon as the config is known (while mdBook's
/// JSON is still being read). Its result is used, and its errors reported, only if a directive needs the data.
///
/// A named thread rather than a task in rayon's pool: it overlaps reading the JSON, which is not work to share,
/// and it must start at once, where a pool task could wait in the queue behind the very chapters that wait for
/// the data.
pub struct DataPreload(std::thread::JoinHandle<Loaded>);

impl DataPreload {
    /// Starts loading `files` (relative to `root`); `None` when no thread can be started.
    pub fn start(root: PathBuf, files: Vec<String>, encodings: BTreeMap<String, String>) -> Option<Self> {
        let load = move || load_sealed(&root, &files, &encodings);
        std::thread::Builder::new().name("kpi-data".into()).spawn(load).ok().map(DataPreload)
    }
}

/// Loads the data set and seals it (answers are cached from then on).
fn load_sealed(root: &Path, files: &[String], encodings: &BTreeMap<String, String>) -> Loaded {
    let loaded = crate::data::salvage::load(root, files, encodings);
    if let Some(data) = &loaded.data {
        data.seal();
    }
    loaded
}

/// The message of a directive that needs figures from a data file that failed to load; such directives are
/// counted, not listed (the data errors say what to fix).
const NEEDS_FAILED_DATA: &str = "this directive needs the data that failed to load";

/// The directives that need data that failed to load: how many, and the first (by file and place).
#[derive(Default)]
struct Waiting {
    count: usize,
    first: Option<Diagnostic>,
}

impl Waiting {
    fn add(&mut self, finding: Diagnostic) {
        self.count += 1;
        let earlier = |first: &Diagnostic| {
            (&finding.file, finding.line, finding.column) < (&first.file, first.line, first.column)
        };
        if self.first.as_ref().is_none_or(earlier) {
            self.first = Some(finding);
        }
    }

    /// One finding for all of them, at the first; its hint in the book's language.
    fn summary(&self, locale: Locale) -> Option<Diagnostic> {
        let mut finding = self.first.clone()?;
        finding.message = match self.count {
            1 => NEEDS_FAILED_DATA.to_string(),
            n => format!("this directive and {} more need the data that failed to load", n - 1),
        };
        finding.help = Some(match locale {
            Locale::ZhCn => "先修正上面的数据错误；用到已读入数据的指令都已正常展开".into(),
            Locale::En => "fix the data errors above; directives over figures that loaded were expanded".into(),
        });
        Some(finding)
    }
}

/// A chapter to expand in place: its file name in findings, its text, and its code and HTML ranges when known.
pub type ChapterToExpand<'c> = (String, &'c mut String, Option<CodeRanges>);

/// What one thread accumulates while it expands chapters: findings and the sources they point into. Give each
/// thread one ([`Preprocessor::splices_on`]) and hand them back when done ([`Preprocessor::take_findings`]).
#[derive(Default)]
pub struct Worker {
    diagnostics: Vec<Diagnostic>,
    sources: Sources,
    /// Counted here, not in one counter the threads share: a shared counter's cache line went back and forth
    /// between the cores at every directive.
    directives: usize,
}

/// Expansions by directive text, shared by the threads (a book repeats directives; an expansion depends on the
/// text alone, so which thread computes it first does not matter), one memo per (alone on its line, report
/// year named earlier in the chapter). Charts are kept unsalted (their ids differ by place). 32 bytes an entry
/// (a book holds thousands): the rare failure is boxed.
type Memo = [crate::memo::Memo<Box<str>, Result<Arc<str>, Box<Failure>>>; 4];

impl Preprocessor {
    /// `root` is the book root (the context's `root`), `renderer` the renderer mdBook runs for (`html` gets
    /// SVG charts).
    pub fn new(root: &Path, config: Config, book_language: Option<&str>, renderer: &str) -> Self {
        let locale = config.locale.or_else(|| book_language.and_then(Locale::parse)).unwrap_or(match book_language {
            Some(language) if language.to_ascii_lowercase().starts_with("zh") => Locale::ZhCn,
            _ => Locale::En,
        });
        let mut diagnostics = Vec::new();
        let templates = match &config.templates {
            None => Templates::builtin(),
            Some(dir) => match crate::paths::resolve_in_root(root, dir) {
                Ok(path) => {
                    let (templates, findings) = Templates::with_overrides(&path, dir);
                    diagnostics.extend(findings);
                    templates
                }
                Err(message) => {
                    diagnostics.push(
                        Diagnostic::error(Rule::DataPath, message)
                            .with_help("`templates` names a folder inside the book root")
                            .in_file("book.toml"),
                    );
                    Templates::builtin()
                }
            },
        };
        let target = if renderer == "html" { Target::Html } else { Target::Other };
        Preprocessor {
            root: root.to_path_buf(),
            config,
            locale,
            target,
            templates,
            data: OnceLock::new(),
            waiting: Mutex::default(),
            diagnostics,
            sources: Sources::new(),
            worker: Worker::default(),
            memo: Memo::default(),
            names_year: Default::default(),
            preload: Mutex::new(None),
            findings_only: false,
        }
    }

    /// Takes the data from `preload` (started for this book's root and `data` files) instead of loading it.
    pub fn with_preload(self, preload: Option<DataPreload>) -> Self {
        Preprocessor { preload: Mutex::new(preload), ..self }
    }

    /// A preprocessor that reports what expanding would find but writes no text (each directive expands to
    /// nothing): `mdbook-kpi check`, which throws the text away, skips writing the built-in sentences, tables and
    /// charts ([`Narrator::check_at`]).
    pub fn for_findings_only(self) -> Self {
        Preprocessor { findings_only: true, ..self }
    }

    /// A preprocessor over data already in memory (tests, fuzzing, `eval`).
    pub fn with_data(config: Config, locale: Locale, target: Target, data: DataSet) -> Self {
        Preprocessor {
            root: PathBuf::new(),
            config,
            locale,
            target,
            templates: Templates::builtin(),
            data: OnceLock::from(Loaded::clean({
                data.seal();
                data
            })),
            waiting: Mutex::default(),
            diagnostics: Vec::new(),
            sources: Sources::new(),
            worker: Worker::default(),
            memo: Memo::default(),
            names_year: Default::default(),
            preload: Mutex::new(None),
            findings_only: false,
        }
    }

    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// The data set, loading it on first use; with load errors, what read cleanly (see [`Loaded::needs_failed`]).
    pub fn data(&self) -> Option<&DataSet> {
        self.loaded().data.as_ref()
    }

    /// The outcome of loading the data, loading it on first use.
    fn loaded(&self) -> &Loaded {
        self.data.get_or_init(|| {
            let preload = self.preload.lock().ok().and_then(|mut preload| preload.take());
            match preload.map(|preload| preload.0.join()) {
                Some(Ok(loaded)) => loaded,
                // A panic while loading is a bug to show, not a reason to load the files a second time.
                Some(Err(panic)) => std::panic::resume_unwind(panic),
                None => load_sealed(&self.root, &self.config.data, &self.config.encodings),
            }
        })
    }

    /// Findings from loading the data: its errors, or its warnings (`data/inconsistent-total`).
    fn data_findings(&self) -> &[Diagnostic] {
        match self.data.get() {
            Some(Loaded { errors, .. }) if !errors.is_empty() => errors,
            Some(Loaded { data: Some(data), .. }) => &data.warnings,
            _ => &[],
        }
    }

    /// The chapter with its directives expanded, or `None` when nothing in it changes (the common case, which
    /// then costs one substring search). `file` names the chapter in findings (relative to the book root).
    pub fn expand_chapter(&mut self, file: &str, content: &str) -> Option<String> {
        let mut worker = std::mem::take(&mut self.worker);
        let expanded = self.expand_with(&mut worker, file, content, None);
        self.worker = worker;
        expanded
    }

    /// Expands many chapters on rayon's threads (chapters are independent; the output is the same as one after
    /// another, byte for byte). Each chapter may come with its code and HTML ranges already known (from the
    /// structure check's parse, [`crate::check::check_with_code_ranges`]), which saves parsing it again. A panic
    /// while expanding a chapter goes on in the calling thread, as it would one chapter after another.
    pub fn expand_chapters(&mut self, chapters: Vec<ChapterToExpand>) {
        use rayon::prelude::*;
        let this = &*self;
        // One worker per piece of the list rayon splits off, not per chapter: findings gather where they arise.
        let workers: Vec<Worker> = chapters
            .into_par_iter()
            .fold(Worker::default, |mut worker, (file, content, ranges)| {
                if let Some(expanded) = this.expand_with(&mut worker, &file, content, ranges.as_deref()) {
                    *content = expanded;
                }
                worker
            })
            .collect();
        self.take_findings(workers);
    }

    /// Takes in the findings the threads' workers collected.
    pub fn take_findings(&mut self, workers: impl IntoIterator<Item = Worker>) {
        for worker in workers {
            self.worker.diagnostics.extend(worker.diagnostics);
            self.worker.sources.extend(worker.sources);
            self.worker.directives += worker.directives;
        }
    }

    fn expand_with(
        &self,
        worker: &mut Worker,
        file: &str,
        content: &str,
        excluded: Option<&[Range<usize>]>,
    ) -> Option<String> {
        let splices = self.splices_on(worker, file, content, excluded);
        (!splices.is_empty() && !self.findings_only).then(|| crate::splice::apply(content, &splices))
    }

    /// The changes expanding a chapter's directives makes, from any thread, collecting findings in the thread's
    /// `worker`: one splice per directive that expands (or fails under `on-error = "warn"`) and per `\<<#kpi`
    /// escape; none when nothing in the chapter changes. `excluded` are the chapter's code and HTML ranges when
    /// known (from the structure check's parse, [`crate::check::check_with_code_ranges`]), which saves parsing
    /// it again.
    pub fn splices_on(
        &self,
        worker: &mut Worker,
        file: &str,
        content: &str,
        excluded: Option<&[Range<usize>]>,
    ) -> Vec<Splice> {
        let found = match excluded {
            Some(excluded) => scan::scan_with_excluded(content, excluded),
            None => scan::scan(content),
        };
        let mut splices = Vec::with_capacity(found.len());
        if found.is_empty() {
            return splices;
        }
        // Line starts are needed only to place a finding: build them on the first one.
        let index = std::cell::OnceCell::new();
        let index = || index.get_or_init(|| LineIndex::new(content));
        let mut had_finding = false;
        // Once a sentence of the chapter named the report year, later ones about the whole year say 全年.
        let mut year_named = false;
        for item in found {
            match item {
                scan::Found::Escape { span } => splices.push(Splice::removal(span)),
                scan::Found::Unterminated { span } => {
                    let finding =
                        Diagnostic::error(Rule::KpiSyntax, "unterminated directive: no closing `>>` on this line")
                            .with_help("close the directive with `>>`, or write `\\<<#kpi` to show it literally")
                            .in_file(file)
                            .at_span(index(), span);
                    worker.diagnostics.push(finding);
                    had_finding = true;
                }
                scan::Found::Directive { span, alone_on_line, line_prefix } => {
                    let place = attribute_place(content, span.start);
                    if matches!(place, AttributePlace::Title | AttributePlace::CodeInDefinitionLabel) {
                        // A link's or image's title is attribute text, not prose; a definition's label is
                        // matched against its uses, where a code span keeps the directive as written: both are
                        // left as written.
                        continue;
                    }
                    worker.directives += 1;
                    let text = &content[span.clone()];
                    let directive = DirectiveText::new(text);
                    // Whether the report year was named before changes only a sentence that would name it: any
                    // other directive is the same either way, and is expanded (and remembered) once.
                    let names_year = self.names_report_year(&directive);
                    match self.expand_cached(&directive, alone_on_line, year_named && names_year, span.start as u64) {
                        Ok(expansion) => {
                            year_named = year_named || names_year;
                            let block = expansion.contains('\n') || expansion.starts_with('|');
                            let expansion = if block {
                                indent_block(&expansion, &line_prefix, content, span.clone()).into()
                            } else if starts_sentence(content, span.start)
                                && expansion.chars().next().is_some_and(char::is_lowercase)
                            {
                                crate::narrate::templates::capitalize(&expansion).into()
                            } else {
                                expansion
                            };
                            splices.push(Splice::new(span, expansion));
                        }
                        Err(failure) => {
                            let start = span.start + failure.span.start.min(text.len());
                            let end = if failure.span.is_empty() {
                                span.end
                            } else {
                                span.start + failure.span.end.min(text.len())
                            };
                            let mut finding = Diagnostic::error(failure.rule, failure.message.clone())
                                .in_file(file)
                                .at_span(index(), start..end);
                            finding.help = failure.help.clone();
                            if failure.message == crate::narrate::templates::REPORTED_AT_TEMPLATE {
                                // Reported once at the template's file.
                            } else if failure.message == NEEDS_FAILED_DATA {
                                if let Ok(mut waiting) = self.waiting.lock() {
                                    waiting.add(finding);
                                }
                            } else {
                                worker.diagnostics.push(finding);
                            }
                            had_finding = true;
                            if self.config.on_error == OnError::Warn {
                                // Inside a URL or a heading's `{#id}` the marker's spaces and asterisks would
                                // break the link or the id: there the directive gives way to nothing.
                                let shown =
                                    if place == AttributePlace::None { marker(&failure) } else { String::new() };
                                splices.push(Splice::new(span, shown.into()));
                            }
                        }
                    }
                }
            }
        }
        if had_finding {
            worker.sources.insert(file.to_string(), content.to_string());
        }
        splices
    }

    /// Whether the directive's sentence names the report year (nothing to track under `report-year = "every"`).
    fn names_report_year(&self, directive: &DirectiveText<'_>) -> bool {
        let text = directive.text;
        if self.config.style.report_year == crate::config::ReportYear::Every {
            return false;
        }
        if let Some(known) = self.names_year.get(text) {
            return known;
        }
        let Some(data) = self.data() else { return false };
        let names = directive.parsed().as_ref().is_ok_and(|d| self.narrator(data, false).names_report_year_of(d));
        self.names_year.insert(text, || text.into(), names);
        names
    }

    fn expand_cached(
        &self,
        directive: &DirectiveText<'_>,
        alone_on_line: bool,
        year_named: bool,
        salt: u64,
    ) -> Result<Arc<str>, Failure> {
        let text = directive.text;
        let memo = &self.memo[usize::from(alone_on_line) + 2 * usize::from(year_named)];
        let hit = memo.get(text).map(|hit| hit.map_err(|failure| *failure));
        // Charts are kept with salt 0 and salted on the way out: their element ids differ by place.
        let salted = |result: Result<Arc<str>, Failure>| match result {
            Ok(html) if html.starts_with("<figure") => Ok(chart::resalt(&html, salt).into()),
            other => other,
        };
        if let Some(hit) = hit {
            return salted(hit);
        }
        let result = self.expand_one(directive, alone_on_line, year_named).map(Arc::from);
        memo.insert(text, || text.into(), result.clone().map_err(Box::new));
        salted(result)
    }

    /// A directive's expansion, charts unsalted (see [`Preprocessor::expand_cached`]).
    fn expand_one(
        &self,
        directive: &DirectiveText<'_>,
        alone_on_line: bool,
        year_named: bool,
    ) -> Result<String, Failure> {
        let directive = directive.parsed().as_ref().map_err(|e| parse_failure(e.clone(), self.locale))?;
        if let Some(form) = &directive.form
            && form.value.is_block()
            && !alone_on_line
        {
            return Err(Failure::new(
                Rule::KpiSyntax,
                form.span.clone(),
                "a table or chart must stand alone on its line",
            )
            .with_help(Some("put the directive on a line of its own (inside a list item or quote is fine)".into())));
        }
        let loaded = self.loaded();
        let data = match &loaded.data {
            Some(data) if !loaded.needs_failed(&directive.metric.value) => data,
            _ => return Err(Failure::new(Rule::KpiNoData, directive.metric.span.clone(), NEEDS_FAILED_DATA)),
        };
        let narrator = self.narrator(data, year_named);
        if self.findings_only {
            return narrator.check_at(directive).map(|()| String::new());
        }
        narrator.expand_at(directive, self.target, 0)
    }

    /// The narrator of this book's config, locale and templates over `data`.
    fn narrator<'n>(&'n self, data: &'n DataSet, year_named: bool) -> Narrator<'n> {
        Narrator {
            data,
            templates: &self.templates,
            locale: self.locale,
            year: self.config.year,
            precision: self.config.precision,
            style: self.config.style,
            year_named,
        }
    }

    /// Expands one directive given as text (`mdbook-kpi eval`).
    pub fn eval(&mut self, text: &str, json: bool) -> Result<String, Vec<Diagnostic>> {
        self.data();
        let trimmed = text.trim();
        let result = if json {
            parse::parse(trimmed).map_err(|e| parse_failure(e, self.locale)).and_then(|directive| match self.data() {
                Some(data) => self
                    .narrator(data, false)
                    .context(&directive)
                    .map(|v| serde_json::to_string_pretty(&v).unwrap_or_default()),
                _ => Err(Failure::new(Rule::KpiNoData, 0..0, "the book's data files could not be loaded")),
            })
        } else {
            self.expand_one(&DirectiveText::new(trimmed), true, false)
        };
        let mut errors: Vec<Diagnostic> = self
            .diagnostics
            .iter()
            .chain(self.data_findings())
            .filter(|d| d.severity == Severity::Error)
            .cloned()
            .collect();
        match result {
            Ok(text) if errors.is_empty() => Ok(text),
            Ok(_) => Err(errors),
            Err(failure) => {
                let index = LineIndex::new(trimmed);
                let mut finding = Diagnostic::error(failure.rule, failure.message)
                    .in_file(crate::engine::EVAL_FILE)
                    .at_span(&index, failure.span);
                finding.help = failure.help;
                self.sources.insert(crate::engine::EVAL_FILE.into(), trimmed.to_string());
                errors.push(finding);
                Err(errors)
            }
        }
    }

    /// Findings so far, sorted, with `[preprocessor.kpi.rules]` levels applied to the rules that allow it.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all: Vec<Diagnostic> = self
            .diagnostics
            .iter()
            .chain(&self.worker.diagnostics)
            .chain(self.data_findings())
            .chain(self.waiting.lock().ok().and_then(|waiting| waiting.summary(self.locale)).as_ref())
            .chain(&self.templates.findings())
            .filter_map(|d| self.config.apply_levels(d.clone().in_locale(self.locale)))
            .collect();
        diagnostics::sort(&mut all);
        all.dedup();
        all
    }

    /// The chapters and files the findings point into.
    pub fn sources(&self) -> Sources {
        /// Data files larger than this are not quoted (the finding still names the row and column).
        const MAX_QUOTED_BYTES: u64 = 16 << 20;
        let mut all = self.sources.clone();
        all.extend(self.worker.sources.iter().map(|(k, v)| (k.clone(), v.clone())));
        for (file, text) in self.templates.sources() {
            all.insert(file.to_string(), text.to_string());
        }
        for finding in self.data_findings() {
            if finding.file.is_empty() || all.contains_key(&finding.file) {
                continue;
            }
            let Ok(path) = crate::paths::resolve_in_root(&self.root, &finding.file) else { continue };
            if std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() <= MAX_QUOTED_BYTES)
                && let Ok(bytes) = std::fs::read(&path)
            {
                all.insert(finding.file.clone(), self.data_file_text(&finding.file, bytes));
            }
        }
        all
    }

    /// A data file's text for quoting: decoded as the config says, else as UTF-8, else (a likely export from
    /// Excel on Chinese Windows) as GB18030, so that the line quoted is the one the author sees in their editor.
    fn data_file_text(&self, file: &str, bytes: Vec<u8>) -> String {
        let encoding = self.config.encodings.get(file).and_then(|e| encoding_rs::Encoding::for_label(e.as_bytes()));
        match String::from_utf8(bytes) {
            Ok(text) if encoding.is_none() => text,
            Ok(text) => {
                encoding.map_or(text.clone(), |e| e.decode_without_bom_handling(text.as_bytes()).0.into_owned())
            }
            Err(error) => {
                let encoding = encoding.unwrap_or(encoding_rs::GB18030);
                encoding.decode_without_bom_handling(error.as_bytes()).0.into_owned()
            }
        }
    }

    /// How many directives the expanded chapters held (written ones, not `\<<#kpi` escapes).
    pub fn directive_count(&self) -> usize {
        self.worker.directives
    }

    pub fn on_error(&self) -> OnError {
        self.config.on_error
    }
}

/// Where a directive stands in attribute text rather than in prose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AttributePlace {
    None,
    /// A link's or image's destination (`[a](…)`, `[a]: …`).
    Destination,
    /// A link's or image's title (`[a](url "…")`, `[a]: url "…"`).
    Title,
    /// A heading's attributes (`# Title {#…}`).
    HeadingAttributes,
    /// A code span in a link reference definition's label (``[`…`]: url``): where the label is used, the code
    /// span keeps the directive as written, so the definition must too, or the link no longer matches.
    CodeInDefinitionLabel,
}

/// Whether the directive at `start` stands in a link destination or title or in heading attributes, judged on
/// its line: after an unclosed `](` or a reference definition's `]:`, or after an unclosed `{` in a heading.
fn attribute_place(content: &str, start: usize) -> AttributePlace {
    let line_start = content[..start].rfind('\n').map_or(0, |i| i + 1);
    let before = &content[line_start..start];
    let trimmed = before.trim_start_matches(' ');
    let definition = trimmed.starts_with('[').then(|| trimmed.find("]:")).flatten().map(|at| &trimmed[at + 2..]);
    let inline = before.rfind("](").map(|at| &before[at + 2..]).filter(|inside| !inside.contains(')'));
    if let Some(inside) = inline.or(definition) {
        let inside = inside.trim_start();
        // The destination runs to the first space (or is `<…>`); a quoted or parenthesised title follows.
        let destination_end = if inside.starts_with('<') && !inside.starts_with("<<#kpi") {
            inside.find('>').map(|at| at + 1)
        } else {
            first_space_outside_directives(inside)
        };
        return match destination_end {
            Some(end) if inside[end..].trim_start().starts_with(['"', '\'', '(']) => AttributePlace::Title,
            _ => AttributePlace::Destination,
        };
    }
    let label_closes_later = content[start..].split('\n').next().is_some_and(|rest| rest.contains("]:"));
    if trimmed.starts_with('[') && label_closes_later && trimmed.matches('`').count() % 2 == 1 {
        return AttributePlace::CodeInDefinitionLabel;
    }
    let heading = trimmed.starts_with('#');
    if heading && before.rfind('{').is_some_and(|open| !before[open..].contains('}')) {
        return AttributePlace::HeadingAttributes;
    }
    AttributePlace::None
}

/// The first whitespace in `text` that is not inside a `<<#kpi …>>` directive.
fn first_space_outside_directives(text: &str) -> Option<usize> {
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        if rest.starts_with("<<#kpi") {
            at += rest.find(">>").map_or(rest.len(), |end| end + 2);
            continue;
        }
        let c = rest.chars().next()?;
        if c.is_whitespace() {
            return Some(at);
        }
        at += c.len_utf8();
    }
    None
}

/// The visible marker a failed directive leaves in the page under `on-error = "warn"`.
fn marker(failure: &Failure) -> String {
    let message = crate::narrate::templates::escape_text(&failure.message);
    // Spaces around the bold markers: after a CJK letter, `**⚠` would not open emphasis in CommonMark.
    format!(" **⚠ {}: {message}** ", failure.rule)
}

/// A block expansion (table, chart) placed where the directive stood: following lines carry the line prefix
/// (list indentation, `> `), and blank lines keep it apart from surrounding text.
fn indent_block(block: &str, prefix: &str, content: &str, span: std::ops::Range<usize>) -> String {
    let continuation = format!("\n{prefix}");
    let mut out = block.replace('\n', &continuation);
    let before = &content[..span.start];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let previous_line = before[..line_start.saturating_sub(1)].rsplit('\n').next().unwrap_or("");
    let blank = |line: &str| line.trim().trim_start_matches('>').trim().is_empty();
    if line_start > 0 && !blank(previous_line) {
        // The prefix already written before the directive makes the blank line.
        out.insert_str(0, &format!("\n{prefix}"));
    }
    let after = &content[span.end..];
    let rest_of_line_end = after.find('\n').map_or(after.len(), |i| i + 1);
    let next_line = after[rest_of_line_end..].split('\n').next().unwrap_or("");
    if rest_of_line_end < after.len() && !blank(next_line) {
        out.push_str(&format!("\n{}", prefix.trim_end()));
    }
    out
}

/// A directive's text and its parse, made when first needed and then kept: the report-year question and the
/// expansion each need it only when their memo has no answer yet.
struct DirectiveText<'t> {
    text: &'t str,
    parsed: std::cell::OnceCell<Result<crate::directive::Directive, parse::ParseError>>,
}

impl<'t> DirectiveText<'t> {
    fn new(text: &'t str) -> Self {
        DirectiveText { text, parsed: std::cell::OnceCell::new() }
    }

    fn parsed(&self) -> &Result<crate::directive::Directive, parse::ParseError> {
        self.parsed.get_or_init(|| parse::parse(self.text))
    }
}

/// A directive's grammar error as a failure, with its help in the book's language.
fn parse_failure(error: parse::ParseError, locale: Locale) -> Failure {
    let help = error.help_in(locale);
    Failure { rule: error.rule, span: error.span, message: error.message, help }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_loading_the_data_goes_on_where_the_data_is_needed() {
        let preload = DataPreload(std::thread::spawn(|| panic!("a bug in the loader")));
        let preprocessor =
            Preprocessor::new(Path::new("."), Config::default(), None, "markdown").with_preload(Some(preload));
        let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| preprocessor.data().is_some()));
        let panic = loaded.expect_err("the loader's panic is not swallowed by loading again");
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"a bug in the loader"));
    }
}

/// Whether a directive at `start` begins a sentence of the chapter: the first thing in its paragraph or list item
/// (after Markdown's list and quote markers), or after a full stop, question or exclamation mark. A sentence that
/// starts there gets a capital letter (`Revenue grew …`); one inside a sentence keeps the label as written
/// (`Since then, revenue grew …`).
pub fn starts_sentence(content: &str, start: usize) -> bool {
    let before = &content[..start];
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let on_line = before[line_start..].trim_start_matches(|c: char| c.is_whitespace() || "->*+#".contains(c));
    let on_line = on_line.trim_start_matches(|c: char| c.is_ascii_digit()).trim_start_matches(['.', ')']).trim();
    if !on_line.is_empty() {
        return on_line.ends_with(['.', '!', '?', '。', '！', '？']);
    }
    // The directive opens its line: a sentence starts there unless the previous line of the paragraph runs on.
    let previous = before[..line_start].trim_end_matches(['\n', '\r']);
    let previous_line = &previous[previous.rfind('\n').map_or(0, |at| at + 1)..];
    let previous_line = previous_line.trim_start_matches(|c: char| c.is_whitespace() || c == '>').trim_end();
    previous_line.is_empty()
        || previous_line.ends_with(['.', '!', '?', '。', '！', '？'])
        || line_start == 0
        || before[..line_start].ends_with("\n\n")
        || before[..line_start].ends_with("\n\r\n")
}

#[cfg(test)]
mod sentence_start_tests {
    use super::starts_sentence;

    #[test]
    fn a_directive_starts_a_sentence_only_where_the_text_says_so() {
        let at = |text: &str| starts_sentence(text, text.find("<<").unwrap());
        assert!(at("<<#kpi x>>"));
        assert!(at("Intro.\n\n<<#kpi x>>"));
        assert!(at("- <<#kpi x>>"));
        assert!(at("It grew. <<#kpi x>>"));
        assert!(at("It grew.\n<<#kpi x>>"));
        assert!(!at("Since then, <<#kpi x>>"));
        assert!(!at("First the shape of the year: <<#kpi x>>"));
        assert!(!at("Since then,\n<<#kpi x>>"));
        assert!(!at("- **East China**: <<#kpi x>>"));
    }
}
