//! Asking the data set for one number, deriving it where the data allows (docs/src/data-files.md).
//!
//! The order of attempts for a (metric, period, slice, kind):
//! 1. the given fact;
//! 2. for a standard: the metric's standard for the year the period falls in, then its period-independent
//!    `standard = N` (standards never roll up or add up);
//! 3. a roll-up of finer periods, per the metric's `rollup` (`sum`, `mean`, `last`; `none` never derives):
//!    a year from 4 quarters, 2 halves or 12 months, a half from 2 quarters or 6 months, a quarter from 3
//!    months — recursively, so a year may come from quarters that come from months. Every sub-period must
//!    have a value;
//! 4. with `rollup = "sum"`, a total over a dimension: the sum of the members (those the metric has data for)
//!    of a dimension the slice does not filter on;
//! 5. a formula over other metrics, for the same period, slice and kind.
//!
//! With `missing = "zero"` a member or sub-period that the data leaves out counts as 0 (steps 3 and 4, and a
//! member asked for directly) wherever the metric has other actual figures in that period; a period
//! without any fact of the metric stays "no data", and a formula's operands are never taken as 0.
//!
//! When nothing works the most telling reason is returned: a division by zero, else a partial roll-up (with
//! exactly the sub-periods or members missing from the most complete candidate), else "no data" with a hint
//! of what the data does have.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::formula::EvalError;
use super::table::{FactRef, merge_sorted};
use super::{DataSet, Fact, FactKey, Kind, Metric, Missing, Period, Rollup, Slice};
use crate::config::Locale;
use crate::rules::Rule;

/// One number to find: a metric's actual, target or standard value for a period and a slice.
#[derive(Clone, Copy, Debug)]
pub struct Query<'a> {
    pub metric: &'a str,
    pub period: Period,
    pub slice: &'a Slice,
    pub kind: Kind,
}

impl<'a> Query<'a> {
    /// The actual value of `metric` for `period` and `slice`.
    pub fn new(metric: &'a str, period: Period, slice: &'a Slice) -> Self {
        Query { metric, period, slice, kind: Kind::Actual }
    }

    /// The same query for another kind (target, standard).
    pub fn with_kind(self, kind: Kind) -> Self {
        Query { kind, ..self }
    }
}

/// Why a number is not to be had. Each variant's message says which metric, period and slice; `hint` says
/// what the data does have.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("unknown metric `{0}`")]
    UnknownMetric(String),
    #[error("no {what} in the data")]
    NoData {
        what: String,
        hint: Option<String>,
        /// The hint for a Chinese book ([`QueryError::hint_in`]).
        hint_zh: Option<String>,
    },
    /// Sub-periods (`2023-Q1, 2023-Q2`) or members (`product=robotics`) that a roll-up or total lacks.
    #[error("{}", partial_message(what, missing))]
    PartialRollup { what: String, missing: String },
    #[error("{what}: division by zero in `{formula}`")]
    DivisionByZero { what: String, formula: String },
}

impl QueryError {
    /// The rule id a directive reports this under.
    pub fn rule(&self) -> Rule {
        match self {
            QueryError::UnknownMetric(_) => Rule::KpiUnknownMetric,
            _ => Rule::KpiNoData,
        }
    }

    /// A member that the data gives no figure for in `period` while the total or the comparison needs one:
    /// the error names the member and the period, and its hint offers a 0 row or `missing = "zero"`.
    pub fn absent_member(metric: &str, period: Period, slice: &Slice, dimension: &str, member: &str) -> QueryError {
        QueryError::PartialRollup {
            what: describe(metric, period, slice, Kind::Actual),
            missing: format!("{dimension}={member}"),
        }
    }

    /// The hint in English; [`QueryError::hint_in`] gives it in the book's language.
    pub fn hint(&self) -> Option<String> {
        self.hint_in(Locale::En)
    }

