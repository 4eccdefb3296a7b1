//! Loading TOML, JSON and CSV data files into one [`DataSet`] (docs/src/data-files.md).
//!
//! Every file is read in full and every error is collected (not only the first), each with its rule id, file,
//! line and column. After all files are read the set is finished as a whole: metrics named only by facts get a
//! plain `number` definition, members are checked against declared dimensions, formulas are checked for unknown
//! ids and cycles, and totals are compared with their members (`data/inconsistent-total`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use rust_decimal::Decimal;

use super::formula::Expr;
use super::number::{NumberError, parse_decimal};
use super::tree::{self, Entry, Node, Value};
use super::{
    Better, DataSet, Dimension, Fact, FactKey, Kind, Label, Meta, Metric, MetricVerbs, Missing, Origin, Period, Rollup,
    Slice, Unit,
};
use crate::diagnostics::Diagnostic;
use crate::rules::Rule;
use crate::source::LineIndex;

/// The largest data file read (docs/src/errors-and-guarantees.md: a huge file is a clear error, not an exhausted
/// machine).
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// After this many errors in one file the rest are counted, not listed.
pub(crate) const MAX_ERRORS_PER_FILE: usize = 100;

/// How the note on errors beyond [`MAX_ERRORS_PER_FILE`] ends.
pub(crate) const SUPPRESSED_SUFFIX: &str = "are not shown";

pub(crate) const PERIOD_HELP: &str = "write periods as 2023, 2023-H1, 2023-Q4 or 2023-12";

/// Loads and merges the book's data files (paths relative to `root`). Errors are diagnostics with a rule id
/// (`data/…`), the file and a position; warnings travel in [`DataSet::warnings`].
pub fn load(root: &Path, files: &[String]) -> Result<DataSet, Vec<Diagnostic>> {
    let mut sources = Vec::with_capacity(files.len());
    let mut errors = Vec::new();
    for file in files {
        match read_source(root, file) {
            Ok(bytes) => sources.push((file.clone(), bytes)),
            Err(error) => errors.push(*error),
        }
    }
    let mut loader = Loader { errors, ..Loader::default() };
    for (name, bytes) in &sources {
        loader.load_source(name, bytes);
    }
    loader.finish()
}

/// Loads data from bytes already in memory, each with its display name (relative to the book root); the
/// format follows the extension (`.toml`, `.json`, `.csv`, any case). For tests, fuzzing and `eval`.
pub fn load_sources(sources: &[(String, Vec<u8>)]) -> Result<DataSet, Vec<Diagnostic>> {
    let mut loader = Loader::default();
    for (name, bytes) in sources {
        loader.load_source(name, bytes);
    }
    loader.finish()
}

pub(crate) fn read_source(root: &Path, file: &str) -> Result<Vec<u8>, Box<Diagnostic>> {
    let resolved = crate::paths::resolve_in_root(root, file).map_err(|message| -> Box<Diagnostic> {
        // `resolve_in_root` refuses both missing files and escapes; a path that exists was refused for leaving
        // the root.
        let exists = root.join(file).exists();
        Box::new(if exists {
            Diagnostic::error(Rule::DataPath, message)
                .in_file(file)
                .with_help("keep data files inside the book folder (symlinks are followed)")
        } else {
            Diagnostic::error(Rule::DataMissingFile, message)
                .in_file(file)
                .with_help("check `data` in [preprocessor.kpi] of book.toml; paths are relative to the book root")
        })
    })?;
    let missing = |error: std::io::Error| {
        Box::new(Diagnostic::error(Rule::DataMissingFile, format!("cannot read `{file}`: {error}")).in_file(file))
    };
    let metadata = std::fs::metadata(&resolved).map_err(missing)?;
    // A FIFO or a device would block the read or never end it: only regular files are data.
    if !metadata.is_file() {
        return Err(Box::new(
            Diagnostic::error(Rule::DataInvalid, format!("`{file}` is not a regular file"))
                .in_file(file)
                .with_help("`data` lists .toml, .json or .csv files inside the book folder"),
        ));
    }
    let size = metadata.len();
    if size > MAX_FILE_BYTES {
        return Err(Box::new(
            Diagnostic::error(
                Rule::DataInvalid,
                format!("`{file}` is {} MiB; data files may be at most {} MiB", size >> 20, MAX_FILE_BYTES >> 20),
            )
            .in_file(file)
            .with_help("split the data into several files, or aggregate it before the book reads it"),
        ));
    }
    read_large(&resolved, size).map_err(missing)
}

/// Reads a whole file. A large one goes into memory the kernel backs with huge pages where it can: a
/// million-row export is tens of megabytes, and faulting them in page by page (each page zeroed, then copied
/// into) was most of the time the CSV loader spent outside its own code.
fn read_large(path: &Path, size: u64) -> std::io::Result<Vec<u8>> {
    const HUGE: usize = 2 << 20;
    let Ok(size) = usize::try_from(size) else { return std::fs::read(path) };
    if size < 4 * HUGE {
        return std::fs::read(path);
    }
    crate::memory::read_all(std::fs::File::open(path)?, Some(size))
}

/// A dimension's declaration in a TOML/JSON file.
#[derive(Debug)]
struct Declared {
    origin: Origin,
    /// The members it lists; `None` when it lists none (then any member is welcome).
    members: Option<HashSet<String>>,
}

