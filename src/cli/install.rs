//! `mdbook-kpi install`: add `[preprocessor.kpi]` to an existing book.toml, and the data folder to
//! `[build] extra-watch-dirs` so that `mdbook serve` rebuilds when the figures change.
//!
//! Everything already in the file stays byte for byte as it was (formatting, comments, key order): a missing table
//! is appended as text, an existing `[build]` table or `extra-watch-dirs` array is edited in place with
//! `toml_edit`, and an existing `[preprocessor.kpi]` is never touched. A second run changes nothing.

use std::path::{Component, Path};

use toml_edit::{Array, DocumentMut, Item, TableLike, Value};

use crate::config::{BOOK_TOML, Config};
use crate::diagnostics::Severity;
use crate::engine::Refusal;

/// The table `install` writes: the defaults spelled out, the optional keys commented.
pub const KPI_TABLE: &str = r#"[preprocessor.kpi]
# mdbook-kpi: every key is optional
after = ["links"]              # expand directives in {{#include}}d files too
data = ["data/kpi.toml"]       # one path or a list: .toml, .json, .csv; relative to the book root
# locale = "zh-CN"             # "zh-CN" | "en"; default: from [book] language
# year = 2023                  # the report year q4/h2 refer to; default: [meta] year of the data
# templates = "kpi-templates"  # a folder of .hbs files that override the built-in sentence templates
# structure = "year-end-sales" # a built-in schema name or a schema file; absent = no structure check
on-error = "fail"              # "fail": errors fail the build; "warn": they are logged and shown in the page
# precision = 1                # decimals for percentages and percentage points

# [preprocessor.kpi.rules]     # per-rule severity: "off" | "warn" | "error"
# "style/jargon" = "warn"
"#;

/// The key mdBook reads for folders that `mdbook serve` watches besides `src/`.
const WATCH_KEY: &str = "extra-watch-dirs";
const WATCH_COMMENT: &str = "  # `mdbook serve` rebuilds when the kpi data changes";

/// What `install` changed in a book.toml.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Installed {
    /// The new book.toml text (equal to the input when nothing was added).
    pub text: String,
    /// `[preprocessor.kpi]` was appended.
    pub added_table: bool,
    /// Folders added to `[build] extra-watch-dirs`.
    pub added_watch_dirs: Vec<String>,
}

impl Installed {
    pub fn changed(&self) -> bool {
        self.added_table || !self.added_watch_dirs.is_empty()
    }
}

/// Installs into the book.toml at `book`: what was added, a line each, or why nothing could be.
pub(super) fn run(book: &Path) -> Result<Vec<String>, Refusal> {
    let root = crate::engine::book_root(book)?;
    let path = root.join(BOOK_TOML);
    let text = std::fs::read_to_string(&path).map_err(|error| {
        Refusal::new(
            format!("cannot read {}: {error}", path.display()),
            Some("run `mdbook-kpi init` to create a new book, or pass the folder that holds book.toml"),
        )
    })?;
    let installed = install(&text)
        .map_err(|message| Refusal::new(format!("{}: {message}", path.display()), Some("fix book.toml first")))?;
    if !installed.changed() {
        return Ok(vec![format!(
            "{} already has [preprocessor.kpi] and watches its data; nothing to do",
            path.display()
        )]);
    }
    std::fs::write(&path, &installed.text)
        .map_err(|error| Refusal::new(format!("cannot write {}: {error}", path.display()), None))?;
    let mut done = Vec::new();
    if installed.added_table {
        done.push(format!("added [preprocessor.kpi] to {}", path.display()));
    }
    for dir in &installed.added_watch_dirs {
        done.push(format!("added \"{dir}\" to [build] {WATCH_KEY} in {}", path.display()));
    }
    Ok(done)
}

/// The book.toml text with `[preprocessor.kpi]` (when missing) and the config's data folders in
/// `[build] extra-watch-dirs` (when missing).
pub fn install(text: &str) -> Result<Installed, String> {
    let document: DocumentMut = text.parse().map_err(|e| format!("not valid TOML: {e}"))?;
    let has_table = document.get("preprocessor").and_then(|p| p.get("kpi")).is_some();
    let kpi_table = if has_table { String::new() } else { KPI_TABLE.to_string() };
    // The config as it will be: an existing table as written, or ours. Its errors stop us, since the data
    // folders cannot be known from a broken table (and our table must not clash with, say, a
    // `[preprocessor.kpi.x]` elsewhere).
    let (config, found) = Config::from_book_toml(&append(text, &kpi_table));
    if let Some(error) = found.iter().find(|d| d.severity == Severity::Error) {
        return Err(format!("cannot read [preprocessor.kpi]: {}", error.message));
    }
    let wanted = watch_dirs(&config);
    let (with_watch, added_watch_dirs) = match document.get("build") {
        Some(_) => add_to_build_table(text, document, &wanted)?,
        None if wanted.is_empty() => (text.to_string(), Vec::new()),
        None => (append(text, &build_table(&wanted)), wanted),
    };
    let updated = append(&with_watch, &kpi_table);
    // Our edits must leave valid TOML and a valid config; anything else is a bug in them, not the user's file.
    let (_, found) = Config::from_book_toml(&updated);
    if let Some(error) = found.iter().find(|d| d.severity == Severity::Error) {
        return Err(format!("cannot add the kpi settings without breaking book.toml: {}", error.message));
    }
    Ok(Installed { text: updated, added_table: !has_table, added_watch_dirs })
}