    /// The hint in `locale`. An absent member offers both fixes: a 0 row, or `missing = "zero"`.
    pub fn hint_in(&self, locale: Locale) -> Option<String> {
        if let QueryError::PartialRollup { what, missing } = self
            && is_members(missing)
        {
            let (subject, period) = what.rsplit_once(" for ").unwrap_or((what, "this period"));
            let metric = subject.trim_start_matches("target of ").split(' ').next().unwrap_or(subject);
            return Some(match locale {
                Locale::ZhCn => format!(
                    "在数据中为{missing}补一行{period}的0值;若导出文件省略了值为0的行,在指标`{metric}`上设置\
                     `missing = \"zero\"`(或写在[meta]下,作为所有sum指标的默认值)"
                ),
                Locale::En => format!(
                    "add a row with 0 for {missing} in {period}; or, if the export leaves out rows whose value is 0, \
                     set `missing = \"zero\"` on metric `{metric}` (or under [meta], for every sum metric)"
                ),
            });
        }
        match self {
            QueryError::NoData { hint, hint_zh, .. } => match locale {
                Locale::ZhCn => hint_zh.clone().or_else(|| hint.clone()),
                Locale::En => hint.clone(),
            },
            QueryError::PartialRollup { .. } => Some(match locale {
                Locale::ZhCn => "在数据中补上缺少的期间，或直接给出合计".into(),
                Locale::En => "add the missing periods to the data, or give the total itself".into(),
            }),
            QueryError::DivisionByZero { .. } => Some(match locale {
                Locale::ZhCn => "这一期间公式的除数为0".into(),
                Locale::En => "the formula's divisor is zero for this period".into(),
            }),
            QueryError::UnknownMetric(_) => None,
        }
    }
}

/// Whether the missing parts of a partial roll-up are members (`product=b`) rather than sub-periods.
fn is_members(missing: &str) -> bool {
    missing.contains('=')
}

fn partial_message(what: &str, missing: &str) -> String {
    if is_members(missing) {
        let period = what.rsplit_once(" for ").map_or("this period", |(_, period)| period);
        format!("{what} cannot be totalled: the data has no figure for {missing} in {period}")
    } else {
        format!("{what} cannot be rolled up: missing {missing}")
    }
}

/// Whether `inner` lies within `outer` (or is it): the same year and months inside its months.
fn within(inner: Period, outer: Period) -> bool {
    let months = |p: Period| match p {
        Period::Year(_) => 12,
        Period::Half(..) => 6,
        Period::Quarter(..) => 3,
        Period::Month(..) => 1,
    };
    inner.year() == outer.year()
        && inner.start_month() >= outer.start_month()
        && inner.start_month() + months(inner) <= outer.start_month() + months(outer)
}

/// How deep derivations may nest (periods get finer and slices longer at each step, so real data stays far
/// below this; it guards against pathological data).
const MAX_DEPTH: usize = 24;
/// How many derivation steps one query may take before it gives up as "no data".
const MAX_STEPS: usize = 200_000;

/// Why a derivation failed, before it is turned into a [`QueryError`] for the caller.
#[derive(Clone, Debug)]
enum Miss {
    /// Nothing to derive from.
    Nothing,
    /// The best candidate roll-up or total lacks these sub-periods or members.
    Partial {
        metric: String,
        period: Period,
        slice: Slice,
        kind: Kind,
        missing: Vec<String>,
    },
    DivisionByZero {
        metric: String,
        period: Period,
        slice: Slice,
        kind: Kind,
        formula: String,
    },
    /// A formula operand has no value.
    Operand {
        formula_metric: String,
        formula: String,
        operand: String,
        period: Period,
        slice: Slice,
        kind: Kind,
    },
    /// A sum or product beyond the decimal range.
    Overflow,
}

impl Miss {
    /// How much the miss tells the author: the most telling one is reported.
    fn weight(&self) -> u8 {
        match self {
            Miss::Nothing => 0,
            // The figures exist but do not add up exactly: more telling than "nothing".
            Miss::Overflow | Miss::Operand { .. } => 1,
            Miss::Partial { .. } => 2,
            Miss::DivisionByZero { .. } => 3,
        }
    }
}

