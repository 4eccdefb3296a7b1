//! `as chart`: every shape in both locales as a snapshot, and what must hold of every chart — well-formed XML,
//! bars and points proportional to the data, an accessible title and description, one Markdown HTML block.

mod chart_common;

use chart_common::{LOCALES, SHAPES, context, data, expand};
use mdbook_kpi::config::Locale;
use mdbook_kpi::narrate::Target;
use roxmltree::{Document, Node};
use serde_json::Value;

fn chart(data: &mdbook_kpi::data::DataSet, locale: Locale, body: &str) -> String {
    expand(data, locale, &format!("{body} as chart"), Target::Html)
}

fn parse(html: &str) -> Document<'_> {
    Document::parse(html).unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{html}"))
}

fn number(node: Node<'_, '_>, name: &str) -> f64 {
    node.attribute(name).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("`{name}` on {node:?}"))
}

fn raw(value: &Value) -> f64 {
    value["raw"].as_f64().unwrap_or_else(|| panic!("no raw number in {value}"))
}

/// The figures a chart of this directive draws, read from its template context: breakdown members or range
/// points, else the value and (unless it is a target or standard, drawn as a line) the base.
fn drawn_values(context: &Value) -> Vec<f64> {
    let items = context["items"].as_array().expect("items");
    if !items.is_empty() {
        return items.iter().map(raw).collect();
    }
    let mut values = vec![raw(&context["value"])];
    if context["base"].is_object() && !matches!(context["base"]["kind"].as_str(), Some("target" | "standard")) {
        values.push(raw(&context["base"]));
    }
    values
}

fn zero_line(doc: &Document<'_>) -> f64 {
    let line = doc.descendants().find(|n| n.attribute("class") == Some("kpi-zero")).expect("a zero line");
    number(line, "y1")
}

/// Distances from the zero line of each bar's end or each point, in drawing order.
fn drawn_lengths(doc: &Document<'_>) -> Vec<f64> {
    let zero = zero_line(doc);
    let bars: Vec<f64> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .map(|rect| {
            let (y, height) = (number(rect, "y"), number(rect, "height"));
            if (y - zero).abs() < 0.01 && height > 0.0 { -height } else { height }
        })
        .collect();
    if !bars.is_empty() {
        return bars;
    }
    doc.descendants().filter(|n| n.has_tag_name("circle")).map(|c| zero - number(c, "cy")).collect()
}

#[test]
fn snapshots_of_every_shape() {
    let data = data();
    for (name, body) in SHAPES {
        for (locale, tag) in LOCALES {
            insta::assert_snapshot!(format!("chart_{name}_{tag}"), chart(&data, locale, body), body);
        }
    }
}

#[test]
fn every_chart_is_one_html_block_of_valid_svg() {
    let data = data();
    for (_, body) in SHAPES {
        for (locale, _) in LOCALES {
            let html = chart(&data, locale, body);
            assert!(html.starts_with("<figure class=\"kpi-chart\""), "{body}");
            assert!(html.lines().all(|line| !line.trim().is_empty()), "a blank line ends the HTML block: {body}");
            assert!(html.lines().count() <= 12, "{body}");
            assert!(!html.contains("<script") && !html.contains("href"), "no script, no external file: {body}");
            let doc = parse(&html);
            let svg = doc.descendants().find(|n| n.has_tag_name("svg")).expect("an svg");
            assert_eq!(svg.attribute("role"), Some("img"));
            assert_eq!(svg.attribute("width"), Some("100%"));
            assert!(svg.attribute("viewBox").is_some() && svg.attribute("style").unwrap().contains("max-width"));
            let ids: Vec<&str> = svg.attribute("aria-labelledby").expect("aria-labelledby").split(' ').collect();
            let title = doc.descendants().find(|n| n.has_tag_name("title")).expect("a title");
            let desc = doc.descendants().find(|n| n.has_tag_name("desc")).expect("a desc");
            assert_eq!(ids, [title.attribute("id").unwrap(), desc.attribute("id").unwrap()], "{body}");
            assert!(!title.text().unwrap_or_default().is_empty() && !desc.text().unwrap_or_default().is_empty());
            assert!(svg.descendants().any(|n| n.has_tag_name("text")), "a visible title and labels: {body}");
        }
    }
}

#[test]
fn bars_and_points_are_proportional_to_the_data() {
    let data = data();
    for (_, body) in SHAPES {
        for (locale, _) in LOCALES {
            let html = chart(&data, locale, body);
            let doc = parse(&html);
            let mut drawn = drawn_lengths(&doc);
            let mut values = drawn_values(&context(&data, locale, body));
            assert_eq!(drawn.len(), values.len(), "one mark per figure: {body}");
            // Comparisons may draw the base first; compare in value order.
            drawn.sort_by(f64::total_cmp);
            values.sort_by(f64::total_cmp);
            let (largest_drawn, largest_value) = drawn
                .iter()
                .zip(&values)
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                .map(|(d, v)| (*d, *v))
                .unwrap();
            let scale = largest_drawn / largest_value;
            assert!(scale > 0.0, "{body}");
            for (length, value) in drawn.iter().zip(&values) {
                assert!((length - value * scale).abs() <= 0.02, "{body}: {length} drawn for {value} at {scale}/unit");
            }
        }
    }
}

