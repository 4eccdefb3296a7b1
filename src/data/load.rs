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

/// Loads data files given as (name relative to the book root, bytes).
pub fn load_sources(sources: &[(String, Vec<u8>)]) -> Result<DataSet, Vec<Diagnostic>> {
    let _ = sources;
    todo!("data: loaders")
}
