//! `as chart`: an inline SVG bar or line chart for the html renderer, drawn here — no script, no external file.
//!
//! What is drawn: bars for breakdowns and comparisons, a line (ranges of more than 6 points) or bars for ranges;
//! a target or standard as a dashed reference line. Every chart has a visible title, axis labels, value labels,
//! and an accessible `<title>`/`<desc>` (the desc states the figures in words).
//!
//! The output is one HTML block for a Markdown chapter: `<figure class="kpi-chart">` (a start condition that may
//! interrupt a paragraph) with no blank line inside, so CommonMark keeps it whole. Text and axes use
//! `currentColor` and bars the theme's link colour, so the chart reads in mdBook's light and dark themes.

mod layout;
mod model;
mod svg;

use super::Failure;
use super::compute::Computation;
use crate::rules::Rule;
use model::model;
use svg::{draw, fnv1a};

pub use layout::text_width;
pub use svg::xml_escape;

/// The chart's drawing width in SVG units; the SVG scales down to the content column.
const WIDTH: f64 = 640.0;
pub const DEFAULT_HEIGHT: u32 = 320;
pub const MIN_HEIGHT: u32 = 80;
pub const MAX_HEIGHT: u32 = 2000;
/// The options `as chart` accepts.
pub const OPTIONS: &[&str] = &["type", "height"];
/// Ranges with more points than this are drawn as a line unless `type=bar`.
const MAX_BARS_BY_DEFAULT: usize = 6;

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

#[cfg(test)]
mod tests {
    use super::layout::{truncate, wrap_label};
    use super::svg::n;
    use super::*;
    use crate::config::Locale;
    use crate::narrate::compute::{BaseKind, SentenceKind};
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
        assert!(desc.starts_with("柱状图："), "{desc}");
        assert!(desc.contains("智能客服系统85元（占77.3%）"), "{desc}");
        let title = doc.descendants().find(|n| n.has_tag_name("title")).unwrap().text().unwrap();
        assert!(title.contains("（") && title.contains("，按") && !title.contains('('), "{title}");
    }

    /// Chinese titles and descriptions follow the book's punctuation: ASCII marks under `punctuation = "ascii"`,
    /// nothing else changed.
    #[test]
    fn chinese_chart_text_follows_the_punctuation() {
        let full = sample::breakdown(Locale::ZhCn, &[("智能客服系统", 85), ("AI质检系统", 25)], Some(110));
        let mut ascii = full.clone();
        ascii.style.punctuation = crate::config::Punctuation::Ascii;
        let (full, ascii) =
            (model::model(&full, options(&full).unwrap()), model::model(&ascii, options(&ascii).unwrap()));
        for text in [&full.title, &full.desc] {
            assert!(!text.contains([',', '(', ')', ':', ';']), "{text}");
        }
        let to_ascii = |text: &str| {
            text.replace('，', ",").replace('（', "(").replace('）', ")").replace('：', ":").replace('；', ";")
        };
        assert_eq!(ascii.title, to_ascii(&full.title));
        assert_eq!(ascii.desc, to_ascii(&full.desc));
        assert!(ascii.desc.contains("智能客服系统85元(占77.3%)"), "{}", ascii.desc);
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
        assert!(html.contains("Target RMB 150"), "{html}");
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
