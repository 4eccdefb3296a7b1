//! `as table`: a Markdown table of breakdown members, trend periods or a comparison.

use super::compute::{Computation, SentenceKind};
use super::context::{Formatter, change};
use super::templates::escape_text;
use crate::config::Locale;

struct Headers {
    item: String,
    value: &'static str,
    share: &'static str,
    base: &'static str,
    change: &'static str,
}

fn headers(computation: &Computation) -> Headers {
    let zh = computation.locale == Locale::ZhCn;
    let item = match computation.kind {
        SentenceKind::Trend => (if zh { "期间" } else { "Period" }).to_string(),
        SentenceKind::Breakdown => computation.by_label.clone().unwrap_or_default(),
        _ => (if zh { "项目" } else { "Item" }).to_string(),
    };
    Headers {
        item,
        value: if zh { "数值" } else { "Value" },
        share: if zh { "占比" } else { "Share" },
        base: if zh { "对比值" } else { "Base" },
        change: if zh { "变化" } else { "Change" },
    }
}

/// The table as Markdown lines (no trailing newline); numbers right-aligned.
pub fn render(computation: &Computation) -> String {
    let formatter = Formatter::new(computation);
    let headers = headers(computation);
    let metric = escape_text(&computation.metric.label);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let header: Vec<String>;
    match computation.kind {
        SentenceKind::Trend => {
            header = vec![escape_text(&headers.item), format!("{metric}"), headers.change.into()];
            for (i, point) in computation.points.iter().enumerate() {
                let delta = match i.checked_sub(1).map(|j| &computation.points[j]) {
                    Some(previous) => change_text(computation, &formatter, point.value, previous.value),
                    None => "–".into(),
                };
                rows.push(vec![escape_text(&point.label), formatter.value.value(point.value), delta]);
            }
        }
        SentenceKind::Breakdown => {
            let with_share = computation.items.iter().any(|i| i.share.is_some());
            header = if with_share {
                vec![escape_text(&headers.item), metric.clone(), headers.share.into()]
            } else {
                vec![escape_text(&headers.item), metric.clone()]
            };
            for item in &computation.items {
                let mut row = vec![escape_text(&item.label), formatter.value.value(item.value)];
                if with_share {
                    row.push(item.share.map(|s| formatter.percent.percent(s)).unwrap_or_default());
                }
                rows.push(row);
            }
            if let Some(total) = computation.total {
                let label = if computation.locale == Locale::ZhCn { "合计" } else { "Total" };
                let mut row = vec![format!("**{label}**"), formatter.value.value(total)];
                if with_share {
                    row.push(formatter.percent.percent(rust_decimal::Decimal::ONE_HUNDRED));
                }
                rows.push(row);
            }
        }
        _ => {
            header = vec![escape_text(&headers.item), headers.value.into()];
            let subject = escape_text(&computation.subject);
            rows.push(vec![
                format!("{} {subject}", escape_text(&computation.period_label)),
                formatter.value.value(computation.value),
            ]);
            if let Some(base) = &computation.base {
                let label = if base.label.is_empty() { headers.base.to_string() } else { escape_text(&base.label) };
                rows.push(vec![label, formatter.value.value(base.value)]);
                rows.push(vec![
                    headers.change.into(),
                    change_text(computation, &formatter, computation.value, base.value),
                ]);
            }
        }
    }
    let mut out = String::new();
    out.push_str(&format!("| {} |\n", header.join(" | ")));
    let aligns: Vec<&str> = (0..header.len()).map(|i| if i == 0 { ":---" } else { "---:" }).collect();
    out.push_str(&format!("| {} |", aligns.join(" | ")));
    for row in rows {
        out.push_str(&format!("\n| {} |", row.join(" | ")));
    }
    out
}

fn change_text(
    computation: &Computation,
    formatter: &Formatter<'_>,
    value: rust_decimal::Decimal,
    base: rust_decimal::Decimal,
) -> String {
    let change = change(computation, formatter, value, base);
    match change.main {
        Some((_, text)) => super::format::signed(&text, change.sign),
        None => super::format::signed(&change.diff_text, change.sign),
    }
}
