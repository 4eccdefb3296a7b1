//! What a directive means in numbers: the value, the base it is compared with, the change, breakdown items and
//! trend points — all exact decimals, unrounded. Formatting happens later, once.

use rust_decimal::Decimal;

use super::format::{Fixed, Scale};
use super::labels::{guess_plural, join_cjk, period_label};
use super::{Failure, Narrator};
use crate::config::Locale;
use crate::data::query::{Query, QueryError};
use crate::data::{Better, DataSet, Granularity, Kind, Label, Metric, Period, Slice, Unit};
use crate::directive::{By, Comparand, Directive, Filter, Form, PeriodRef, PeriodSpec, Spanned};
use crate::rules::Rule;
use crate::suggest;

/// The sentence kinds of docs/src/templates.md that a directive can produce (delta and ratio are forms of these).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SentenceKind {
    Value,
    Period,
    Target,
    Standard,
    Member,
    Share,
    Trend,
    Breakdown,
}

impl SentenceKind {
    pub fn template(self) -> &'static str {
        match self {
            SentenceKind::Value => "value",
            SentenceKind::Period => "period",
            SentenceKind::Target => "target",
            SentenceKind::Standard => "standard",
            SentenceKind::Member => "member",
            SentenceKind::Share => "share",
            SentenceKind::Trend => "trend",
            SentenceKind::Breakdown => "breakdown",
        }
    }
}

/// What the value is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaseKind {
    /// The preceding period (`prev`, `qoq`, `环比`).
    Prev,
    /// The same period a year earlier (`yoy`, `同比`).
    YearAgo,
    /// An explicitly named period.
    Period,
    Target,
    Standard,
    /// Another member of a dimension.
    Member,
}

impl BaseKind {
    pub fn id(self) -> &'static str {
        match self {
            BaseKind::Prev => "prev",
            BaseKind::YearAgo => "yoy",
            BaseKind::Period => "period",
            BaseKind::Target => "target",
            BaseKind::Standard => "standard",
            BaseKind::Member => "member",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Base {
    pub kind: BaseKind,
    pub value: Decimal,
    /// `Q3`, `2022年`, `老员工`, or empty for targets and standards.
    pub label: String,
    pub period: Option<Period>,
}

#[derive(Clone, Debug)]
pub struct FilterInfo {
    pub dimension: String,
    pub dimension_label: String,
    pub member: String,
    pub label: String,
}

/// One trend point.
#[derive(Clone, Debug)]
pub struct Point {
    pub period: Period,
    pub label: String,
    pub value: Decimal,
}

/// One breakdown row.
#[derive(Clone, Debug)]
pub struct Item {
    /// The member id; empty for the folded rest.
    pub member: String,
    pub label: String,
    pub value: Decimal,
    /// Share of the total, in percent; `None` for metrics that do not add up.
    pub share: Option<Decimal>,
    /// The member's own base when the breakdown is compared (`by region vs yoy`, `vs target`); `None` where the
    /// data has none.
    pub base: Option<Decimal>,
}

/// One member's part in the change of the total (`vs COMPARAND by DIM`).
#[derive(Clone, Debug)]
pub struct Driver {
    pub member: String,
    pub label: String,
    pub value: Decimal,
    /// The member's own base: its figure in the base period, or its own target.
    pub base: Decimal,
    /// `value - base`.
    pub diff: Decimal,
    /// The member's share of the total's change in percent: for metrics that add up, when the total changed.
    pub contribution: Option<Decimal>,
}

/// What drove the total's change (`vs yoy by product`), or how each member did against its own target
/// (`vs target by product`).
#[derive(Clone, Debug)]
pub struct Drivers {
    /// Every member with a figure in both periods (or a value and a target), largest change first; against
    /// targets, largest completion (or difference) first.
    pub members: Vec<Driver>,
    /// How many members the sentence names (`top N`; 2 by default, every member against targets).
    pub top: usize,
    pub against_target: bool,
}

/// How many drivers a sentence names without `top N`.
pub const DEFAULT_DRIVERS: usize = 2;

#[derive(Clone, Debug)]
pub struct MetricInfo {
    pub id: String,
    pub label: String,
    pub unit: Unit,
    pub better: Better,
    pub plural: bool,
    pub suffix: Option<Label>,
    pub currency: String,
    /// `flat-within`: a change this small reads as roughly flat.
    pub flat_within: Decimal,
    /// Whether members add up to the total (`rollup = "sum"`, not a rate): then shares of a total or of a
    /// change mean something.
    pub additive: bool,
    /// The metric's own verbs in the sentence's locale (`verbs` in the data), each `None` where the unit's
    /// verb serves: `up`, `down`, `up_to`, `down_to`.
    pub verbs: [Option<String>; 4],
}

/// Everything a template, table or chart needs, computed once.
#[derive(Clone, Debug)]
pub struct Computation {
    pub kind: SentenceKind,
    pub form: Form,
    pub locale: Locale,
    pub precision: u32,
    pub style: crate::config::Style,
    pub metric: MetricInfo,
    pub filters: Vec<FilterInfo>,
    /// The metric as the sentence names it, with its filters: `新人成单周期`, `deal cycle for new hires`.
    pub subject: String,
    pub period: Period,
    pub period_label: String,
    /// The report year's own label (`2023年`, `2023`) where `period_label` says 全年 / full-year because the
    /// chapter named the year already; `None` otherwise.
    pub year_label: Option<String>,
    /// The value; for `share`, the share in percent.
    pub value: Decimal,
    pub base: Option<Base>,
    pub points: Vec<Point>,
    pub items: Vec<Item>,
    /// A breakdown's total, for metrics that add up.
    pub total: Option<Decimal>,
    /// The breakdown's dimension label.
    pub by_label: Option<String>,
    /// The breakdown's dimension id.
    pub by_dimension: Option<String>,
    /// The English word before a member in a breakdown list: the dimension's `preposition`, else "from".
    pub by_preposition: String,
    /// Whether the values are shares of a total (in percent): `share …`, also over a range.
    pub share: bool,
    /// `with=amount`: a change in percent is given with its amount first (增长500万元（16.1%） / up RMB 5M
    /// (16.1%)), in the period sentence and `as change`.
    pub with_amount: bool,
    /// `OPTION=VALUE` pairs for charts (`type`, `height`).
    pub chart_options: Vec<(String, String)>,
    /// A compared breakdown (`vs yoy by product`, `vs target by product`): the members behind the change.
    pub drivers: Option<Drivers>,
    /// Decimals and magnitude fixed by `decimals=` and `scale=`.
    pub fixed: Fixed,
    /// How `as delta` and `as size` measure the change (`measure=`); `None`: as the sentences do.
    pub measure: Option<ChangeMeasure>,
}

/// How a change is stated, when a directive says so (`measure=percent`, `measure=difference`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeMeasure {
    /// In percent of the base, for any unit (a rate's relative change too).
    Percent,
    /// In the metric's unit: the amount, the count, days; percentage points for rates.
    Difference,
}

impl Computation {
    /// The template that writes the sentence: a compared breakdown states its drivers.
    pub fn template(&self) -> &'static str {
        if self.drivers.is_some() { "drivers" } else { self.kind.template() }
    }