/// The state of one top-level query.
struct Derivation<'d> {
    data: &'d DataSet,
    steps: usize,
    /// Per (metric, kind): each dimension's members that the metric has facts for, in dimension order.
    members_cache: BTreeMap<(String, Kind), BTreeMap<String, Vec<String>>>,
}

impl DataSet {
    /// The value of a query: a given fact, else a roll-up of finer periods, else a total over dimension
    /// members, else a formula over other metrics (see the module documentation).
    pub fn value(&self, query: Query<'_>) -> Result<Decimal, QueryError> {
        if let Some(answer) = self.cache.get(&query) {
            return answer;
        }
        let answer = self.derive_value(query);
        self.cache.put(&query, &answer);
        answer
    }

    fn derive_value(&self, query: Query<'_>) -> Result<Decimal, QueryError> {
        let Some(metric) = self.metrics.get(query.metric) else {
            return Err(QueryError::UnknownMetric(query.metric.to_string()));
        };
        let mut derivation = Derivation { data: self, steps: 0, members_cache: BTreeMap::new() };
        derivation
            .derive(metric, query.period, query.slice, query.kind, 0, true)
            .map_err(|miss| self.explain(query, miss))
    }

    /// Whether the data gives a fact of `kind` for `metric` in `period` or a period within it, for any slice:
    /// what lets `missing = "zero"` read an absent member as 0 (a period without any fact stays "no data").
    pub fn has_facts_within(&self, metric: &str, kind: Kind, period: Period) -> bool {
        let index = self.fact_periods.get_or_init(|| {
            let mut index: BTreeMap<(String, Kind), BTreeSet<Period>> = BTreeMap::new();
            for fact in self.facts_iter() {
                match index.get_mut(&(fact.metric.to_string(), fact.kind)) {
                    Some(periods) => {
                        periods.insert(fact.period);
                    }
                    None => {
                        index.insert((fact.metric.to_string(), fact.kind), BTreeSet::from([fact.period]));
                    }
                }
            }
            index
        });
        index.get(&(metric.to_string(), kind)).is_some_and(|periods| periods.iter().any(|p| within(*p, period)))
    }

    /// The metric with this id.
    pub fn metric(&self, id: &str) -> Option<&Metric> {
        self.metrics.get(id)
    }

    /// Every period the data gives any fact for `metric` (any slice, any kind), in time order (a year before
    /// its halves, quarters and months).
    pub fn periods_with_data(&self, metric: &str) -> Vec<Period> {
        let periods: BTreeSet<Period> = self.facts_of_metric(metric).map(|fact| fact.period).collect();
        sorted_in_time(periods)
    }

    /// The periods the data gives a fact for `metric` with exactly this slice and kind, in time order.
    pub fn periods_with_data_for(&self, metric: &str, slice: &Slice, kind: Kind) -> Vec<Period> {
        let periods: BTreeSet<Period> = self
            .facts_of_metric(metric)
            .filter(|fact| fact.kind == kind && fact.slice == slice)
            .map(|fact| fact.period)
            .collect();
        sorted_in_time(periods)
    }

    /// The members of `dimension` (in the dimension's order) that have a value — given or derived — for
    /// `metric` in `period`, for the total of the other dimensions. For breakdowns (`by product`).
    pub fn members_with_data(&self, metric: &str, dimension: &str, period: Period, kind: Kind) -> Vec<String> {
        self.members_with_data_in(metric, dimension, period, &Slice::new(), kind)
    }

