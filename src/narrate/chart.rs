//! `as chart`: an inline SVG bar or line chart for the html renderer, drawn here — no script, no external file.
//!
//! What is drawn: bars for breakdowns and comparisons, a line (ranges of more than 6 points) or bars for ranges;
//! a target or standard as a dashed reference line. Every chart has a visible title, axis labels, value labels,
//! and an accessible `<title>`/`<desc>` (the desc states the figures in words).
//!
//! The output is one HTML block for a Markdown chapter: `<figure class="kpi-chart">` (a start condition that may
//! interrupt a paragraph) with no blank line inside, so CommonMark keeps it whole. Text and axes use
//! `currentColor` and bars the theme's link colour, so the chart reads in mdBook's light and dark themes.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use unicode_width::UnicodeWidthChar;

use super::Failure;
use super::compute::{BaseKind, Computation, SentenceKind};
use super::context::Formatter;
use super::context::change_text;
use super::labels::join_cjk;
use super::table::{base_label, completion, current_label, display_subject, heading, words};
use crate::config::Locale;
use crate::data::Period;
use crate::rules::Rule;

/// The chart's drawing width in SVG units; the SVG scales down to the content column.
const WIDTH: f64 = 640.0;
pub const DEFAULT_HEIGHT: u32 = 320;
pub const MIN_HEIGHT: u32 = 80;
pub const MAX_HEIGHT: u32 = 2000;
/// The options `as chart` accepts.
pub const OPTIONS: &[&str] = &["type", "height"];
/// Ranges with more points than this are drawn as a line unless `type=bar`.
const MAX_BARS_BY_DEFAULT: usize = 6;

/// Bars in the theme's link colour (mdBook sets `--links` in every theme), a fixed mid-tone where it is unset.
const BAR_STYLE: &str = r##"fill="#4183c4" style="fill:var(--links,#4183c4)""##;
const LINE_STYLE: &str = r##"stroke="#4183c4" style="stroke:var(--links,#4183c4)""##;
/// An orange that keeps its contrast on white and on the dark themes.
const REFERENCE_COLOUR: &str = "#e8590c";

const TITLE_SIZE: f64 = 15.0;
const LABEL_SIZE: f64 = 12.0;
const VALUE_SIZE: f64 = 11.0;
const MIN_VALUE_SIZE: f64 = 8.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartType {
    Bar,
    Line,
}

/// The `OPTION=VALUE` pairs of `as chart`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChartOptions {
    /// `type=bar|line`; `None`: bars, or a line for ranges of more than 6 points.
    pub chart_type: Option<ChartType>,
    /// `height=` in px, 80–2000.
    pub height: u32,
}

impl Default for ChartOptions {
    fn default() -> Self {
        ChartOptions { chart_type: None, height: DEFAULT_HEIGHT }
    }
}

/// Reads and checks the chart options of a directive. The failure's span is empty (the whole directive), since
/// the computation keeps no spans for options.
pub fn options(computation: &Computation) -> Result<ChartOptions, Failure> {
    let mut options = ChartOptions::default();
    for (name, value) in &computation.chart_options {
        match name.as_str() {
            "type" => {
                options.chart_type = Some(match value.to_ascii_lowercase().as_str() {
                    "bar" | "bars" | "column" => ChartType::Bar,
                    "line" => ChartType::Line,
                    _ => {
                        return Err(Failure::new(Rule::KpiSyntax, 0..0, format!("unknown chart type `{value}`"))
                            .with_help(Some("use `type=bar` or `type=line`".into())));
                    }
                })
            }
            "height" => {
                options.height =
                    value.parse::<u32>().ok().filter(|h| (MIN_HEIGHT..=MAX_HEIGHT).contains(h)).ok_or_else(|| {
                        Failure::new(Rule::KpiSyntax, 0..0, format!("chart height `{value}` is not a number of pixels"))
                            .with_help(Some(format!("use a whole number from {MIN_HEIGHT} to {MAX_HEIGHT}")))
                    })?
            }
            other => {
                let help = crate::suggest::help_for(other, OPTIONS.iter().copied())
                    .unwrap_or_else(|| "charts take `type=bar|line` and `height=PIXELS`".into());
                return Err(
                    Failure::new(Rule::KpiSyntax, 0..0, format!("unknown option `{other}`")).with_help(Some(help))
                );
            }
        }
    }
    Ok(options)
}

/// The chart as one HTML block (a few non-empty lines, no trailing newline). Options that do not check out fall
/// back to their defaults; call [`options`] first to report them.
pub fn render(computation: &Computation) -> String {
    render_with_salt(computation, 0)
}

/// Like [`render`]; `salt` (for example the directive's offset in its chapter) keeps the element ids of two
/// identical charts on one page apart. Same input, same output.
pub fn render_with_salt(computation: &Computation, salt: u64) -> String {
    let options = options(computation).unwrap_or_default();
    let chart = model(computation, options);
    resalt(&draw(&chart), salt)
}

const ID_PREFIX: &str = "kpi-chart-";

