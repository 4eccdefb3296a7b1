//! Tying a typed figure to one fact through the words around it, and asking the data for that fact.
//!
//! Precision first: a figure ties only when its sentence (or table row) names exactly one metric it can measure,
//! a period, and for a change what it is compared with; anything less, or more, leaves it alone.

use std::ops::Range;

use rust_decimal::Decimal;

use super::number::{Class, Typed};
use super::words::{self, Against, Mention, Named, PeriodMention, PeriodWord};
use crate::data::query::Query;
use crate::data::{DataSet, Kind, Metric, Period, Slice, Unit};

/// What the change is measured against.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Base {
    YearAgo,
    Prev,
    Period(Period),
    /// Another member of a dimension, in the same period (`比华南区`, `above South`): (dimension, member).
    Member(String, String),
}

/// How a change is stated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Measure {
    /// In percent of the base.
    Percent,
    /// In percentage points (rates).
    Points,
    /// In the metric's unit (days, amounts).
    Difference,
}

/// What a figure states about its fact.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Value,
    Target,
    /// The value as a percentage of its target.
    Completion,
    /// The member's share of the total, in percent.
    Share,
    Change {
        base: Base,
        measure: Measure,
    },
}

/// The fact a figure ties to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Tie {
    pub metric: String,
    /// The metric's unit, which decides how a directive measures its change by default.
    pub unit: Unit,
    pub period: Period,
    pub slice: Slice,
    pub role: Role,
}

/// A figure's place and words, gathered from its segment.
pub struct Words<'t> {
    /// The segment's context and text, one after the other.
    pub full: &'t str,
    /// Where the segment's own text starts in `full`.
    pub offset: usize,
    pub mentions: Vec<Mention>,
    pub periods: Vec<PeriodMention>,
    pub comparisons: Vec<(Range<usize>, Against)>,
    /// Every figure of the segment, in `full`, with its class.
    pub figures: Vec<(Range<usize>, Class)>,
}

/// The nearest of `items` to a figure at `span`: before it in its clause, after it in its clause, before it
/// anywhere, in that order.
fn nearest<'i, T>(
    items: &'i [T],
    at: impl Fn(&T) -> Range<usize>,
    span: &Range<usize>,
    clause: &Range<usize>,
) -> Option<&'i T> {
    let in_clause = |r: &Range<usize>| clause.start <= r.start && r.end <= clause.end;
    items
        .iter()
        .rev()
        .find(|item| at(item).end <= span.start && in_clause(&at(item)))
        .or_else(|| items.iter().find(|item| at(item).start >= span.end && in_clause(&at(item))))
        .or_else(|| items.iter().rev().find(|item| at(item).end <= span.start))
}

/// Whether a figure of `class` can be a value of a metric in `unit`.
fn measures(class: Class, metric: &Metric, suffix: &str) -> bool {
    match (class, metric.unit) {
        (Class::Money, Unit::Currency) | (Class::Scaled, Unit::Currency) => true,
        (Class::Scaled | Class::Plain, Unit::Count | Unit::Number) => suffix_fits(metric, suffix),
        (Class::Percent, _) => true,
        (Class::Points, unit) => unit.is_rate(),
        (Class::Days, Unit::Days) => true,
        _ => false,
    }
}

/// A count's typed suffix must be the metric's own (`120家` for a suffix of `家`), or absent.
fn suffix_fits(metric: &Metric, suffix: &str) -> bool {
    /// English words that follow a bare number without naming what it counts.
    const NOT_SUFFIXES: &[&str] = &[
        "and", "or", "in", "of", "for", "at", "to", "from", "with", "by", "on", "as", "was", "were", "is", "up",
        "down", "over", "than", "vs", "higher", "lower", "more", "less", "fewer",
    ];
    if suffix.is_empty() || NOT_SUFFIXES.contains(&suffix.trim().to_ascii_lowercase().as_str()) {
        return true;
    }
    let Some(label) = &metric.suffix else { return false };
    let typed = suffix.trim().to_lowercase();
    label.any.iter().chain(label.by_locale.values()).any(|own| {
        let own = own.trim().to_lowercase();
        !own.is_empty() && (typed.starts_with(&own) || own.starts_with(&typed))
    })
}