    /// The unit the value is in: a share is a percentage whatever the metric.
    pub fn value_unit(&self) -> Unit {
        if self.share { Unit::Percent } else { self.metric.unit }
    }
}

pub fn compute(narrator: &Narrator<'_>, directive: &Directive) -> Result<Computation, Failure> {
    let data = narrator.data;
    // Names given by label become ids first.
    let directive = &*super::names::resolve(data, directive, narrator.locale)?;
    let mut locale = narrator.locale;
    let mut precision = narrator.precision;
    let mut chart_options = Vec::new();
    let mut with_amount = None;
    for option in &directive.options {
        match option.name.value.as_str() {
            "with" => with_amount = Some(option.name.span.start..option.value.span.end),
            "locale" => {
                locale = Locale::parse(&option.value.value).ok_or_else(|| {
                    Failure::new(Rule::KpiSyntax, option.value.span.clone(), "unknown locale")
                        .with_help(Some("use `locale=zh-CN` or `locale=en`".into()))
                })?
            }
            "precision" => {
                precision = option.value.value.parse::<u32>().ok().filter(|p| *p <= 6).ok_or_else(|| {
                    Failure::new(Rule::KpiSyntax, option.value.span.clone(), "precision must be a whole number 0–6")
                })?
            }
            "decimals" | "scale" | "measure" => {}
            other => chart_options.push((other.to_string(), option.value.value.clone())),
        }
    }
    let (fixed, measure) = fixed_options(directive, locale)?;
    if let Some(decimals) = fixed.decimals {
        precision = decimals;
    }

    let metric = find_metric(data, &directive.metric)?;
    let filters = resolve_filters(data, &directive.filters, locale)?;
    let slice: Slice = filters.iter().map(|f| (f.dimension.clone(), f.member.clone())).collect();
    let year = narrator.year.or(data.meta.year);
    let metric_info = metric_info(data, metric, locale);
    let subject = subject(&metric_info, &filters, locale);

    let form = directive.form.as_ref().map(|f| f.value).unwrap_or(
        if directive.comparand.is_some()
            || directive.by.is_some()
            || matches!(directive.period.value, PeriodSpec::Range(..))
        {
            Form::Sentence
        } else {
            Form::Value
        },
    );

    let ask = Asker { data, metric: &metric.id, locale };
    let mut computation = Computation {
        kind: SentenceKind::Value,
        form,
        locale,
        precision,
        style: narrator.style,
        metric: metric_info,
        filters,
        subject,
        period: Period::Year(year.unwrap_or(2000)),
        period_label: String::new(),
        year_label: None,
        value: Decimal::ZERO,
        base: None,
        points: Vec::new(),
        items: Vec::new(),
        total: None,
        by_label: None,
        by_dimension: None,
        by_preposition: "from".into(),
        share: false,
        with_amount: with_amount.is_some(),
        chart_options,
        drivers: None,
        fixed,
        measure,
    };
    check_combination(directive, form)?;
    check_fixed(directive, &computation)?;
    if let Some(span) = with_amount {
        check_with_amount(directive, form, span)?;
    }

    match directive.period.value {
        PeriodSpec::Range(from, to) => {
            trend(&mut computation, &ask, directive, from, to, year, &slice)?;
        }
        PeriodSpec::Single(period_ref) => {
            let period = resolve_period(period_ref, year, &directive.period)?;
            computation.period = period;
            computation.period_label = period_label(period, year, locale);
            if narrator.year_named && implies_report_year(narrator, form, period, year) {
                let word = match locale {
                    Locale::ZhCn => "全年",
                    Locale::En => "full-year",
                };
                computation.year_label = Some(std::mem::replace(&mut computation.period_label, word.into()));
            }
            if let Some(by) = &directive.by {
                breakdown(&mut computation, &ask, data, by, &slice, metric)?;
            } else if directive.share {
                share(&mut computation, &ask, directive, &slice, year)?;
            } else {
                computation.value = ask.value(period, &slice, Kind::Actual, &directive.period.span)?;
                computation.kind = SentenceKind::Value;
            }
            if let Some(comparand) = &directive.comparand
                && !directive.share
            {
                compare(&mut computation, &ask, data, comparand, &slice, year, metric)?;
                // The sentence names the drivers; a table shows every member with its base, change and share of
                // the change, a member without a base as `–`.
                if let Some(by) = &directive.by
                    && form == Form::Sentence
                {
                    drivers(&mut computation, &ask, data, by, comparand, &slice)?;
                }
            }
            if let Some(top) = directive.by.as_ref().and_then(|by| by.top) {
                fold_top(&mut computation, top)?;
            }
        }
    }
    let span = directive.comparand.as_ref().map_or(directive.period.span.clone(), |c| c.span.clone());
    check_differences(&computation, span)?;
    Ok(computation)
}