/// `text` with a table appended after one blank line, in the file's own line ends (a CRLF file gets CRLF).
fn append(text: &str, table: &str) -> String {
    if table.is_empty() {
        return text.to_string();
    }
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut updated = text.to_string();
    if !updated.is_empty() && !updated.ends_with('\n') {
        updated.push_str(newline);
    }
    if !updated.trim().is_empty() {
        updated.push_str(newline);
    }
    updated.push_str(&table.replace('\n', newline));
    updated
}

/// A new `[build]` table that watches `dirs`.
fn build_table(dirs: &[String]) -> String {
    format!("[build]\n{WATCH_KEY} = {}{WATCH_COMMENT}\n", Array::from_iter(dirs.iter().map(String::as_str)))
}

/// Adds the folders `[build]` does not watch yet, editing only that table.
fn add_to_build_table(
    text: &str,
    mut document: DocumentMut,
    wanted: &[String],
) -> Result<(String, Vec<String>), String> {
    let build_item = document.get_mut("build").ok_or_else(|| "`build` is not a table".to_string())?;
    let inline = build_item.is_inline_table();
    let build = build_item.as_table_like_mut().ok_or_else(|| "`build` is not a table".to_string())?;
    let added = missing_dirs(build, wanted)?;
    if added.is_empty() {
        // Nothing to do: keep the text as it came, without a round trip through toml_edit.
        return Ok((text.to_string(), added));
    }
    match build.get_mut(WATCH_KEY).and_then(Item::as_array_mut) {
        Some(array) => push_like_the_rest(array, &added),
        None if inline => insert_into_inline_table(build, &added),
        None => {
            let mut value = Value::Array(Array::from_iter(added.iter().map(String::as_str)));
            value.decor_mut().set_suffix(WATCH_COMMENT);
            build.insert(WATCH_KEY, Item::Value(value));
        }
    }
    Ok((in_line_ends_of(text, document.to_string()), added))
}

/// toml_edit writes LF line ends; a CRLF file gets its CRLF back. (A file mixing both comes back all LF.)
fn in_line_ends_of(original: &str, edited: String) -> String {
    let crlf = original.contains("\r\n") && original.matches('\n').count() == original.matches("\r\n").count();
    if crlf { edited.replace("\r\n", "\n").replace('\n', "\r\n") } else { edited }
}

/// `build = { a = 1 }` becomes `build = { a = 1, extra-watch-dirs = [...] }`: the space before `}` moves to
/// the new last entry, and no comment (TOML allows none inside an inline table).
fn insert_into_inline_table(build: &mut dyn TableLike, dirs: &[String]) {
    let closing_space = match build.iter_mut().last() {
        Some((_, Item::Value(last))) => {
            let suffix = last.decor().suffix().and_then(|s| s.as_str()).unwrap_or("").to_string();
            last.decor_mut().set_suffix("");
            suffix
        }
        _ => " ".to_string(),
    };
    let mut value = Value::Array(Array::from_iter(dirs.iter().map(String::as_str)));
    value.decor_mut().set_suffix(closing_space);
    build.insert(WATCH_KEY, Item::Value(value));
}

/// The wanted folders that no entry of `extra-watch-dirs` covers (the same folder or one above it).
fn missing_dirs(build: &dyn TableLike, wanted: &[String]) -> Result<Vec<String>, String> {
    let existing: Vec<String> = match build.get(WATCH_KEY) {
        None => Vec::new(),
        Some(item) => {
            let array = item.as_array().ok_or_else(|| format!("[build] {WATCH_KEY} is not an array"))?;
            array.iter().filter_map(Value::as_str).filter_map(relative_folder).collect()
        }
    };
    let mut added: Vec<String> = Vec::new();
    for dir in wanted {
        let covered = existing.iter().chain(added.iter()).any(|watched| Path::new(dir).starts_with(watched));
        if !covered {
            added.push(dir.clone());
        }
    }
    Ok(added)
}

