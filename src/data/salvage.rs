//! Loading what can be loaded: one bad cell in one file should cost the directives that need that file's
//! figures, not the whole book.
//!
//! When some data file has errors, the set is still built from everything that read cleanly, and each failed
//! file is read again on its own to learn which metrics it names. A directive over a metric no failed file
//! names (nor any operand of its formula) sees exactly the figures it would see with every file fixed, so it
//! expands; the others wait for the data to be fixed. A failed file whose content cannot be known (unreadable,
//! not a table of rows, rows whose metric is unreadable, `[meta]` settings that colour every sentence) makes
//! every directive wait.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use super::DataSet;
use super::load::{Loader, read_source};
use crate::diagnostics::Diagnostic;
use crate::rules::Rule;

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

/// Loads and merges the book's data files (paths relative to `root`; `encodings` names the encoding of those
/// that are not UTF-8), keeping what read cleanly when some file has errors.
pub fn load(root: &Path, files: &[String], encodings: &BTreeMap<String, String>) -> Loaded {
    let mut sources = Vec::with_capacity(files.len());
    let mut errors = Vec::new();
    for file in files {
        let read = read_source(root, file).and_then(|bytes| match encodings.get(file) {
            Some(encoding) => decode(file, bytes, encoding),
            None => Ok(bytes),
        });
        match read {
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
    let errors = one_error_per_foreign_file(errors, &sources);
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

/// The file's text as UTF-8, decoded from `encoding` (an encoding_rs name, checked with the config).
fn decode(file: &str, bytes: Vec<u8>, encoding: &str) -> Result<Vec<u8>, Box<Diagnostic>> {
    let Some(encoding) = encoding_rs::Encoding::for_label(encoding.as_bytes()) else { return Ok(bytes) };
    if encoding == encoding_rs::UTF_8 {
        return Ok(bytes);
    }
    match encoding.decode_without_bom_handling_and_without_replacement(&bytes) {
        Some(Cow::Owned(text)) => Ok(text.into_bytes()),
        Some(Cow::Borrowed(_)) => Ok(bytes),
        None => Err(Box::new(
            Diagnostic::error(Rule::DataSyntax, format!("`{file}` is not valid {} text", encoding.name()))
                .in_file(file)
                .with_help("check the `encoding` given for this file in [preprocessor.kpi] `data` of book.toml"),
        )),
    }
}

/// A data file that is not UTF-8 gives one error, which says what encoding it looks like and how to fix it, in
/// place of an error for every cell that is not UTF-8 (and whatever followed from them).
fn one_error_per_foreign_file(errors: Vec<Diagnostic>, sources: &[(String, Vec<u8>)]) -> Vec<Diagnostic> {
    let not_utf8 = |e: &Diagnostic| e.rule == Rule::DataSyntax && e.message.contains("not valid UTF-8");
    let foreign: HashSet<String> = errors.iter().filter(|e| not_utf8(e)).map(|e| e.file.clone()).collect();
    if foreign.is_empty() {
        return errors;
    }
    let mut kept = Vec::with_capacity(errors.len());
    let mut done = HashSet::new();
    for error in errors {
        if !foreign.contains(&error.file) {
            kept.push(error);
        } else if not_utf8(&error) && done.insert(error.file.clone()) {
            let bytes = sources.iter().find(|(name, _)| *name == error.file).map_or(&[][..], |(_, b)| b.as_slice());
            kept.push(explain_foreign(error, bytes));
        }
    }
    kept
}

/// The first "not valid UTF-8" error of a file, reworded for the whole file.
fn explain_foreign(mut error: Diagnostic, bytes: &[u8]) -> Diagnostic {
    let file = error.file.clone();
    let chinese = encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .is_some_and(|text| text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
    if chinese {
        error.message =
            format!("`{file}` is not UTF-8; it reads as GB18030 (GBK), as Excel on Chinese Windows saves CSV files");
        error.help = Some(format!(
            "save it as \"CSV UTF-8\" in Excel, or give its encoding in book.toml: \
             data = [{{ path = \"{file}\", encoding = \"gb18030\" }}]"
        ));
        error.help_zh = Some(format!(
            "在Excel里另存为“CSV UTF-8”，或在book.toml里写明它的编码：\
             data = [{{ path = \"{file}\", encoding = \"gb18030\" }}]"
        ));
    } else {
        error.message = format!("`{file}` is not UTF-8 (first at this place)");
        error.help = Some(format!(
            "save it as UTF-8, or give its encoding in book.toml: data = [{{ path = \"{file}\", encoding = \"…\" }}]"
        ));
        error.help_zh = Some(format!(
            "把它另存为UTF-8，或在book.toml里写明它的编码：data = [{{ path = \"{file}\", encoding = \"…\" }}]"
        ));
    }
    error
}

/// The metric ids and labels a failed file names, read again on its own; `None` when what it would have
/// given cannot be known from what it names (see the module documentation).
fn names_in<'e>(name: &str, bytes: &[u8], errors: impl Iterator<Item = &'e Diagnostic>) -> Option<HashSet<String>> {
    for error in errors {
        let unknowable = matches!(error.rule, Rule::DataSyntax | Rule::DataMissingFile | Rule::DataPath)
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
