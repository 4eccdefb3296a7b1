//! Figures typed by hand into a report, checked against the data (`data/stale-figure`), against each other
//! (`data/conflicting-figures`) and rewritten into directives by `mdbook-kpi fix`.
//!
//! [`extract`] finds the prose a figure can be in (never code, HTML, comments or a directive's output),
//! [`number`] reads a figure and the precision it was written at, [`words`] finds the labels, periods and
//! comparison words that tie it, and [`tie`] picks the one fact it states and asks the data for it. See the
//! guide's page "Hand-typed figures".

pub mod extract;
pub mod number;
pub mod tie;
pub mod words;

use std::ops::Range;

use rust_decimal::Decimal;

use crate::data::{DataSet, Period, Unit};
use number::{Class, Typed};
use tie::{Base, Measure, Role, Tie, Words};
use words::{LabelIndex, PeriodWord};

/// The labels of a data set, indexed once for a whole book.
pub struct Figures<'a> {
    pub data: Option<&'a DataSet>,
    labels: LabelIndex,
    /// The report year (`全年`, `Q4` without a year).
    pub year: Option<i32>,
}

/// One typed figure of a chapter and what the data says about it.
#[derive(Clone, Debug)]
pub struct Found {
    /// The figure's bytes in the chapter (`8369万元`).
    pub source: Range<usize>,
    /// The figure with the word after it (`120家`), in the chapter.
    pub source_with_suffix: Range<usize>,
    pub typed: Typed,
    /// The segment's text (the figure's spans in `typed` are relative to it).
    pub segment: String,
    /// Whether the figure's sentence is Chinese.
    pub zh: bool,
    /// The direction a change word gives the figure (`下降`: -1).
    pub direction: Option<i8>,
    /// The one fact the figure states, when its words name exactly one.
    pub tie: Option<Tie>,
    /// The data's figure for the tie, when the data holds it.
    pub data: Option<Decimal>,
    /// What two figures of one fact share, for figures the data does not check (`2025|拜访客户|次`).
    pub key: Option<String>,
    /// The rules a `kpi-allow` comment allows where the figure stands.
    pub allowed: Vec<String>,
}

impl Found {
    /// The figure as typed.
    pub fn text(&self) -> &str {
        &self.segment[self.typed.span.clone()]
    }

    /// `Some(true)` when the data agrees at the typed precision, `Some(false)` when it does not, `None` when the
    /// figure is not checked.
    pub fn agrees(&self) -> Option<bool> {
        let direction = match self.tie.as_ref()?.role {
            Role::Change { .. } => self.direction,
            _ => None,
        };
        Some(self.typed.agrees(self.data?, direction))
    }

    /// The data's figure written like the typed one: its size for a figure typed without a sign (whose words, if
    /// any, say the direction), signed for one typed with its sign.
    pub fn data_text(&self) -> Option<String> {
        let data = self.data?;
        let shown = if self.typed.sign == 0 { data.abs() } else { data };
        Some(self.typed.written_like(&self.segment, shown))
    }
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

impl<'a> Figures<'a> {
    /// `year` is the configured report year; the data's `[meta] year` stands in when it is `None`.
    pub fn new(data: Option<&'a DataSet>, year: Option<i32>) -> Self {
        let labels = data.map(LabelIndex::new).unwrap_or_default();
        let year = year.or_else(|| data.and_then(|d| d.meta.year));
        Figures { data, labels, year }
    }

    /// Every typed figure of a chapter, in order.
    pub fn chapter(&self, text: &str) -> Vec<Found> {
        self.in_segments(extract::segments(text))
    }

