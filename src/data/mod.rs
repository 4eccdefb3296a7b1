//! The book's figures: one merged data set from TOML, JSON and CSV files, and the queries narration asks of it.
//!
//! A *fact* is one number for (metric, period, slice, kind). Queries derive what is not given: coarser periods
//! from finer ones (roll-up), totals from dimension members, and formula metrics from their operands.

pub mod cache;
pub mod csv;
pub mod formula;
pub mod load;
pub mod number;
pub mod period;
pub mod query;
pub mod rollup;
pub mod salvage;
pub mod table;
pub mod tree;

use std::collections::BTreeMap;

use rust_decimal::Decimal;

pub use load::{load, load_sources};
pub use period::{Granularity, Period};
pub use query::{Query, QueryError};

use crate::diagnostics::Diagnostic;

/// Text in several locales; a plain string in the data serves every locale.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Label {
    /// The plain-string form, used for any locale without its own entry.
    pub any: Option<String>,
    /// Locale-specific text, keyed by locale id (`en`, `zh-CN`).
    pub by_locale: BTreeMap<String, String>,
}

impl Label {
    pub fn plain(text: impl Into<String>) -> Self {
        Label { any: Some(text.into()), by_locale: BTreeMap::new() }
    }

    /// The text for a locale: the exact locale, then its language (`zh` for `zh-CN`), then any locale of the
    /// same language, then the plain form, then `fallback` (usually the id).
    pub fn get<'a>(&'a self, locale: &str, fallback: &'a str) -> &'a str {
        if let Some(text) = self.by_locale.get(locale) {
            return text;
        }
        let language = locale.split(['-', '_']).next().unwrap_or(locale);
        if let Some(text) = self.by_locale.get(language) {
            return text;
        }
        if let Some((_, text)) = self.by_locale.iter().find(|(k, _)| k.split(['-', '_']).next() == Some(language)) {
            return text;
        }
        if let Some(text) = &self.any {
            return text;
        }
        fallback
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Currency,
    Count,
    Percent,
    Ratio,
    Days,
    #[default]
    Number,
}

impl Unit {
    /// Rates change in percentage points, everything else in percent (days also in days).
    pub fn is_rate(self) -> bool {
        matches!(self, Unit::Percent | Unit::Ratio)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    #[default]
    Higher,
    Lower,
    Neutral,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Rollup {
    Sum,
    Mean,
    Last,
    #[default]
    None,
}

/// What an absent fact means inside a total or a roll-up (`missing = "error" | "zero"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Missing {
    /// An absent member or sub-period makes the total unavailable (`kpi/no-data`).
    #[default]
    Error,
    /// Sparse exports leave out rows whose value is 0: an absent member or sub-period counts as 0 where the
    /// metric has other facts of the same kind for that period.
    Zero,
}

/// What a fact is: the actual figure, a target, or a standard (a norm such as "delivery within 10 days").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Kind {
    #[default]
    Actual,
    Target,
    Standard,
}

/// Where something came from in a data file, for diagnostics: the file (relative to the book root) and a
/// 1-based line and column (for CSV: the row's line and the character column where the cell starts, its opening
/// quote when quoted), 0 when unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}", self.file),
            (line, 0) => write!(f, "{}:{line}", self.file),
            (line, column) => write!(f, "{}:{line}:{column}", self.file),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Metric {
    pub id: String,
    pub label: Label,
    pub unit: Unit,
    pub better: Better,
    pub rollup: Rollup,
    /// Text after a count (`家`, ` customers`), per locale.
    pub suffix: Option<Label>,
    /// Other names prose uses for the metric (`营收`, `sales`), in any locale: hand-typed figures tie to the
    /// metric through them as through its label.
    pub aliases: Vec<String>,
    /// English grammar: whether the label is plural ("new customers were"). `None`: guessed from the label.
    pub plural: Option<bool>,
    /// `formula = "revenue / headcount"`, parsed.
    pub formula: Option<formula::Expr>,
    /// `standard = 10`: a standard that holds for every period (period-specific standards are facts).
    pub standard: Option<Decimal>,
    /// `missing = "zero"`, or `[meta] missing` for a metric whose rollup is `sum`; resolved once all files are read.
    pub missing: Missing,
    /// `flat-within = N`: a change no larger than N (in the unit of the change: percent, percentage points for
    /// rates, days, or the count itself) reads as roughly flat. 0 by default.
    pub flat_within: Decimal,
    /// `verbs = { up = "增加", down = "减少" }`: the words a change of this metric is said with, in place of the
    /// ones its unit takes (docs/src/wording.md).
    pub verbs: MetricVerbs,
    pub origin: Origin,
}

/// A metric's own change verbs, each per locale like a label (a plain string serves every locale); `None` keeps
/// the verb the unit takes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetricVerbs {
    pub up: Option<Label>,
    pub down: Option<Label>,
    pub up_to: Option<Label>,
    pub down_to: Option<Label>,
}