#[test]
fn the_description_states_the_figures() {
    let data = data();
    let html = chart(&data, Locale::ZhCn, "revenue 2023 by product");
    let doc = parse(&html);
    let desc = doc.descendants().find(|n| n.has_tag_name("desc")).unwrap().text().unwrap().to_string();
    for figure in
        ["智能客服系统8500万元（占70.8%）", "AI质检系统2500万元（占20.8%）", "其他1000万元（占8.3%）", "合计1.2亿元"]
    {
        assert!(desc.contains(figure), "{figure} in {desc}");
    }
    let html = chart(&data, Locale::En, "revenue q4 vs q3");
    let doc = parse(&html);
    let desc = doc.descendants().find(|n| n.has_tag_name("desc")).unwrap().text().unwrap().to_string();
    assert!(desc.contains("Q3 RMB 31M") && desc.contains("Q4 RMB 36M") && desc.contains("+16.1%"), "{desc}");
}

#[test]
fn data_text_is_escaped() {
    let data = data();
    for (locale, _) in LOCALES {
        let html = chart(&data, locale, "orders 2023 by channel");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("&amp;") && html.contains("&quot;"));
        let doc = parse(&html);
        let text: String = doc.descendants().filter_map(|n| n.text()).collect();
        assert!(text.contains("<script>alert(1)</script>"), "the label reads as written: {text}");
    }
}

#[test]
fn long_labels_wrap_within_their_slot() {
    let data = data();
    for (locale, _) in LOCALES {
        let html = chart(&data, locale, "orders 2023 by channel");
        let doc = parse(&html);
        let bars = doc.descendants().filter(|n| n.has_tag_name("rect")).count();
        let plot = 640.0 - 60.0;
        for label in
            doc.descendants().filter(|n| n.has_tag_name("text") && n.children().any(|c| c.has_tag_name("tspan")))
        {
            let lines: Vec<&str> = label.children().filter_map(|t| t.text()).collect();
            assert!(lines.len() <= 2, "{lines:?}");
            for line in lines {
                let width = mdbook_kpi::narrate::chart::text_width(line, 12.0);
                assert!(width <= plot / bars as f64, "`{line}` is {width} wide");
            }
        }
    }
}

#[test]
fn options_choose_the_type_and_height() {
    let data = data();
    let html = chart(&data, Locale::En, "revenue q1..q4 type=line height=240");
    assert!(html.contains("<polyline") && !html.contains("<rect"));
    assert!(html.contains("viewBox=\"0 0 640 240\""));
    let html = chart(&data, Locale::En, "leads 2023-01..2023-12 type=bar");
    assert_eq!(parse(&html).descendants().filter(|n| n.has_tag_name("rect")).count(), 12);
    assert!(chart(&data, Locale::En, "leads 2023-01..2023-12").contains("<polyline"), "long ranges are lines");
    assert!(chart(&data, Locale::En, "revenue q1..q4").contains("<rect"), "short ranges are bars");
}

#[test]
fn targets_and_standards_are_dashed_reference_lines() {
    let data = data();
    for body in ["revenue 2023 vs target", "delivery_days 2023 vs standard", "telesales_share 2023 vs target"] {
        let html = chart(&data, Locale::En, body);
        let doc = parse(&html);
        let reference = doc.descendants().find(|n| n.attribute("class") == Some("kpi-reference")).expect(body);
        let line = reference.children().find(|n| n.has_tag_name("line")).unwrap();
        assert!(line.attribute("stroke-dasharray").is_some());
        let context = context(&data, Locale::En, body);
        let bar = doc.descendants().find(|n| n.has_tag_name("rect")).unwrap();
        let expected = number(bar, "height") * raw(&context["base"]) / raw(&context["value"]);
        assert!((zero_line(&doc) - number(line, "y1") - expected).abs() < 0.02, "{body}");
    }
}

#[test]
fn the_same_directive_gives_the_same_chart() {
    let data = data();
    assert_eq!(chart(&data, Locale::ZhCn, "revenue q1..q4"), chart(&data, Locale::ZhCn, "revenue q1..q4"));
}

#[test]
fn other_renderers_get_the_table() {
    let data = data();
    for (_, body) in SHAPES {
        let table = expand(&data, Locale::ZhCn, &format!("{body} as table"), Target::Html);
        assert_eq!(expand(&data, Locale::ZhCn, &format!("{body} as chart"), Target::Other), table);
    }
}

/// The HTML blocks CommonMark finds in `markdown`, and whether any of the chart leaked into text.
fn html_blocks(markdown: &str) -> (Vec<String>, bool) {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut blocks = Vec::new();
    let mut inside = false;
    let mut leaked = false;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::HtmlBlock) => {
                inside = true;
                blocks.push(String::new());
            }
            Event::End(TagEnd::HtmlBlock) => inside = false,
            Event::Html(html) if inside => blocks.last_mut().unwrap().push_str(&html),
            Event::Text(text) | Event::InlineHtml(text) | Event::Html(text) => {
                leaked |= text.contains("svg") || text.contains("kpi-chart");
            }
            _ => {}
        }
    }
    (blocks, leaked)
}

#[test]
fn the_chart_stays_one_html_block_in_a_paragraph_a_list_and_a_quote() {
    let data = data();
    for (_, body) in SHAPES {
        let chart = chart(&data, Locale::ZhCn, body);
        for (prefix, lead) in
            [("", "A paragraph line\n"), ("   ", "1. In a list item:\n\n   "), ("> ", "> Quoted:\n> ")]
        {
            let markdown = format!("{lead}{}\n\nAfter.\n", chart.replace('\n', &format!("\n{prefix}")));
            let (blocks, leaked) = html_blocks(&markdown);
            assert!(!leaked, "{body} with `{prefix}`: {markdown}");
            assert_eq!(blocks.len(), 1, "{body} with `{prefix}`");
            assert_eq!(blocks[0].trim_end().replace('\n', ""), chart.replace('\n', ""), "{body} with `{prefix}`");
        }
    }
}
