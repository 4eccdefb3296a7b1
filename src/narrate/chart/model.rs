//! What to draw: a directive's computation turned into bars or points, a reference line, titles and the words of
//! the accessible description.

use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use super::layout::{nice_ticks, plot_box};
use super::{ChartOptions, ChartType, MAX_BARS_BY_DEFAULT};
use crate::config::{Locale, Punctuation};
use crate::data::Period;
use crate::narrate::compute::{BaseKind, Computation, SentenceKind};
use crate::narrate::context::{Formatter, change_text};
use crate::narrate::labels::join_cjk;
use crate::narrate::table::{base_label, completion, current_label, display_subject, heading, words};

/// One bar or point.
#[derive(Clone, Debug)]
pub(super) struct Datum {
    pub(super) label: String,
    /// A shorter label to use when the label does not fit (`Sep` for `September`).
    pub(super) short: Option<String>,
    pub(super) value: f64,
    pub(super) text: String,
    pub(super) share_text: Option<String>,
    /// The base of a comparison, drawn lighter.
    pub(super) muted: bool,
}

#[derive(Clone, Debug)]
pub(super) struct Reference {
    pub(super) label: String,
    pub(super) value: f64,
}

#[derive(Clone, Debug)]
pub(super) struct Chart {
    pub(super) locale: Locale,
    pub(super) title: String,
    pub(super) desc: String,
    pub(super) y_title: String,
    pub(super) x_title: String,
    pub(super) data: Vec<Datum>,
    pub(super) reference: Option<Reference>,
    pub(super) line: bool,
    pub(super) height: f64,
    /// Formats a tick value as the sentences format the metric.
    pub(super) ticks: Vec<(f64, String)>,
    pub(super) domain: (f64, f64),
}

pub(super) fn to_f64(value: Decimal) -> f64 {
    value.to_f64().filter(|v| v.is_finite()).unwrap_or(0.0)
}

pub(super) const MONTHS_SHORT_EN: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `Sep` for `September`, `Sep 2022` for `September 2022`: English month names are long for a tick.
pub(super) fn short_period_label(period: Period, label: &str, locale: Locale) -> Option<String> {
    match (locale, period) {
        (Locale::En, Period::Month(year, month)) => {
            let name = MONTHS_SHORT_EN[usize::from(month.clamp(1, 12)) - 1];
            Some(if label.contains(&year.to_string()) { format!("{name} {year}") } else { name.to_string() })
        }
        _ => None,
    }
}

pub(super) fn datum(label: &str, value: Decimal, text: String) -> Datum {
    Datum { label: label.to_string(), short: None, value: to_f64(value), text, share_text: None, muted: false }
}

pub(super) fn model(computation: &Computation, options: ChartOptions) -> Chart {
    let formatter = Formatter::grid(computation);
    let locale = computation.locale;
    let words = words(locale);
    let mut reference = None;
    let (data, x_title) = match computation.kind {
        SentenceKind::Trend => {
            let data = computation
                .points
                .iter()
                .map(|p| Datum {
                    short: short_period_label(p.period, &p.label, locale),
                    ..datum(&p.label, p.value, formatter.value.value(p.value))
                })
                .collect();
            (data, words.period.to_string())
        }
        SentenceKind::Breakdown => {
            let data = computation
                .items
                .iter()
                .map(|item| Datum {
                    share_text: item.share.map(|s| formatter.percent.percent(s)),
                    ..datum(&item.label, item.value, formatter.value.value(item.value))
                })
                .collect();
            (data, heading(computation.by_label.as_deref().unwrap_or_default(), locale))
        }
        _ => {
            let current =
                datum(&current_label(computation), computation.value, formatter.value.value(computation.value));
            match &computation.base {
                None => (vec![current], words.period.to_string()),
                Some(base) => {
                    let base_datum = Datum {
                        muted: true,
                        ..datum(&base_label(computation, base), base.value, formatter.value.value(base.value))
                    };
                    match base.kind {
                        BaseKind::Target | BaseKind::Standard => {
                            let text = formatter.value.value(base.value);
                            reference = Some(Reference {
                                label: join_label(locale, &base_datum.label, &text),
                                value: to_f64(base.value),
                            });
                            (vec![current], words.period.to_string())
                        }
                        BaseKind::Member => {
                            let dimension = computation.filters.first().map(|f| heading(&f.dimension_label, locale));
                            (vec![current, base_datum], dimension.unwrap_or_default())
                        }
                        _ => {
                            let earlier = base.period.is_some_and(|p| starts_before(p, computation.period));
                            let data = if earlier { vec![base_datum, current] } else { vec![current, base_datum] };
                            (data, words.period.to_string())
                        }
                    }
                }
            }
        }
    };
    let line = match options.chart_type {
        Some(ChartType::Line) => true,
        Some(ChartType::Bar) => false,
        None => computation.kind == SentenceKind::Trend && data.len() > MAX_BARS_BY_DEFAULT,
    };
    let title = title(computation);
    let desc = description(computation, &formatter, &title, &data, reference.as_ref(), line);
    let y_title = match computation.kind {
        SentenceKind::Share => words.share.to_string(),
        _ => heading(&computation.metric.label, locale),
    };
    let mut chart = Chart {
        locale,
        title,
        desc,
        y_title,
        x_title,
        data,
        reference,
        line,
        height: f64::from(options.height),
        ticks: Vec::new(),
        domain: (0.0, 1.0),
    };
    let plot_height = plot_box(&chart, 40.0).height();
    let (domain, ticks) = nice_ticks(&chart, plot_height);
    chart.domain = domain;
    chart.ticks = ticks.into_iter().map(|t| (t, tick_text(&formatter, t))).collect();
    chart
}