/// A chart rendered with salt 0, with its element ids salted: the same text as rendering it with `salt`, at the
/// cost of a few replacements (a book repeats charts; drawing one is costly).
pub fn resalt(html: &str, salt: u64) -> String {
    let Some(at) = html.find(ID_PREFIX) else { return html.to_string() };
    let start = at + ID_PREFIX.len();
    let Some(old) = html.get(start..start + 16).filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit())) else {
        return html.to_string();
    };
    if salt == 0 {
        return html.to_string();
    }
    let Ok(unsalted) = u64::from_str_radix(old, 16) else { return html.to_string() };
    let salted = fnv1a(&salt.to_le_bytes(), unsalted);
    html.replace(&format!("{ID_PREFIX}{old}"), &format!("{ID_PREFIX}{salted:016x}"))
}

// ---------------------------------------------------------------------------------------------------------------
// What to draw

/// One bar or point.
#[derive(Clone, Debug)]
struct Datum {
    label: String,
    /// A shorter label to use when the label does not fit (`Sep` for `September`).
    short: Option<String>,
    value: f64,
    text: String,
    share_text: Option<String>,
    /// The base of a comparison, drawn lighter.
    muted: bool,
}

#[derive(Clone, Debug)]
struct Reference {
    label: String,
    value: f64,
}

#[derive(Clone, Debug)]
struct Chart {
    locale: Locale,
    title: String,
    desc: String,
    y_title: String,
    x_title: String,
    data: Vec<Datum>,
    reference: Option<Reference>,
    line: bool,
    height: f64,
    /// Formats a tick value as the sentences format the metric.
    ticks: Vec<(f64, String)>,
    domain: (f64, f64),
}

fn to_f64(value: Decimal) -> f64 {
    value.to_f64().filter(|v| v.is_finite()).unwrap_or(0.0)
}

const MONTHS_SHORT_EN: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `Sep` for `September`, `Sep 2022` for `September 2022`: English month names are long for a tick.
fn short_period_label(period: Period, label: &str, locale: Locale) -> Option<String> {
    match (locale, period) {
        (Locale::En, Period::Month(year, month)) => {
            let name = MONTHS_SHORT_EN[usize::from(month.clamp(1, 12)) - 1];
            Some(if label.contains(&year.to_string()) { format!("{name} {year}") } else { name.to_string() })
        }
        _ => None,
    }
}

fn datum(label: &str, value: Decimal, text: String) -> Datum {
    Datum { label: label.to_string(), short: None, value: to_f64(value), text, share_text: None, muted: false }
}

fn model(computation: &Computation, options: ChartOptions) -> Chart {
    let formatter = Formatter::new(computation);
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

fn starts_before(a: Period, b: Period) -> bool {
    (a.year(), a.start_month()) < (b.year(), b.start_month())
}

fn join_label(locale: Locale, name: &str, value: &str) -> String {
    match locale {
        Locale::ZhCn => join_cjk(&[name, value]),
        Locale::En => format!("{name} {value}"),
    }
}

fn tick_text(formatter: &Formatter<'_>, tick: f64) -> String {
    let value = Decimal::from_f64(tick).unwrap_or_default();
    // Ticks are multiples of a round step: at most a few significant digits, so rounding here is display only.
    let value = if value.abs() < Decimal::ONE { value.round_dp(6) } else { value.round_dp(2) };
    formatter.value.value(value.normalize())
}

/// `营收(Q4与Q3)` / `Revenue, Q4 vs Q3`: the metric and the period(s).
fn title(computation: &Computation) -> String {
    let locale = computation.locale;
    let zh = locale == Locale::ZhCn;
    let period = computation.period_label.as_str();
    let versus = |a: &str, b: &str| if zh { format!("{a}与{b}") } else { format!("{a} vs {b}") };
    let mut subject = display_subject(computation);
    let detail = match (&computation.base, computation.kind) {
        (_, SentenceKind::Breakdown) => {
            let by = computation.by_label.clone().unwrap_or_default();
            if zh {
                format!("{period},按{by}")
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
                    format!("{period},对比{name}")
                } else {
                    subject = format!("{subject} vs {}", name.to_lowercase());
                    period.to_string()
                }
            }
            BaseKind::Member => {
                subject = computation.metric.label.clone();
                let members = versus(&current_label(computation), &base.label);
                if zh { format!("{period},{members}") } else { format!("{period}: {members}") }
            }
            _ => versus(period, &base.label),
        },
    };
    if zh { format!("{subject}({detail})") } else { format!("{}, {detail}", heading(&subject, locale)) }
}

