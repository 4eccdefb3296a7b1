//! `mdbook-kpi build`: mdBook's own build, in-process through mdbook-driver, with kpi registered as a
//! preprocessor.

use std::path::Path;

use anyhow::bail;
use mdbook_driver::MDBook;
use mdbook_preprocessor::book::Book;
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

use super::{EXIT_FINDINGS, EXIT_OK, book_root, fail, run_engine};
use crate::diagnostics::{self, Format};
use crate::protocol::Request;

/// kpi as an in-process mdBook preprocessor. It goes through the same JSON request as the stdin protocol (the
/// book serialized, located, changed contents written back), so both paths share one engine.
pub struct KpiPreprocessor;

impl Preprocessor for KpiPreprocessor {
    fn name(&self) -> &str {
        "kpi"
    }

    fn run(&self, ctx: &PreprocessorContext, book: Book) -> anyhow::Result<Book> {
        let mut request = Request::from_parts(serde_json::to_value(ctx)?, serde_json::to_value(&book)?)?;
        let outcome = run_engine(&mut request);
        eprint!("{}", diagnostics::render(Format::Human, &outcome.diagnostics, &outcome.sources));
        if outcome.fails {
            bail!("mdbook-kpi: {}", outcome.failure_summary());
        }
        Ok(serde_json::from_slice(&request.into_output())?)
    }
}

pub(super) fn run(book: &Path, dest_dir: Option<&Path>) -> u8 {
    let root = match book_root(book) {
        Ok(root) => root,
        Err(code) => return code,
    };
    let mut md = match MDBook::load(&root) {
        Ok(md) => md,
        Err(error) => return fail(format!("cannot load the book at {}: {error:#}", root.display()), None),
    };
    if let Some(dest_dir) = dest_dir {
        md.config.build.build_dir = dest_dir.to_path_buf();
    }
    // mdBook keys preprocessors by name: registering "kpi" replaces a `[preprocessor.kpi]` command entry in
    // place (same order relative to `before`/`after`), so kpi runs once and still sees its table in the context.
    md.with_preprocessor(KpiPreprocessor);
    match md.build() {
        Ok(()) => {
            eprintln!("mdbook-kpi: book written to {}", root.join(&md.config.build.build_dir).display());
            EXIT_OK
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            EXIT_FINDINGS
        }
    }
}
