//! Shared by the table and chart tests: the reference data of docs/src/data-files.md plus a few figures of our own
//! (months, losses, labels that need escaping), loaded and expanded through the real pipeline.

#![allow(dead_code)]

use mdbook_kpi::config::Locale;
use mdbook_kpi::data::{DataSet, load::load_sources};
use mdbook_kpi::directive::parse::parse;
use mdbook_kpi::narrate::{Narrator, Target, Templates};

/// Months, a metric that goes below zero, and member labels that must be escaped or shortened.
pub const EXTRA: &str = r#"
[metrics.leads]
label = { en = "leads", zh-CN = "线索量" }
unit = "count"
values = { "2023-01" = 820, "2023-02" = 760, "2023-03" = 905, "2023-04" = 990, "2023-05" = 1040, "2023-06" = 1010, "2023-07" = 1120, "2023-08" = 1185, "2023-09" = 1230, "2023-10" = 1190, "2023-11" = 1310, "2023-12" = 1400 }

[metrics.profit]
label = { en = "operating profit", zh-CN = "经营利润" }
unit = "currency"
values = { "2023-Q1" = -2_000_000, "2023-Q2" = 0, "2023-Q3" = 1_500_000, "2023-Q4" = 4_200_000 }

[dimensions.channel]
label = { en = "channel", zh-CN = "渠道" }
members.web = { en = "<script>alert(1)</script>", zh-CN = "<script>alert(1)</script>" }
members.partner = { en = 'Partners & "Resellers"', zh-CN = '合作伙伴 & "代理商"' }
members.direct = { en = "Direct enterprise sales to large accounts in the northern region", zh-CN = "面向北方区域大型企业客户的直销团队" }

[metrics.orders]
label = { en = "orders", zh-CN = "订单数" }
unit = "count"
by.channel.web = { "2023" = 300 }
by.channel.partner = { "2023" = 120 }
by.channel.direct = { "2023" = 45 }
"#;

pub fn data() -> DataSet {
    let reference = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/reference/kpi.toml"))
        .expect("reference data");
    load_sources(&[("kpi.toml".to_string(), reference), ("extra.toml".to_string(), EXTRA.as_bytes().to_vec())])
        .unwrap_or_else(|e| panic!("test data loads: {e:?}"))
}

/// The shapes a table or chart takes, by name: (name, directive body without the form).
pub const SHAPES: &[(&str, &str)] = &[
    ("breakdown", "revenue 2023 by product"),
    ("breakdown_top", "revenue 2023 by product top 1"),
    ("quarterly", "revenue q1..q4"),
    ("monthly", "leads 2023-01..2023-12"),
    ("losses", "profit q1..q4"),
    ("period", "revenue q4 vs q3"),
    ("year_over_year", "revenue 2023 vs yoy"),
    ("target", "revenue 2023 vs target"),
    ("target_percent", "telesales_share 2023 vs target"),
    ("standard", "delivery_days 2023 vs standard"),
    ("member", "deal_cycle_days tenure=new 2023 vs tenure=veteran"),
    ("share", "share revenue product=ai-qc q4 vs q3"),
    ("count", "new_customers q4 vs q3"),
    ("escaped_labels", "orders 2023 by channel"),
];

pub const LOCALES: [(Locale, &str); 2] = [(Locale::ZhCn, "zh"), (Locale::En, "en")];

pub fn narrator<'a>(data: &'a DataSet, templates: &'a Templates, locale: Locale) -> Narrator<'a> {
    Narrator { data, templates, locale, year: None, precision: 1, style: Default::default(), year_named: false }
}

/// Expands `<<#kpi BODY>>` for a renderer.
pub fn expand(data: &DataSet, locale: Locale, body: &str, target: Target) -> String {
    let templates = Templates::builtin();
    let directive = parse(&format!("<<#kpi {body}>>")).unwrap_or_else(|e| panic!("{body}: {e:?}"));
    narrator(data, &templates, locale).expand(&directive, target).unwrap_or_else(|e| panic!("{body}: {e:?}"))
}

/// The template context (docs/src/templates.md) of `<<#kpi BODY>>`: the figures the chart draws.
pub fn context(data: &DataSet, locale: Locale, body: &str) -> serde_json::Value {
    let templates = Templates::builtin();
    let directive = parse(&format!("<<#kpi {body}>>")).unwrap_or_else(|e| panic!("{body}: {e:?}"));
    narrator(data, &templates, locale).context(&directive).unwrap_or_else(|e| panic!("{body}: {e:?}"))
}
