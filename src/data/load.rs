//! Loading TOML, JSON and CSV data files into one [`DataSet`].

use std::path::Path;

use super::DataSet;
use crate::diagnostics::Diagnostic;

/// Loads and merges the book's data files (paths relative to `root`). Errors are diagnostics with a rule id
/// (`data/…`), the file and a position; warnings travel in [`DataSet::warnings`].
pub fn load(root: &Path, files: &[String]) -> Result<DataSet, Vec<Diagnostic>> {
    let _ = (root, files);
    todo!("data: loaders")
}