    /// Like [`DataSet::members_with_data`], within a slice filtered on other dimensions.
    pub fn members_with_data_in(
        &self,
        metric: &str,
        dimension: &str,
        period: Period,
        slice: &Slice,
        kind: Kind,
    ) -> Vec<String> {
        let Some(dim) = self.dimensions.get(dimension) else { return Vec::new() };
        dim.members
            .keys()
            .filter(|member| {
                let mut filtered = slice.clone();
                filtered.insert(dimension.to_string(), (*member).clone());
                self.value(Query { metric, period, slice: &filtered, kind }).is_ok()
            })
            .cloned()
            .collect()
    }

    /// The dimensions `metric` has facts broken down by, in id order.
    pub fn dimensions_of<'s>(&'s self, metric: &'s str) -> Vec<&'s str> {
        let dimensions: BTreeSet<&str> =
            self.facts_of_metric(metric).flat_map(|fact| fact.slice.keys().map(String::as_str)).collect();
        dimensions.into_iter().collect()
    }

    /// One given fact (not derived), from either store.
    pub fn fact(&self, metric: &str, period: Period, slice: &Slice, kind: Kind) -> Option<FactRef<'_>> {
        let key = super::FactKeyRef { metric, period, slice, kind };
        if let Some((key, fact)) = self.facts.get_key_value(&key as &dyn super::AsFactKey) {
            return Some(fact_ref(key, fact));
        }
        self.table.find(metric, period, slice, kind).map(|row| self.table.row(row))
    }

    /// Every given fact, from both stores, in [`FactKey`] order.
    pub fn facts_iter(&self) -> impl Iterator<Item = FactRef<'_>> + '_ {
        merge_sorted(self.facts.iter().map(|(key, fact)| fact_ref(key, fact)), self.table.iter())
    }

    /// The given facts of one metric, in [`FactKey`] order.
    pub fn facts_of_metric<'s>(&'s self, metric: &'s str) -> impl Iterator<Item = FactRef<'s>> + 's {
        let start = FactKey {
            metric: metric.to_string(),
            period: Period::Year(i32::MIN),
            slice: Slice::new(),
            kind: Kind::Actual,
        };
        let from_map = self
            .facts
            .range(start..)
            .take_while(move |(key, _)| key.metric == metric)
            .map(|(key, fact)| fact_ref(key, fact));
        let from_table = self.table.metric_rows(metric).map(|row| self.table.row(row));
        merge_sorted(from_map, from_table)
    }

    /// How many facts the data gives.
    pub fn fact_count(&self) -> usize {
        self.facts.len() + self.table.len()
    }

    fn explain(&self, query: Query<'_>, miss: Miss) -> QueryError {
        match miss {
            Miss::Partial { metric, period, slice, kind, missing } => {
                QueryError::PartialRollup { what: describe(&metric, period, &slice, kind), missing: missing.join(", ") }
            }
            Miss::DivisionByZero { metric, period, slice, kind, formula } => {
                QueryError::DivisionByZero { what: describe(&metric, period, &slice, kind), formula }
            }
            Miss::Operand { formula_metric, formula, operand, period, slice, kind } => {
                let inner = self.explain(Query { metric: &operand, period, slice: &slice, kind }, Miss::Nothing);
                let reason = match inner.hint() {
                    Some(hint) => format!("there is {inner} ({hint})"),
                    None => format!("there is {inner}"),
                };
                let reason_zh = match inner.hint_in(Locale::ZhCn) {
                    Some(hint) => format!("`{operand}`没有{period}的数字（{hint}）"),
                    None => format!("`{operand}`没有{period}的数字"),
                };
                QueryError::NoData {
                    what: describe(query.metric, query.period, query.slice, query.kind),
                    hint: Some(format!("`{formula_metric}` is computed as `{formula}`, and {reason}")),
                    hint_zh: Some(format!("`{formula_metric}`由`{formula}`算出，而{reason_zh}")),
                }
            }
            // The parts exist, but adding or computing them leaves exact decimal arithmetic: say so rather than
            // "no data", which would send the author looking for a missing figure.
            Miss::Overflow => QueryError::NoData {
                what: format!("exact value of {}", describe(query.metric, query.period, query.slice, query.kind)),
                hint: Some(
                    "the figures it is rolled up or computed from are too large for exact decimal arithmetic \
                     (beyond about 7.9e28); check the data's magnitude and unit"
                        .into(),
                ),
                hint_zh: Some(
                    "汇总或计算它所用的数字太大（超过约7.9e28），无法精确计算；请检查数据的数量级和单位".into(),
                ),
            },
            Miss::Nothing => {
                let (hint, hint_zh) = self.no_data_hint(query).unzip();
                QueryError::NoData {
                    what: describe(query.metric, query.period, query.slice, query.kind),
                    hint,
                    hint_zh,
                }
            }
        }
    }

    /// What the data has instead, in English and in Chinese: "the data has revenue for 2022, 2023-Q1 … 2023-Q4".
    fn no_data_hint(&self, query: Query<'_>) -> Option<(String, String)> {
        let metric = query.metric;
        let exact = self.periods_with_data_for(metric, query.slice, query.kind);
        let (subject, subject_zh) = (
            describe_subject(metric, query.slice, query.kind),
            describe_subject_in(metric, query.slice, query.kind, Locale::ZhCn),
        );
        let periods = |list: &[Period]| {
            let list = period_list(list);
            (format!("the data has {subject} for {list}"), format!("数据中有{subject_zh}的这些期间：{list}"))
        };
        if !exact.is_empty() {
            return Some(periods(&exact));
        }
        if query.kind == Kind::Standard {
            return Some((
                format!("give `standard = …` for `{metric}` in the data"),
                format!("在数据中为`{metric}`给出`standard = …`"),
            ));
        }
        let facts: Vec<FactRef<'_>> = self.facts_of_metric(metric).filter(|f| f.kind == query.kind).collect();
        if facts.is_empty() {
            return Some(match query.kind {
                Kind::Target => (format!("the data has no targets for {metric}"), format!("数据中没有{metric}的目标")),
                _ => (format!("the data has no figures for {metric}"), format!("数据中没有{metric}的数字")),
            });
        }
        // Totals and other slices derive from finer facts: when the asked slice can be had for other periods,
        // the period is what is wrong, so name the periods that work.
        let derivable = self.derivable_periods(query, &facts);
        if !derivable.is_empty() {
            return Some(periods(&derivable));
        }
        let dimensions: BTreeSet<&str> = facts.iter().flat_map(|k| k.slice.keys().map(String::as_str)).collect();
        if query.slice.is_empty() && !dimensions.is_empty() {
            let by: Vec<String> = dimensions.iter().map(|d| format!("`{d}`")).collect();
            let first = dimensions.first().copied().unwrap_or_default();
            return Some((
                format!(
                    "the data has {metric} only by {}; name a member (e.g. {first}=…), or give the total",
                    by.join(" and ")
                ),
                format!("数据中的{metric}只按{}给出；指明一个成员（如{first}=…），或给出合计", by.join("和")),
            ));
        }
        Some((
            format!("the data has {metric} only for other filters"),
            format!("数据中的{metric}只有其他筛选条件下的数字"),
        ))
    }
}