/// Ties the figure at `span` (in `words.full`) to one fact, or `None`.
pub fn tie(
    data: &DataSet,
    words: &Words<'_>,
    typed: &Typed,
    span: &Range<usize>,
    direction: Option<i8>,
) -> Option<Tie> {
    let full = words.full;
    let clause = {
        let own = words::clause(&full[words.offset..], span.start - words.offset);
        own.start + words.offset..own.end + words.offset
    };
    let metrics: Vec<&Mention> = words
        .mentions
        .iter()
        .filter(|m| {
            m.named.iter().any(|named| match named {
                Named::Metric(id) => {
                    data.metrics.get(id).is_some_and(|metric| measures(typed.class, metric, &typed.suffix))
                }
                Named::Member(..) => false,
            })
        })
        .collect();
    let mention = nearest(&metrics, |m| m.span.clone(), span, &clause)?;
    let mut ids = mention.named.iter().filter_map(|named| match named {
        Named::Metric(id) => {
            data.metrics.get(id.as_str()).filter(|metric| measures(typed.class, metric, &typed.suffix))
        }
        Named::Member(..) => None,
    });
    let metric = ids.next()?;
    if ids.next().is_some() {
        return None;
    }
    // `revenue was €345K …, and orders were 2,480, up 12.2%`: a figure the metric cannot measure stands between
    // the metric and this figure, so the words around may be about something else.
    let (from, to) =
        if mention.span.end <= span.start { (mention.span.end, span.start) } else { (span.end, mention.span.start) };
    let foreign = words
        .figures
        .iter()
        .any(|(other, class)| from <= other.start && other.end <= to && !measures(*class, metric, ""));
    if foreign {
        return None;
    }
    let own_periods: Vec<(Range<usize>, Period)> = words
        .periods
        .iter()
        .filter(|p| !p.is_base)
        .filter_map(|p| match p.word {
            PeriodWord::At(period) => Some((p.start..p.end, period)),
            _ => None,
        })
        .collect();
    let (period_span, period) = nearest(&own_periods, |p| p.0.clone(), span, &clause)?;
    // `第四季度为全年高峰，销售额2480万元`: a period from outside the figure's clause counts only when every period
    // named before it covers it (`2025年` … `第四季度`, a table's head and row), not when it is another.
    let outside = period_span.start < clause.start || period_span.end > clause.end;
    if outside && own_periods.iter().any(|(at, other)| at.end <= period_span.start && !covers(*other, *period)) {
        return None;
    }
    // `from Q3 (€310K)`: a value right after the period it is compared with is that period's value.
    // A table column headed only by a comparison (`同比`, `YoY`, `vs Q3`): its cells are changes. One of its cells
    // not stated as a change may be the base's value (`4500万元` under `较上年`): never a value of the period the
    // column before it names.
    let column_change = column_states_change(words, typed.sign != 0);
    if !column_change && column_compares(words) {
        return None;
    }
    let last_named =
        words.periods.iter().rev().find(|p| p.end <= span.start && (!column_change || p.start >= words.offset));
    if typed.class != Class::Percent
        && typed.class != Class::Points
        && last_named.is_some_and(|p| p.is_base)
        && words::direction(&full[clause.start..span.start]).is_none()
    {
        return None;
    }
    // `2024年和2025年…`: two periods in one clause leave the figure's own in doubt.
    let in_clause_periods = own_periods.iter().filter(|p| clause.start <= p.0.start && p.0.end <= clause.end);
    if in_clause_periods.clone().any(|p| p.1 != *period) {
        return None;
    }
    let (slice, base_member) = members(data, words, metric, span, &clause)?;
    let in_clause = |r: &Range<usize>| clause.start <= r.start && r.end <= clause.end;
    let comparison = nearest(&words.comparisons, |c| c.0.clone(), span, &clause).map(|c| c.1);
    let clause_comparison = words.comparisons.iter().find(|c| in_clause(&c.0)).map(|c| c.1);
    // `华北区比华南区高1891万元`: another member is the base; a period base as well would be two comparisons.
    let base = match base_member {
        Some(_) if base_in(words, &clause) || matches!(clause_comparison, Some(Against::YearAgo | Against::Prev)) => {
            return None;
        }
        Some((dimension, member)) => Some(Base::Member(dimension, member)),
        None => base_of(words, span, &clause, comparison),
    };
    let said_as_change = direction.is_some()
        || typed.sign != 0
        || column_change
        || matches!(base, Some(Base::Member(..)))
        || matches!(clause_comparison, Some(Against::YearAgo | Against::Prev))
        || base_in(words, &clause);
    // A change of a target or a standard (`复购率目标较2023年提高10个百分点`) is not the actual's change, and a
    // period compared with itself is no change at all.
    let about_target =
        words.comparisons.iter().any(|c| matches!(c.1, Against::Target | Against::Standard | Against::Completion));
    if base == Some(Base::Period(*period)) {
        return None;
    }
    let member_base = matches!(base, Some(Base::Member(..)));
    let role = match typed.class {
        Class::Percent if comparison == Some(Against::Completion) => Role::Completion,
        Class::Percent if comparison == Some(Against::Share) && !metric.unit.is_rate() && !slice.is_empty() => {
            Role::Share
        }
        Class::Percent | Class::Points if about_target => return None,
        // A rate's change in percent is its relative change (`毛利率增长5.7%`), said with a direction, a sign,
        // in a comparison column or against another member; a rate with other comparison words is left alone
        // (`from 2024 to 33.8%`).
        Class::Percent
            if metric.unit.is_rate() && (direction.is_some() || typed.sign != 0 || column_change || member_base) =>
        {
            Role::Change { base: base?, measure: Measure::Percent }
        }
        Class::Percent if metric.unit.is_rate() => {
            if direction.is_some() || clause_comparison.is_some() || base_in(words, &clause) {
                return None;
            }
            Role::Value
        }
        // A change is said as one: a direction, a sign, or the comparison in its own clause (`占增量的63.8%` after
        // `同比增长21.6%` is not the year's change).
        Class::Percent | Class::Points if !said_as_change => return None,
        Class::Percent => Role::Change { base: base?, measure: Measure::Percent },
        Class::Points => Role::Change { base: base?, measure: Measure::Points },
        _ if (direction.is_some() || typed.sign != 0) && about_target => return None,
        _ if matches!(clause_comparison, Some(Against::Standard | Against::Completion | Against::Share)) => {
            return None;
        }
        // `比上年增加956万元`, `同比+956万元`, `+956万元` in a `同比` column, `比华南区高1891万元`: the difference.
        // A signed amount with nothing to compare with (`(+5066万元)`) is left alone (`base?`).
        _ if direction.is_some() || typed.sign != 0 || column_change || member_base => {
            Role::Change { base: base?, measure: Measure::Difference }
        }
        _ if clause_comparison == Some(Against::Target) => {
            let target_before =
                words.comparisons.iter().any(|c| in_clause(&c.0) && c.0.end <= span.start && c.1 == Against::Target);
            if !target_before {
                return None;
            }
            Role::Target
        }
        _ if base_in(words, &clause) || clause_comparison.is_some() => return None,
        _ => Role::Value,
    };
    if matches!(role, Role::Value | Role::Target) && !linked(words, &mention.span, span) {
        return None;
    }
    Some(Tie { metric: metric.id.clone(), unit: metric.unit, period: *period, slice, role })
}

