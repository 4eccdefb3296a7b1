//! `mdbook-kpi install`: add `[preprocessor.kpi]` to an existing book.toml.
//!
//! The table is appended as text, so the rest of the file (formatting, comments, key order) stays byte for byte
//! as it was; a book.toml that already has the table is left alone.

use std::path::Path;

use super::{EXIT_OK, book_root, fail};
use crate::config::{BOOK_TOML, Config};
use crate::diagnostics::Severity;

/// The table `install` writes: the defaults spelled out, the optional keys commented.
pub const KPI_TABLE: &str = r#"[preprocessor.kpi]
# mdbook-kpi: every key is optional
after = ["links"]              # expand directives in {{#include}}d files too
data = ["kpi.toml"]            # one path or a list: .toml, .json, .csv; relative to the book root
# locale = "zh-CN"             # "zh-CN" | "en"; default: from [book] language
# year = 2023                  # the report year q4/h2 refer to; default: [meta] year of the data
# templates = "kpi-templates"  # a folder of .hbs files that override the built-in sentence templates
# structure = "year-end-sales" # a built-in schema name or a schema file; absent = no structure check
on-error = "fail"              # "fail": errors fail the build; "warn": they are logged and shown in the page
# precision = 1                # decimals for percentages and percentage points

# [preprocessor.kpi.rules]     # per-rule severity: "off" | "warn" | "error"
# "style/jargon" = "warn"
"#;

pub(super) fn run(book: &Path) -> u8 {
    let root = match book_root(book) {
        Ok(root) => root,
        Err(code) => return code,
    };
    let path = root.join(BOOK_TOML);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => {
            return fail(
                format!("cannot read {}: {error}", path.display()),
                Some("run `mdbook-kpi init` to create a new book, or pass the folder that holds book.toml"),
            );
        }
    };
    match with_kpi_table(&text) {
        Ok(None) => {
            eprintln!("{} already has [preprocessor.kpi]; nothing to do", path.display());
            EXIT_OK
        }
        Ok(Some(updated)) => match std::fs::write(&path, updated) {
            Ok(()) => {
                eprintln!("added [preprocessor.kpi] to {}", path.display());
                EXIT_OK
            }
            Err(error) => fail(format!("cannot write {}: {error}", path.display()), None),
        },
        Err(message) => fail(format!("{}: {message}", path.display()), Some("fix book.toml first")),
    }
}

/// The book.toml text with the kpi table appended; `None` when it already has one.
pub fn with_kpi_table(text: &str) -> Result<Option<String>, String> {
    let document: toml_edit::DocumentMut = text.parse().map_err(|e| format!("not valid TOML: {e}"))?;
    if document.get("preprocessor").and_then(|p| p.get("kpi")).is_some() {
        return Ok(None);
    }
    // Keep the file's line ends: a CRLF file gets a CRLF table.
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut updated = text.to_string();
    if !updated.is_empty() && !updated.ends_with('\n') {
        updated.push_str(newline);
    }
    if !updated.trim().is_empty() {
        updated.push_str(newline);
    }
    updated.push_str(&KPI_TABLE.replace('\n', newline));
    // The result must still be valid TOML (a `[preprocessor.kpi.x]` elsewhere would clash) and a valid config.
    let (_, found) = Config::from_book_toml(&updated);
    if let Some(error) = found.iter().find(|d| d.severity == Severity::Error) {
        return Err(format!("cannot add [preprocessor.kpi]: {}", error.message));
    }
    Ok(Some(updated))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_the_table_and_keeps_the_rest() {
        let original = "# my book\n[book]\ntitle = \"T\"  # keep me\n\n[output.html]\n";
        let updated = with_kpi_table(original).unwrap().unwrap();
        assert!(updated.starts_with(original));
        assert!(updated.ends_with(KPI_TABLE));
        let (config, found) = Config::from_book_toml(&updated);
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(config.data, ["kpi.toml"]);
        // A second run changes nothing.
        assert_eq!(with_kpi_table(&updated).unwrap(), None);
    }

    #[test]
    fn handles_missing_final_newline_and_crlf() {
        let updated = with_kpi_table("[book]\r\ntitle = \"T\"").unwrap().unwrap();
        assert!(updated.starts_with("[book]\r\ntitle = \"T\"\r\n\r\n[preprocessor.kpi]\r\n"));
        assert!(!updated.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn an_existing_table_in_any_form_counts() {
        assert_eq!(with_kpi_table("[preprocessor.kpi.rules]\n\"style/jargon\" = \"off\"\n").unwrap(), None);
        assert_eq!(with_kpi_table("preprocessor = { kpi = {} }\n").unwrap(), None);
    }

    #[test]
    fn invalid_toml_is_refused() {
        assert!(with_kpi_table("[book\n").unwrap_err().contains("not valid TOML"));
        assert!(with_kpi_table("preprocessor = 3\n").is_err());
    }
}