impl MetricVerbs {
    /// The verb keys of the data file (`verbs.up`, `verbs.up-to`, …).
    pub const KEYS: [&'static str; 4] = ["up", "down", "up-to", "down-to"];

    /// The slot of a data-file key.
    pub fn slot(&mut self, key: &str) -> Option<&mut Option<Label>> {
        match key {
            "up" => Some(&mut self.up),
            "down" => Some(&mut self.down),
            "up-to" => Some(&mut self.up_to),
            "down-to" => Some(&mut self.down_to),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Dimension {
    pub id: String,
    pub label: Label,
    /// Members in the order the data first names them.
    pub members: indexmap::IndexMap<String, Label>,
    /// `preposition = "through"`: the English word before a member in a breakdown list ("327 (75%) through
    /// telesales"); `None` says "from".
    pub preposition: Option<String>,
    pub origin: Origin,
}

/// Dimension id → member id; empty for the total.
pub type Slice = BTreeMap<String, String>;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FactKey {
    pub metric: String,
    pub period: Period,
    pub slice: Slice,
    pub kind: Kind,
}

#[derive(Clone, Debug)]
pub struct Fact {
    pub value: Decimal,
    pub origin: Origin,
}

#[derive(Clone, Debug, Default)]
pub struct Meta {
    pub year: Option<i32>,
    /// ISO 4217 code, upper case.
    pub currency: Option<String>,
    /// `missing = "zero"` under `[meta]`: the default for every metric whose rollup is `sum`.
    pub missing: Option<Missing>,
}

/// All data files of a book, merged.
#[derive(Clone, Debug, Default)]
pub struct DataSet {
    pub meta: Meta,
    pub metrics: BTreeMap<String, Metric>,
    pub dimensions: BTreeMap<String, Dimension>,
    pub facts: BTreeMap<FactKey, Fact>,
    /// Non-fatal findings from loading (`data/inconsistent-total`, …).
    pub warnings: Vec<Diagnostic>,
    /// Facts from CSV files, stored compactly (a million rows load in a fraction of a second). `facts` holds
    /// the facts of TOML/JSON files; read facts through [`DataSet::fact`], [`DataSet::facts_iter`] and
    /// [`DataSet::facts_of_metric`], which see both.
    pub table: table::FactTable,
    /// Answers to queries, once the data set is sealed ([`DataSet::seal`]).
    pub cache: cache::QueryCache,
    /// Per (metric, kind), the periods the data gives facts for: built on first use by `missing = "zero"`.
    pub(crate) fact_periods: std::sync::OnceLock<BTreeMap<(String, Kind), std::collections::BTreeSet<Period>>>,
}

impl DataSet {
    /// Declares the data set complete: from now on query answers are remembered. Change no fact after this.
    pub fn seal(&self) {
        self.cache.enable();
    }
}