/// Whether `outer` spans every month of `inner` (`2025年` covers `2025年第四季度`).
fn covers(outer: Period, inner: Period) -> bool {
    let months = |period: Period| {
        let length = match period {
            Period::Year(_) => 12,
            Period::Half(..) => 6,
            Period::Quarter(..) => 3,
            Period::Month(..) => 1,
        };
        period.start_month()..period.start_month() + length
    };
    let (outer_months, inner_months) = (months(outer), months(inner));
    outer.year() == inner.year() && outer_months.start <= inner_months.start && inner_months.end <= outer_months.end
}

/// Words that may stand between a metric and its value (`销售额为`, `sales were`, `revenue for 2025 was`).
const LINKS: &[&str] = &[
    "其中",
    "达到",
    "实现",
    "合计",
    "总计",
    "累计",
    "完成",
    "录得",
    "全年",
    "为",
    "达",
    "是",
    "约",
    "共",
    "的",
    "was",
    "were",
    "is",
    "are",
    "of",
    "at",
    "reached",
    "totaled",
    "totalled",
    "came",
    "stood",
    "amounted",
    "in",
    "for",
    "the",
    "to",
    "about",
    "around",
    "approximately",
    "nearly",
    "hit",
    "and",
    "with",
];

/// Whether a value follows its metric's name closely (`2025年销售额8369万元`, `sales for 2025 were ¥83.7M`): only
/// periods, members and linking words between them. `前三大客户贡献3200万元` after `销售额` is about something else.
/// A metric named in a table's row or column head is linked to its cells.
fn linked(words: &Words<'_>, metric: &Range<usize>, figure: &Range<usize>) -> bool {
    if metric.start < words.offset {
        return true;
    }
    let before = metric.end <= figure.start;
    let (from, to) = if before { (metric.end, figure.start) } else { (figure.end, metric.start) };
    // After the figure only `¥83.7M in sales`: `¥32M of 2025 sales` is a part of them.
    let links: &[&str] = if before { LINKS } else { &["in", "for"] };
    let mut between = words.full[from..to].to_ascii_lowercase();
    let mut named: Vec<Range<usize>> = words.periods.iter().map(|p| p.start..p.end).collect();
    named.extend(words.mentions.iter().map(|m| m.span.clone()));
    // `销售额8369万元，其中华北区5130万元`: the figures of the same metric in between are links too.
    named.extend(words.figures.iter().map(|f| f.0.clone()));
    named.sort_by_key(|r| std::cmp::Reverse(r.start));
    let mut replaced_from = to;
    for range in named.iter().filter(|r| from <= r.start && r.end <= to) {
        // Ranges come last first; one that overlaps the range replaced before it is skipped.
        if range.end <= replaced_from {
            between.replace_range(range.start - from..range.end - from, " ");
            replaced_from = range.start;
        }
    }
    let mut rest = between.as_str();
    loop {
        rest = rest.trim_start_matches(|c: char| !c.is_alphanumeric());
        match links.iter().find(|link| {
            rest.starts_with(**link)
                && (!link.is_ascii() || !rest[link.len()..].starts_with(|c: char| c.is_ascii_alphanumeric()))
        }) {
            Some(link) => rest = &rest[link.len()..],
            None => break,
        }
    }
    rest.is_empty()
}

