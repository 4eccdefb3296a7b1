//! Drawing: the chart model and its layout written out as SVG inside one HTML block.

use std::fmt::Write as _;

use super::layout::{
    PlotBox, compact, has_negative, has_shares, label_lines, plot_box, text_width, tick_labels, truncate, wrap_label,
};
use super::model::{Chart, Reference, join_label};
use super::{ID_PREFIX, LABEL_SIZE, MIN_VALUE_SIZE, TITLE_SIZE, VALUE_SIZE, WIDTH};
use crate::config::Locale;

/// Bars in the theme's link colour (mdBook sets `--links` in every theme), a fixed mid-tone where it is unset.
const BAR_STYLE: &str = r##"fill="#4183c4" style="fill:var(--links,#4183c4)""##;
const LINE_STYLE: &str = r##"stroke="#4183c4" style="stroke:var(--links,#4183c4)""##;
/// An orange that keeps its contrast on white and on the dark themes.
const REFERENCE_COLOUR: &str = "#e8590c";

/// Numbers for coordinates: two decimals at most, no trailing zeros.
pub(super) fn n(value: f64) -> String {
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
pub(super) fn fnv1a(bytes: &[u8], salt: u64) -> u64 {
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
pub(super) fn draw(chart: &Chart) -> String {
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

pub(super) fn headings(chart: &Chart, plot: &PlotBox) -> String {
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
pub(super) fn grid(chart: &Chart, plot: &PlotBox, y: &dyn Fn(f64) -> f64) -> String {
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

pub(super) fn bar_marks(chart: &Chart, slot: f64, y: &dyn Fn(f64) -> f64, centre: &dyn Fn(usize) -> f64) -> String {
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

pub(super) fn line_marks(chart: &Chart, y: &dyn Fn(f64) -> f64, centre: &dyn Fn(usize) -> f64) -> String {
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
pub(super) fn label_step(widest: f64, slot: f64) -> usize {
    // A little slack, so that a label shrunk to fit exactly does not count as too wide.
    let room = slot * 0.96 * 1.001;
    if widest <= room { 1 } else { (widest / room).ceil().max(1.0) as usize }
}

/// The values on the bars or points, shrunk to fit their slot (and thinned out where even that does not fit:
/// the first, the last and every n-th stay).
pub(super) fn value_labels(chart: &Chart, slot: f64, y: &dyn Fn(f64) -> f64, centre: &dyn Fn(usize) -> f64) -> String {
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
pub(super) fn x_labels(chart: &Chart, plot: &PlotBox, slot: f64, centre: &dyn Fn(usize) -> f64) -> String {
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

pub(super) fn reference_line(reference: &Reference, plot: &PlotBox, at: f64) -> String {
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