impl DataSet {
    /// The periods of `facts` (at most the first [`MAX_HINT_PERIODS`]) for which the query's slice and kind
    /// can be derived, in time order.
    fn derivable_periods(&self, query: Query<'_>, facts: &[FactRef<'_>]) -> Vec<Period> {
        const MAX_HINT_PERIODS: usize = 64;
        let Some(metric) = self.metrics.get(query.metric) else { return Vec::new() };
        let periods: BTreeSet<Period> = facts.iter().map(|f| f.period).filter(|p| *p != query.period).collect();
        let derivable = periods.into_iter().take(MAX_HINT_PERIODS).filter(|period| {
            let mut derivation = Derivation { data: self, steps: 0, members_cache: BTreeMap::new() };
            derivation.derive(metric, *period, query.slice, query.kind, 0, true).is_ok()
        });
        sorted_in_time(derivable.collect())
    }
}

fn fact_ref<'a>(key: &'a FactKey, fact: &'a Fact) -> FactRef<'a> {
    FactRef {
        metric: &key.metric,
        period: key.period,
        slice: &key.slice,
        kind: key.kind,
        value: fact.value,
        file: &fact.origin.file,
        line: fact.origin.line,
        column: fact.origin.column,
    }
}

fn sorted_in_time(periods: BTreeSet<Period>) -> Vec<Period> {
    let mut periods: Vec<Period> = periods.into_iter().collect();
    periods.sort_by_key(|p| (p.year(), p.start_month(), p.granularity()));
    periods
}