/// `decimals=`, `scale=` and `measure=`, checked against each other and the locale.
fn fixed_options(directive: &Directive, locale: Locale) -> Result<(Fixed, Option<ChangeMeasure>), Failure> {
    let option = |name: &str| directive.options.iter().find(|o| o.name.value == name);
    let syntax = |span: std::ops::Range<usize>, message: String, help: String| {
        Err(Failure::new(Rule::KpiSyntax, span, message).with_help(Some(help)))
    };
    let mut fixed = Fixed::default();
    if let Some(decimals) = option("decimals") {
        if let Some(precision) = option("precision") {
            return syntax(
                precision.name.span.clone(),
                "`precision` and `decimals` both set the decimals".into(),
                "keep `decimals=N` for exactly N decimals (`14.0%`), or `precision=N` for at most N (`14%`)".into(),
            );
        }
        fixed.decimals = decimals.value.value.parse().ok();
    }
    if let Some(scale) = option("scale") {
        let parsed = Scale::parse(&scale.value.value);
        if let Some(parsed) = parsed.filter(|parsed| parsed.locale() != locale) {
            let fits = if locale == Locale::ZhCn { "`万` or `亿`" } else { "`K`, `M` or `B`" };
            return syntax(
                scale.value.span.clone(),
                format!("`scale={}` is not a magnitude {} numbers are written in", parsed.text(), locale.id()),
                format!("write `scale=` with {fits}, or set `locale=` to the language of the text"),
            );
        }
        fixed.scale = parsed;
    }
    let measure = option("measure").map(|measure| match measure.value.value.as_str() {
        "percent" => ChangeMeasure::Percent,
        _ => ChangeMeasure::Difference,
    });
    Ok((fixed, measure))
}

/// `scale=` needs an amount or a count; `measure=` a change stated alone (`as delta`, `as size`).
fn check_fixed(directive: &Directive, computation: &Computation) -> Result<(), Failure> {
    let option = |name: &str| directive.options.iter().find(|o| o.name.value == name);
    if let Some(scale) = option("scale")
        && !matches!(computation.value_unit(), Unit::Currency | Unit::Count | Unit::Number)
    {
        return Err(Failure::new(
            Rule::KpiSyntax,
            scale.name.span.clone(),
            format!("`scale` sets the magnitude of amounts and counts; {} is not one", computation.metric.id),
        )
        .with_help(Some("remove `scale=`; `decimals=` sets the decimals of percentages and days".into())));
    }
    if let Some(measure) = option("measure")
        && !matches!(computation.form, Form::Delta | Form::Size)
    {
        return Err(Failure::new(
            Rule::KpiSyntax,
            measure.name.span.clone(),
            format!("`measure` applies to `as delta` and `as size`, not to `as {}`", computation.form),
        )
        .with_help(Some("add `as delta` or `as size`, or remove `measure=`".into())));
    }
    Ok(())
}

/// Combinations the grammar accepts but a directive cannot honour: an error, never a part quietly dropped.
/// `with=amount` gives a change over time its amount: a period comparison, as a sentence or `as change`.
fn check_with_amount(directive: &Directive, form: Form, span: std::ops::Range<usize>) -> Result<(), Failure> {
    let over_time = matches!(
        directive.comparand.as_ref().map(|c| &c.value),
        Some(Comparand::Prev | Comparand::YearAgo | Comparand::Period(_))
    );
    if over_time && !directive.share && directive.by.is_none() && matches!(form, Form::Sentence | Form::Change) {
        return Ok(());
    }
    Err(Failure::new(Rule::KpiSyntax, span, "`with=amount` gives a change over time its amount").with_help(Some(
        "use it on a comparison with a period, such as `<<#kpi revenue q4 vs q3 with=amount>>` or `… as change \
             with=amount`; a drivers sentence gives the amount already"
            .into(),
    )))
}

fn check_combination(directive: &Directive, form: Form) -> Result<(), Failure> {
    let syntax = |span: std::ops::Range<usize>, message: String, help: &str| {
        Err(Failure::new(Rule::KpiSyntax, span, message).with_help(Some(help.to_string())))
    };
    let form_span = || directive.form.as_ref().map_or(directive.period.span.clone(), |f| f.span.clone());
    if let Some(by) = &directive.by {
        let dimension = &by.dimension.value;
        if directive.share {
            return syntax(
                by.dimension.span.clone(),
                format!("`share` states one member's share of the total; `by {dimension}` cannot go with it"),
                "drop `share` to list every member with its share (`<<#kpi revenue 2025 by product>>`), or drop `by`",
            );
        }
        if matches!(form, Form::Value | Form::Delta | Form::Change | Form::Ratio) {
            return syntax(
                form_span(),
                format!("`as {form}` states one figure; `by {dimension}` breaks the figure down into members"),
                "use `by` with a sentence or `as table`/`as chart`, or drop `by`",
            );
        }
        match directive.comparand.as_ref().map(|c| (&c.value, c.span.clone())) {
            Some((Comparand::Member(filter), span)) => {
                return syntax(
                    span,
                    format!("`vs {filter}` compares two members; `by {dimension}` cannot go with it"),
                    "compare two members with `<<#kpi revenue product=a 2025 vs product=b>>`, or explain a change                      by its members with `vs yoy by product`",
                );
            }
            Some((Comparand::Standard, span)) => {
                return syntax(
                    span,
                    format!("`vs standard by {dimension}` is not supported: a standard is one norm, not a total"),
                    "compare one member with the standard (`<<#kpi cycle region=east 2025 vs standard>>`), or drop                      `by`",
                );
            }
            Some((_, span)) if form == Form::Chart => {
                return syntax(
                    span,
                    format!("a chart of `by {dimension}` shows each member's value; the comparison would be lost"),
                    "use `as table` for each member's base, change and share of the change, or the sentence",
                );
            }
            _ => {}
        }
    }
    if matches!(form, Form::Delta | Form::Change | Form::Ratio)
        && directive.comparand.is_none()
        && matches!(directive.period.value, PeriodSpec::Single(_))
    {
        return syntax(
            form_span(),
            format!("`as {form}` states a change, but the directive compares with nothing"),
            "add a comparison such as `vs q3`, `yoy` or `vs target`",
        );
    }
    Ok(())
}

