//! The structure check on whole books read from disk: the seed's worked template (Chinese and English) comes
//! out clean of errors; book reading errors name the file; custom schemas load from the book.

use std::path::{Path, PathBuf};

use mdbook_kpi::check::{self, Chapter, read_book};
use mdbook_kpi::config::Config;
use mdbook_kpi::diagnostics::{Diagnostic, Severity};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check").join(name)
}

fn check_book(root: &Path) -> Vec<Diagnostic> {
    let book = read_book(root).unwrap_or_else(|d| panic!("cannot read {}: {d:?}", root.display()));
    let schema = check::load_schema("year-end-sales", root).expect("schema");
    check::check(&book.chapters, &schema, &Config::default())
}

fn show(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| format!("{} {}:{}:{} {} — {}", d.severity.as_str(), d.file, d.line, d.column, d.rule, d.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn chinese_template_book_has_no_errors() {
    let diagnostics = check_book(&fixture("zh-template"));
    eprintln!("{}", show(&diagnostics));
    assert!(diagnostics.iter().all(|d| d.severity != Severity::Error), "{}", show(&diagnostics));
}

#[test]
fn english_template_book_has_no_errors() {
    let diagnostics = check_book(&fixture("en-template"));
    eprintln!("{}", show(&diagnostics));
    assert!(diagnostics.iter().all(|d| d.severity != Severity::Error), "{}", show(&diagnostics));
}