    /// Every typed figure of a chapter's segments (from [`extract::segments`] or a shared parse's
    /// [`extract::Collector`]), in order.
    pub fn in_segments(&self, segments: Vec<extract::Segment>) -> Vec<Found> {
        let mut out = Vec::new();
        for segment in segments {
            let figures = number::figures(&segment.text);
            if figures.is_empty() {
                continue;
            }
            let full = format!("{}{}", segment.context, segment.text);
            let offset = segment.context.len();
            let words = Words {
                full: &full,
                offset,
                mentions: self.labels.mentions(&full),
                // Without a report year `全年` still names one period, for telling two typings of it apart.
                periods: words::periods(&full, self.year.or(Some(0))),
                comparisons: words::comparisons(&full),
                figures: figures.iter().map(|f| (f.span.start + offset..f.span.end + offset, f.class)).collect(),
            };
            let zh = segment.text.chars().any(is_cjk)
                || (!segment.text.contains(char::is_alphabetic) && full.chars().any(is_cjk));
            for typed in figures {
                let Some(source) = segment.source(&typed.span) else { continue };
                let source_with_suffix = segment.source(&typed.with_suffix).unwrap_or_else(|| source.clone());
                let span = typed.span.start + offset..typed.span.end + offset;
                let clause = words::clause(&segment.text, typed.span.start);
                let direction = words::direction(&segment.text[clause.start..typed.span.start])
                    .or_else(|| words::direction_after(&segment.text[typed.span.end..clause.end.max(typed.span.end)]));
                let tie = self
                    .data
                    .filter(|_| !words::pairs_in_order(&segment.text))
                    .and_then(|data| tie::tie(data, &words, &typed, &span, direction));
                let data = self.data.zip(tie.as_ref()).and_then(|(data, tie)| tie::data_value(data, tie));
                let (tie, data) = points_said_as_percent(self.data, tie, data, &typed, direction);
                let key = match (&tie, data) {
                    (Some(tie), None) => Some(tie_key(tie)),
                    (None, _) if direction.is_none() => loose_key(&words, &typed, &span),
                    _ => None,
                };
                out.push(Found {
                    source,
                    source_with_suffix,
                    typed,
                    segment: segment.text.clone(),
                    zh,
                    direction,
                    tie,
                    data,
                    key,
                    allowed: segment.allowed.clone(),
                });
            }
        }
        out
    }
}

/// A rate's change typed in percent ties to its relative change (`毛利率增长5.7%`); but one that disagrees with
/// it and agrees with the change in points (`毛利率增长1.8%` for 31.4% → 33.2%) was meant in points, loosely
/// written: left alone rather than reported.
fn points_said_as_percent(
    data: Option<&DataSet>,
    tie: Option<Tie>,
    value: Option<rust_decimal::Decimal>,
    typed: &Typed,
    direction: Option<i8>,
) -> (Option<Tie>, Option<rust_decimal::Decimal>) {
    let (Some(data), Some(found), Some(relative)) = (data, &tie, value) else { return (tie, value) };
    let Role::Change { base, measure: Measure::Percent } = &found.role else { return (tie, value) };
    if !found.unit.is_rate() || typed.agrees(relative, direction.filter(|_| typed.sign == 0)) {
        return (tie, value);
    }
    let as_points = Tie { role: Role::Change { base: base.clone(), measure: Measure::Points }, ..found.clone() };
    match tie::data_value(data, &as_points) {
        Some(points) if typed.agrees(points, direction.filter(|_| typed.sign == 0)) => (None, None),
        _ => (tie, value),
    }
}

fn tie_key(tie: &Tie) -> String {
    format!("{}|{}|{:?}|{:?}", tie.metric, tie.period, tie.slice, tie.role)
}

/// For a figure no metric ties: the period named before it in its sentence and the words between them
/// (`全年拜访客户1240次` → `2025|拜访客户|次`), when those are a short run of words and nothing else.
fn loose_key(words: &Words<'_>, typed: &Typed, span: &Range<usize>) -> Option<String> {
    let mention = words.periods.iter().rev().find(|p| p.end <= span.start && !p.is_base)?;
    let PeriodWord::At(period) = mention.word else { return None };
    let between = &words.full[mention.end..span.start];
    if between.contains(|c: char| c.is_ascii_digit() || c == extract::HOLE || "，,。;；:：".contains(c)) {
        return None;
    }
    let normal: String = between.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
    let count = normal.chars().count();
    if !(2..=24).contains(&count) {
        return None;
    }
    let class = match typed.class {
        Class::Money | Class::Scaled => "amount",
        Class::Plain => "count",
        Class::Percent => "percent",
        Class::Points => "points",
        Class::Days => "days",
    };
    Some(format!("{period}|{normal}|{class}|{}", typed.suffix.trim().to_lowercase()))
}

/// Compiles the figure check's patterns now, rather than on first use (see [`crate::engine::warm_up`]).
pub fn compile_patterns() {
    number::compile_patterns();
    words::compile_patterns();
}

/// The period as a directive writes it: relative within the report year (`fy`, `q4`, `h2`), else absolute.
pub fn period_text(period: Period, year: Option<i32>) -> String {
    if year != Some(period.year()) {
        return period.to_string();
    }
    match period {
        Period::Year(_) => "fy".to_string(),
        Period::Quarter(_, q) => format!("q{q}"),
        Period::Half(_, h) => format!("h{h}"),
        Period::Month(..) => period.to_string(),
    }
}

/// The directive that writes the tie's figure (`<<#kpi revenue fy vs yoy as size>>`), with extra options: a
/// change as `as delta` when it was typed with its sign (`+956万元`), else `as size`, with `measure=` when the
/// figure measures it otherwise than the metric's sentences do (an amount's difference, a rate's relative change).
pub fn directive(tie: &Tie, year: Option<i32>, signed: bool, options: &[String]) -> String {
    let mut words = vec!["<<#kpi".to_string()];
    if tie.role == Role::Share {
        words.push("share".into());
    }
    words.push(tie.metric.clone());
    words.extend(tie.slice.iter().map(|(dimension, member)| format!("{dimension}={member}")));
    words.push(period_text(tie.period, year));
    match &tie.role {
        Role::Value | Role::Share => {}
        Role::Target => words.push("vs target".into()),
        Role::Completion => words.push("vs target as ratio".into()),
        Role::Change { base, measure } => {
            let base = match base {
                Base::YearAgo => "yoy".to_string(),
                Base::Prev => "prev".to_string(),
                Base::Period(period) => period_text(*period, year),
                Base::Member(dimension, member) => format!("{dimension}={member}"),
            };
            let form = if signed { "delta" } else { "size" };
            words.push(format!("vs {base} as {form}"));
            let rate = tie.unit.is_rate();
            match measure {
                Measure::Percent if rate || tie.unit == Unit::Days => words.push("measure=percent".into()),
                Measure::Difference | Measure::Points if !rate && tie.unit != Unit::Days => {
                    words.push("measure=difference".into())
                }
                _ => {}
            }
        }
    }
    words.extend(options.iter().cloned());
    format!("{}>>", words.join(" "))
}
