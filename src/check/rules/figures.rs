//! `data/stale-figure` and `data/conflicting-figures`: figures typed by hand, held against the data and against
//! each other (see [`crate::figures`]). They run in `mdbook-kpi check` and in the preprocessor, over the chapters
//! as written, with the levels of `[preprocessor.kpi.rules]`.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::config::{Config, Level, Locale};
use crate::data::DataSet;
use crate::diagnostics::{Diagnostic, Severity, Sources};
use crate::figures::extract::Segment;
use crate::figures::{self, Figures, Found};
use crate::source::LineIndex;

use crate::rules::Rule;

pub const STALE: Rule = Rule::DataStaleFigure;
pub const CONFLICTING: Rule = Rule::DataConflictingFigures;

/// A chapter to check: its file (relative to the book root) and its text as written.
pub struct ChapterText<'t> {
    pub file: String,
    pub text: &'t str,
}

/// The configured severity of a rule; `None` when it is off.
fn severity(config: &Config, rule: Rule) -> Option<Severity> {
    match config.rules.get(&rule) {
        Some(Level::Off) => None,
        Some(Level::Warn) => Some(Severity::Warning),
        Some(Level::Error) => Some(Severity::Error),
        None => Some(rule.default_severity()),
    }
}

/// Whether either rule is on.
pub fn enabled(config: &Config) -> bool {
    severity(config, STALE).is_some() || severity(config, CONFLICTING).is_some()
}

/// Both rules over a book's chapters. `data` is `None` when the book has no data files (then only conflicts
/// between typed figures are found); `locale` is the book's, for the hints. Returns the findings and the
/// chapters they point into.
pub fn check_book(
    data: Option<&DataSet>,
    config: &Config,
    locale: Locale,
    chapters: &[ChapterText<'_>],
) -> (Vec<Diagnostic>, Sources) {
    let files: Vec<&str> = chapters.iter().map(|c| c.file.as_str()).collect();
    check_chapters(data, config, locale, &files, |index| Cow::Borrowed(chapters[index].text), Vec::new())
}

/// Each chapter's segments when a parse shared with another step gathered them already ([`Collector`]), by
/// chapter index; a chapter without them (or past the end) is parsed here.
///
/// [`Collector`]: crate::figures::extract::Collector
pub type Presegmented = Vec<Option<Vec<Segment>>>;

/// [`check_book`] over chapters whose text is made on demand (`text(index)` for `files[index]`): the
/// preprocessor unescapes each chapter from its JSON only while its figures are read, rather than holding a copy
/// of the whole book.
fn check_chapters<'t>(
    data: Option<&DataSet>,
    config: &Config,
    locale: Locale,
    files: &[&str],
    text: impl Fn(usize) -> Cow<'t, str> + Sync,
    mut presegmented: Presegmented,
) -> (Vec<Diagnostic>, Sources) {
    let mut found = Vec::new();
    let mut sources = Sources::new();
    let stale = severity(config, STALE);
    let conflicting = severity(config, CONFLICTING);
    if stale.is_none() && conflicting.is_none() {
        return (found, sources);
    }
    let figures = Figures::new(data, config.year);
    presegmented.resize_with(files.len(), || None);
    let per_chapter: Vec<Vec<Found>> = {
        use rayon::prelude::*;
        presegmented
            .into_par_iter()
            .enumerate()
            .map(|(index, segments)| match segments {
                Some(segments) => figures.in_segments(segments),
                None => figures.chapter(&text(index)),
            })
            .collect()
    };
    // The first figure typed for each fact the data does not check: (chapter, figure).
    let mut first: HashMap<&str, (usize, &Found)> = HashMap::new();
    for (index, (&file, figures_found)) in files.iter().zip(&per_chapter).enumerate() {
        // The chapter's text and lines, made again only for a chapter with a finding.
        let chapter_text = std::cell::OnceCell::new();
        let chapter_text = || chapter_text.get_or_init(|| text(index));
        let lines = std::cell::OnceCell::new();
        let lines = || lines.get_or_init(|| LineIndex::new(chapter_text()));
        let before = found.len();
        for figure in figures_found {
            let allowed = |rule: Rule| figures::extract::allows(&figure.allowed, rule.as_str());
            if let (Some(severity), Some(false), false) = (stale, figure.agrees(), allowed(STALE)) {
                found.push(
                    stale_finding(&figures, figure, severity, locale)
                        .in_file(file)
                        .at_span(lines(), figure.source.clone()),
                );
            }
            let (Some(severity), Some(key)) = (conflicting, figure.key.as_deref()) else { continue };
            match first.get(key) {
                None => {
                    first.insert(key, (index, figure));
                }
                Some(&(other_chapter, other)) if !same_value(other, figure) && !allowed(CONFLICTING) => {
                    let other_file = files[other_chapter];
                    let other_place = LineIndex::new(&text(other_chapter)).position(other.source.start);
                    let place = format!("{other_file}:{}:{}", other_place.line, other_place.column);
                    found.push(
                        conflict_finding(figure, other, &place, severity, locale)
                            .in_file(file)
                            .at_span(lines(), figure.source.clone()),
                    );
                }
                Some(_) => {}
            }
        }
        if found.len() > before {
            sources.insert(file.to_string(), chapter_text().to_string());
        }
    }
    (found, sources)
}

