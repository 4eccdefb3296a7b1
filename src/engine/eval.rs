//! The eval job (`mdbook-kpi eval`): one directive against a book's data.

use std::path::Path;

use super::{Findings, Outcome, Product, Status, book_root};
use crate::config::{BOOK_TOML, Config};
use crate::diagnostics::{self, Severity, Sources};
use crate::preprocess::Preprocessor;

/// The file name `eval` findings point at.
pub const EVAL_FILE: &str = "<eval>";

/// Evaluates `directive` (with its `<<#kpi` … `>>` wrapper) against the data of the book at `book`: the text it
/// expands to, or with `json` the template context. Findings about the directive point at [`EVAL_FILE`].
pub(super) fn run(book: &Path, directive: &str, json: bool) -> Outcome<'static> {
    let root = match book_root(book) {
        Ok(root) => root,
        Err(refusal) => return Outcome::refused(refusal),
    };
    let mut sources = Sources::new();
    // A folder without book.toml evaluates with the defaults.
    let (config, found) = match std::fs::read_to_string(root.join(BOOK_TOML)) {
        Ok(text) => {
            let parsed = Config::from_book_toml(&text);
            sources.insert(BOOK_TOML.to_string(), text);
            parsed
        }
        Err(_) => Config::from_book_toml(""),
    };
    if found.iter().any(|d| d.severity == Severity::Error) {
        return Outcome::one_pass(Status::Stopped, Findings { diagnostics: found, sources }, Product::None);
    }
    let mut expander = Preprocessor::new(&root, config, None, "markdown");
    match expander.eval(directive, json) {
        Ok(text) => Outcome::one_pass(Status::Passed, Findings::default(), Product::Text(text)),
        Err(mut found) => {
            sources.extend(expander.sources());
            sources.entry(EVAL_FILE.to_string()).or_insert_with(|| directive.to_string());
            diagnostics::sort(&mut found);
            Outcome::one_pass(Status::Failed(None), Findings { diagnostics: found, sources }, Product::None)
        }
    }
}
