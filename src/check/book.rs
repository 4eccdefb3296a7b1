//! Reading a book from disk for `mdbook-kpi check`: book.toml, SUMMARY.md (with mdBook's own parser) and every
//! chapter in SUMMARY order. Never writes anything (unlike `MDBook::load`, which creates missing chapters).

// The API returns one Diagnostic per failure, as every stage does; it is rare and not on a hot path.
#![allow(clippy::result_large_err)]

use std::path::{Path, PathBuf};

use mdbook_summary::{Link, SummaryItem};

use super::Chapter;
use crate::diagnostics::{Diagnostic, Sources};
use crate::rules::Rule;
use crate::source::LineIndex;

#[derive(Clone, Debug)]
pub struct BookOnDisk {
    pub root: PathBuf,
    /// The `[book] src` folder relative to the root, `/` separators (default `src`).
    pub src: String,
    /// `[book] language`.
    pub language: Option<String>,
    /// The raw `[preprocessor.kpi]` table.
    pub kpi_config: Option<toml::Table>,
    /// SUMMARY.md relative to the root (`src/SUMMARY.md`).
    pub summary_path: String,
    pub summary_text: String,
    /// book.toml's text (empty when the book has none).
    pub book_toml_text: String,
    /// Chapters in SUMMARY order; drafts (`[Title]()`) have no source path and no content.
    pub chapters: Vec<Chapter<'static>>,
}

impl BookOnDisk {
    /// The text of every file a finding can point into, for the renderers to quote.
    pub fn sources(&self) -> Sources {
        let mut sources = Sources::new();
        if !self.book_toml_text.is_empty() {
            sources.insert("book.toml".into(), self.book_toml_text.clone());
        }
        sources.insert(self.summary_path.clone(), self.summary_text.clone());
        for chapter in &self.chapters {
            if let Some(path) = &chapter.source_path {
                sources.insert(path.clone(), chapter.content.to_string());
            }
        }
        sources
    }
}

pub fn read_book(root: &Path) -> Result<BookOnDisk, Diagnostic> {
    let (book_toml_text, mut table) = read_book_toml(root)?;
    apply_env_overrides(&mut table, std::env::vars());
    let book = table.as_ref().and_then(|t| t.get("book")).and_then(|b| b.as_table());
    let src = book.and_then(|b| b.get("src")).and_then(|s| s.as_str()).unwrap_or("src");
    let src = src.replace('\\', "/").trim_end_matches('/').to_string();
    let src = if src.is_empty() { ".".to_string() } else { src };
    let language = book.and_then(|b| b.get("language")).and_then(|l| l.as_str()).map(str::to_string);
    let kpi_config = table
        .as_ref()
        .and_then(|t| t.get("preprocessor"))
        .and_then(|p| p.as_table())
        .and_then(|p| p.get("kpi"))
        .and_then(|k| k.as_table())
        .cloned();

    let summary_path = join_relative(&src, "SUMMARY.md");
    let summary_text = read_text(root, &summary_path)?;
    let summary = mdbook_summary::parse_summary(&summary_text).map_err(|e| summary_error(&summary_path, &e))?;

    let mut links = Vec::new();
    for items in [&summary.prefix_chapters, &summary.numbered_chapters, &summary.suffix_chapters] {
        collect_links(items, 0, &mut links);
    }
    let summary_index = LineIndex::new(&summary_text);
    // The chapters are read on all cores (a big book's files take longer to read one after another than to
    // check); the first error in book order is the one reported, as a reading in order would.
    let read: Vec<Result<Chapter<'static>, Diagnostic>> = {
        use rayon::prelude::*;
        crate::parallel::size_global_pool();
        links
            .par_iter()
            .map(|&(link, depth)| {
                let location = link
                    .location
                    .as_ref()
                    .filter(|p| !p.as_os_str().is_empty())
                    .map(|p| p.to_string_lossy().replace('\\', "/"));
                let source_path = location.as_deref().map(|location| join_relative(&src, location));
                let content = match (&source_path, &location) {
                    (Some(path), Some(location)) => read_text(root, path).map_err(|e| {
                        point_at_summary_link(e, &summary_text, &summary_index, &summary_path, location)
                    })?,
                    _ => String::new(),
                };
                Ok(Chapter { title: link.name.clone(), source_path, content: content.into(), depth })
            })
            .collect()
    };
    let chapters = read.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok(BookOnDisk {
        root: root.to_path_buf(),
        src,
        language,
        kpi_config,
        summary_path,
        summary_text,
        book_toml_text,
        chapters,
    })
}