/// Whether a table cell's column (or row) head names a comparison at all (`同比`, `vs Q3`, `较上年`).
fn column_compares(words: &Words<'_>) -> bool {
    let context = 0..words.offset;
    let inside = |r: &Range<usize>| context.start <= r.start && r.end <= context.end;
    words.comparisons.iter().any(|c| inside(&c.0) && matches!(c.1, Against::YearAgo | Against::Prev))
        || words.periods.iter().any(|p| p.is_base && inside(&(p.start..p.end)))
}

/// Whether a table cell's column (or row) head says its cells are changes, for a figure typed with or without a
/// sign: a comparison word (`同比`, `YoY`) or a change word (`增减`, `change`) says so for every cell; a base
/// period alone (`vs Q3`, `较上年`) only for signed cells (an unsigned one may be that period's value). A head that
/// only names a period (`上年`, `上年同期`) is a column of that period's values.
fn column_states_change(words: &Words<'_>, signed: bool) -> bool {
    let context = 0..words.offset;
    let inside = |r: &Range<usize>| context.start <= r.start && r.end <= context.end;
    if words.comparisons.iter().any(|c| inside(&c.0) && matches!(c.1, Against::YearAgo | Against::Prev)) {
        return true;
    }
    let base = words
        .periods
        .iter()
        .any(|p| p.is_base && inside(&(p.start..p.end)) && words::after_base_word(&words.full[..p.start]));
    base && (signed || words::names_a_change(&words.full[context]))
}

/// Whether the clause names a base period (`比第三季度`, `from Q3`).
fn base_in(words: &Words<'_>, clause: &Range<usize>) -> bool {
    words.periods.iter().any(|p| p.is_base && clause.start <= p.start && p.end <= clause.end)
}

/// What a change is measured against: a base period the sentence names, else its comparison word.
fn base_of(words: &Words<'_>, span: &Range<usize>, clause: &Range<usize>, comparison: Option<Against>) -> Option<Base> {
    let bases: Vec<&PeriodMention> = words.periods.iter().filter(|p| p.is_base).collect();
    if let Some(mention) = nearest(&bases, |p| p.start..p.end, span, clause) {
        return Some(match mention.word {
            PeriodWord::At(period) => Base::Period(period),
            PeriodWord::YearAgo => Base::YearAgo,
            PeriodWord::Prev => Base::Prev,
        });
    }
    match comparison? {
        Against::YearAgo => Some(Base::YearAgo),
        Against::Prev => Some(Base::Prev),
        _ => None,
    }
}