/// Every difference a sentence, table or chart states must exist in exact decimal arithmetic: a value and its
/// base near the decimal type's limit (about ±7.9·10²⁸) would otherwise read as "unchanged".
fn check_differences(computation: &Computation, span: std::ops::Range<usize>) -> Result<(), Failure> {
    let mut pairs: Vec<(Decimal, Decimal)> = Vec::new();
    if let Some(base) = &computation.base {
        pairs.push((computation.value, base.value));
    }
    pairs.extend(computation.items.iter().filter_map(|item| Some((item.value, item.base?))));
    pairs.extend(computation.points.windows(2).map(|pair| (pair[1].value, pair[0].value)));
    // A ratio's change is stated in percentage points, a hundred times the difference.
    let scale = if computation.value_unit() == Unit::Ratio { Decimal::ONE_HUNDRED } else { Decimal::ONE };
    // A ratio's figures are shown in percent, a hundred times their value.
    let mut figures = vec![computation.value];
    figures.extend(computation.base.as_ref().map(|base| base.value));
    figures.extend(computation.items.iter().flat_map(|item| [Some(item.value), item.base]).flatten());
    figures.extend(computation.points.iter().map(|point| point.value));
    let too_large = pairs
        .iter()
        .any(|(value, base)| value.checked_sub(*base).and_then(|diff| diff.checked_mul(scale)).is_none())
        || figures.iter().any(|figure| figure.checked_mul(scale).is_none())
        // The ratio to a positive base (目标完成率, "105% of the target") is stated in percent too.
        || computation.base.as_ref().is_some_and(|base| {
            base.value > Decimal::ZERO
                && computation.value.checked_div(base.value).and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED)).is_none()
        });
    if too_large {
        return Err(Failure::new(
            Rule::KpiNoData,
            span,
            "the figures are too large to compare or to state exactly: beyond exact decimal arithmetic (about 7.9e28)",
        )
        .with_help(Some("check the data's magnitude and unit; figures this large are usually a unit mistake".into())));
    }
    Ok(())
}

/// Asks the data set, turning query errors into failures at a span of the directive.
struct Asker<'a> {
    data: &'a DataSet,
    metric: &'a str,
    /// The language of the hints.
    locale: Locale,
}

impl Asker<'_> {
    fn value(
        &self,
        period: Period,
        slice: &Slice,
        kind: Kind,
        span: &std::ops::Range<usize>,
    ) -> Result<Decimal, Failure> {
        let query = Query { metric: self.metric, period, slice, kind };
        self.data.value(query).map_err(|error| query_failure(&error, span.clone(), self.locale))
    }
}

fn query_failure(error: &QueryError, span: std::ops::Range<usize>, locale: Locale) -> Failure {
    Failure::new(error.rule(), span, error.to_string()).with_help(error.hint_in(locale))
}

fn find_metric<'a>(data: &'a DataSet, name: &Spanned<String>) -> Result<&'a Metric, Failure> {
    data.metrics.get(&name.value).ok_or_else(|| {
        Failure::new(Rule::KpiUnknownMetric, name.span.clone(), format!("unknown metric `{}`", name.value))
            .with_help(suggest::help_for(&name.value, data.metrics.keys().map(String::as_str)))
    })
}

fn resolve_filter(data: &DataSet, filter: &Filter, locale: Locale) -> Result<FilterInfo, Failure> {
    let dimension = data.dimensions.get(&filter.dimension.value).ok_or_else(|| {
        Failure::new(
            Rule::KpiUnknownDimension,
            filter.dimension.span.clone(),
            format!("unknown dimension `{}`", filter.dimension.value),
        )
        .with_help(suggest::help_for(&filter.dimension.value, data.dimensions.keys().map(String::as_str)))
    })?;
    let label = dimension.members.get(&filter.member.value).ok_or_else(|| {
        Failure::new(
            Rule::KpiUnknownMember,
            filter.member.span.clone(),
            format!("dimension `{}` has no member `{}`", dimension.id, filter.member.value),
        )
        .with_help(suggest::help_for(&filter.member.value, dimension.members.keys().map(String::as_str)))
    })?;
    Ok(FilterInfo {
        dimension: dimension.id.clone(),
        dimension_label: dimension.label.get(locale.id(), &dimension.id).to_string(),
        member: filter.member.value.clone(),
        label: label.get(locale.id(), &filter.member.value).to_string(),
    })
}

fn resolve_filters(data: &DataSet, filters: &[Filter], locale: Locale) -> Result<Vec<FilterInfo>, Failure> {
    let mut resolved: Vec<FilterInfo> = Vec::with_capacity(filters.len());
    for filter in filters {
        let info = resolve_filter(data, filter, locale)?;
        if resolved.iter().any(|f| f.dimension == info.dimension) {
            return Err(Failure::new(
                Rule::KpiSyntax,
                filter.dimension.span.clone(),
                format!("dimension `{}` is filtered twice", info.dimension),
            ));
        }
        resolved.push(info);
    }
    Ok(resolved)
}

