//! Loading what can be loaded: one bad cell in one file should cost the directives that need that file's
//! figures, not the whole book.
//!
//! When some data file has errors, the set is still built from everything that read cleanly, and each failed
//! file is read again on its own to learn which metrics it names. A directive over a metric no failed file
//! names (nor any operand of its formula) sees exactly the figures it would see with every file fixed, so it
//! expands; the others wait for the data to be fixed. A failed file whose content cannot be known (unreadable,
//! not a table of rows, rows whose metric is unreadable, `[meta]` settings that colour every sentence) makes
//! every directive wait.

use std::collections::HashSet;
use std::path::Path;

use super::DataSet;
use super::load::{Loader, read_source};
use crate::diagnostics::Diagnostic;

/// The outcome of loading a book's data files.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The merged set; with errors, everything that read cleanly (use it only as [`Loaded::needs_failed`] allows).
    pub data: Option<DataSet>,
    /// The load errors, each once, at its file.
    pub errors: Vec<Diagnostic>,
    pub unusable: Unusable,
}

/// What the failed files make unusable.
#[derive(Debug, Default, PartialEq, Eq)]
pub enum Unusable {
    #[default]
    Nothing,
    Everything,
    /// These metric ids and labels (in every locale).
    Metrics(HashSet<String>),
}

impl Loaded {
    /// A set that loaded without errors.
    pub fn clean(data: DataSet) -> Self {
        Loaded { data: Some(data), errors: Vec::new(), unusable: Unusable::Nothing }
    }

    /// Whether a directive over `metric` (an id or a label) needs figures from a file that failed to load: the
    /// metric itself or, for a formula, any metric it is computed from.
    pub fn needs_failed(&self, metric: &str) -> bool {
        let names = match &self.unusable {
            Unusable::Nothing => return false,
            Unusable::Everything => return true,
            Unusable::Metrics(names) => names,
        };
        let Some(data) = &self.data else { return true };
        let mut seen = HashSet::new();
        let mut pending = vec![metric.to_string()];
        while let Some(name) = pending.pop() {
            if names.contains(&name) {
                return true;
            }
            if !seen.insert(name.clone()) {
                continue;
            }
            let formula = data.metrics.get(&name).and_then(|m| m.formula.as_ref());
            pending.extend(formula.into_iter().flat_map(|f| f.metrics()).map(str::to_string));
        }
        false
    }
}

/// Loads and merges the book's data files (paths relative to `root`), keeping what read cleanly when some
/// file has errors.
pub fn load(root: &Path, files: &[String]) -> Loaded {
    let mut sources = Vec::with_capacity(files.len());
    let mut errors = Vec::new();
    for file in files {
        match read_source(root, file) {
            Ok(bytes) => sources.push((file.clone(), bytes)),
            Err(error) => errors.push(*error),
        }
    }
    let mut loader = Loader::default();
    loader.errors = errors;
    for (name, bytes) in &sources {
        loader.load_source(name, bytes);
    }
    let (data, errors) = loader.finish_keeping();
    if errors.is_empty() {
        return Loaded::clean(data);
    }
    let failed: HashSet<&str> = errors.iter().map(|e| e.file.as_str()).collect();
    let mut unusable = HashSet::new();
    let mut everything = false;
    for file in failed {
        let source = sources.iter().find(|(name, _)| name == file);
        let file_errors = errors.iter().filter(|e| e.file == file);
        match source.map(|(name, bytes)| names_in(name, bytes, file_errors)) {
            Some(Some(names)) => unusable.extend(names),
            // Unreadable, or an error that is no file's (none is today).
            _ => everything = true,
        }
    }
    let unusable = if everything { Unusable::Everything } else { Unusable::Metrics(unusable) };
    Loaded { data: Some(data), errors, unusable }
}

/// The metric ids and labels a failed file names, read again on its own; `None` when what it would have
/// given cannot be known from what it names (see the module documentation).
fn names_in<'e>(name: &str, bytes: &[u8], errors: impl Iterator<Item = &'e Diagnostic>) -> Option<HashSet<String>> {
    for error in errors {
        let unknowable = matches!(error.rule.as_str(), "data/syntax" | "data/missing-file" | "data/path")
            // A row without a metric could have been any metric's.
            || error.message == "the metric is empty"
            || error.message.starts_with("`meta.")
            || error.message.ends_with(super::load::SUPPRESSED_SUFFIX);
        if unknowable {
            return None;
        }
    }
    let mut alone = Loader::default();
    alone.load_source(name, bytes);
    let is_csv = name.to_ascii_lowercase().ends_with(".csv");
    let (data, _) = alone.finish_keeping();
    if data.meta.year.is_some() || data.meta.currency.is_some() {
        return None;
    }
    let mut names: HashSet<String> = data.facts.keys().map(|key| key.metric.clone()).collect();
    names.extend(data.table.metric_ids().iter().cloned());
    for metric in data.metrics.values() {
        names.insert(metric.id.clone());
        names.extend(metric.label.any.iter().cloned());
        names.extend(metric.label.by_locale.values().cloned());
    }
    if is_csv && names.is_empty() {
        // The header was refused (or the file is empty): what its rows would have named is unknown.
        return None;
    }
    Some(names)
}