/// Words before a member that make it what the figure is compared with (`比华南区`, `above South`).
const MEMBER_BASE_WORDS: &[&str] = &[
    "比",
    "较",
    "高于",
    "低于",
    "多于",
    "少于",
    "超过",
    "领先",
    "落后",
    "than",
    "vs",
    "vs.",
    "versus",
    "above",
    "below",
    "ahead of",
    "behind",
    "beat",
    "exceeded",
    "outsold",
    "outpaced",
    "surpassed",
    "trailed",
];

/// What may stand between the member compared with and the figure after it (`比华南区高1891万元`, `higher than
/// South by ¥18.9M`), besides the metric's name: `华南区的3239万元` is South's own value.
const COMPARATIVES_BEFORE: &[&str] = &[
    "", "高", "低", "多", "少", "高出", "低出", "多出", "少出", "增加", "减少", "增长", "下降", "提升", "提高", "降低",
    "by",
];

/// Words before a member that may make it a base (`与华南区相比`, `from South`) or not (`华北区与华南区合计`): a
/// figure with one of them before its nearest member is left alone.
const LOOSE_BASE_WORDS: &[&str] = &["与", "和", "及", "from", "and", "plus"];

/// What may stand between a figure and the member after it that it is compared with (`¥18.9M above South`,
/// `58.4% higher than South`); anything else (`5130万元比华南区高`, `¥51.3M, higher than South`) leaves the
/// figure alone.
const COMPARATIVES_AFTER: &[&str] = &[
    "above",
    "below",
    "ahead of",
    "behind",
    "higher than",
    "lower than",
    "more than",
    "less than",
    "fewer than",
    "greater than",
    "longer than",
    "shorter than",
];

/// The slice the sentence names: for each dimension of the metric, the member named nearest the figure; and the
/// member it is compared with, when one stands in the figure's clause after `比`, `than`, `above`…
/// (`华北区比华南区高…`, `North was … above South`). The comparison ties only when the sentence names exactly two
/// members of that dimension, the figure's own and the base, and one dimension is compared; `None` (the figure
/// left alone) otherwise.
fn members(
    data: &DataSet,
    words: &Words<'_>,
    metric: &Metric,
    span: &Range<usize>,
    clause: &Range<usize>,
) -> Option<(Slice, Option<(String, String)>)> {
    let dimensions = data.dimensions_of(&metric.id);
    let mut slice = Slice::new();
    let mut base = None;
    for dimension in dimensions {
        let named: Vec<(Range<usize>, &str)> = words
            .mentions
            .iter()
            .flat_map(|m| {
                m.named.iter().filter_map(move |named| match named {
                    Named::Member(d, member) if d == dimension => Some((m.span.clone(), member.as_str())),
                    _ => None,
                })
            })
            .collect();
        let in_clause = |r: &Range<usize>| clause.start <= r.start && r.end <= clause.end;
        // The member compared with stands in the figure's clause, before it (`比华南区高…`) or after it
        // (`… above South`).
        let compared = named.iter().find(|(range, _)| in_clause(range) && is_member_base(words, range));
        let Some((base_range, base_member)) = compared else {
            let Some((range, member)) = nearest(&named, |n| n.0.clone(), span, clause) else { continue };
            // Compared with a member outside the figure's clause, or perhaps compared: left alone.
            if is_member_base(words, range) || after_word(words, range, LOOSE_BASE_WORDS) {
                return None;
            }
            // `North edged South by ¥18.9M`: two members before the figure with no figure between them, in words
            // this check does not read.
            let other_before = named.iter().any(|(other, name)| {
                name != member
                    && in_clause(other)
                    && other.end <= range.start
                    && !words.figures.iter().any(|(figure, _)| other.end <= figure.start && figure.end <= range.start)
            });
            if range.end <= span.start && other_before {
                return None;
            }
            slice.insert(dimension.to_string(), member.to_string());
            continue;
        };
        if base_range.start >= span.end {
            let between = words.full[span.end..base_range.start].trim().to_ascii_lowercase();
            if !COMPARATIVES_AFTER.contains(&between.as_str()) {
                return None;
            }
        } else if !comparative_between(words, metric, base_range.end..span.start) {
            return None;
        }
        let [first, second] = named.as_slice() else { return None };
        let own = if first.0 == *base_range { second } else { first };
        if base.is_some() || own.1 == *base_member || is_member_base(words, &own.0) {
            return None;
        }
        slice.insert(dimension.to_string(), own.1.to_string());
        base = Some((dimension.to_string(), base_member.to_string()));
    }
    Some((slice, base))
}