/// Whether a sentence's period is the whole report year, which a chapter names once (`report-year = "first"`).
fn implies_report_year(narrator: &Narrator<'_>, form: Form, period: Period, year: Option<i32>) -> bool {
    narrator.style.report_year == crate::config::ReportYear::First
        && form == Form::Sentence
        && year.is_some_and(|year| period == Period::Year(year))
}

/// Whether the directive's sentence names the whole report year as its period ([`Narrator::names_report_year`]).
pub fn names_report_year(narrator: &Narrator<'_>, directive: &Directive) -> bool {
    let PeriodSpec::Single(period_ref) = directive.period.value else { return false };
    let sentence = match directive.form.as_ref().map(|f| f.value) {
        Some(form) => form == Form::Sentence,
        None => directive.comparand.is_some() || directive.by.is_some(),
    };
    let year = narrator.year.or(narrator.data.meta.year);
    sentence
        && resolve_period(period_ref, year, &directive.period)
            .is_ok_and(|period| implies_report_year(narrator, Form::Sentence, period, year))
}

fn resolve_period(period: PeriodRef, year: Option<i32>, token: &Spanned<PeriodSpec>) -> Result<Period, Failure> {
    period.resolve(year).ok_or_else(|| {
        Failure::new(
            Rule::KpiBadPeriod,
            token.span.clone(),
            "this period is relative to the report year, which is not set",
        )
        .with_help(Some(
            "set `year` in [preprocessor.kpi] or `[meta] year` in the data, or write the year (`2023-q4`)".into(),
        ))
    })
}

fn metric_info(data: &DataSet, metric: &Metric, locale: Locale) -> MetricInfo {
    let label = metric.label.get(locale.id(), &metric.id).to_string();
    let english = metric.label.get("en", &metric.id);
    MetricInfo {
        id: metric.id.clone(),
        plural: metric.plural.unwrap_or_else(|| guess_plural(english)),
        label,
        unit: metric.unit,
        better: metric.better,
        suffix: metric.suffix.clone(),
        currency: data.meta.currency.clone().unwrap_or_else(|| "CNY".into()),
        flat_within: metric.flat_within,
        additive: metric.rollup == crate::data::Rollup::Sum && !metric.unit.is_rate(),
        verbs: [&metric.verbs.up, &metric.verbs.down, &metric.verbs.up_to, &metric.verbs.down_to].map(|verb| {
            verb.as_ref().map(|label| label.get(locale.id(), "")).filter(|text| !text.is_empty()).map(str::to_string)
        }),
    }
}

fn subject(metric: &MetricInfo, filters: &[FilterInfo], locale: Locale) -> String {
    match locale {
        Locale::ZhCn => {
            let mut parts: Vec<&str> = filters.iter().map(|f| f.label.as_str()).collect();
            parts.push(&metric.label);
            join_cjk(&parts)
        }
        Locale::En if filters.is_empty() => metric.label.clone(),
        Locale::En => {
            let members: Vec<&str> = filters.iter().map(|f| f.label.as_str()).collect();
            format!("{} for {}", metric.label, members.join(", "))
        }
    }
}

fn share(
    computation: &mut Computation,
    ask: &Asker<'_>,
    directive: &Directive,
    slice: &Slice,
    year: Option<i32>,
) -> Result<(), Failure> {
    let [filter] = computation.filters.as_slice() else {
        return Err(Failure::new(
            Rule::KpiSyntax,
            directive.metric.span.clone(),
            "`share` needs exactly one DIM=MEMBER filter",
        ));
    };
    let dimension = filter.dimension.clone();
    let label = filter.label.clone();
    computation.kind = SentenceKind::Share;
    computation.share = true;
    computation.subject = match computation.locale {
        Locale::ZhCn => join_cjk(&[&label, &computation.metric.label]),
        Locale::En => format!("{label}'s share of {}", computation.metric.label),
    };
    let span = directive.period.span.clone();
    computation.value = share_at(ask, computation.period, slice, &dimension, &span)?;
    if let Some(comparand) = &directive.comparand {
        let (kind, period) = match &comparand.value {
            Comparand::Prev => (BaseKind::Prev, computation.period.prev()),
            Comparand::YearAgo => (BaseKind::YearAgo, computation.period.year_ago()),
            Comparand::Period(p) => (BaseKind::Period, Some(resolve_period(*p, year, &directive.period)?)),
            _ => {
                return Err(Failure::new(
                    Rule::KpiSyntax,
                    comparand.span.clone(),
                    "a share compares with another period only (`vs q3`, `vs prev`, `yoy`)",
                ));
            }
        };
        let period =
            period.ok_or_else(|| Failure::new(Rule::KpiBadPeriod, comparand.span.clone(), "no such period"))?;
        let value = share_at(ask, period, slice, &dimension, &comparand.span)?;
        let label = period_label(period, year, computation.locale);
        computation.base = Some(Base { kind, value, label, period: Some(period) });
    }
    Ok(())
}

/// The slice's share of the total over its one filtered dimension, in percent.
fn share_at(
    ask: &Asker<'_>,
    period: Period,
    slice: &Slice,
    dimension: &str,
    span: &std::ops::Range<usize>,
) -> Result<Decimal, Failure> {
    let part = ask.value(period, slice, Kind::Actual, span)?;
    let mut total_slice = slice.clone();
    total_slice.remove(dimension);
    let total = ask.value(period, &total_slice, Kind::Actual, span)?;
    percent_of(part, total).ok_or_else(|| {
        Failure::new(Rule::KpiNoData, span.clone(), format!("the total for {period} is zero, so there is no share"))
    })
}