/// Builds the data set file by file; see the module documentation for what happens at the end.
#[derive(Default)]
pub(crate) struct Loader {
    pub(crate) data: DataSet,
    pub(crate) errors: Vec<Diagnostic>,
    declared_dimensions: HashMap<String, Declared>,
    /// Metrics defined in a TOML/JSON file (the others are implicit, from facts alone).
    defined_metrics: HashSet<String>,
    /// Metrics that set `missing` themselves (the others take `[meta] missing` when their rollup is `sum`).
    explicit_missing: HashSet<String>,
    /// The first place each member not listed by its dimension was used: checked against the declaration
    /// once every file is read.
    member_uses: Vec<(String, String, Origin)>,
    meta_origins: HashMap<&'static str, Origin>,
    /// Where a metric without a definition was first named (by a CSV row), for its implicit definition.
    pub(crate) first_named: HashMap<String, Origin>,
    /// The rows of every CSV file, turned into [`DataSet::table`] at the end.
    pub(crate) csv: super::csv::CsvRows,
    /// The files in the order they were loaded: of two places of a duplicate, the later one is reported.
    order: Vec<String>,
    errors_in_file: usize,
    suppressed_in_file: usize,
}

impl Loader {
    pub(crate) fn load_source(&mut self, name: &str, bytes: &[u8]) {
        self.order.push(name.to_string());
        self.errors_in_file = 0;
        self.suppressed_in_file = 0;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            self.error(
                Diagnostic::error(Rule::DataInvalid, format!("`{name}` is larger than {} MiB", MAX_FILE_BYTES >> 20))
                    .in_file(name),
            );
            return;
        }
        let extension = name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).unwrap_or_default();
        match extension.as_str() {
            "toml" | "json" => self.load_document(name, bytes, extension == "json"),
            "csv" => super::csv::load_csv(self, name, bytes),
            _ => self.error(
                Diagnostic::error(Rule::DataInvalid, format!("`{name}` is not a data file this tool reads"))
                    .in_file(name)
                    .with_help("data files end in .toml, .json or .csv"),
            ),
        }
        if self.suppressed_in_file > 0 {
            let more = self.suppressed_in_file;
            self.errors.push(
                Diagnostic::error(Rule::DataInvalid, format!("{more} more errors in `{name}` {SUPPRESSED_SUFFIX}"))
                    .in_file(name)
                    .with_help("fix the errors above and run again"),
            );
        }
    }

    /// Records an error, keeping at most [`MAX_ERRORS_PER_FILE`] per file.
    pub(crate) fn error(&mut self, diagnostic: Diagnostic) {
        if self.errors_in_file < MAX_ERRORS_PER_FILE {
            self.errors_in_file += 1;
            self.errors.push(diagnostic);
        } else {
            self.suppressed_in_file += 1;
        }
    }

    /// Counts an error that is not listed because the current file has hit the error limit.
    pub(crate) fn suppress_one(&mut self) {
        self.suppressed_in_file += 1;
    }

    fn load_document(&mut self, name: &str, bytes: &[u8], json: bool) {
        let Some(text) = utf8_text(self, name, bytes) else { return };
        let index = LineIndex::new(text);
        let parsed = if json { tree::parse_json(text).map_err(|error| vec![error]) } else { tree::parse_toml(text) };
        match parsed {
            Ok(root) => Document { loader: self, file: name, index: &index }.root(&root),
            Err(errors) => {
                let format = if json { "JSON" } else { "TOML" };
                for error in errors {
                    let position = index.position(error.offset);
                    self.error(
                        Diagnostic::error(Rule::DataSyntax, format!("invalid {format}: {}", error.message))
                            .in_file(name)
                            .at(position, position)
                            .with_help(format!("fix the {format} syntax at this place")),
                    );
                }
            }
        }
    }

    /// Adds one fact; the same key given twice is an error at the second place naming the first.
    pub(crate) fn add_fact(&mut self, key: FactKey, fact: Fact) {
        match self.data.facts.entry(key) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(fact);
            }
            std::collections::btree_map::Entry::Occupied(slot) => {
                let diagnostic = duplicate_fact(slot.key(), &slot.get().origin, &fact.origin);
                self.error(diagnostic);
            }
        }
    }

    /// Notes that facts use `member` of `dimension`, creating an implicit dimension or member where the data
    /// declares none.
    pub(crate) fn use_member(&mut self, dimension: &str, member: &str, origin: &Origin) {
        let entry = self.data.dimensions.entry(dimension.to_string()).or_insert_with(|| Dimension {
            id: dimension.to_string(),
            origin: origin.clone(),
            ..Dimension::default()
        });
        if !entry.members.contains_key(member) {
            entry.members.insert(member.to_string(), Label::default());
            self.member_uses.push((dimension.to_string(), member.to_string(), origin.clone()));
        }
    }

    fn declare_dimension(&mut self, dimension: Dimension, members: Option<HashSet<String>>) {
        if let Some(previous) = self.declared_dimensions.get(&dimension.id) {
            let message = format!("dimension `{}` is declared twice; first at {}", dimension.id, previous.origin);
            let diagnostic = at_origin(Diagnostic::error(Rule::DataInvalid, message), &dimension.origin)
                .with_help("declare each dimension in one data file");
            self.error(diagnostic);
            return;
        }
        self.declared_dimensions.insert(dimension.id.clone(), Declared { origin: dimension.origin.clone(), members });
        match self.data.dimensions.get_mut(&dimension.id) {
            Some(implicit) => {
                // Facts used the dimension before its declaration was read: keep the members they named, after
                // the declared ones.
                let mut merged = dimension.members;
                for (member, label) in std::mem::take(&mut implicit.members) {
                    merged.entry(member).or_insert(label);
                }
                *implicit = Dimension { members: merged, ..dimension };
            }
            None => {
                self.data.dimensions.insert(dimension.id.clone(), dimension);
            }
        }
    }

    fn define_metric(&mut self, metric: Metric) {
        if !self.defined_metrics.insert(metric.id.clone()) {
            let first = self.data.metrics.get(&metric.id).map(|m| m.origin.to_string()).unwrap_or_default();
            let message = format!("metric `{}` is defined twice; first at {first}", metric.id);
            let diagnostic = at_origin(Diagnostic::error(Rule::DataInvalid, message), &metric.origin)
                .with_help("define each metric's label, unit and formula in one data file");
            self.error(diagnostic);
            return;
        }
        self.data.metrics.insert(metric.id.clone(), metric);
    }

    /// Checks and completes the merged set; errors make the whole load fail.
    pub(crate) fn finish(self) -> Result<DataSet, Vec<Diagnostic>> {
        let (data, errors) = self.finish_keeping();
        if errors.is_empty() { Ok(data) } else { Err(errors) }
    }

    /// Checks and completes the merged set, returning it with the errors (sorted), if any: with errors, the set
    /// holds what read cleanly and lacks the consistency warnings.
    pub(crate) fn finish_keeping(mut self) -> (DataSet, Vec<Diagnostic>) {
        let csv = std::mem::take(&mut self.csv);
        self.errors_in_file = 0;
        let table = csv.into_table(&mut self, 64);
        self.data.table = table;
        self.check_duplicates_across_stores();
        self.add_implicit_metrics();
        self.resolve_missing();
        self.check_members();
        self.check_formulas();
        if !self.errors.is_empty() {
            crate::diagnostics::sort(&mut self.errors);
            return (self.data, self.errors);
        }
        let mut warnings = super::rollup::inconsistent_totals(&self.data);
        self.data.warnings.append(&mut warnings);
        (self.data, Vec::new())
    }

    /// A fact given in a TOML/JSON file and again in a CSV file.
    fn check_duplicates_across_stores(&mut self) {
        if self.data.table.is_empty() {
            return;
        }
        let position = |file: &str| self.order.iter().position(|f| f == file).unwrap_or(usize::MAX);
        let mut errors = Vec::new();
        for (key, fact) in &self.data.facts {
            let Some(row) = self.data.table.find(&key.metric, key.period, &key.slice, key.kind) else { continue };
            let other = self.data.table.row(row).origin();
            let (first, second) = if position(&other.file) < position(&fact.origin.file) {
                (&other, &fact.origin)
            } else {
                (&fact.origin, &other)
            };
            errors.push(duplicate_fact(key, first, second));
        }
        self.errors.extend(errors);
    }

    /// `[meta] missing` is the default of every metric whose rollup is `sum` and that does not set its own.
    fn resolve_missing(&mut self) {
        let Some(default) = self.data.meta.missing else { return };
        for metric in self.data.metrics.values_mut() {
            if metric.rollup == Rollup::Sum && !self.explicit_missing.contains(&metric.id) {
                metric.missing = default;
            }
        }
    }

    fn add_implicit_metrics(&mut self) {
        let mut previous: Option<&str> = None;
        let mut implicit = Vec::new();
        let from_map = self.data.facts.iter().map(|(key, fact)| (key.metric.as_str(), &fact.origin));
        let mut table_ids = Vec::new();
        for metric in self.data.table.metric_ids() {
            let rows = self.data.table.metric_rows(metric);
            if !rows.is_empty() {
                table_ids.push((metric.as_str(), rows.start));
            }
        }
        let table_origins: Vec<(&str, Origin)> =
            table_ids.iter().map(|(metric, row)| (*metric, self.data.table.row(*row).origin())).collect();
        for (metric, origin) in from_map.chain(table_origins.iter().map(|(m, o)| (*m, o))) {
            if previous == Some(metric) {
                continue;
            }
            previous = Some(metric);
            if !self.data.metrics.contains_key(metric) && !implicit.iter().any(|m: &Metric| m.id == metric) {
                let origin = self.first_named.get(metric).unwrap_or(origin).clone();
                implicit.push(Metric { id: metric.to_string(), origin, ..Metric::default() });
            }
        }
        for metric in implicit {
            self.data.metrics.insert(metric.id.clone(), metric);
        }
    }

    fn check_members(&mut self) {
        let mut errors = Vec::new();
        for (dimension, member, origin) in &self.member_uses {
            let Some(Declared { members: Some(listed), .. }) = self.declared_dimensions.get(dimension) else {
                continue;
            };
            if listed.contains(member) {
                continue;
            }
            let mut known: Vec<&str> = listed.iter().map(String::as_str).collect();
            known.sort_unstable();
            let message = format!("`{member}` is not a member of dimension `{dimension}`");
            let help = crate::suggest::help_for(member, known.iter().copied())
                .map(|h| format!("{h} (or add `{member}` to [dimensions.{dimension}] members)"));
            let mut diagnostic = at_origin(Diagnostic::error(Rule::DataInvalid, message), origin);
            diagnostic.help = help;
            errors.push(diagnostic);
        }
        self.errors.extend(errors);
    }

    fn check_formulas(&mut self) {
        let mut errors = Vec::new();
        for metric in self.data.metrics.values() {
            let Some(formula) = &metric.formula else { continue };
            for operand in formula.metrics() {
                if !self.data.metrics.contains_key(operand) {
                    let message = format!("the formula of `{}` names unknown metric `{operand}`", metric.id);
                    let mut diagnostic = at_origin(Diagnostic::error(Rule::DataFormula, message), &metric.origin);
                    diagnostic.help = crate::suggest::help_for(operand, self.data.metrics.keys().map(String::as_str))
                        .or_else(|| Some("write subtraction with spaces: `a - b`".into()));
                    errors.push(diagnostic);
                }
            }
        }
        errors.extend(formula_cycles(&self.data.metrics));
        self.errors.extend(errors);
    }
}

