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

/// A fact key by reference: the map of given facts is looked up with one ([`FactKeyRef`]) instead of an owned
/// key, whose metric and slice would be copied for every question a sentence asks of the data.
pub trait AsFactKey {
    fn key_ref(&self) -> FactKeyRef<'_>;
}

/// The fields of a [`FactKey`], borrowed; ordered like it (field by field, in the same order).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FactKeyRef<'k> {
    pub metric: &'k str,
    pub period: Period,
    pub slice: &'k Slice,
    pub kind: Kind,
}

impl AsFactKey for FactKey {
    fn key_ref(&self) -> FactKeyRef<'_> {
        FactKeyRef { metric: &self.metric, period: self.period, slice: &self.slice, kind: self.kind }
    }
}

impl AsFactKey for FactKeyRef<'_> {
    fn key_ref(&self) -> FactKeyRef<'_> {
        *self
    }
}

impl<'a> std::borrow::Borrow<dyn AsFactKey + 'a> for FactKey {
    fn borrow(&self) -> &(dyn AsFactKey + 'a) {
        self
    }
}

// `Borrow` asks that the borrowed form compare as the owned one does: both compare their `key_ref`, whose order
// is FactKey's derived one (metric, period, slice, kind). A test holds the two orders equal.
impl PartialEq for dyn AsFactKey + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.key_ref() == other.key_ref()
    }
}

impl Eq for dyn AsFactKey + '_ {}

impl PartialOrd for dyn AsFactKey + '_ {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for dyn AsFactKey + '_ {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key_ref().cmp(&other.key_ref())
    }
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

#[cfg(test)]
mod fact_key_tests {
    use super::*;
    use proptest::prelude::*;

    fn key() -> impl Strategy<Value = FactKey> {
        let period = prop_oneof![
            (2022..2025i32).prop_map(Period::Year),
            (2022..2025i32, 1..5u8).prop_map(|(y, q)| Period::Quarter(y, q)),
            (2022..2025i32, 1..13u8).prop_map(|(y, m)| Period::Month(y, m)),
        ];
        let slice = proptest::collection::btree_map("region|product", "east|west|a|ab", 0..3);
        let kind = prop_oneof![Just(Kind::Actual), Just(Kind::Target), Just(Kind::Standard)];
        ("rev|revenue|cost|r", period, slice, kind).prop_map(|(metric, period, slice, kind)| FactKey {
            metric,
            period,
            slice,
            kind,
        })
    }

    proptest! {
        /// The borrowed key orders as the owned one does (what `Borrow` requires of the map lookup), and a map
        /// looked up by it finds what looking up by the owned key finds.
        #[test]
        fn a_borrowed_fact_key_is_ordered_and_found_as_the_owned_one(
            keys in proptest::collection::vec(key(), 1..20),
            asked in key(),
        ) {
            for a in &keys {
                let by_ref = (a as &dyn AsFactKey).cmp(&asked as &dyn AsFactKey);
                prop_assert_eq!(by_ref, a.cmp(&asked));
            }
            let map: BTreeMap<FactKey, usize> = keys.iter().cloned().zip(0..).collect();
            let borrowed = asked.key_ref();
            prop_assert_eq!(map.get(&borrowed as &dyn AsFactKey), map.get(&asked));
            for key in &keys {
                prop_assert_eq!(map.get(&key.key_ref() as &dyn AsFactKey), map.get(key));
            }
        }
    }
}