/// The figures in words, for screen readers: the kind of chart, its title, every value, the reference and the
/// change.
fn description(
    computation: &Computation,
    formatter: &Formatter<'_>,
    title: &str,
    data: &[Datum],
    reference: Option<&Reference>,
    line: bool,
) -> String {
    let zh = computation.locale == Locale::ZhCn;
    let words = words(computation.locale);
    let item = |d: &Datum| {
        let text = join_label(computation.locale, &d.label, &d.text);
        match (&d.share_text, zh) {
            (Some(share), true) => format!("{text}(占{share})"),
            (Some(share), false) => format!("{text} ({share})"),
            (None, _) => text,
        }
    };
    let items: Vec<String> = data.iter().map(item).collect();
    let mut parts = Vec::new();
    parts.push(if zh {
        format!("{}:{}", if line { "折线图" } else { "柱状图" }, title)
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
    if zh { format!("{}。", parts.join(";")) } else { format!("{}.", parts.join(". ")) }
}

// ---------------------------------------------------------------------------------------------------------------
// Text measuring

/// The estimated width of `text` at `size` px: wide (CJK) characters ~1em, others ~0.55em.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().map(char_em).sum::<f64>() * size
}

fn char_em(ch: char) -> f64 {
    match ch.width() {
        Some(2) => 1.0,
        Some(0) | None => 0.0,
        _ => 0.55,
    }
}

/// `text` cut to `max` px with an ellipsis (at a character boundary).
fn truncate(text: &str, max: f64, size: f64) -> String {
    if text_width(text, size) <= max {
        return text.to_string();
    }
    let budget = max - char_em('…') * size;
    let mut out = String::new();
    let mut used = 0.0;
    for ch in text.chars() {
        let width = char_em(ch) * size;
        if used + width > budget {
            break;
        }
        used += width;
        out.push(ch);
    }
    let out = out.trim_end();
    format!("{out}…")
}

/// Break points: a Latin word stays whole, a wide character stands alone, spaces separate.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (index, ch) in text.char_indices() {
        let wide = char_em(ch) >= 1.0;
        if ch.is_whitespace() || wide {
            if let Some(s) = start.take() {
                out.push(&text[s..index]);
            }
            if wide {
                out.push(&text[index..index + ch.len_utf8()]);
            }
        } else if start.is_none() {
            start = Some(index);
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

/// Joins tokens, with a space between two Latin ones.
fn join_tokens(tokens: &[&str]) -> String {
    let mut out = String::new();
    for token in tokens {
        let latin = |c: Option<char>| c.is_some_and(|c| char_em(c) < 1.0);
        if latin(out.chars().last()) && latin(token.chars().next()) {
            out.push(' ');
        }
        out.push_str(token);
    }
    out
}

/// The label in one or two lines no wider than `max` px; what still does not fit is shortened with `…`.
fn wrap_label(text: &str, max: f64, size: f64) -> Vec<String> {
    if text_width(text, size) <= max {
        return vec![text.to_string()];
    }
    let tokens = tokens(text);
    let mut split = 0;
    while split < tokens.len() && text_width(&join_tokens(&tokens[..=split]), size) <= max {
        split += 1;
    }
    if split == 0 {
        return vec![truncate(text, max, size)];
    }
    let first = join_tokens(&tokens[..split]);
    let rest = join_tokens(&tokens[split..]);
    if rest.is_empty() { vec![first] } else { vec![first, truncate(&rest, max, size)] }
}

// ---------------------------------------------------------------------------------------------------------------
// Geometry

#[derive(Clone, Copy, Debug)]
struct PlotBox {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl PlotBox {
    fn height(&self) -> f64 {
        self.bottom - self.top
    }
    fn width(&self) -> f64 {
        self.right - self.left
    }
}

/// Small charts drop the visible title and axis titles (the `<title>` stays).
fn compact(chart: &Chart) -> bool {
    chart.height < 160.0
}

/// The labels under the slots: English month names give way to short ones where the long ones do not fit.
fn tick_labels(chart: &Chart) -> Vec<&str> {
    let slot = (WIDTH - 80.0) / chart.data.len().max(1) as f64;
    let fits = |d: &Datum| text_width(&d.label, LABEL_SIZE) <= slot * 0.94;
    let shorten = chart.data.iter().any(|d| !fits(d)) && chart.data.iter().all(|d| d.short.is_some());
    chart.data.iter().map(|d| if shorten { d.short.as_deref().unwrap_or(&d.label) } else { d.label.as_str() }).collect()
}

/// Two lines where a label does not fit its slot on one and the slot holds a few characters.
fn label_lines(chart: &Chart) -> usize {
    let slot = (WIDTH - 80.0) / chart.data.len().max(1) as f64;
    let two_lines = tick_labels(chart).iter().any(|l| text_width(l, LABEL_SIZE) > slot * 0.94);
    if two_lines && slot >= 3.0 * LABEL_SIZE { 2 } else { 1 }
}

fn has_negative(chart: &Chart) -> bool {
    chart.data.iter().any(|d| d.value < 0.0)
}

fn has_shares(chart: &Chart) -> bool {
    chart.data.iter().any(|d| d.share_text.is_some()) && !chart.line
}

/// The plot area, given the width the y tick labels need.
fn plot_box(chart: &Chart, tick_width: f64) -> PlotBox {
    let compact = compact(chart);
    let headings = if compact { 0.0 } else { 44.0 };
    let above = if has_shares(chart) { 30.0 } else { 18.0 };
    let below = if has_negative(chart) { 16.0 } else { 0.0 };
    let x_title = if compact || chart.x_title.is_empty() { 0.0 } else { 18.0 };
    let labels = 6.0 + label_lines(chart) as f64 * (LABEL_SIZE + 2.0);
    let top = 8.0 + headings + above;
    let bottom = (chart.height - labels - x_title - below - 4.0).max(top + 20.0);
    PlotBox { left: (tick_width + 14.0).max(36.0), right: WIDTH - 12.0, top, bottom }
}

/// Round axis bounds and gridline values covering the data, zero and the reference.
fn nice_ticks(chart: &Chart, plot_height: f64) -> ((f64, f64), Vec<f64>) {
    let values = chart.data.iter().map(|d| d.value).chain(chart.reference.as_ref().map(|r| r.value));
    let (mut low, mut high) = values.fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if high - low <= f64::EPSILON * high.abs().max(1.0) {
        high = low + 1.0;
    }
    let count = (plot_height / 48.0).clamp(2.0, 6.0);
    let raw = (high - low) / count;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = match raw / magnitude {
        n if n <= 1.0 => 1.0,
        n if n <= 2.0 => 2.0,
        n if n <= 5.0 => 5.0,
        _ => 10.0,
    } * magnitude;
    low = (low / step).floor() * step;
    high = (high / step).ceil() * step;
    let steps = ((high - low) / step).round() as usize;
    let ticks = (0..=steps.min(20)).map(|i| low + step * i as f64).collect();
    ((low, high), ticks)
}

/// Numbers for coordinates: two decimals at most, no trailing zeros.
fn n(value: f64) -> String {
    // Most coordinates are not halfway between two hundredths: round them with integer arithmetic, which gives
    // what `{:.2}` gives and costs a fraction of float formatting. Halfway cases and huge values take `{:.2}`.
    let scaled = value * 100.0;
    let fraction = (scaled - scaled.trunc()).abs();
    if scaled.is_finite() && scaled.abs() < 1e12 && (fraction - 0.5).abs() > 1e-6 {
        let hundredths = scaled.round() as i64;
        let (whole, cents) = (hundredths.unsigned_abs() / 100, hundredths.unsigned_abs() % 100);
        let sign = if hundredths < 0 { "-" } else { "" };
        return match cents {
            0 => format!("{sign}{whole}"),
            c if c % 10 == 0 => format!("{sign}{whole}.{}", c / 10),
            c => format!("{sign}{whole}.{c:02}"),
        };
    }
    let text = format!("{:.2}", value);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".into() } else { text.into() }
}

/// XML text and attribute escaping; control characters XML cannot carry become spaces, and braces are written as
/// references so nothing later reads them as mdBook `{{#…}}` links.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '{' => out.push_str("&#123;"),
            '}' => out.push_str("&#125;"),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{fffe}' || c == '\u{ffff}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// FNV-1a: a stable hash for element ids (the same chart gets the same ids on every run).
fn fnv1a(bytes: &[u8], salt: u64) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64 ^ salt;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

// ---------------------------------------------------------------------------------------------------------------
// Drawing

/// The chart's HTML with unsalted ids (see [`resalt`]).
fn draw(chart: &Chart) -> String {
    let tick_width = chart.ticks.iter().map(|(_, t)| text_width(t, VALUE_SIZE)).fold(0.0, f64::max);
    let plot = plot_box(chart, tick_width);
    let (low, high) = chart.domain;
    let scale = plot.height() / (high - low);
    let y = |value: f64| plot.bottom - (value - low) * scale;
    let slot = plot.width() / chart.data.len().max(1) as f64;
    let centre = |index: usize| plot.left + slot * (index as f64 + 0.5);

    let mut lines: Vec<String> = Vec::new();
    lines.push(headings(chart, &plot));
    lines.push(grid(chart, &plot, &y));
    lines.push(if chart.line { line_marks(chart, &y, &centre) } else { bar_marks(chart, slot, &y, &centre) });
    lines.push(value_labels(chart, slot, &y, &centre));
    lines.push(x_labels(chart, &plot, slot, &centre));
    if let Some(reference) = &chart.reference {
        lines.push(reference_line(reference, &plot, y(reference.value)));
    }
    let body: String = lines.iter().filter(|l| !l.is_empty()).fold(String::new(), |mut out, line| {
        out.push('\n');
        out.push_str(line);
        out
    });
    let title = xml_escape(&chart.title);
    let desc = xml_escape(&chart.desc);
    let id = format!("{ID_PREFIX}{:016x}", fnv1a(format!("{title}\n{desc}{body}").as_bytes(), 0));
    let height = n(chart.height);
    let lang = match chart.locale {
        Locale::ZhCn => "zh-CN",
        Locale::En => "en",
    };
    format!(
        "<figure class=\"kpi-chart\" style=\"margin:1em 0\">\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {height}\" width=\"100%\" \
         style=\"max-width:{w}px;height:auto;display:block\" role=\"img\" lang=\"{lang}\" \
         aria-labelledby=\"{id}-title {id}-desc\">\n\
         <title id=\"{id}-title\">{title}</title><desc id=\"{id}-desc\">{desc}</desc>{body}\n\
         </svg>\n</figure>",
        w = n(WIDTH),
    )
}

fn headings(chart: &Chart, plot: &PlotBox) -> String {
    if compact(chart) {
        return String::new();
    }
    let title = truncate(&chart.title, WIDTH - 16.0, TITLE_SIZE);
    let y_title = truncate(&chart.y_title, WIDTH - 16.0, LABEL_SIZE);
    format!(
        "<g fill=\"currentColor\"><text x=\"{}\" y=\"22\" font-size=\"{}\" font-weight=\"bold\">{}</text>\
         <text x=\"8\" y=\"{}\" font-size=\"{}\" fill-opacity=\"0.8\">{}</text></g>",
        n(8.0),
        n(TITLE_SIZE),
        xml_escape(&title),
        n(plot.top - if has_shares(chart) { 34.0 } else { 22.0 }),
        n(LABEL_SIZE),
        xml_escape(&y_title),
    )
}

/// Gridlines and their values, the y axis, and the baseline at zero.
fn grid(chart: &Chart, plot: &PlotBox, y: &dyn Fn(f64) -> f64) -> String {
    let mut out = String::from("<g fill=\"currentColor\" stroke=\"currentColor\">");
    for (tick, text) in &chart.ticks {
        let at = n(y(*tick));
        let _ = write!(
            out,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{at}\" y2=\"{at}\" stroke-opacity=\"0.15\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"end\" stroke=\"none\">{}</text>",
            n(plot.left),
            n(plot.right),
            n(plot.left - 6.0),
            n(y(*tick) + VALUE_SIZE * 0.35),
            n(VALUE_SIZE),
            xml_escape(text),
        );
    }
    let zero = n(y(0.0));
    let _ = write!(
        out,
        "<line x1=\"{l}\" x2=\"{l}\" y1=\"{}\" y2=\"{}\" stroke-opacity=\"0.5\"/>\
         <line class=\"kpi-zero\" x1=\"{l}\" x2=\"{}\" y1=\"{zero}\" y2=\"{zero}\" stroke-opacity=\"0.8\"/></g>",
        n(plot.top),
        n(plot.bottom),
        n(plot.right),
        l = n(plot.left),
    );
    out
}

fn bar_marks(chart: &Chart, slot: f64, y: &dyn Fn(f64) -> f64, centre: &dyn Fn(usize) -> f64) -> String {
    let width = (slot * 0.62).min(88.0);
    let zero = y(0.0);
    let mut out = format!("<g class=\"kpi-bars\" {BAR_STYLE}>");
    for (index, datum) in chart.data.iter().enumerate() {
        let top = y(datum.value).min(zero);
        let height = (y(datum.value) - zero).abs();
        let muted = if datum.muted { " fill-opacity=\"0.5\"" } else { "" };
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{muted}><title>{}</title></rect>",
            n(centre(index) - width / 2.0),
            n(top),
            n(width),
            n(height),
            xml_escape(&join_label(chart.locale, &datum.label, &datum.text)),
        );
    }
    out.push_str("</g>");
    out
}

fn line_marks(chart: &Chart, y: &dyn Fn(f64) -> f64, centre: &dyn Fn(usize) -> f64) -> String {
    let points: Vec<String> =
        chart.data.iter().enumerate().map(|(i, d)| format!("{},{}", n(centre(i)), n(y(d.value)))).collect();
    let radius = if chart.data.len() > 60 { 1.5 } else { 3.5 };
    let mut out = format!(
        "<polyline points=\"{}\" fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\" {LINE_STYLE}/><g class=\"kpi-points\" {BAR_STYLE}>",
        points.join(" ")
    );
    for (index, datum) in chart.data.iter().enumerate() {
        let _ = write!(
            out,
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\"><title>{}</title></circle>",
            n(centre(index)),
            n(y(datum.value)),
            n(radius),
            xml_escape(&join_label(chart.locale, &datum.label, &datum.text)),
        );
    }
    out.push_str("</g>");
    out
}

/// Every how many items a label is drawn so that labels `widest` px wide do not overlap.
fn label_step(widest: f64, slot: f64) -> usize {
    // A little slack, so that a label shrunk to fit exactly does not count as too wide.
    let room = slot * 0.96 * 1.001;
    if widest <= room { 1 } else { (widest / room).ceil().max(1.0) as usize }
}

/// The values on the bars or points, shrunk to fit their slot (and thinned out where even that does not fit:
/// the first, the last and every n-th stay).
fn value_labels(chart: &Chart, slot: f64, y: &dyn Fn(f64) -> f64, centre: &dyn Fn(usize) -> f64) -> String {
    let widest = chart.data.iter().map(|d| text_width(&d.text, VALUE_SIZE)).fold(0.0, f64::max);
    let size = if widest <= slot * 0.9 { VALUE_SIZE } else { (VALUE_SIZE * slot * 0.9 / widest).max(MIN_VALUE_SIZE) };
    let step = label_step(widest * size / VALUE_SIZE, slot);
    let last = chart.data.len().saturating_sub(1);
    let mut out = String::from("<g fill=\"currentColor\" text-anchor=\"middle\">");
    for (index, datum) in chart.data.iter().enumerate() {
        // The last value is always drawn; the others every `step`, none closer than that to the last.
        if index != last && (index % step != 0 || last - index < step) {
            continue;
        }
        let at = y(datum.value);
        let (value_y, share_y) =
            if datum.value < 0.0 { (at + size + 3.0, at + size * 2.0 + 5.0) } else { (at - 5.0, at - size - 8.0) };
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\">{}</text>",
            n(centre(index)),
            n(value_y),
            n(size),
            xml_escape(&datum.text)
        );
        if let Some(share) = datum.share_text.as_ref().filter(|_| has_shares(chart)) {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" font-size=\"{}\" fill-opacity=\"0.7\">{}</text>",
                n(centre(index)),
                n(share_y),
                n((size - 1.0).max(MIN_VALUE_SIZE)),
                xml_escape(share)
            );
        }
    }
    out.push_str("</g>");
    out
}