/// `2022, 2023-Q1 … 2023-Q4`: runs of three or more consecutive periods of one length are shortened.
fn period_list(periods: &[Period]) -> String {
    let mut parts = Vec::new();
    let mut index = 0;
    while index < periods.len() {
        let mut end = index;
        while end + 1 < periods.len()
            && periods[end + 1].granularity() == periods[index].granularity()
            && periods[end + 1].ordinal() == periods[end].ordinal() + 1
        {
            end += 1;
        }
        if end - index >= 2 {
            parts.push(format!("{} … {}", periods[index], periods[end]));
        } else {
            parts.extend(periods[index..=end].iter().map(Period::to_string));
        }
        index = end + 1;
    }
    parts.join(", ")
}

/// `revenue (product=ai-qc)`, `target of revenue`; in Chinese `revenue（product=ai-qc）`, `revenue的目标`.
fn describe_subject_in(metric: &str, slice: &Slice, kind: Kind, locale: Locale) -> String {
    let zh = locale == Locale::ZhCn;
    let mut text = match (kind, zh) {
        (Kind::Actual, _) => metric.to_string(),
        (Kind::Target, false) => format!("target of {metric}"),
        (Kind::Standard, false) => format!("standard of {metric}"),
        (Kind::Target, true) => format!("{metric}的目标"),
        (Kind::Standard, true) => format!("{metric}的标准"),
    };
    if !slice.is_empty() {
        let filters: Vec<String> = slice.iter().map(|(d, m)| format!("{d}={m}")).collect();
        let (open, separator, close) = if zh { ("（", "，", "）") } else { (" (", ", ", ")") };
        text.push_str(&format!("{open}{}{close}", filters.join(separator)));
    }
    text
}

fn describe_subject(metric: &str, slice: &Slice, kind: Kind) -> String {
    describe_subject_in(metric, slice, kind, Locale::En)
}

/// `revenue (product=ai-qc) for 2023-Q4`.
fn describe(metric: &str, period: Period, slice: &Slice, kind: Kind) -> String {
    format!("{} for {period}", describe_subject(metric, slice, kind))
}

