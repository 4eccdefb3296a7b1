//! `as table`: a Markdown table of breakdown members, the periods of a range, or a comparison.
//!
//! - breakdown (`by DIM [top N]`): one row per member (the folded rest last), value and share columns, a total row;
//! - range (`q1..q4`): one row per period, value and the change from the period before;
//! - comparison: one row, the value and the base as columns headed by what they are (`Q4`, `Q3`, `目标`), then the
//!   change (and, against an amount target, the completion rate).
//!
//! Numbers are formatted as in the sentences and right-aligned; data text is escaped for Markdown and HTML.

use rust_decimal::Decimal;

use super::compute::{Base, BaseKind, Computation, SentenceKind};
use super::context::{Formatter, change_text, item_contribution};
use super::labels::join_cjk;
use super::templates::{escape_owned, escape_text};
use crate::config::Locale;
use crate::data::{Better, Unit};

/// The fixed words of tables (and of chart labels) in one locale.
pub(crate) struct Words {
    pub period: &'static str,
    pub metric: &'static str,
    pub share: &'static str,
    pub change: &'static str,
    pub difference: &'static str,
    pub vs_previous: &'static str,
    pub total: &'static str,
    pub target: &'static str,
    pub standard: &'static str,
    pub completion: &'static str,
    pub all: &'static str,
    /// A member's share of the total's change.
    pub contribution: &'static str,
}

pub(crate) fn words(locale: Locale) -> Words {
    match locale {
        Locale::ZhCn => Words {
            period: "期间",
            metric: "指标",
            share: "占比",
            change: "变化",
            difference: "差异",
            vs_previous: "较上期",
            total: "合计",
            target: "目标",
            standard: "标准",
            completion: "完成率",
            all: "全部",
            contribution: "贡献占比",
        },
        Locale::En => Words {
            period: "Period",
            metric: "Metric",
            share: "Share",
            change: "Change",
            difference: "Difference",
            vs_previous: "Change",
            total: "Total",
            target: "Target",
            standard: "Standard",
            completion: "Attainment",
            all: "All",
            contribution: "Contribution",
        },
    }
}

/// A header made from data text: English headers start with a capital (`revenue` → `Revenue`).
pub(crate) fn heading(text: &str, locale: Locale) -> String {
    let mut chars = text.chars();
    match (locale, chars.next()) {
        (Locale::En, Some(first)) if first.is_lowercase() => first.to_uppercase().chain(chars).collect(),
        _ => text.to_string(),
    }
}

/// The metric as tables and chart titles name it: a share says so in zh-CN too (`AI质检系统营收占比`).
pub(crate) fn display_subject(computation: &Computation) -> String {
    match (computation.kind, computation.locale) {
        (SentenceKind::Share, Locale::ZhCn) => format!("{}占比", computation.subject),
        _ => computation.subject.clone(),
    }
}

/// What the compared value is called next to its base: the period, or the filtered member(s) when the base is
/// another member.
pub(crate) fn current_label(computation: &Computation) -> String {
    match &computation.base {
        Some(base) if base.kind == BaseKind::Member => {
            if computation.filters.is_empty() {
                words(computation.locale).all.to_string()
            } else {
                let labels: Vec<&str> = computation.filters.iter().map(|f| f.label.as_str()).collect();
                match computation.locale {
                    Locale::ZhCn => join_cjk(&labels),
                    Locale::En => labels.join(", "),
                }
            }
        }
        _ => computation.period_label.clone(),
    }
}

/// What the base is called: its period or member, or `目标`/`Target`, `标准`/`Standard`.
pub(crate) fn base_label(computation: &Computation, base: &Base) -> String {
    let words = words(computation.locale);
    match base.kind {
        BaseKind::Target => words.target.to_string(),
        BaseKind::Standard => words.standard.to_string(),
        _ if base.label.is_empty() => words.change.to_string(),
        _ => base.label.clone(),
    }
}