/// The category or period under each slot (wrapped, shortened or thinned out to fit) and the x axis title.
fn x_labels(chart: &Chart, plot: &PlotBox, slot: f64, centre: &dyn Fn(usize) -> f64) -> String {
    let below = if has_negative(chart) { 16.0 } else { 0.0 };
    let first_line = plot.bottom + below + LABEL_SIZE + 6.0;
    let labels = tick_labels(chart);
    let lines = label_lines(chart);
    let widest = labels.iter().map(|l| text_width(l, LABEL_SIZE)).fold(0.0, f64::max);
    // Two lines per label only help where a slot holds a few characters; narrower slots thin the labels out.
    let step = if lines == 2 { 1 } else { label_step(widest, slot) };
    let room = slot * step as f64 * 0.94;
    let mut out = String::from("<g fill=\"currentColor\" text-anchor=\"middle\">");
    for (index, label) in labels.iter().enumerate() {
        if index % step != 0 {
            continue;
        }
        let wrapped =
            if lines == 2 { wrap_label(label, room, LABEL_SIZE) } else { vec![truncate(label, room, LABEL_SIZE)] };
        let _ =
            write!(out, "<text x=\"{}\" y=\"{}\" font-size=\"{}\">", n(centre(index)), n(first_line), n(LABEL_SIZE));
        for (number, line) in wrapped.iter().enumerate() {
            let dy = if number == 0 { String::new() } else { format!(" dy=\"{}\"", n(LABEL_SIZE + 2.0)) };
            let _ = write!(out, "<tspan x=\"{}\"{dy}>{}</tspan>", n(centre(index)), xml_escape(line));
        }
        out.push_str("</text>");
    }
    if !compact(chart) && !chart.x_title.is_empty() {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" fill-opacity=\"0.8\">{}</text>",
            n((plot.left + plot.right) / 2.0),
            n(chart.height - 6.0),
            n(LABEL_SIZE),
            xml_escape(&truncate(&chart.x_title, plot.width(), LABEL_SIZE)),
        );
    }
    out.push_str("</g>");
    out
}