/// Whether only a comparative (`高`, `多出`, `by`), perhaps with the metric's name, stands in `between`.
fn comparative_between(words: &Words<'_>, metric: &Metric, between: Range<usize>) -> bool {
    let mut text = words.full[between.clone()].to_ascii_lowercase();
    // `比华南区销售额高…`: the metric's name may stand there.
    for mention in words.mentions.iter().rev().filter(|m| between.start <= m.span.start && m.span.end <= between.end) {
        if mention.named.iter().any(|named| matches!(named, Named::Metric(id) if *id == metric.id)) {
            text.replace_range(mention.span.start - between.start..mention.span.end - between.start, " ");
        }
    }
    let text = text.trim().trim_end_matches(['约', '了', '达', ':', '：']).trim();
    COMPARATIVES_BEFORE.contains(&text)
}

fn is_member_base(words: &Words<'_>, member: &Range<usize>) -> bool {
    after_word(words, member, MEMBER_BASE_WORDS)
}

/// Whether one of `list` stands right before `range`.
fn after_word(words: &Words<'_>, range: &Range<usize>, list: &[&str]) -> bool {
    let before = words.full[..range.start].trim_end().to_ascii_lowercase();
    list.iter().any(|w| before.ends_with(w) && (!w.is_ascii() || words::ends_with_word(&before, w)))
}

/// The data's figure for a tie, in the typed figure's terms (percent for ratios shown as `%`); `None` when the
/// data has no such fact.
pub fn data_value(data: &DataSet, tie: &Tie) -> Option<Decimal> {
    let metric = data.metrics.get(&tie.metric)?;
    let ask =
        |period: Period, slice: &Slice, kind: Kind| data.value(Query { metric: &tie.metric, period, slice, kind }).ok();
    let hundred = Decimal::ONE_HUNDRED;
    let in_percent = |v: Decimal| if metric.unit == Unit::Ratio { v.checked_mul(hundred) } else { Some(v) };
    let value = ask(tie.period, &tie.slice, Kind::Actual);
    match &tie.role {
        Role::Value => in_percent(value?),
        Role::Target => in_percent(ask(tie.period, &tie.slice, Kind::Target)?),
        Role::Completion => {
            let target = ask(tie.period, &tie.slice, Kind::Target)?;
            (target > Decimal::ZERO).then(|| value?.checked_div(target)?.checked_mul(hundred)).flatten()
        }
        Role::Share => {
            let mut total_slice = tie.slice.clone();
            let dimension = tie.slice.keys().next()?.clone();
            total_slice.remove(&dimension);
            let total = ask(tie.period, &total_slice, Kind::Actual)?;
            (total > Decimal::ZERO).then(|| value?.checked_div(total)?.checked_mul(hundred)).flatten()
        }
        Role::Change { base, measure } => {
            let base_value = match base {
                Base::YearAgo => ask(tie.period.year_ago()?, &tie.slice, Kind::Actual)?,
                Base::Prev => ask(tie.period.prev()?, &tie.slice, Kind::Actual)?,
                Base::Period(period) => ask(*period, &tie.slice, Kind::Actual)?,
                Base::Member(dimension, member) => {
                    let mut other = tie.slice.clone();
                    other.insert(dimension.clone(), member.clone());
                    ask(tie.period, &other, Kind::Actual)?
                }
            };
            let diff = value?.checked_sub(base_value)?;
            match measure {
                Measure::Percent => {
                    (base_value > Decimal::ZERO).then(|| diff.checked_div(base_value)?.checked_mul(hundred)).flatten()
                }
                Measure::Points => in_percent(diff),
                Measure::Difference => Some(diff),
            }
        }
    }
}
