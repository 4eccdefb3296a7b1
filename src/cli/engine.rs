//! The engine entry points the command line calls.
//!
//! **STUBS.** Directive expansion (`crate::preprocess`) and narration (`crate::narrate`) are written by other
//! helpers. Until they land on `main`, these functions stand in: `preprocess` passes the book through unchanged
//! and finds nothing, `eval` reports that evaluation is not built in. Each body is one call once the real
//! function exists; the signature the CLI needs is the one written here.

use std::path::Path;

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Sources};
use crate::protocol::Request;

/// The file name `eval` findings point at; the CLI supplies the directive's text under this key.
pub const EVAL_FILE: &str = "<eval>";

/// What `eval` prints: the text, or with `--json` the template context.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub text: String,
    pub context: serde_json::Value,
}

/// Expands every directive in the request's chapters (changing only chapter content) and, when the config names
/// a schema, runs the structure check. Returns the findings and the text of every file they point into (chapter
/// sources before expansion, keyed `src/…`; data files).
///
/// STUB for `crate::preprocess::run(request: &mut Request, config: &Config) -> (Vec<Diagnostic>, Sources)`.
pub fn preprocess(request: &mut Request, config: &Config) -> (Vec<Diagnostic>, Sources) {
    let _ = (request, config);
    (Vec::new(), Sources::new())
}

/// Evaluates one directive (`<<#kpi …>>`) against the data of the book at `root` under `config`.
///
/// STUB for `crate::narrate::eval(root: &Path, config: &Config, directive: &str) -> Result<Evaluation,
/// Vec<Diagnostic>>`, with findings about the directive in [`EVAL_FILE`] at columns of `directive`.
pub fn eval(root: &Path, config: &Config, directive: &str) -> Result<Evaluation, Vec<Diagnostic>> {
    let _ = (root, config);
    let end = crate::source::LineIndex::new(directive).position(directive.len());
    Err(vec![
        Diagnostic::error("kpi/syntax", "directive evaluation is not built into this version of mdbook-kpi yet")
            .in_file(EVAL_FILE)
            .at(crate::source::Position { line: 1, column: 1 }, end),
    ])
}