/// Formulas that depend on themselves, found by an iterative depth-first search (no recursion, so a long
/// chain of formulas cannot overflow the stack). Each cycle is reported once, at its first metric.
fn formula_cycles(metrics: &BTreeMap<String, Metric>) -> Vec<Diagnostic> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        Active,
        Done,
    }
    let operands = |id: &str| -> Vec<&str> {
        metrics.get(id).and_then(|m| m.formula.as_ref()).map(|f| f.metrics()).unwrap_or_default()
    };
    let mut state: HashMap<&str, State> = metrics.keys().map(|k| (k.as_str(), State::New)).collect();
    let mut errors = Vec::new();
    for start in metrics.keys() {
        if state.get(start.as_str()) != Some(&State::New) {
            continue;
        }
        // Stack of (metric, its operands, next operand index); `path` mirrors it for the message.
        let mut stack: Vec<(&str, Vec<&str>, usize)> = vec![(start, operands(start), 0)];
        state.insert(start, State::Active);
        while let Some((id, next_operands, next)) = stack.last_mut() {
            let Some(&operand) = next_operands.get(*next) else {
                state.insert(id, State::Done);
                stack.pop();
                continue;
            };
            *next += 1;
            match state.get(operand) {
                Some(State::New) => {
                    state.insert(operand, State::Active);
                    stack.push((operand, operands(operand), 0));
                }
                Some(State::Active) => {
                    let position = stack.iter().position(|(m, _, _)| *m == operand).unwrap_or(0);
                    let mut cycle: Vec<&str> = stack[position..].iter().map(|(m, _, _)| *m).collect();
                    cycle.push(operand);
                    let metric = &metrics[operand];
                    let message = format!("formula of `{operand}` depends on itself: {}", cycle.join(" → "));
                    errors.push(
                        at_origin(Diagnostic::error(Rule::DataFormula, message), &metric.origin)
                            .with_help("a formula may only use metrics that do not use it in turn"),
                    );
                }
                // Done, or unknown (reported separately).
                _ => {}
            }
        }
    }
    errors
}