fn reference_line(reference: &Reference, plot: &PlotBox, at: f64) -> String {
    let label = truncate(&reference.label, plot.width() / 2.0, VALUE_SIZE);
    format!(
        "<g class=\"kpi-reference\" stroke=\"{REFERENCE_COLOUR}\" fill=\"{REFERENCE_COLOUR}\"><line x1=\"{}\" x2=\"{}\" y1=\"{a}\" y2=\"{a}\" \
         stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/><text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"end\" \
         stroke=\"none\">{}</text></g>",
        n(plot.left),
        n(plot.right),
        n(plot.right - 2.0),
        n(at - 5.0),
        n(VALUE_SIZE),
        xml_escape(&label),
        a = n(at),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrate::table::sample;

    fn parse(svg: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"))
    }

    fn rects(doc: &roxmltree::Document<'_>) -> Vec<(f64, f64)> {
        doc.descendants()
            .filter(|n| n.has_tag_name("rect"))
            .map(|n| {
                let number = |name: &str| n.attribute(name).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
                (number("y"), number("height"))
            })
            .collect()
    }

    fn baseline(doc: &roxmltree::Document<'_>) -> f64 {
        doc.descendants()
            .filter(|n| n.has_tag_name("line") && n.attribute("class") == Some("kpi-zero"))
            .filter_map(|n| n.attribute("y1")?.parse().ok())
            .next()
            .expect("a baseline")
    }

    #[test]
    fn bars_are_proportional_and_negative_values_hang_below_zero() {
        let c = sample::breakdown(Locale::En, &[("a", 50), ("b", 20), ("c", 0), ("d", -10)], None);
        let html = render(&c);
        let doc = parse(&html);
        let rects = rects(&doc);
        assert_eq!(rects.len(), 4);
        let zero = baseline(&doc);
        let unit = rects[0].1 / 50.0;
        for ((y, height), value) in rects.iter().zip([50.0, 20.0, 0.0, -10.0]) {
            assert!((height - unit * f64::abs(value)).abs() < 0.02, "{height} for {value}");
            if value > 0.0 {
                assert!((y + height - zero).abs() < 0.02, "positive bars stand on zero");
            } else {
                assert!((y - zero).abs() < 0.02, "negative bars hang from zero");
            }
        }
    }

    #[test]
    fn one_block_without_blank_lines() {
        let c = sample::breakdown(Locale::ZhCn, &[("智能客服系统", 85), ("AI质检系统", 25)], Some(110));
        let html = render(&c);
        assert!(html.starts_with("<figure class=\"kpi-chart\""));
        assert!(html.ends_with("</figure>"));
        assert!(html.lines().all(|l| !l.trim().is_empty()), "{html}");
        assert!(html.lines().count() <= 12);
        let doc = parse(&html);
        let svg = doc.descendants().find(|n| n.has_tag_name("svg")).unwrap();
        assert_eq!(svg.attribute("role"), Some("img"));
        let labelled = svg.attribute("aria-labelledby").unwrap();
        for id in labelled.split(' ') {
            assert!(doc.descendants().any(|n| n.attribute("id") == Some(id)), "{id} exists");
        }
        let desc = doc.descendants().find(|n| n.has_tag_name("desc")).unwrap().text().unwrap();
        assert!(desc.contains("智能客服系统85元(占77.3%)"), "{desc}");
    }

    #[test]
    fn labels_are_escaped() {
        let c =
            sample::breakdown(Locale::En, &[("<script>alert(1)</script>", 5), ("A & \"B\" {{#include x}}", 3)], None);
        let html = render(&c);
        assert!(!html.contains("<script>"));
        assert!(!html.contains("{{"));
        let doc = parse(&html);
        let texts: String = doc.descendants().filter_map(|n| n.text()).collect();
        assert!(texts.contains("<script>alert(1)</script>") || texts.contains("<script>alert(1)…"), "{texts}");
        assert!(texts.contains("A & \"B\""), "{texts}");
    }

    #[test]
    fn coordinates_read_as_two_decimals_without_trailing_zeros() {
        let slow = |value: f64| {
            let text = format!("{:.2}", value);
            let text = text.trim_end_matches('0').trim_end_matches('.');
            if text == "-0" { "0".to_string() } else { text.to_string() }
        };
        let mut value = -1234.5678_f64;
        while value < 1234.0 {
            assert_eq!(n(value), slow(value), "{value}");
            value += 0.0731;
        }
        for value in [0.0, -0.0, 0.004, -0.004, 0.005, 0.125, 0.375, 1.005, 2.675, 10.0, 640.0, 1e15, -1e15, 0.1 + 0.2]
        {
            assert_eq!(n(value), slow(value), "{value}");
        }
    }

    #[test]
    fn ids_are_deterministic_and_salted() {
        let c = sample::months(Locale::En, &[1, 2, 3]);
        assert_eq!(render(&c), render(&c));
        assert_ne!(render_with_salt(&c, 1), render_with_salt(&c, 2));
        let plain = render(&c);
        assert_eq!(render_with_salt(&c, 0), plain);
        let salted = render_with_salt(&c, 7);
        assert_eq!(resalt(&plain, 7), salted);
        // Every id changes together: the references in aria-labelledby still name the title and description.
        let id = &salted[salted.find(ID_PREFIX).unwrap()..][..ID_PREFIX.len() + 16];
        assert_eq!(salted.matches(id).count(), 4, "{salted}");
        assert!(!salted.contains(&plain[plain.find(ID_PREFIX).unwrap()..][..ID_PREFIX.len() + 16]));
    }

    #[test]
    fn long_ranges_are_lines_unless_bars_are_asked_for() {
        let mut c = sample::months(Locale::En, &[5, 6, 7, 6, 8, 9, 9, 10, 12, 11, 13, 14]);
        let html = render(&c);
        assert!(html.contains("<polyline") && !html.contains("<rect"));
        assert!(html.contains(">Sep<"), "short month names when long ones do not fit");
        c.chart_options = vec![("type".into(), "bar".into())];
        let html = render(&c);
        assert_eq!(rects(&parse(&html)).len(), 12);
        let short = sample::months(Locale::En, &[5, 6, 7]);
        assert!(render(&short).contains("<rect"));
    }

    #[test]
    fn options_are_checked() {
        let mut c = sample::months(Locale::En, &[1, 2]);
        c.chart_options = vec![("height".into(), "200".into()), ("type".into(), "line".into())];
        assert_eq!(options(&c).unwrap(), ChartOptions { chart_type: Some(ChartType::Line), height: 200 });
        assert!(render(&c).contains("viewBox=\"0 0 640 200\""));
        for (name, value) in [("height", "20"), ("height", "abc"), ("type", "pie"), ("hieght", "200")] {
            c.chart_options = vec![(name.into(), value.into())];
            let failure = options(&c).unwrap_err();
            assert_eq!(failure.rule, "kpi/syntax");
            assert!(failure.help.is_some());
        }
        c.chart_options = vec![("hieght".into(), "200".into())];
        assert!(options(&c).unwrap_err().help.unwrap().contains("height"));
    }

    #[test]
    fn small_heights_still_draw() {
        let mut c = sample::breakdown(Locale::En, &[("a", 3), ("b", 1)], None);
        c.chart_options = vec![("height".into(), "80".into())];
        let html = render(&c);
        let doc = parse(&html);
        let rects = rects(&doc);
        assert!(rects.iter().all(|(y, h)| *y >= 0.0 && y + h <= 80.0), "{rects:?}");
        assert!((rects[0].1 / rects[1].1 - 3.0).abs() < 0.01);
    }

    #[test]
    fn targets_are_dashed_reference_lines() {
        let c = sample::computation(
            Locale::En,
            SentenceKind::Value,
            sample::metric("revenue", crate::data::Unit::Currency),
            120,
        );
        let c = sample::with_base(c, BaseKind::Target, 150, "");
        let html = render(&c);
        let doc = parse(&html);
        let dashed = doc.descendants().find(|n| n.attribute("stroke-dasharray").is_some()).expect("a dashed line");
        let at: f64 = dashed.attribute("y1").unwrap().parse().unwrap();
        let zero = baseline(&doc);
        let (_, height) = rects(&doc)[0];
        assert!(((zero - at) / height - 150.0 / 120.0).abs() < 0.001, "the target sits at its value");
        assert!(html.contains("Target ¥150"), "{html}");
    }

    #[test]
    fn text_measure_and_wrapping() {
        assert!((text_width("营收", 10.0) - 20.0).abs() < 1e-9);
        assert!((text_width("ab", 10.0) - 11.0).abs() < 1e-9);
        let lines = wrap_label("Smart Customer Service Platform", 100.0, 12.0);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| text_width(l, 12.0) <= 100.0));
        let lines = wrap_label("一二三四五六七八九十一二三四五六七八九十", 60.0, 12.0);
        assert_eq!(lines, vec!["一二三四五".to_string(), "六七八九…".to_string()]);
        assert_eq!(truncate("Supercalifragilistic", 40.0, 12.0), "Super…");
    }

    /// Every coordinate is a finite number inside the drawing.
    fn assert_sane(html: &str, height: f64) {
        assert!(!html.contains("NaN") && !html.contains("inf"), "{html}");
        let doc = parse(html);
        for node in doc.descendants().filter(|n| n.is_element()) {
            for name in ["x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "width", "height"] {
                if node.tag_name().name() == "svg" {
                    continue;
                }
                if let Some(value) = node.attribute(name) {
                    let value: f64 = value.parse().unwrap_or_else(|_| panic!("{name}={value}"));
                    let limit = if name.starts_with('x') || name == "width" || name == "cx" { WIDTH } else { height };
                    assert!((-0.01..=limit + 0.01).contains(&value), "{name}={value} outside the drawing");
                }
            }
        }
    }

    #[test]
    fn extreme_figures_draw_inside_the_chart() {
        let cases: Vec<Vec<i64>> = vec![
            vec![-5, -20, -1],
            vec![7, 7, 7],
            vec![0, 0, 0],
            vec![i64::MAX, 1, i64::MAX / 3],
            vec![1, -1],
            (0..120).map(|i| (i * 37 % 101) - 30).collect(),
        ];
        for values in cases {
            for locale in [Locale::ZhCn, Locale::En] {
                let bars = sample::breakdown(locale, &values.iter().map(|v| ("m", *v)).collect::<Vec<_>>(), None);
                assert_sane(&render(&bars), 320.0);
                let mut line = sample::months(locale, &values);
                line.chart_options = vec![("type".into(), "line".into()), ("height".into(), "90".into())];
                assert_sane(&render(&line), 90.0);
            }
        }
    }

    #[test]
    fn many_points_thin_their_labels_out() {
        let values: Vec<i64> = (0..120).map(|i| 1000 + i * 10).collect();
        let c = sample::months(Locale::En, &values);
        let html = render(&c);
        let doc = parse(&html);
        let labels: Vec<(f64, String)> = doc
            .descendants()
            .filter(|n| n.has_tag_name("tspan"))
            .map(|n| (n.attribute("x").unwrap().parse().unwrap(), n.text().unwrap().to_string()))
            .collect();
        assert!(labels.len() < 40 && labels.len() > 3, "{}", labels.len());
        for pair in labels.windows(2) {
            let room = pair[1].0 - pair[0].0;
            let needed = (text_width(&pair[0].1, LABEL_SIZE) + text_width(&pair[1].1, LABEL_SIZE)) / 2.0;
            assert!(needed <= room, "{pair:?} overlap");
        }
    }
}