/// Whether a target reads as a completion rate (`105%`): amounts and counts against a positive target, as the
/// sentences do.
pub(crate) fn completion(computation: &Computation, base: &Base) -> Option<Decimal> {
    let applies = base.kind == BaseKind::Target
        && matches!(computation.value_unit(), Unit::Currency | Unit::Count | Unit::Number)
        && computation.metric.better != Better::Lower
        && base.value > Decimal::ZERO;
    if !applies {
        return None;
    }
    computation.value.checked_div(base.value)?.checked_mul(Decimal::ONE_HUNDRED)
}

/// A table before it is written out: a header and rows of cells already escaped.
struct Grid {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// The table as Markdown lines (no trailing newline); the first column left-aligned, numbers right-aligned.
pub fn render(computation: &Computation) -> String {
    let formatter = Formatter::grid(computation).marked();
    let mut grid = match computation.kind {
        SentenceKind::Trend => trend_grid(computation, &formatter),
        SentenceKind::Breakdown => breakdown_grid(computation, &formatter),
        _ => comparison_grid(computation, &formatter),
    };
    // One precision within the table: figures of one kind are written to the same decimals, so that each row
    // reads evenly and each column lines up.
    let widths: Vec<usize> = grid.rows.iter().map(Vec::len).collect();
    let mut cells: Vec<String> = grid.rows.drain(..).flatten().collect();
    super::precision::harmonize_all(&mut cells);
    let mut cells = cells.into_iter();
    grid.rows = widths.iter().map(|width| cells.by_ref().take(*width).collect()).collect();
    write_markdown(&grid)
}

fn trend_grid(computation: &Computation, formatter: &Formatter<'_>) -> Grid {
    let words = words(computation.locale);
    let header = vec![
        words.period.to_string(),
        escape_owned(heading(&computation.subject, computation.locale)),
        words.vs_previous.to_string(),
    ];
    let mut rows = Vec::with_capacity(computation.points.len());
    let mut previous: Option<Decimal> = None;
    for point in &computation.points {
        let delta = match previous {
            Some(before) => escape_owned(change_text(computation, formatter, point.value, before)),
            None => "–".to_string(),
        };
        rows.push(vec![escape_text(&point.label), escape_owned(formatter.value.value(point.value)), delta]);
        previous = Some(point.value);
    }
    Grid { header, rows }
}

fn breakdown_grid(computation: &Computation, formatter: &Formatter<'_>) -> Grid {
    let locale = computation.locale;
    let words = words(locale);
    let with_share = computation.items.iter().any(|i| i.share.is_some());
    let dimension = computation.by_label.as_deref().unwrap_or(words.metric);
    let mut header =
        vec![escape_owned(heading(dimension, locale)), escape_owned(heading(&computation.subject, locale))];
    if with_share {
        header.push(words.share.to_string());
    }
    // A compared breakdown (`by region vs yoy`, `vs target`) adds each member's base and change.
    let compared = computation.base.as_ref().filter(|_| computation.items.iter().any(|i| i.base.is_some()));
    if let Some(base) = compared {
        header.push(escape_owned(heading(&base_label(computation, base), locale)));
        header.push(words.change.to_string());
    }
    // `vs yoy by product` on a metric that adds up: each member's share of the total's change.
    let with_contribution = compared.is_some()
        && computation.items.iter().any(|i| item_contribution(computation, i.value, i.base).is_some());
    if with_contribution {
        header.push(words.contribution.to_string());
    }
    let contribution_cell = |value: Decimal, base: Option<Decimal>| {
        item_contribution(computation, value, base).map_or_else(|| "–".to_string(), |c| formatter.percent.percent(c))
    };
    let base_cells = |value: Decimal, base: Option<Decimal>| -> [String; 2] {
        match base {
            Some(base) => [
                escape_owned(formatter.value.value(base)),
                escape_owned(change_text(computation, formatter, value, base)),
            ],
            None => ["–".to_string(), "–".to_string()],
        }
    };
    let mut rows = Vec::with_capacity(computation.items.len() + 1);
    for item in &computation.items {
        let mut row = vec![escape_text(&item.label), escape_owned(formatter.value.value(item.value))];
        if with_share {
            row.push(item.share.map(|s| formatter.percent.percent(s)).unwrap_or_default());
        }
        if compared.is_some() {
            row.extend(base_cells(item.value, item.base));
        }
        if with_contribution {
            row.push(contribution_cell(item.value, item.base));
        }
        rows.push(row);
    }
    if let Some(total) = computation.total {
        let mut row =
            vec![format!("**{}**", words.total), format!("**{}**", escape_owned(formatter.value.value(total)))];
        if with_share {
            row.push(format!("**{}**", formatter.percent.percent(Decimal::ONE_HUNDRED)));
        }
        if let Some(base) = compared {
            row.extend(base_cells(total, Some(base.value)).map(|cell| format!("**{cell}**")));
            if with_contribution {
                row.push(format!("**{}**", contribution_cell(total, Some(base.value))));
            }
        }
        rows.push(row);
    }
    Grid { header, rows }
}

/// The row of a comparison is named by the subject; against another member by the metric and period instead,
/// since the members head the columns.
fn comparison_row_label(computation: &Computation) -> String {
    match &computation.base {
        Some(base) if base.kind == BaseKind::Member => match computation.locale {
            Locale::ZhCn => join_cjk(&[&computation.period_label, &computation.metric.label]),
            Locale::En => format!("{}, {}", heading(&computation.metric.label, Locale::En), computation.period_label),
        },
        _ => heading(&display_subject(computation), computation.locale),
    }
}

fn comparison_grid(computation: &Computation, formatter: &Formatter<'_>) -> Grid {
    let words = words(computation.locale);
    let locale = computation.locale;
    let mut header = vec![words.metric.to_string(), escape_owned(heading(&current_label(computation), locale))];
    let mut row =
        vec![escape_owned(comparison_row_label(computation)), escape_owned(formatter.value.value(computation.value))];
    if let Some(base) = &computation.base {
        header.push(escape_owned(heading(&base_label(computation, base), locale)));
        row.push(escape_owned(formatter.value.value(base.value)));
        let change_header = match base.kind {
            BaseKind::Target | BaseKind::Standard | BaseKind::Member => words.difference,
            _ => words.change,
        };
        header.push(change_header.to_string());
        row.push(escape_owned(change_text(computation, formatter, computation.value, base.value)));
        if let Some(rate) = completion(computation, base) {
            header.push(words.completion.to_string());
            row.push(formatter.percent.percent(rate));
        }
    }
    Grid { header, rows: vec![row] }
}

fn write_markdown(grid: &Grid) -> String {
    let mut out = format!("| {} |\n", grid.header.join(" | "));
    let aligns: Vec<&str> = (0..grid.header.len()).map(|i| if i == 0 { ":---" } else { "---:" }).collect();
    out.push_str(&format!("| {} |", aligns.join(" | ")));
    for row in &grid.rows {
        out.push_str(&format!("\n| {} |", row.join(" | ")));
    }
    out
}

/// Computations built by hand, for unit tests of tables and charts (the integration tests use the real pipeline).
#[cfg(test)]
pub(crate) mod sample {
    use rust_decimal::Decimal;