/// Appends to an array in the layout it already has: one per line stays one per line.
fn push_like_the_rest(array: &mut Array, dirs: &[String]) {
    // Only the last element's indentation: the rest of its prefix may hold the comment of the line above.
    let prefix = match array.iter().last().and_then(|last| last.decor().prefix()).and_then(|p| p.as_str()) {
        Some(prefix) if prefix.contains('\n') => {
            let newline = if prefix.contains("\r\n") { "\r\n" } else { "\n" };
            format!("{newline}{}", prefix.rsplit('\n').next().unwrap_or_default())
        }
        _ if array.is_empty() => String::new(),
        _ => " ".to_string(),
    };
    for dir in dirs {
        let mut value = Value::from(dir.as_str());
        value.decor_mut().set_prefix(prefix.clone());
        array.push_formatted(value);
    }
}

/// The folders that hold the configured data files and the templates folder, in config order, without
/// duplicates or folders inside another. Files in the book root give none: watching the root would also watch
/// the build output.
fn watch_dirs(config: &Config) -> Vec<String> {
    let data_folders =
        config.data.iter().filter_map(|file| Path::new(file).parent()?.to_str().and_then(relative_folder));
    let templates = config.templates.as_deref().and_then(relative_folder);
    let mut dirs: Vec<String> = Vec::new();
    for dir in data_folders.chain(templates) {
        if !dirs.iter().any(|known| Path::new(&dir).starts_with(known)) {
            dirs.retain(|known| !Path::new(known).starts_with(&dir));
            dirs.push(dir);
        }
    }
    dirs
}

/// A folder below the book root in `a/b` form; `None` for the root itself and for paths that leave it.
fn relative_folder(path: &str) -> Option<String> {
    let mut parts = Vec::new();
    for component in Path::new(path).components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn installed(text: &str) -> Installed {
        install(text).unwrap()
    }

    #[test]
    fn appends_build_and_the_table_and_keeps_the_rest() {
        let original = "# my book\n[book]\ntitle = \"T\"  # keep me\n\n[output.html]\n";
        let once = installed(original);
        assert!(once.text.starts_with(original));
        assert!(once.text.ends_with(KPI_TABLE));
        assert!(once.text.contains("\n[build]\nextra-watch-dirs = [\"data\"]  #"), "{}", once.text);
        assert_eq!(once.added_watch_dirs, ["data"]);
        let (config, found) = Config::from_book_toml(&once.text);
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(config.data, ["data/kpi.toml"]);
        let twice = installed(&once.text);
        assert!(!twice.changed());
        assert_eq!(twice.text, once.text);
    }

    #[test]
    fn handles_missing_final_newline_and_crlf() {
        let updated = installed("[book]\r\ntitle = \"T\"").text;
        assert!(updated.starts_with("[book]\r\ntitle = \"T\"\r\n\r\n[build]\r\n"), "{updated:?}");
        assert!(!updated.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn an_existing_table_in_any_form_counts() {
        let rules = "[preprocessor.kpi.rules]\n\"style/jargon\" = \"off\"\n";
        assert_eq!(installed(rules).text, rules);
        assert_eq!(installed("preprocessor = { kpi = {} }\n").text, "preprocessor = { kpi = {} }\n");
    }

    #[test]
    fn an_existing_table_gets_its_data_folders_watched() {
        let text = "[preprocessor.kpi]\ndata = [\"figures/a.csv\", \"figures/sub/b.toml\", \"top.toml\"]\n\
                    templates = \"./kpi-templates/\"\n";
        let result = installed(text);
        assert!(!result.added_table);
        assert_eq!(result.added_watch_dirs, ["figures", "kpi-templates"]);
        assert!(result.text.starts_with(text));
    }

    #[test]
    fn watched_folders_cover_their_subfolders() {
        let text = "[build]\nextra-watch-dirs = [\"./data/\"]\n[preprocessor.kpi]\ndata = \"data/2023/facts.csv\"\n";
        assert!(!installed(text).changed());
        let inline = "build = { create-missing = false }\n[preprocessor.kpi]\ndata = \"d/f.csv\"\n";
        assert_eq!(
            installed(inline).text,
            "build = { create-missing = false, extra-watch-dirs = [\"d\"] }\n[preprocessor.kpi]\ndata = \"d/f.csv\"\n"
        );
    }

    #[test]
    fn folders_outside_the_root_are_not_watched() {
        assert_eq!(relative_folder("../data"), None);
        assert_eq!(relative_folder("/abs"), None);
        assert_eq!(relative_folder("."), None);
        assert_eq!(relative_folder("./a//b/"), Some("a/b".into()));
    }

    #[test]
    fn invalid_input_is_refused() {
        assert!(install("[book\n").unwrap_err().contains("not valid TOML"));
        assert!(install("preprocessor = 3\n").is_err());
        assert!(install("build = 3\n").unwrap_err().contains("not a table"));
        assert!(install("[build]\nextra-watch-dirs = \"data\"\n").unwrap_err().contains("not an array"));
    }
}