/// `part / total × 100`, `None` when the total is not positive or the result overflows.
pub fn percent_of(part: Decimal, total: Decimal) -> Option<Decimal> {
    if total <= Decimal::ZERO {
        return None;
    }
    part.checked_div(total)?.checked_mul(Decimal::ONE_HUNDRED)
}

fn compare(
    computation: &mut Computation,
    ask: &Asker<'_>,
    data: &DataSet,
    comparand: &Spanned<Comparand>,
    slice: &Slice,
    year: Option<i32>,
    metric: &Metric,
) -> Result<(), Failure> {
    let period = computation.period;
    let locale = computation.locale;
    let span = &comparand.span;
    let no_period = || Failure::new(Rule::KpiBadPeriod, span.clone(), "the comparison period is out of range");
    let at_period = |kind: BaseKind, p: Period| -> Result<Base, Failure> {
        let value = ask.value(p, slice, Kind::Actual, span)?;
        Ok(Base { kind, value, label: period_label(p, year, locale), period: Some(p) })
    };
    let base = match &comparand.value {
        // For a year the preceding period is the year before: that reads as 同比 / year over year.
        Comparand::Prev if period.granularity() == Granularity::Year => {
            at_period(BaseKind::YearAgo, period.prev().ok_or_else(no_period)?)?
        }
        Comparand::Prev => at_period(BaseKind::Prev, period.prev().ok_or_else(no_period)?)?,
        Comparand::YearAgo => at_period(BaseKind::YearAgo, period.year_ago().ok_or_else(no_period)?)?,
        Comparand::Period(p) => {
            let p = p.resolve(year).ok_or_else(no_period)?;
            // `q4 vs q3` reads like `q4 vs prev` ("环比"), `2023 vs 2022` like `yoy` ("同比").
            let kind = if Some(p) == period.year_ago() && period.granularity() == Granularity::Year {
                BaseKind::YearAgo
            } else if Some(p) == period.prev() {
                BaseKind::Prev
            } else if Some(p) == period.year_ago() {
                BaseKind::YearAgo
            } else {
                BaseKind::Period
            };
            at_period(kind, p)?
        }
        Comparand::Target => {
            let value = ask.value(period, slice, Kind::Target, span)?;
            Base { kind: BaseKind::Target, value, label: String::new(), period: Some(period) }
        }
        Comparand::Standard => {
            let value = ask.value(period, slice, Kind::Standard, span)?;
            Base { kind: BaseKind::Standard, value, label: String::new(), period: Some(period) }
        }
        Comparand::Member(filter) => {
            let info = resolve_filter(data, filter, locale)?;
            let mut other = slice.clone();
            other.insert(info.dimension.clone(), info.member.clone());
            if &other == slice {
                return Err(Failure::new(Rule::KpiSyntax, span.clone(), "the comparison names the same member"));
            }
            let value = ask.value(period, &other, Kind::Actual, span)?;
            Base { kind: BaseKind::Member, value, label: info.label, period: Some(period) }
        }
    };
    if computation.kind == SentenceKind::Value {
        computation.kind = match base.kind {
            BaseKind::Target => SentenceKind::Target,
            BaseKind::Standard => SentenceKind::Standard,
            BaseKind::Member => SentenceKind::Member,
            _ => SentenceKind::Period,
        };
    }
    if computation.kind == SentenceKind::Breakdown {
        item_bases(computation, ask, &base, slice);
    }
    let _ = metric;
    computation.base = Some(base);
    Ok(())
}

fn trend(
    computation: &mut Computation,
    ask: &Asker<'_>,
    directive: &Directive,
    from: PeriodRef,
    to: PeriodRef,
    year: Option<i32>,
    slice: &Slice,
) -> Result<(), Failure> {
    let span = directive.period.span.clone();
    let start = resolve_period(from, year, &directive.period)?;
    let end = resolve_period(to, year, &directive.period)?;
    let periods = start.range_to(end).ok_or_else(|| {
        Failure::new(
            Rule::KpiBadPeriod,
            span.clone(),
            "a range needs two periods of the same length, the first one first",
        )
    })?;
    if periods.len() < 2 || periods.len() > 1000 {
        return Err(Failure::new(Rule::KpiBadPeriod, span, "a range covers 2 to 1000 periods"));
    }
    computation.kind = SentenceKind::Trend;
    let locale = computation.locale;
    // `share … q1..q4`: the trend of the slice's share of its total.
    let share_of = if directive.share {
        let [filter] = computation.filters.as_slice() else {
            return Err(Failure::new(
                Rule::KpiSyntax,
                directive.metric.span.clone(),
                "`share` needs exactly one DIM=MEMBER filter",
            ));
        };
        computation.share = true;
        computation.subject = match locale {
            Locale::ZhCn => join_cjk(&[&filter.label, &computation.metric.label, "占比"]),
            Locale::En => {
                format!("{} share of {}", super::templates::possessive(&filter.label), computation.metric.label)
            }
        };
        Some(filter.dimension.clone())
    } else {
        None
    };
    // A range across years names the year of every point (2024年Q3至2025年Q2), not only of those outside the
    // report year (which read as 2024年Q3至Q2).
    let spans_years = periods.first().map(|p| p.year()) != periods.last().map(|p| p.year());
    let label_year = if spans_years { None } else { year };
    for period in periods {
        let value = match &share_of {
            Some(dimension) => share_at(ask, period, slice, dimension, &span)?,
            None => ask.value(period, slice, Kind::Actual, &span)?,
        };
        computation.points.push(Point { period, label: period_label(period, label_year, locale), value });
    }
    let (first, last) = match (computation.points.first(), computation.points.last()) {
        (Some(first), Some(last)) => (first.clone(), last.clone()),
        _ => return Err(Failure::new(Rule::KpiBadPeriod, span, "empty range")),
    };
    computation.period = last.period;
    computation.period_label =
        format!("{}{}{}", first.label, if locale == Locale::ZhCn { "至" } else { "–" }, last.label);
    computation.value = last.value;
    computation.base =
        Some(Base { kind: BaseKind::Period, value: first.value, label: first.label, period: Some(first.period) });
    Ok(())
}