    use crate::config::Locale;
    use crate::data::{Better, Period, Unit};
    use crate::directive::Form;
    use crate::narrate::compute::{Base, BaseKind, Computation, FilterInfo, Item, MetricInfo, Point, SentenceKind};

    pub fn metric(label: &str, unit: Unit) -> MetricInfo {
        MetricInfo {
            id: "m".into(),
            label: label.into(),
            unit,
            better: Better::Higher,
            plural: false,
            suffix: None,
            currency: "CNY".into(),
            flat_within: Decimal::ZERO,
            additive: true,
            verbs: Default::default(),
        }
    }

    pub fn computation(locale: Locale, kind: SentenceKind, metric: MetricInfo, value: i64) -> Computation {
        Computation {
            kind,
            form: Form::Chart,
            locale,
            precision: 1,
            style: Default::default(),
            subject: metric.label.clone(),
            metric,
            filters: Vec::new(),
            period: Period::Year(2023),
            period_label: if locale == Locale::ZhCn { "2023年".into() } else { "2023".into() },
            year_label: None,
            value: Decimal::from(value),
            base: None,
            points: Vec::new(),
            items: Vec::new(),
            total: None,
            by_label: None,
            by_dimension: None,
            by_preposition: "from".into(),
            share: kind == SentenceKind::Share,
            chart_options: Vec::new(),
            with_amount: false,
            drivers: None,
            fixed: Default::default(),
            measure: None,
        }
    }

