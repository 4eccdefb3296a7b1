//! Where things go: text measured and wrapped, the plot area and round axis ticks.

use unicode_width::UnicodeWidthChar;

use super::model::{Chart, Datum};
use super::{LABEL_SIZE, WIDTH};

/// The estimated width of `text` at `size` px: wide (CJK) characters ~1em, others ~0.55em.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().map(char_em).sum::<f64>() * size
}

pub(super) fn char_em(ch: char) -> f64 {
    match ch.width() {
        Some(2) => 1.0,
        Some(0) | None => 0.0,
        _ => 0.55,
    }
}

/// `text` cut to `max` px with an ellipsis (at a character boundary).
pub(super) fn truncate(text: &str, max: f64, size: f64) -> String {
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
pub(super) fn tokens(text: &str) -> Vec<&str> {
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
pub(super) fn join_tokens(tokens: &[&str]) -> String {
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
pub(super) fn wrap_label(text: &str, max: f64, size: f64) -> Vec<String> {
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
pub(super) struct PlotBox {
    pub(super) left: f64,
    pub(super) right: f64,
    pub(super) top: f64,
    pub(super) bottom: f64,
}

impl PlotBox {
    pub(super) fn height(&self) -> f64 {
        self.bottom - self.top
    }
    pub(super) fn width(&self) -> f64 {
        self.right - self.left
    }
}

/// Small charts drop the visible title and axis titles (the `<title>` stays).
pub(super) fn compact(chart: &Chart) -> bool {
    chart.height < 160.0
}

/// The labels under the slots: English month names give way to short ones where the long ones do not fit.
pub(super) fn tick_labels(chart: &Chart) -> Vec<&str> {
    let slot = (WIDTH - 80.0) / chart.data.len().max(1) as f64;
    let fits = |d: &Datum| text_width(&d.label, LABEL_SIZE) <= slot * 0.94;
    let shorten = chart.data.iter().any(|d| !fits(d)) && chart.data.iter().all(|d| d.short.is_some());
    chart.data.iter().map(|d| if shorten { d.short.as_deref().unwrap_or(&d.label) } else { d.label.as_str() }).collect()
}

/// Two lines where a label does not fit its slot on one and the slot holds a few characters.
pub(super) fn label_lines(chart: &Chart) -> usize {
    let slot = (WIDTH - 80.0) / chart.data.len().max(1) as f64;
    let two_lines = tick_labels(chart).iter().any(|l| text_width(l, LABEL_SIZE) > slot * 0.94);
    if two_lines && slot >= 3.0 * LABEL_SIZE { 2 } else { 1 }
}

pub(super) fn has_negative(chart: &Chart) -> bool {
    chart.data.iter().any(|d| d.value < 0.0)
}

pub(super) fn has_shares(chart: &Chart) -> bool {
    chart.data.iter().any(|d| d.share_text.is_some()) && !chart.line
}

/// The plot area, given the width the y tick labels need.
pub(super) fn plot_box(chart: &Chart, tick_width: f64) -> PlotBox {
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
pub(super) fn nice_ticks(chart: &Chart, plot_height: f64) -> ((f64, f64), Vec<f64>) {
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