/// mdBook's `MDBOOK_*` environment overrides, as `mdbook build` applies them (`MDBOOK_BOOK__SRC=en` sets
/// `book.src`; a value that parses as JSON is taken as JSON, else as a string), so that `check` sees the same book.
pub fn apply_env_overrides(table: &mut Option<toml::Table>, vars: impl Iterator<Item = (String, String)>) {
    for (name, value) in vars {
        let Some(key) = name.strip_prefix("MDBOOK_") else { continue };
        let path: Vec<String> = key.to_lowercase().split("__").map(|part| part.replace('_', "-")).collect();
        if path.iter().any(String::is_empty) {
            continue;
        }
        let value = match serde_json::from_str::<serde_json::Value>(&value) {
            Ok(json) => toml::Value::try_from(json).unwrap_or(toml::Value::String(value)),
            Err(_) => toml::Value::String(value),
        };
        let mut current = table.get_or_insert_with(toml::Table::new);
        for part in &path[..path.len() - 1] {
            let entry = current.entry(part.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !entry.is_table() {
                *entry = toml::Value::Table(toml::Table::new());
            }
            let toml::Value::Table(next) = entry else { unreachable!("just made a table") };
            current = next;
        }
        if let Some(last) = path.last() {
            current.insert(last.clone(), value);
        }
    }
}

fn read_book_toml(root: &Path) -> Result<(String, Option<toml::Table>), Diagnostic> {
    let path = root.join("book.toml");
    if !path.exists() {
        if !root.is_dir() {
            return Err(Diagnostic::error(
                Rule::BookMissingFile,
                format!("the book folder `{}` does not exist", root.display()),
            )
            .with_help("give the folder that holds book.toml"));
        }
        return Ok((String::new(), None));
    }
    let text = read_text(root, "book.toml")?;
    let index = LineIndex::new(&text);
    let table = text.parse::<toml::Table>().map_err(|e| {
        let diagnostic =
            Diagnostic::error(Rule::BookInvalid, format!("book.toml is not valid TOML: {}", e.message().trim()))
                .with_help("fix the TOML syntax at the marked place")
                .in_file("book.toml");
        match e.span() {
            Some(span) => diagnostic.at_span(&index, span),
            None => diagnostic,
        }
    })?;
    Ok((text, Some(table)))
}

/// Reads a UTF-8 file relative to the root (a leading BOM is dropped).
fn read_text(root: &Path, relative: &str) -> Result<String, Diagnostic> {
    let bytes = std::fs::read(root.join(relative)).map_err(|e| {
        Diagnostic::error(Rule::BookMissingFile, format!("cannot read `{relative}`: {e}"))
            .with_help("check that the file exists and is readable")
            .in_file(relative)
    })?;
    // The SIMD validator first (several times faster than the standard library's on a big book's chapters);
    // the standard one only for a file that fails it, to say where.
    let valid_text = simdutf8::basic::from_utf8(&bytes).is_ok();
    let mut text = if valid_text {
        // SAFETY: simdutf8 has just checked that the bytes are UTF-8.
        unsafe { String::from_utf8_unchecked(bytes) }
    } else {
        String::from_utf8(bytes).map_err(|e| {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let position = LineIndex::new(&prefix).position(prefix.len());
            Diagnostic::error(Rule::BookInvalid, format!("`{relative}` is not UTF-8 text"))
                .with_help("save the file as UTF-8")
                .in_file(relative)
                .at(position, position)
        })?
    };
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

fn join_relative(dir: &str, file: &str) -> String {
    let file = file.trim_start_matches("./");
    if dir == "." { file.to_string() } else { format!("{dir}/{file}") }
}

fn collect_links<'a>(items: &'a [SummaryItem], depth: usize, out: &mut Vec<(&'a Link, usize)>) {
    for item in items {
        if let SummaryItem::Link(link) = item {
            out.push((link, depth));
            collect_links(&link.nested_items, depth + 1, out);
        }
    }
}

/// mdBook's summary errors read "failed to parse SUMMARY.md line L, column C: …"; keep the position.
fn summary_error(summary_path: &str, error: &anyhow::Error) -> Diagnostic {
    let message = format!("{error:#}");
    let diagnostic = Diagnostic::error(Rule::BookInvalid, format!("cannot parse {summary_path}: {message}"))
        .with_help("SUMMARY.md holds a title, then lists of links `- [Title](file.md)`; see the mdBook guide")
        .in_file(summary_path);
    let number_after = |label: &str| -> Option<usize> {
        let rest = &message[message.find(label)? + label.len()..];
        rest.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok()
    };
    match (number_after("line "), number_after("column ")) {
        (Some(line), Some(column)) => {
            let position = crate::source::Position { line, column: column.max(1) };
            diagnostic.at(position, position)
        }
        _ => diagnostic,
    }
}

/// A chapter file that cannot be found is reported at its link in SUMMARY.md.
fn point_at_summary_link(
    error: Diagnostic,
    summary: &str,
    index: &LineIndex<'_>,
    summary_path: &str,
    location: &str,
) -> Diagnostic {
    if error.rule != Rule::BookMissingFile {
        return error;
    }
    let target = format!("({location})");
    let Some(offset) = summary.find(&target).or_else(|| summary.find(location)) else {
        return error;
    };
    let start = if summary[offset..].starts_with('(') { offset + 1 } else { offset };
    Diagnostic { file: summary_path.to_string(), ..error }.at_span(index, start..start + location.len())
}

#[cfg(test)]
mod env_tests {
    use super::*;

    #[test]
    fn environment_overrides_follow_mdbook() {
        let mut table: Option<toml::Table> = Some("[book]\nsrc = \"zh\"\n".parse().unwrap());
        let vars = [
            ("MDBOOK_BOOK__SRC".to_string(), "en".to_string()),
            ("MDBOOK_BOOK__LANGUAGE".to_string(), "en".to_string()),
            ("MDBOOK_PREPROCESSOR__KPI__ON_ERROR".to_string(), "warn".to_string()),
            ("PATH".to_string(), "/bin".to_string()),
        ];
        apply_env_overrides(&mut table, vars.into_iter());
        let table = table.unwrap();
        assert_eq!(table["book"]["src"].as_str(), Some("en"));
        assert_eq!(table["book"]["language"].as_str(), Some("en"));
        assert_eq!(table["preprocessor"]["kpi"]["on-error"].as_str(), Some("warn"));
        assert!(!table.contains_key("path"));
    }
}