impl Derivation<'_> {
    fn derive(
        &mut self,
        metric: &Metric,
        period: Period,
        slice: &Slice,
        kind: Kind,
        depth: usize,
        fill: bool,
    ) -> Result<Decimal, Miss> {
        self.steps += 1;
        if depth > MAX_DEPTH || self.steps > MAX_STEPS {
            return Err(Miss::Nothing);
        }
        if let Some(value) = self.fact(&metric.id, period, slice, kind) {
            return Ok(value);
        }
        if kind == Kind::Standard {
            return self.standard(metric, period, slice);
        }
        let mut best = Miss::Nothing;
        let mut consider = |miss: Miss| {
            if miss.weight() > best.weight() {
                best = miss;
            }
        };
        if metric.rollup != Rollup::None {
            match self.roll_up(metric, period, slice, kind, depth) {
                Ok(value) => return Ok(value),
                Err(miss) => consider(miss),
            }
        }
        if metric.rollup == Rollup::Sum {
            match self.total(metric, period, slice, kind, depth) {
                Ok(value) => return Ok(value),
                Err(miss) => consider(miss),
            }
        }
        if let Some(formula) = &metric.formula {
            let mut operand_miss = None;
            let result = formula.eval(&mut |operand: &str| {
                let Some(operand_metric) = self.data.metrics.get(operand) else {
                    return Err(Miss::Nothing);
                };
                // An operand is never taken as 0 (`fill` is off): 0 would make a ratio read as 0 or fail.
                self.derive(operand_metric, period, slice, kind, depth + 1, false).inspect_err(|miss| {
                    if operand_miss.is_none() && miss.weight() == 0 {
                        operand_miss = Some(operand.to_string());
                    }
                })
            });
            match result {
                Ok(value) => return Ok(value),
                Err(EvalError::DivisionByZero) => consider(Miss::DivisionByZero {
                    metric: metric.id.clone(),
                    period,
                    slice: slice.clone(),
                    kind,
                    formula: formula.to_string(),
                }),
                Err(EvalError::Operand(miss)) if miss.weight() > 0 => consider(miss),
                Err(EvalError::Operand(_)) => consider(Miss::Operand {
                    formula_metric: metric.id.clone(),
                    formula: formula.to_string(),
                    operand: operand_miss.unwrap_or_default(),
                    period,
                    slice: slice.clone(),
                    kind,
                }),
                Err(EvalError::Overflow) => consider(Miss::Overflow),
            }
        }
        if fill && self.absent_reads_as_zero(metric, period, kind, &best) {
            return Ok(Decimal::ZERO);
        }
        Err(best)
    }

    /// `missing = "zero"`: nothing at all is given or derivable for this slice (not a partial roll-up, which
    /// would hide a gap), and the metric has other actual figures in the period.
    fn absent_reads_as_zero(&self, metric: &Metric, period: Period, kind: Kind, miss: &Miss) -> bool {
        metric.missing == Missing::Zero
            // Exports leave out actual figures; an absent target or standard is no target, never a target of 0.
            && kind == Kind::Actual
            && matches!(miss, Miss::Nothing)
            && self.data.has_facts_within(&metric.id, kind, period)
    }

    fn fact(&self, metric: &str, period: Period, slice: &Slice, kind: Kind) -> Option<Decimal> {
        self.data.fact(metric, period, slice, kind).map(|fact| fact.value)
    }

    /// A standard holds for the periods within the one it is given for, and for every slice.
    fn standard(&self, metric: &Metric, period: Period, slice: &Slice) -> Result<Decimal, Miss> {
        let empty = Slice::new();
        for slice in [slice, &empty] {
            if let Some(value) = self.fact(&metric.id, Period::Year(period.year()), slice, Kind::Standard) {
                return Ok(value);
            }
        }
        metric.standard.ok_or(Miss::Nothing)
    }

    /// The period from finer ones; the split with the most sub-periods present is the candidate a partial
    /// roll-up reports.
    fn roll_up(
        &mut self,
        metric: &Metric,
        period: Period,
        slice: &Slice,
        kind: Kind,
        depth: usize,
    ) -> Result<Decimal, Miss> {
        let mut best: Option<(usize, Vec<String>)> = None;
        for split in period.splits() {
            let mut values = Vec::with_capacity(split.len());
            let mut missing = Vec::new();
            for sub in &split {
                match self.derive(metric, *sub, slice, kind, depth + 1, true) {
                    Ok(value) => values.push(value),
                    Err(_) => missing.push(sub.to_string()),
                }
            }
            if missing.is_empty() {
                return aggregate(metric.rollup, &values).ok_or(Miss::Overflow);
            }
            if !values.is_empty() && best.as_ref().is_none_or(|(present, _)| values.len() > *present) {
                best = Some((values.len(), missing));
            }
        }
        match best {
            Some((_, missing)) => {
                Err(Miss::Partial { metric: metric.id.clone(), period, slice: slice.clone(), kind, missing })
            }
            None => Err(Miss::Nothing),
        }
    }

    /// The total over a dimension the slice does not filter on: the sum of the members the metric has data
    /// for.
    fn total(
        &mut self,
        metric: &Metric,
        period: Period,
        slice: &Slice,
        kind: Kind,
        depth: usize,
    ) -> Result<Decimal, Miss> {
        let members = self.members_of(&metric.id, kind);
        let mut best: Option<(usize, Vec<String>)> = None;
        for (dimension, members) in members.iter().filter(|(d, _)| !slice.contains_key(*d)) {
            let mut sum = Some(Decimal::ZERO);
            let mut present = 0;
            let mut missing = Vec::new();
            for member in members {
                let mut filtered = slice.clone();
                filtered.insert(dimension.clone(), member.clone());
                match self.derive(metric, period, &filtered, kind, depth + 1, true) {
                    Ok(value) => {
                        present += 1;
                        sum = sum.and_then(|s| s.checked_add(value));
                    }
                    Err(_) => missing.push(format!("{dimension}={member}")),
                }
            }
            if missing.is_empty() {
                return sum.ok_or(Miss::Overflow);
            }
            if present > 0 && best.as_ref().is_none_or(|(count, _)| present > *count) {
                best = Some((present, missing));
            }
        }
        match best {
            Some((_, missing)) => {
                Err(Miss::Partial { metric: metric.id.clone(), period, slice: slice.clone(), kind, missing })
            }
            None => Err(Miss::Nothing),
        }
    }

    /// Each dimension's members that `metric` has facts of this kind for, in the dimension's member order.
    fn members_of(&mut self, metric: &str, kind: Kind) -> BTreeMap<String, Vec<String>> {
        let cache_key = (metric.to_string(), kind);
        if let Some(found) = self.members_cache.get(&cache_key) {
            return found.clone();
        }
        let mut used: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for fact in self.data.facts_of_metric(metric).filter(|fact| fact.kind == kind) {
            for (dimension, member) in fact.slice {
                used.entry(dimension).or_default().insert(member);
            }
        }
        let mut result = BTreeMap::new();
        for (dimension, members) in used {
            let ordered: Vec<String> = match self.data.dimensions.get(dimension) {
                Some(dim) => dim.members.keys().filter(|m| members.contains(m.as_str())).cloned().collect(),
                None => members.iter().map(|m| m.to_string()).collect(),
            };
            result.insert(dimension.to_string(), ordered);
        }
        self.members_cache.insert(cache_key, result.clone());
        result
    }
}

