//! `mdbook-kpi fix`: every hand-typed figure that agrees with the data becomes the directive that writes exactly
//! the same text, so the built book reads the same and the figure follows the data from now on.
//!
//! Safety: a figure is rewritten only when its directive, expanded, gives its text byte for byte; then the whole
//! chapter, expanded before and after, must be the same (else only the rewrites that keep it so are made). Code,
//! comments and figures that disagree are never touched (the disagreeing ones are reported). Each file is
//! written to a temporary file beside it and renamed over it, so an error leaves the old file whole.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, fail};
use crate::check::rules::figures::{self as rules, ChapterText};
use crate::config::{Config, Locale};
use crate::diagnostics::{self, Format, Severity, Sources};
use crate::figures::number::Class;
use crate::figures::{self, Figures, Found};
use crate::preprocess::Preprocessor;
use crate::splice::Splice;

/// One rewrite: the chapter bytes and the directive that replaces them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewrite {
    pub range: std::ops::Range<usize>,
    pub directive: String,
}

pub(super) fn run(book: &Path, dry_run: bool) -> u8 {
    let root = match crate::engine::book_root(book) {
        Ok(root) => root,
        Err(refusal) => return fail(refusal.message, refusal.help.as_deref()),
    };
    let book = match crate::check::read_book(&root) {
        Ok(book) => book,
        Err(diagnostic) => {
            eprint!("{}", diagnostics::render(Format::Human, std::slice::from_ref(&diagnostic), &Sources::new()));
            return EXIT_USAGE;
        }
    };
    let (config, found) = Config::from_book_toml(&book.book_toml_text);
    if found.iter().any(|d| d.severity == Severity::Error) {
        let mut sources = Sources::new();
        sources.insert(crate::config::BOOK_TOML.to_string(), book.book_toml_text.clone());
        eprint!("{}", diagnostics::render(Format::Human, &found, &sources));
        return EXIT_USAGE;
    }
    let mut expander = Preprocessor::new(&root, config.clone(), book.language.as_deref(), "markdown");
    if expander.data().is_none() {
        let errors = expander.diagnostics();
        eprint!("{}", diagnostics::render(Format::Human, &errors, &expander.sources()));
        let help = match expander.locale() {
            Locale::ZhCn => "先修正上面的数据错误，或在`[preprocessor.kpi] data`中写明数据文件",
            Locale::En => "fix the data errors above, or name the data files in `[preprocessor.kpi] data`",
        };
        return fail("the book's data could not be loaded, so no figure can be checked", Some(help));
    }
    // The disagreeing figures, reported as `check` would (always as errors here: they are what fix leaves).
    let texts: Vec<ChapterText> = book
        .chapters
        .iter()
        .filter_map(|c| Some(ChapterText { file: c.source_path.clone()?, text: &c.content }))
        .collect();
    let (mut reported, sources) = rules::check_book(expander.data(), &config, expander.locale(), &texts);
    reported.retain(|d| d.rule == rules::STALE);
    drop(texts);
    let mut changed_files = 0;
    let mut rewrites_made = 0;
    let mut out = std::io::stdout().lock();
    for chapter in &book.chapters {
        let Some(file) = &chapter.source_path else { continue };
        let text: &str = &chapter.content;
        let rewrites = chapter_rewrites(&mut expander, &config, file, text);
        if rewrites.is_empty() {
            continue;
        }
        let new_text = apply(text, &rewrites);
        let _ = write!(out, "{}", diff(file, text, &new_text));
        rewrites_made += rewrites.len();
        changed_files += 1;
        if !dry_run && let Err(error) = write_atomically(&root.join(file), &new_text) {
            let help = match expander.locale() {
                Locale::ZhCn => "文件没有改动；检查所在文件夹的权限，再运行一次`mdbook-kpi fix`",
                Locale::En => "the file is unchanged; check its folder's permissions and run `mdbook-kpi fix` again",
            };
            return fail(format!("cannot write {file}: {error}"), Some(help));
        }
    }
    let verb = if dry_run { "would rewrite" } else { "rewrote" };
    eprintln!("mdbook-kpi fix: {verb} {rewrites_made} figure(s) in {changed_files} file(s)");
    if !reported.is_empty() {
        diagnostics::sort(&mut reported);
        eprint!("{}", diagnostics::render(Format::Human, &reported, &sources));
        eprintln!("mdbook-kpi fix: {} figure(s) disagree with the data and were left as typed", reported.len());
        return EXIT_FINDINGS;
    }
    EXIT_OK
}