/// The granularity of a trend, for "3 consecutive quarters".
pub fn trend_granularity(computation: &Computation) -> Granularity {
    computation.period.granularity()
}

fn breakdown(
    computation: &mut Computation,
    ask: &Asker<'_>,
    data: &DataSet,
    by: &By,
    slice: &Slice,
    metric: &Metric,
) -> Result<(), Failure> {
    let locale = computation.locale;
    let dimension = data.dimensions.get(&by.dimension.value).ok_or_else(|| {
        Failure::new(
            Rule::KpiUnknownDimension,
            by.dimension.span.clone(),
            format!("unknown dimension `{}`", by.dimension.value),
        )
        .with_help(suggest::help_for(&by.dimension.value, data.dimensions.keys().map(String::as_str)))
    })?;
    if slice.contains_key(&dimension.id) {
        return Err(Failure::new(
            Rule::KpiSyntax,
            by.dimension.span.clone(),
            format!("`by {}` breaks down a dimension the directive already filters", dimension.id),
        ));
    }
    computation.kind = SentenceKind::Breakdown;
    computation.by_label = Some(dimension.label.get(locale.id(), &dimension.id).to_string());
    computation.by_dimension = Some(dimension.id.clone());
    if let Some(preposition) = &dimension.preposition {
        computation.by_preposition.clone_from(preposition);
    }
    let period = computation.period;
    let span = by.dimension.span.clone();
    let mut items = Vec::new();
    for (member, label) in &dimension.members {
        let mut member_slice = slice.clone();
        member_slice.insert(dimension.id.clone(), member.clone());
        let query = Query { metric: &metric.id, period, slice: &member_slice, kind: Kind::Actual };
        match ask.data.value(query) {
            Ok(value) => items.push(Item {
                member: member.clone(),
                label: label.get(locale.id(), member).to_string(),
                value,
                share: None,
                base: None,
            }),
            // A member without figures for this period is simply not part of the breakdown.
            Err(QueryError::NoData { .. }) => {}
            Err(error) => return Err(query_failure(&error, span.clone(), locale)),
        }
    }
    if items.is_empty() {
        return Err(Failure::new(
            Rule::KpiNoData,
            span,
            format!("no member of `{}` has {} for {period}", dimension.id, metric.id),
        ));
    }
    // Largest first; equal values keep the data's member order (the sort is stable).
    items.sort_by_key(|item| std::cmp::Reverse(item.value));
    let additive = metric.rollup == crate::data::Rollup::Sum && !metric.unit.is_rate();
    if additive {
        let total = ask.value(period, slice, Kind::Actual, &span)?;
        for item in &mut items {
            item.share = percent_of(item.value, total);
        }
        computation.total = Some(total);
        computation.value = total;
    } else {
        computation.value = items[0].value;
    }
    computation.items = items;
    Ok(())
}

/// The sum, `None` when a value is missing or the sum overflows.
fn sum_all(mut values: impl Iterator<Item = Option<Decimal>>) -> Option<Decimal> {
    values.try_fold(Decimal::ZERO, |sum, value| sum.checked_add(value?))
}

/// The row of the members `top N` leaves out: 其余3个区域合计 / 3 other regions — never 其他/Other, which may be a
/// member's own name.
fn rest_label(locale: Locale, dimension: Option<&str>, count: usize) -> String {
    match locale {
        Locale::ZhCn => format!("其余{count}个{}合计", dimension.unwrap_or("成员")),
        Locale::En => format!("{count} other {}", plural_en(&dimension.unwrap_or("member").to_lowercase())),
    }
}

/// A plain English plural for a dimension label (`region` → `regions`, `industry` → `industries`).
fn plural_en(noun: &str) -> String {
    if let Some(stem) = noun.strip_suffix('y').filter(|stem| !stem.ends_with(['a', 'e', 'o', 'u'])) {
        format!("{stem}ies")
    } else if noun.ends_with(['s', 'x']) || noun.ends_with("ch") || noun.ends_with("sh") {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    }
}

/// `top N`: keeps the N largest members and folds the rest into one "Other" row (for metrics that add up; for
/// others the rest is left out). Runs after the comparison so the folded row has a base too.
fn fold_top(computation: &mut Computation, top: usize) -> Result<(), Failure> {
    // A single remaining member is named, not folded into a row of one.
    if computation.items.len() <= top + 1 {
        return Ok(());
    }
    let rest = computation.items.split_off(top);
    if computation.total.is_none() {
        return Ok(());
    }
    let value = sum_all(rest.iter().map(|item| Some(item.value)))
        .ok_or_else(|| Failure::new(Rule::KpiNoData, 0..0, "the sum of the other members is too large"))?;
    let base = sum_all(rest.iter().map(|item| item.base));
    let label = rest_label(computation.locale, computation.by_label.as_deref(), rest.len());
    let share = computation.total.and_then(|total| percent_of(value, total));
    computation.items.push(Item { member: String::new(), label, value, share, base });
    Ok(())
}