pub(super) fn starts_before(a: Period, b: Period) -> bool {
    (a.year(), a.start_month()) < (b.year(), b.start_month())
}

pub(super) fn join_label(locale: Locale, name: &str, value: &str) -> String {
    match locale {
        Locale::ZhCn => join_cjk(&[name, value]),
        Locale::En => format!("{name} {value}"),
    }
}

pub(super) fn tick_text(formatter: &Formatter<'_>, tick: f64) -> String {
    let value = Decimal::from_f64(tick).unwrap_or_default();
    // Ticks are multiples of a round step: at most a few significant digits, so rounding here is display only.
    let value = if value.abs() < Decimal::ONE { value.round_dp(6) } else { value.round_dp(2) };
    formatter.value.value(value.normalize())
}

/// The marks of Chinese chart titles and descriptions, as the book chose them for its sentences: full-width
/// `，（）：；` by default, ASCII under `punctuation = "ascii"`.
struct ZhMarks {
    comma: char,
    open: char,
    close: char,
    colon: char,
    semicolon: char,
}

fn zh_marks(computation: &Computation) -> ZhMarks {
    match computation.style.punctuation {
        Punctuation::FullWidth => ZhMarks { comma: '，', open: '（', close: '）', colon: '：', semicolon: '；' },
        Punctuation::Ascii => ZhMarks { comma: ',', open: '(', close: ')', colon: ':', semicolon: ';' },
    }
}

/// `营收（Q4与Q3）` / `Revenue, Q4 vs Q3`: the metric and the period(s).
pub(super) fn title(computation: &Computation) -> String {
    let locale = computation.locale;
    let zh = locale == Locale::ZhCn;
    let m = zh_marks(computation);
    let period = computation.period_label.as_str();
    let versus = |a: &str, b: &str| if zh { format!("{a}与{b}") } else { format!("{a} vs {b}") };
    let mut subject = display_subject(computation);
    let detail = match (&computation.base, computation.kind) {
        (_, SentenceKind::Breakdown) => {
            let by = computation.by_label.clone().unwrap_or_default();
            if zh {
                format!("{period}{}按{by}", m.comma)
            } else {
                subject = format!("{subject} by {by}");
                period.to_string()
            }
        }
        (_, SentenceKind::Trend) | (None, _) => period.to_string(),
        (Some(base), _) => match base.kind {
            BaseKind::Target | BaseKind::Standard => {
                let name = base_label(computation, base);
                if zh {
                    format!("{period}{}对比{name}", m.comma)
                } else {
                    subject = format!("{subject} vs {}", name.to_lowercase());
                    period.to_string()
                }
            }
            BaseKind::Member => {
                subject = computation.metric.label.clone();
                let members = versus(&current_label(computation), &base.label);
                if zh { format!("{period}{}{members}", m.comma) } else { format!("{period}: {members}") }
            }
            _ => versus(period, &base.label),
        },
    };
    if zh {
        format!("{subject}{}{detail}{}", m.open, m.close)
    } else {
        format!("{}, {detail}", heading(&subject, locale))
    }
}

/// The figures in words, for screen readers: the kind of chart, its title, every value, the reference and the
/// change.
pub(super) fn description(
    computation: &Computation,
    formatter: &Formatter<'_>,
    title: &str,
    data: &[Datum],
    reference: Option<&Reference>,
    line: bool,
) -> String {
    let zh = computation.locale == Locale::ZhCn;
    let m = zh_marks(computation);
    let words = words(computation.locale);
    let item = |d: &Datum| {
        let text = join_label(computation.locale, &d.label, &d.text);
        match (&d.share_text, zh) {
            (Some(share), true) => format!("{text}{}占{share}{}", m.open, m.close),
            (Some(share), false) => format!("{text} ({share})"),
            (None, _) => text,
        }
    };
    let items: Vec<String> = data.iter().map(item).collect();
    let mut parts = Vec::new();
    parts.push(if zh {
        format!("{}{}{}", if line { "折线图" } else { "柱状图" }, m.colon, title)
    } else {
        format!("{} chart: {title}", if line { "Line" } else { "Bar" })
    });
    parts.push(items.join(if zh { "、" } else { ", " }));
    if let Some(total) = computation.total {
        parts.push(join_label(computation.locale, words.total, &formatter.value.value(total)));
    }
    if let Some(reference) = reference {
        parts.push(reference.label.clone());
    }
    if let Some(base) = &computation.base
        && computation.kind != SentenceKind::Trend
    {
        let change = change_text(computation, formatter, computation.value, base.value);
        let name = match base.kind {
            BaseKind::Target | BaseKind::Standard | BaseKind::Member => words.difference,
            _ => words.change,
        };
        parts.push(join_label(computation.locale, name, &change));
        if let Some(rate) = completion(computation, base) {
            parts.push(join_label(computation.locale, words.completion, &formatter.percent.percent(rate)));
        }
    }
    if zh {
        format!("{}。", parts.join(m.semicolon.encode_utf8(&mut [0; 4])))
    } else {
        format!("{}.", parts.join(". "))
    }
}