/// Combines sub-period values per the roll-up rule; `None` on overflow.
fn aggregate(rollup: Rollup, values: &[Decimal]) -> Option<Decimal> {
    match rollup {
        Rollup::Sum => values.iter().try_fold(Decimal::ZERO, |sum, v| sum.checked_add(*v)),
        Rollup::Mean => {
            let sum = values.iter().try_fold(Decimal::ZERO, |sum, v| sum.checked_add(*v))?;
            sum.checked_div(Decimal::from(values.len().max(1)))
        }
        Rollup::Last => values.last().copied(),
        Rollup::None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_lists_shorten_runs() {
        let periods = [
            Period::Year(2022),
            Period::Quarter(2023, 1),
            Period::Quarter(2023, 2),
            Period::Quarter(2023, 3),
            Period::Quarter(2023, 4),
            Period::Month(2024, 1),
            Period::Month(2024, 3),
        ];
        assert_eq!(period_list(&periods), "2022, 2023-Q1 … 2023-Q4, 2024-01, 2024-03");
    }

    #[test]
    fn aggregates() {
        let values = [Decimal::from(2), Decimal::from(4), Decimal::from(9)];
        assert_eq!(aggregate(Rollup::Sum, &values), Some(Decimal::from(15)));
        assert_eq!(aggregate(Rollup::Mean, &values), Some(Decimal::from(5)));
        assert_eq!(aggregate(Rollup::Last, &values), Some(Decimal::from(9)));
        assert_eq!(aggregate(Rollup::Sum, &[Decimal::MAX, Decimal::ONE]), None);
    }
}