pub(crate) fn duplicate_fact(key: &FactKey, first: &Origin, second: &Origin) -> Diagnostic {
    let message = format!("{} is given twice: here and at {first}", describe_key(key));
    at_origin(Diagnostic::error(Rule::DataDuplicateFact, message), second)
        .with_help("give each fact once; remove one of the two values")
}

/// `revenue 2023-Q4 (region=east, target)`.
pub(crate) fn describe_key(key: &FactKey) -> String {
    let mut parts: Vec<String> = key.slice.iter().map(|(d, m)| format!("{d}={m}")).collect();
    match key.kind {
        Kind::Actual => {}
        Kind::Target => parts.push("target".into()),
        Kind::Standard => parts.push("standard".into()),
    }
    let mut text = format!("{} {}", key.metric, key.period);
    if !parts.is_empty() {
        text.push_str(&format!(" ({})", parts.join(", ")));
    }
    text
}

pub(crate) fn at_origin(diagnostic: Diagnostic, origin: &Origin) -> Diagnostic {
    let mut diagnostic = diagnostic.in_file(origin.file.clone());
    diagnostic.line = origin.line;
    diagnostic.column = origin.column;
    diagnostic.end_line = origin.line;
    diagnostic.end_column = origin.column;
    diagnostic
}

/// The text of a data file, or a `data/syntax` error at the first byte that is not UTF-8. A UTF-8 byte order
/// mark is dropped; positions count from the text after it, as editors show them.
pub(crate) fn utf8_text<'a>(loader: &mut Loader, name: &str, bytes: &'a [u8]) -> Option<&'a str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(error) => {
            let valid = error.valid_up_to();
            // The prefix is valid UTF-8 by construction; its end gives the position.
            let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or("");
            let position = LineIndex::new(prefix).position(valid);
            loader.error(
                Diagnostic::error(Rule::DataSyntax, format!("`{name}` is not valid UTF-8 (byte {valid})"))
                    .in_file(name)
                    .at(position, position)
                    .with_help("save the file as UTF-8"),
            );
            None
        }
    }
}

fn missing_name(missing: Missing) -> String {
    match missing {
        Missing::Error => "\"error\"".into(),
        Missing::Zero => "\"zero\"".into(),
    }
}

