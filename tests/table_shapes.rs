//! `as table`: every shape in both locales as a snapshot, and the Markdown every table must be.

mod chart_common;

use chart_common::{LOCALES, SHAPES, data, expand};
use mdbook_kpi::config::Locale;
use mdbook_kpi::narrate::Target;

fn table(data: &mdbook_kpi::data::DataSet, locale: Locale, body: &str) -> String {
    expand(data, locale, &format!("{body} as table"), Target::Html)
}

/// The cells of a Markdown table row, split at unescaped pipes.
fn cells(row: &str) -> Vec<String> {
    let inner = row.strip_prefix("| ").and_then(|r| r.strip_suffix(" |")).unwrap_or_else(|| panic!("row: {row}"));
    let mut cells = vec![String::new()];
    let mut escaped = false;
    for ch in inner.chars() {
        match ch {
            '|' if !escaped => cells.push(String::new()),
            _ => cells.last_mut().unwrap().push(ch),
        }
        escaped = ch == '\\' && !escaped;
    }
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

#[test]
fn snapshots_of_every_shape() {
    let data = data();
    for (name, body) in SHAPES {
        for (locale, tag) in LOCALES {
            insta::assert_snapshot!(format!("table_{name}_{tag}"), table(&data, locale, body), body);
        }
    }
}

#[test]
fn every_table_is_well_formed_markdown_with_numbers_right_aligned() {
    let data = data();
    for (_, body) in SHAPES {
        for (locale, _) in LOCALES {
            let text = table(&data, locale, body);
            let lines: Vec<&str> = text.lines().collect();
            assert!(lines.len() >= 3, "{body}: {text}");
            let width = cells(lines[0]).len();
            let aligns = cells(lines[1]);
            assert_eq!(aligns[0], ":---", "{body}");
            assert!(aligns[1..].iter().all(|a| a == "---:"), "{body}: numbers right-aligned");
            for line in &lines {
                assert_eq!(cells(line).len(), width, "{body}: {line}");
            }
        }
    }
}

#[test]
fn the_spec_breakdown_reads_as_the_sentence_does() {
    let data = data();
    assert_eq!(
        table(&data, Locale::ZhCn, "revenue 2023 by product"),
        "| 产品线 | 营收 | 占比 |\n| :--- | ---: | ---: |\n| 智能客服系统 | 8500万元 | 70.8% |\n\
         | AI质检系统 | 2500万元 | 20.8% |\n| 其他 | 1000万元 | 8.3% |\n| **合计** | **1.2亿元** | **100.0%** |"
    );
    assert_eq!(
        table(&data, Locale::En, "revenue q4 vs q3"),
        "| Metric | Q4 | Q3 | Change |\n| :--- | ---: | ---: | ---: |\n| Revenue | RMB 36M | RMB 31M | +16.1% |"
    );
}

#[test]
fn top_n_folds_the_rest_and_names_a_single_remaining_member() {
    let data = data();
    let text = table(&data, Locale::ZhCn, "revenue 2023 by product top 1");
    assert!(text.contains("| 智能客服系统 | 8500万元 | 70.8% |"), "{text}");
    assert!(text.contains("| 其余2个产品线合计 | 3500万元 | 29.2% |"), "{text}");
    let text = table(&data, Locale::En, "revenue 2023 by product top 1");
    assert!(text.contains("| 2 other product lines | RMB 35M | 29.2% |"), "{text}");
    // One member left over is named: the product called 其他/Other is a member, not a fold.
    let text = table(&data, Locale::ZhCn, "revenue 2023 by product top 2");
    assert!(
        text.contains("| AI质检系统 | 2500万元 | 20.8% |") && text.contains("| 其他 | 1000万元 | 8.3% |"),
        "{text}"
    );
    assert!(!text.contains("其余"), "{text}");
}

#[test]
fn data_text_is_escaped() {
    let data = data();
    let text = table(&data, Locale::En, "orders 2023 by channel");
    assert!(!text.contains("<script>") && text.contains("&lt;script&gt;"), "{text}");
    assert!(text.contains("Partners &amp; \"Resellers\""), "{text}");
}
