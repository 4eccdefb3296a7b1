//! The build job (`mdbook-kpi build`): mdBook's own build, in-process through mdbook-driver, with kpi registered
//! as a preprocessor.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::bail;
use mdbook_driver::MDBook;
use mdbook_preprocessor::book::Book;
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

use super::{Findings, Outcome, Product, Refusal, Status, book_root};
use crate::protocol::Request;

/// kpi as an in-process mdBook preprocessor. It goes through the same JSON request as the stdin protocol (the
/// book serialized, located, changed contents written back), so both paths share one engine. mdBook runs it once
/// per renderer; each run's findings are kept, in order, for the outcome.
struct KpiPreprocessor {
    passes: Arc<Mutex<Vec<Findings>>>,
}

impl Preprocessor for KpiPreprocessor {
    fn name(&self) -> &str {
        "kpi"
    }

    fn run(&self, ctx: &PreprocessorContext, book: Book) -> anyhow::Result<Book> {
        let mut request = Request::from_parts(serde_json::to_value(ctx)?, serde_json::to_value(&book)?)?;
        let (status, findings) = super::preprocess::preprocess_request(&mut request, None);
        self.passes.lock().unwrap_or_else(PoisonError::into_inner).push(findings);
        if let Status::Failed(reason) = status {
            bail!("{}", reason.unwrap_or_default());
        }
        Ok(serde_json::from_slice(&request.into_output())?)
    }
}

pub(super) fn run(book: &Path, dest_dir: Option<&Path>) -> Outcome<'static> {
    let root = match book_root(book) {
        Ok(root) => root,
        Err(refusal) => return Outcome::refused(refusal),
    };
    let mut md = match MDBook::load(&root) {
        Ok(md) => md,
        Err(error) => {
            return Outcome::refused(Refusal::new(
                format!("cannot load the book at {}: {error:#}", root.display()),
                None,
            ));
        }
    };
    if let Some(dest_dir) = dest_dir {
        md.config.build.build_dir = dest_dir.to_path_buf();
    }
    let passes = Arc::new(Mutex::new(Vec::new()));
    // mdBook keys preprocessors by name: registering "kpi" replaces a `[preprocessor.kpi]` command entry in
    // place (same order relative to `before`/`after`), so kpi runs once and still sees its table in the context.
    md.with_preprocessor(KpiPreprocessor { passes: Arc::clone(&passes) });
    let built = md.build();
    let passes = std::mem::take(&mut *passes.lock().unwrap_or_else(PoisonError::into_inner));
    let (status, product) = match built {
        Ok(()) => (Status::Passed, Product::Written(root.join(&md.config.build.build_dir))),
        Err(error) => (Status::Failed(Some(format!("{error:#}"))), Product::None),
    };
    Outcome { status, passes, notes: Vec::new(), product }
}