/// A key path as messages show it: `metrics.revenue.unit`, quoting keys that are not bare words.
fn key_path(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|part| {
            let bare = !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-');
            if bare { (*part).to_string() } else { format!("\"{}\"", part.replace('"', "\\\"")) }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Reading one TOML/JSON document of the shape docs/src/data-files.md describes into the loader.
struct Document<'a, 'b> {
    loader: &'a mut Loader,
    file: &'a str,
    index: &'a LineIndex<'b>,
}

const TOP_KEYS: &[&str] = &["meta", "dimensions", "metrics"];
const META_KEYS: &[&str] = &["year", "currency", "missing"];
/// The values of `missing` (on a metric and under `[meta]`).
const MISSING: &[(&str, Missing)] = &[("error", Missing::Error), ("zero", Missing::Zero)];
/// How `verbs` is written, in both languages: the data is read before the book's language is known.
const VERBS_HELP: &str = "write `verbs = { up = \"增加\", down = \"减少\" }`, or per locale `verbs.en = { up = \"rose\", down = \"fell\" }` \
     (keys up, down, up-to, down-to) / 动词写成文字：`verbs = { up = \"增加\", down = \"减少\" }`，或按语言分别写 `verbs.zh-CN = { … }`";
const DIMENSION_KEYS: &[&str] = &["label", "members", "preposition"];
const METRIC_KEYS: &[&str] = &[
    "label",
    "unit",
    "better",
    "rollup",
    "suffix",
    "values",
    "targets",
    "by",
    "standard",
    "formula",
    "plural",
    "missing",
    "flat-within",
    "aliases",
    "verbs",
];

impl Document<'_, '_> {
    fn origin(&self, offset: usize) -> Origin {
        let position = self.index.position(offset);
        Origin { file: self.file.to_string(), line: position.line, column: position.column }
    }

    fn report(&mut self, rule: Rule, offset: usize, message: String, help: Option<String>) {
        let position = self.index.position(offset);
        let mut diagnostic = Diagnostic::error(rule, message).in_file(self.file).at(position, position);
        diagnostic.help = help;
        self.loader.error(diagnostic);
    }

    fn wrong_type(&mut self, node: &Node, path: &[&str], expected: &str) {
        // The root has an empty path: name it in words rather than as an empty `` key.
        let subject = if path.is_empty() { "the top level".to_string() } else { format!("`{}`", key_path(path)) };
        let message = format!("{subject} must be {expected}, not {}", node.value.type_name());
        let help = format!("write {expected} here (the data file format: Data files in the mdbook-kpi guide)");
        self.report(Rule::DataInvalid, node.span.start, message, Some(help));
    }

    fn unknown_key(&mut self, entry: &Entry, path: &[&str], known: &[&str]) {
        let mut full = path.to_vec();
        full.push(&entry.key);
        let message = format!("unknown key `{}`", key_path(&full));
        let help = crate::suggest::help_for(&entry.key, known.iter().copied());
        self.report(Rule::DataInvalid, entry.key_span.start, message, help);
    }

    /// The entries of a table, or a type error.
    fn table<'n>(&mut self, node: &'n Node, path: &[&str]) -> Option<&'n [Entry]> {
        match &node.value {
            Value::Table(entries) => Some(entries),
            _ => {
                self.wrong_type(node, path, "a table");
                None
            }
        }
    }

    fn root(&mut self, root: &Node) {
        let Some(entries) = self.table(root, &[]) else { return };
        for entry in entries {
            match entry.key.as_str() {
                "meta" => self.meta(&entry.value),
                "dimensions" => {
                    let Some(dimensions) = self.table(&entry.value, &["dimensions"]) else { continue };
                    for dimension in dimensions {
                        self.dimension(dimension);
                    }
                }
                "metrics" => {
                    let Some(metrics) = self.table(&entry.value, &["metrics"]) else { continue };
                    for metric in metrics {
                        self.metric(metric);
                    }
                }
                _ => self.unknown_key(entry, &[], TOP_KEYS),
            }
        }
    }

    fn meta(&mut self, node: &Node) {
        let Some(entries) = self.table(node, &["meta"]) else { return };
        let mut meta = Meta::default();
        for entry in entries {
            let path = ["meta", entry.key.as_str()];
            match entry.key.as_str() {
                "year" => {
                    let year = self
                        .decimal(&entry.value, &path)
                        .filter(|d| d.fract().is_zero())
                        .and_then(|d| i32::try_from(d).ok());
                    match year.filter(|y| (1000..=9999).contains(y)) {
                        Some(year) => meta.year = Some(year),
                        None => {
                            let message = "`meta.year` must be a year such as 2023".to_string();
                            self.report(Rule::DataInvalid, entry.value.span.start, message, None);
                        }
                    }
                }
                "currency" => match &entry.value.value {
                    Value::String(code) if code.len() == 3 && code.chars().all(|c| c.is_ascii_alphabetic()) => {
                        meta.currency = Some(code.to_ascii_uppercase());
                    }
                    _ => {
                        let message = "`meta.currency` must be an ISO 4217 code such as \"CNY\" or \"USD\"".into();
                        self.report(Rule::DataInvalid, entry.value.span.start, message, None);
                    }
                },
                "missing" => meta.missing = self.choice(&entry.value, &path, MISSING),
                _ => self.unknown_key(entry, &["meta"], META_KEYS),
            }
            self.merge_meta(&entry.key, &meta, entry.value.span.start);
        }
    }

    /// Takes a `[meta]` setting unless another file already set it differently.
    fn merge_meta(&mut self, key: &str, meta: &Meta, offset: usize) {
        let (key, new, old) = match key {
            "year" => ("year", meta.year.map(|y| y.to_string()), self.loader.data.meta.year.map(|y| y.to_string())),
            "currency" => ("currency", meta.currency.clone(), self.loader.data.meta.currency.clone()),
            "missing" => ("missing", meta.missing.map(missing_name), self.loader.data.meta.missing.map(missing_name)),
            _ => return,
        };
        let Some(new) = new else { return };
        match old {
            Some(old) if old != new => {
                let first = self.loader.meta_origins.get(key).map(|o| o.to_string()).unwrap_or_default();
                let message = format!("`meta.{key}` is {new} here but {old} at {first}");
                self.report(
                    Rule::DataInvalid,
                    offset,
                    message,
                    Some("give [meta] once, or the same in every file".into()),
                );
            }
            Some(_) => {}
            None => {
                match key {
                    "year" => self.loader.data.meta.year = meta.year,
                    "missing" => self.loader.data.meta.missing = meta.missing,
                    _ => self.loader.data.meta.currency = meta.currency.clone(),
                }
                let origin = self.origin(offset);
                self.loader.meta_origins.insert(key, origin);
            }
        }
    }

    fn label(&mut self, node: &Node, path: &[&str]) -> Option<Label> {
        match &node.value {
            Value::String(text) => Some(Label::plain(text.clone())),
            Value::Table(entries) => {
                let mut label = Label::default();
                for entry in entries {
                    match &entry.value.value {
                        Value::String(text) => {
                            label.by_locale.insert(entry.key.clone(), text.clone());
                        }
                        _ => {
                            let mut full = path.to_vec();
                            full.push(&entry.key);
                            self.wrong_type(&entry.value, &full, "a string");
                        }
                    }
                }
                Some(label)
            }
            _ => {
                self.wrong_type(node, path, "a string or a table of locale = \"text\"");
                None
            }
        }
    }

    /// `aliases = ["营收", "收入"]`, or per locale: `aliases = { zh-CN = ["营收"], en = "sales" }`.
    fn aliases(&mut self, node: &Node, path: &[&str]) -> Vec<String> {
        let mut aliases = Vec::new();
        let mut strings = |this: &mut Self, node: &Node, path: &[&str]| match &node.value {
            Value::String(text) => aliases.push(text.clone()),
            Value::Array(items) => {
                for item in items {
                    match &item.value {
                        Value::String(text) => aliases.push(text.clone()),
                        _ => this.wrong_type(item, path, "a string"),
                    }
                }
            }
            _ => this.wrong_type(node, path, "a string or a list of strings"),
        };
        match &node.value {
            Value::Table(entries) => {
                for entry in entries {
                    let mut full = path.to_vec();
                    full.push(&entry.key);
                    strings(self, &entry.value, &full);
                }
            }
            _ => strings(self, node, path),
        }
        aliases.retain(|alias| !alias.trim().is_empty());
        aliases
    }

    fn dimension(&mut self, entry: &Entry) {
        let id = entry.key.as_str();
        let mut dimension =
            Dimension { id: id.to_string(), origin: self.origin(entry.key_span.start), ..Dimension::default() };
        let mut listed = None;
        let Some(entries) = self.table(&entry.value, &["dimensions", id]) else { return };
        for field in entries {
            let path = ["dimensions", id, field.key.as_str()];
            match field.key.as_str() {
                "label" => dimension.label = self.label(&field.value, &path).unwrap_or_default(),
                "members" => {
                    let Some(members) = self.table(&field.value, &path) else { continue };
                    let mut names = HashSet::new();
                    for member in members {
                        let member_path = ["dimensions", id, "members", member.key.as_str()];
                        // `members.x = {}` is a member without labels.
                        let label = self.label(&member.value, &member_path).unwrap_or_default();
                        names.insert(member.key.clone());
                        dimension.members.insert(member.key.clone(), label);
                    }
                    listed = Some(names);
                }
                "preposition" => dimension.preposition = self.preposition(&field.value, &path),
                _ => self.unknown_key(field, &["dimensions", id], DIMENSION_KEYS),
            }
        }
        self.loader.declare_dimension(dimension, listed);
    }

    fn metric(&mut self, entry: &Entry) {
        let id = entry.key.as_str();
        let mut metric = Metric { id: id.to_string(), origin: self.origin(entry.key_span.start), ..Metric::default() };
        let Some(fields) = self.table(&entry.value, &["metrics", id]) else { return };
        let mut rollup = None;
        for field in fields {
            let key = field.key.as_str();
            let path = ["metrics", id, key];
            let node = &field.value;
            match key {
                "label" => metric.label = self.label(node, &path).unwrap_or_default(),
                "suffix" => metric.suffix = self.label(node, &path),
                "aliases" => metric.aliases = self.aliases(node, &path),
                "unit" => {
                    const UNITS: &[(&str, Unit)] = &[
                        ("currency", Unit::Currency),
                        ("count", Unit::Count),
                        ("percent", Unit::Percent),
                        ("ratio", Unit::Ratio),
                        ("days", Unit::Days),
                        ("number", Unit::Number),
                    ];
                    metric.unit = self.choice(node, &path, UNITS).unwrap_or_default();
                }
                "better" => {
                    const BETTER: &[(&str, Better)] =
                        &[("higher", Better::Higher), ("lower", Better::Lower), ("neutral", Better::Neutral)];
                    metric.better = self.choice(node, &path, BETTER).unwrap_or_default();
                }
                "rollup" => {
                    const ROLLUPS: &[(&str, Rollup)] =
                        &[("sum", Rollup::Sum), ("mean", Rollup::Mean), ("last", Rollup::Last), ("none", Rollup::None)];
                    rollup = self.choice(node, &path, ROLLUPS);
                }
                "plural" => match node.value {
                    Value::Bool(flag) => metric.plural = Some(flag),
                    _ => self.wrong_type(node, &path, "true or false"),
                },
                "formula" => metric.formula = self.formula(node, &path),
                "missing" => {
                    if let Some(missing) = self.choice(node, &path, MISSING) {
                        metric.missing = missing;
                        self.loader.explicit_missing.insert(id.to_string());
                    }
                }
                "flat-within" => metric.flat_within = self.flat_within(node, &path).unwrap_or_default(),
                "verbs" => metric.verbs = self.verbs(node, &path),
                "values" => self.period_values(node, &path, id, &Slice::new(), Kind::Actual),
                "targets" => self.period_values(node, &path, id, &Slice::new(), Kind::Target),
                "standard" => match node.value {
                    Value::Table(_) => self.period_values(node, &path, id, &Slice::new(), Kind::Standard),
                    _ => metric.standard = self.decimal(node, &path),
                },
                "by" => self.by(node, id),
                _ => self.unknown_key(field, &["metrics", id], METRIC_KEYS),
            }
        }
        metric.rollup = rollup.unwrap_or(match metric.unit {
            // A formula metric is usually a ratio of others: summing it over periods would be wrong, so it is
            // computed per period unless the data asks for a roll-up.
            _ if metric.formula.is_some() => Rollup::None,
            Unit::Currency | Unit::Count => Rollup::Sum,
            _ => Rollup::None,
        });
        self.loader.define_metric(metric);
    }

    fn choice<T: Copy>(&mut self, node: &Node, path: &[&str], options: &[(&str, T)]) -> Option<T> {
        let names = || options.iter().map(|(name, _)| *name);
        let Value::String(text) = &node.value else {
            self.wrong_type(node, path, &format!("one of {}", names().collect::<Vec<_>>().join(", ")));
            return None;
        };
        if let Some((_, value)) = options.iter().find(|(name, _)| name.eq_ignore_ascii_case(text)) {
            return Some(*value);
        }
        let message =
            format!("`{}` must be one of {}, not \"{text}\"", key_path(path), names().collect::<Vec<_>>().join(", "));
        let help = match crate::suggest::did_you_mean(text, names()) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!("write one of {}", names().collect::<Vec<_>>().join(", ")),
        };
        self.report(Rule::DataInvalid, node.span.start, message, Some(help));
        None
    }

    /// `verbs = { up = "增加", down = "减少" }` (every locale), `verbs.zh-CN = { up = "增加" }` (one locale), or
    /// `verbs.up = { zh-CN = "增加", en = "rose" }`: the keys `up`, `down`, `up-to`, `down-to`, each a word.
    fn verbs(&mut self, node: &Node, path: &[&str]) -> MetricVerbs {
        let mut verbs = MetricVerbs::default();
        let Some(entries) = self.table(node, path) else { return verbs };
        for entry in entries {
            let mut full = path.to_vec();
            full.push(&entry.key);
            if MetricVerbs::KEYS.contains(&entry.key.as_str()) {
                let Some(label) = self.label(&entry.value, &full) else { continue };
                let label = self.nonempty_verbs(label, &entry.value, &full);
                if let Some(slot) = verbs.slot(&entry.key) {
                    *slot = Some(label);
                }
            } else if crate::config::Locale::parse(&entry.key).is_some() {
                let Some(words) = self.table(&entry.value, &full) else { continue };
                for word in words {
                    let mut word_path = full.clone();
                    word_path.push(&word.key);
                    let Some(slot) = verbs.slot(&word.key) else {
                        self.unknown_verb(word, &full);
                        continue;
                    };
                    match &word.value.value {
                        Value::String(text) if !text.trim().is_empty() => {
                            slot.get_or_insert_with(Label::default).by_locale.insert(entry.key.clone(), text.clone());
                        }
                        Value::String(_) => self.empty_verb(&word.value, &word_path),
                        _ => self.wrong_type(&word.value, &word_path, "a string"),
                    }
                }
            } else {
                self.unknown_verb(entry, path);
            }
        }
        verbs
    }

    /// A verb label without its empty texts (each reported).
    fn nonempty_verbs(&mut self, mut label: Label, node: &Node, path: &[&str]) -> Label {
        if label.any.as_deref().is_some_and(|text| text.trim().is_empty()) {
            self.empty_verb(node, path);
            label.any = None;
        }
        let empty: Vec<String> =
            label.by_locale.iter().filter(|(_, text)| text.trim().is_empty()).map(|(k, _)| k.clone()).collect();
        for locale in empty {
            let mut full = path.to_vec();
            full.push(&locale);
            self.empty_verb(node, &full);
            label.by_locale.remove(&locale);
        }
        label
    }

    fn empty_verb(&mut self, node: &Node, path: &[&str]) {
        let message = format!("`{}` is empty: a change needs a word to be said with", key_path(path));
        self.report(Rule::DataInvalid, node.span.start, message, Some(VERBS_HELP.into()));
    }

    /// A key under `verbs` that is neither a verb nor a locale.
    fn unknown_verb(&mut self, entry: &Entry, path: &[&str]) {
        let mut full = path.to_vec();
        full.push(&entry.key);
        let message = format!("unknown key `{}`: a verb is one of up, down, up-to, down-to", key_path(&full));
        let help = match crate::suggest::did_you_mean(&entry.key, MetricVerbs::KEYS) {
            Some(best) => format!("did you mean `{best}`? / 是否想写 `{best}`？"),
            None => VERBS_HELP.into(),
        };
        self.report(Rule::DataInvalid, entry.key_span.start, message, Some(help));
    }

    /// `preposition = "through"`: one or two English words (letters only).
    fn preposition(&mut self, node: &Node, path: &[&str]) -> Option<String> {
        let Value::String(text) = &node.value else {
            self.wrong_type(node, path, "a string such as \"through\"");
            return None;
        };
        let words = text.split_whitespace().collect::<Vec<_>>();
        if (1..=2).contains(&words.len()) && words.iter().all(|w| w.chars().all(|c| c.is_ascii_alphabetic())) {
            return Some(words.join(" "));
        }
        let message = format!(
            "`{}` must be an English preposition such as \"from\" or \"through\", not \"{text}\"",
            key_path(path)
        );
        let help = "the word goes before each member in English breakdown lists (\"327 (75%) through telesales\"); \
                    Chinese lists need none / 介词只用于英文列表，中文无需设置";
        self.report(Rule::DataInvalid, node.span.start, message, Some(help.into()));
        None
    }

    /// `flat-within = N`: a number of zero or more.
    fn flat_within(&mut self, node: &Node, path: &[&str]) -> Option<Decimal> {
        let value = self.decimal(node, path)?;
        if value.is_sign_negative() && !value.is_zero() {
            let message = format!("`{}` must be zero or more, not {value}", key_path(path));
            let help = "give the size of a change that still reads as flat, such as `flat-within = 0.5`";
            self.report(Rule::DataInvalid, node.span.start, message, Some(help.into()));
            return None;
        }
        Some(value)
    }

    fn formula(&mut self, node: &Node, path: &[&str]) -> Option<Expr> {
        let Value::String(text) = &node.value else {
            self.wrong_type(node, path, "a string such as \"revenue / headcount\"");
            return None;
        };
        match Expr::parse(text) {
            Ok(expr) => Some(expr),
            Err(error) => {
                // Point into the string when the source spells it out plainly (quote, text, quote).
                let source = self.index_text_of(node);
                let offset = if source.len() == text.len() + 2 {
                    let within: usize = text.chars().take(error.column - 1).map(char::len_utf8).sum();
                    node.span.start + 1 + within
                } else {
                    node.span.start
                };
                let message = format!("invalid formula in `{}`: {}", key_path(path), error.message);
                let help = "a formula uses + - * / and parentheses over metric ids: \"revenue / headcount\"";
                self.report(Rule::DataFormula, offset, message, Some(help.into()));
                None
            }
        }
    }

    fn index_text_of(&self, node: &Node) -> &str {
        let start = self.index.position(node.span.start);
        let end = self.index.position(node.span.end);
        if start.line != end.line {
            return "";
        }
        let line = self.index.line_text(start.line);
        let from: usize = line.chars().take(start.column - 1).map(char::len_utf8).sum();
        let to: usize = line.chars().take(end.column - 1).map(char::len_utf8).sum();
        line.get(from..to).unwrap_or("")
    }

    /// A number node as an exact decimal, or a `data/bad-value` / `data/invalid` error.
    fn decimal(&mut self, node: &Node, path: &[&str]) -> Option<Decimal> {
        let Value::Number { text, radix } = &node.value else {
            self.wrong_type(node, path, "a number");
            return None;
        };
        let parsed = if *radix == 10 {
            parse_decimal(text.as_bytes())
        } else {
            i128::from_str_radix(text, *radix)
                .ok()
                .and_then(|value| Decimal::try_from_i128_with_scale(value, 0).ok())
                .ok_or(NumberError::OutOfRange)
        };
        match parsed {
            Ok(value) => Some(value),
            Err(error) => {
                let why = match error {
                    NumberError::Syntax => "is not a finite number",
                    NumberError::OutOfRange => "is too large for a decimal value",
                };
                let message = format!("`{}` = {text} {why}", key_path(path));
                self.report(Rule::DataBadValue, node.span.start, message, Some("give a plain decimal number".into()));
                None
            }
        }
    }

    /// `{ "2023" = 1, "2023-Q4" = 2 }` → facts of one metric, slice and kind.
    fn period_values(&mut self, node: &Node, path: &[&str], metric: &str, slice: &Slice, kind: Kind) {
        let Some(entries) = self.table(node, path) else { return };
        for entry in entries {
            let mut full = path.to_vec();
            full.push(&entry.key);
            let Some(period) = Period::parse(&entry.key) else {
                let message = format!("`{}`: `{}` is not a period", key_path(path), entry.key);
                self.report(Rule::DataBadPeriod, entry.key_span.start, message, Some(PERIOD_HELP.into()));
                continue;
            };
            let Some(value) = self.decimal(&entry.value, &full) else { continue };
            let key = FactKey { metric: metric.to_string(), period, slice: slice.clone(), kind };
            let origin = self.origin(entry.value.span.start);
            self.loader.add_fact(key, Fact { value, origin });
        }
    }

    /// `by.DIM.MEMBER = { period = value }`.
    fn by(&mut self, node: &Node, metric: &str) {
        let Some(dimensions) = self.table(node, &["metrics", metric, "by"]) else { return };
        for dimension in dimensions {
            let dim = dimension.key.as_str();
            let Some(members) = self.table(&dimension.value, &["metrics", metric, "by", dim]) else { continue };
            for member in members {
                let origin = self.origin(member.key_span.start);
                self.loader.use_member(dim, &member.key, &origin);
                let slice = Slice::from([(dim.to_string(), member.key.clone())]);
                let path = ["metrics", metric, "by", dim, member.key.as_str()];
                self.period_values(&member.value, &path, metric, &slice, Kind::Actual);
            }
        }
    }
}