/// `vs COMPARAND by DIM`: each member's change from its own base (its figure in the base period, or its own
/// target) and, for metrics that add up, its share of the total's change. A member with a figure in one period
/// and none in the other is an error naming it (unless `missing = "zero"` reads it as 0); against targets, so is
/// a member without a target.
fn drivers(
    computation: &mut Computation,
    ask: &Asker<'_>,
    data: &DataSet,
    by: &By,
    comparand: &Spanned<Comparand>,
    slice: &Slice,
) -> Result<(), Failure> {
    let (Some(base), Some(dimension_id)) = (computation.base.clone(), computation.by_dimension.clone()) else {
        return Ok(());
    };
    let Some(dimension) = data.dimensions.get(&dimension_id) else { return Ok(()) };
    let (locale, period, span) = (computation.locale, computation.period, comparand.span.clone());
    // The change is the total's: for a metric that does not add up, the total is its own figure, not a member's.
    computation.value = ask.value(period, slice, Kind::Actual, &span)?;
    let against_target = base.kind == BaseKind::Target;
    let (base_period, base_kind) =
        if against_target { (period, Kind::Target) } else { (base.period.unwrap_or(period), Kind::Actual) };
    let total_diff = computation.value.checked_sub(base.value).ok_or_else(|| too_large(&span))?;
    let mut members = Vec::new();
    let mut without_target = Vec::new();
    for (member, label) in &dimension.members {
        let mut member_slice = slice.clone();
        member_slice.insert(dimension_id.clone(), member.clone());
        let at = |period: Period, kind: Kind| {
            ask.data.value(Query { metric: ask.metric, period, slice: &member_slice, kind })
        };
        let absent = |period: Period| {
            let error = QueryError::absent_member(ask.metric, period, slice, &dimension_id, member);
            query_failure(&error, span.clone(), locale)
        };
        let (value, member_base) = match (at(period, Kind::Actual), at(base_period, base_kind)) {
            (Ok(value), Ok(member_base)) => (value, member_base),
            (Err(QueryError::NoData { .. }), Err(QueryError::NoData { .. })) => continue,
            // A target without a figure: the member is not part of this period's breakdown.
            (Err(QueryError::NoData { .. }), Ok(_)) if against_target => continue,
            (Ok(_), Err(QueryError::NoData { .. })) if against_target => {
                without_target.push(format!("{dimension_id}={member}"));
                continue;
            }
            (Ok(_), Err(QueryError::NoData { .. })) => return Err(absent(base_period)),
            (Err(QueryError::NoData { .. }), Ok(_)) => return Err(absent(period)),
            (Err(error), _) | (_, Err(error)) => return Err(query_failure(&error, span.clone(), locale)),
        };
        let diff = value.checked_sub(member_base).ok_or_else(|| too_large(&span))?;
        let contribution = (computation.metric.additive && !against_target && !total_diff.is_zero())
            .then(|| diff.checked_div(total_diff).and_then(|share| share.checked_mul(Decimal::ONE_HUNDRED)))
            .flatten();
        let label = label.get(locale.id(), member).to_string();
        members.push(Driver { member: member.clone(), label, value, base: member_base, diff, contribution });
    }
    if !without_target.is_empty() {
        return Err(no_member_targets(&without_target, period, &dimension_id, locale, span));
    }
    if against_target {
        // Best first: by completion where the target reads as one, else by the difference.
        let key = |driver: &Driver| match super::context::reads_as_completion(computation, driver.base) {
            true => driver.value.checked_div(driver.base).unwrap_or(Decimal::ZERO),
            false => driver.diff,
        };
        members.sort_by_key(|driver| std::cmp::Reverse(key(driver)));
    } else {
        members.sort_by_key(|driver| std::cmp::Reverse(driver.diff));
    }
    let top = by.top.unwrap_or(if against_target { usize::MAX } else { DEFAULT_DRIVERS });
    computation.drivers = Some(Drivers { members, top, against_target });
    Ok(())
}

fn too_large(span: &std::ops::Range<usize>) -> Failure {
    Failure::new(Rule::KpiNoData, span.clone(), "the figures are too large to compare exactly (beyond about 7.9e28)")
        .with_help(Some("check the data's magnitude and unit; figures this large are usually a unit mistake".into()))
}

/// `vs target by DIM` where members have figures but no target of their own.
fn no_member_targets(
    members: &[String],
    period: Period,
    dimension: &str,
    locale: Locale,
    span: std::ops::Range<usize>,
) -> Failure {
    let list = members.join(", ");
    let help = match locale {
        Locale::ZhCn => {
            format!("在数据中为{list}给出{period}的目标(CSV中kind列为target的行),或去掉`by {dimension}`只与总目标比较")
        }
        Locale::En => format!(
            "give {list} a target for {period} in the data (a CSV row with kind = target), or drop `by {dimension}` \
             to compare the total with its target"
        ),
    };
    Failure::new(
        Rule::KpiNoData,
        span,
        format!(
            "`vs target by {dimension}` compares each member with its own target, but {list} has no target for {period}"
        ),
    )
    .with_help(Some(help))
}

/// Each breakdown member's base for a compared breakdown: the member's own figure at the base period, or its own
/// target or standard.
fn item_bases(computation: &mut Computation, ask: &Asker<'_>, base: &Base, slice: &Slice) {
    let Some(dimension) = computation.by_dimension.clone() else { return };
    let (period, kind) = match base.kind {
        BaseKind::Target => (computation.period, Kind::Target),
        BaseKind::Standard => (computation.period, Kind::Standard),
        BaseKind::Member => return,
        _ => match base.period {
            Some(period) => (period, Kind::Actual),
            None => return,
        },
    };
    for item in &mut computation.items {
        if item.member.is_empty() {
            continue;
        }
        let mut member_slice = slice.clone();
        member_slice.insert(dimension.clone(), item.member.clone());
        let query = Query { metric: ask.metric, period, slice: &member_slice, kind };
        item.base = ask.data.value(query).ok();
    }
}