/// Two typings of one fact agree when each could be the other rounded.
fn same_value(a: &Found, b: &Found) -> bool {
    let signed = |f: &Found| {
        let sign = if f.typed.sign != 0 { f.typed.sign } else { f.direction.unwrap_or(1) };
        f.typed.value * rust_decimal::Decimal::from(sign)
    };
    (signed(a) - signed(b)).abs() <= a.typed.tolerance + b.typed.tolerance
}

fn stale_finding(figures: &Figures<'_>, figure: &Found, severity: Severity, locale: Locale) -> Diagnostic {
    let tie = figure.tie.as_ref();
    let directive =
        tie.map(|tie| figures::directive(tie, figures.year, figure.typed.sign != 0, &[])).unwrap_or_default();
    let data_text = figure.data_text().unwrap_or_default();
    let exact = figure
        .data
        .map(|v| crate::narrate::format::group_thousands(crate::narrate::format::round(v, 4)))
        .unwrap_or_default();
    let message = format!(
        "the typed figure `{}` disagrees with the data: `{directive}` says {data_text} ({exact})",
        figure.text()
    );
    let help = match locale {
        Locale::ZhCn => format!(
            "数据中此处应为 {data_text}：改用 `{directive}` 让数字随数据更新（`mdbook-kpi fix` 会改写与数据一致的数字），或核对数据"
        ),
        Locale::En => format!(
            "the data says {data_text}: write `{directive}` so the figure follows the data (`mdbook-kpi fix` rewrites the figures that agree), or check the data"
        ),
    };
    Diagnostic::new(STALE, severity, message).with_help(help)
}

fn conflict_finding(figure: &Found, other: &Found, place: &str, severity: Severity, locale: Locale) -> Diagnostic {
    let message = format!(
        "the figure `{}` states the same fact as `{}` at {place}, with a different value",
        figure.text(),
        other.text()
    );
    let help = match locale {
        Locale::ZhCn => "同一事实在书中出现了两个不同的数字：核对后统一，最好把它放进数据文件并用指令引用".to_string(),
        Locale::En => {
            "the book states this fact twice with different values: settle on one, ideally in a data file with a directive"
                .to_string()
        }
    };
    Diagnostic::new(CONFLICTING, severity, message).with_help(help)
}

/// Both rules for a run of the preprocessor or `check`: the data comes from `expander` (loaded only when the
/// book's data files exist, so a book without data is held against itself alone).
pub fn with_preprocessor(
    expander: &crate::preprocess::Preprocessor,
    root: &std::path::Path,
    config: &Config,
    chapters: &[ChapterText<'_>],
    presegmented: Presegmented,
) -> (Vec<Diagnostic>, Sources) {
    let files: Vec<&str> = chapters.iter().map(|c| c.file.as_str()).collect();
    with_preprocessor_lazy(expander, root, config, &files, |index| Cow::Borrowed(chapters[index].text), presegmented)
}

/// [`with_preprocessor`] over chapters whose text is made on demand (see [`check_chapters`]).
pub fn with_preprocessor_lazy<'t>(
    expander: &crate::preprocess::Preprocessor,
    root: &std::path::Path,
    config: &Config,
    files: &[&str],
    text: impl Fn(usize) -> Cow<'t, str> + Sync,
    presegmented: Presegmented,
) -> (Vec<Diagnostic>, Sources) {
    if !enabled(config) || !(0..files.len()).any(|index| figures::extract::has_digits(&text(index))) {
        return (Vec::new(), Sources::new());
    }
    let has_data = !config.data.is_empty() && config.data.iter().all(|file| root.join(file).is_file());
    let data = if has_data { expander.data() } else { None };
    check_chapters(data, config, expander.locale(), files, text, presegmented)
}