    /// A breakdown over members with the given labels and values; shares when `total` is given.
    pub fn breakdown(locale: Locale, members: &[(&str, i64)], total: Option<i64>) -> Computation {
        let mut c = computation(locale, SentenceKind::Breakdown, metric("revenue", Unit::Currency), 0);
        c.by_label = Some("product line".into());
        c.total = total.map(Decimal::from);
        c.items = members
            .iter()
            .map(|(label, value)| Item {
                member: label.to_string(),
                label: label.to_string(),
                value: Decimal::from(*value),
                share: total.and_then(|t| crate::narrate::compute::percent_of(Decimal::from(*value), Decimal::from(t))),
                base: None,
            })
            .collect();
        c
    }

    /// A monthly range of 2023 with the given values.
    pub fn months(locale: Locale, values: &[i64]) -> Computation {
        let mut c = computation(locale, SentenceKind::Trend, metric("revenue", Unit::Currency), 0);
        c.points = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let period = Period::Month(2023, i as u8 + 1);
                Point {
                    period,
                    label: super::super::labels::period_label(period, Some(2023), locale),
                    value: (*v).into(),
                }
            })
            .collect();
        c
    }

    pub fn with_base(mut c: Computation, kind: BaseKind, value: i64, label: &str) -> Computation {
        c.base = Some(Base { kind, value: value.into(), label: label.into(), period: Some(Period::Year(2022)) });
        c.kind = match kind {
            BaseKind::Target => SentenceKind::Target,
            BaseKind::Standard => SentenceKind::Standard,
            BaseKind::Member => SentenceKind::Member,
            _ => SentenceKind::Period,
        };
        c
    }

    pub fn filter(label: &str) -> FilterInfo {
        FilterInfo {
            dimension: "d".into(),
            dimension_label: "dimension".into(),
            member: "x".into(),
            label: label.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrate::compute::BaseKind;

    #[test]
    fn breakdown_rows_with_shares_and_total() {
        let c = sample::breakdown(Locale::En, &[("A|B", 85_000_000), ("C", 25_000_000)], Some(110_000_000));
        assert_eq!(
            render(&c),
            "| Product line | Revenue | Share |\n| :--- | ---: | ---: |\n| A\\|B | RMB 85M | 77.3% |\n| C | RMB 25M | 22.7% |\n\
             | **Total** | **RMB 110M** | **100.0%** |"
        );
    }

    #[test]
    fn ranges_show_the_change_from_the_period_before() {
        let c = sample::months(Locale::ZhCn, &[100, 0, 50]);
        assert_eq!(
            render(&c),
            "| 期间 | revenue | 较上期 |\n| :--- | ---: | ---: |\n| 1月 | 100元 | – |\n| 2月 | 0元 | -100% |\n\
             | 3月 | 50元 | +50元 |"
        );
    }

    #[test]
    fn comparisons_are_one_row() {
        let c = sample::computation(Locale::ZhCn, SentenceKind::Value, sample::metric("营收", Unit::Currency), 120);
        let c = sample::with_base(c, BaseKind::Target, 100, "");
        assert_eq!(
            render(&c),
            "| 指标 | 2023年 | 目标 | 差异 | 完成率 |\n| :--- | ---: | ---: | ---: | ---: |\n| 营收 | 120元 | 100元 | +20% | 120% |"
        );
        let mut c = sample::computation(Locale::En, SentenceKind::Value, sample::metric("deal cycle", Unit::Days), 50);
        c.filters = vec![sample::filter("new hires")];
        c.subject = "deal cycle for new hires".into();
        let c = sample::with_base(c, BaseKind::Member, 30, "veterans");
        assert_eq!(
            render(&c),
            "| Metric | New hires | Veterans | Difference |\n| :--- | ---: | ---: | ---: |\n\
             | Deal cycle, 2023 | 50 days | 30 days | +20 days |"
        );
    }
}