/// The rewrites for one chapter that keep its expansion the same, byte for byte.
pub fn chapter_rewrites(expander: &mut Preprocessor, config: &Config, file: &str, text: &str) -> Vec<Rewrite> {
    let found = {
        let figures = Figures::new(expander.data(), config.year);
        figures.chapter(text)
    };
    let year = config.year.or_else(|| expander.data().and_then(|d| d.meta.year));
    let candidates: Vec<Rewrite> =
        found.iter().filter_map(|figure| rewrite(expander, config, year, text, figure)).collect();
    if candidates.is_empty() {
        return candidates;
    }
    let before = expand(expander, file, text);
    let keeps =
        |expander: &mut Preprocessor, rewrites: &[Rewrite]| expand(expander, file, &apply(text, rewrites)) == before;
    if keeps(expander, &candidates) {
        return candidates;
    }
    // Some rewrite changes the page (a directive that does not expand where it stands): keep those that do not.
    let single: Vec<Rewrite> =
        candidates.into_iter().filter(|rewrite| keeps(expander, std::slice::from_ref(rewrite))).collect();
    if keeps(expander, &single) { single } else { Vec::new() }
}

fn expand(expander: &mut Preprocessor, file: &str, text: &str) -> String {
    expander.expand_chapter(file, text).unwrap_or_else(|| text.to_string())
}

/// The directive that writes `figure` exactly as typed, if there is one.
fn rewrite(
    expander: &mut Preprocessor,
    config: &Config,
    year: Option<i32>,
    text: &str,
    figure: &Found,
) -> Option<Rewrite> {
    if figure.agrees() != Some(true) {
        return None;
    }
    let tie = figure.tie.as_ref()?;
    let mut options = Vec::new();
    let figure_locale = if figure.zh { Locale::ZhCn } else { Locale::En };
    if figure_locale != expander.locale() {
        options.push(format!("locale={}", figure_locale.id()));
    }
    let ranges = [figure.source.clone(), figure.source_with_suffix.clone()];
    for options in variants(config, figure, options) {
        let directive = figures::directive(tie, year, figure.typed.sign != 0, &options);
        let Ok(expansion) = expander.eval(&directive, false) else { continue };
        if let Some(range) = ranges.iter().find(|range| text.get((*range).clone()) == Some(expansion.as_str())) {
            return Some(Rewrite { range: range.clone(), directive });
        }
    }
    None
}

/// The options to try, simplest first: none; `precision=` (at most the typed decimals); `decimals=` (exactly
/// them: `14.0%`, `¥21.0M`); `scale=` with and without `decimals=` for an amount typed in a magnitude the
/// preprocessor would not choose (`12000万元`, `0.84亿元`).
fn variants(config: &Config, figure: &Found, options: Vec<String>) -> Vec<Vec<String>> {
    let typed = &figure.typed;
    let with = |extra: &[String]| options.iter().chain(extra).cloned().collect::<Vec<_>>();
    let decimals = format!("decimals={}", typed.decimals);
    let mut variants = vec![options.clone()];
    let small = matches!(typed.class, Class::Percent | Class::Points | Class::Days);
    if small && typed.decimals != config.precision {
        variants.push(with(&[format!("precision={}", typed.decimals)]));
    }
    if typed.decimals > 0 {
        variants.push(with(std::slice::from_ref(&decimals)));
    }
    let unit = &figure.segment[typed.digits.end..typed.span.end];
    let scale = ["万", "亿", "K", "M", "B"].into_iter().find(|scale| unit.starts_with(scale));
    if let Some(scale) = scale.filter(|_| !small) {
        let scale = format!("scale={scale}");
        variants.push(with(std::slice::from_ref(&scale)));
        variants.push(with(&[scale, decimals]));
    }
    variants
}

fn apply(text: &str, rewrites: &[Rewrite]) -> String {
    let splices: Vec<Splice> =
        rewrites.iter().map(|r| Splice::new(r.range.clone(), Arc::from(r.directive.as_str()))).collect();
    crate::splice::apply(text, &splices)
}

/// The changed lines, as a unified diff with one hunk per changed line.
pub fn diff(file: &str, old: &str, new: &str) -> String {
    let mut out = format!("--- a/{file}\n+++ b/{file}\n");
    let (old_lines, new_lines): (Vec<&str>, Vec<&str>) = (old.split('\n').collect(), new.split('\n').collect());
    // Rewrites stay within their line, so the texts have the same lines.
    for (number, (before, after)) in old_lines.iter().zip(&new_lines).enumerate() {
        if before != after {
            let line = number + 1;
            out.push_str(&format!("@@ -{line} +{line} @@\n-{before}\n+{after}\n"));
        }
    }
    out
}

/// Writes `text` to a temporary file beside `path` and renames it over `path`: readers see the old file or the
/// new one, never half of one; on any error the old file stays as it was and the temporary file is removed.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = folder.join(format!(".{name}.kpi-fix-{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.write_all(text.as_bytes())?;
        if let Ok(metadata) = std::fs::metadata(path) {
            file.set_permissions(metadata.permissions())?;
        }
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
