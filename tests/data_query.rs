//! Queries: given facts, roll-ups, totals over members, formulas, standards, and the errors when data is
//! missing.

use std::str::FromStr;

use mdbook_kpi::data::{DataSet, Kind, Period, Query, QueryError, Slice, load_sources};
use rust_decimal::Decimal;

const REFERENCE: &str = include_str!("fixtures/reference/kpi.toml");

fn load(files: &[(&str, &str)]) -> DataSet {
    let sources: Vec<(String, Vec<u8>)> = files.iter().map(|(n, t)| (n.to_string(), t.as_bytes().to_vec())).collect();
    load_sources(&sources).unwrap_or_else(|errors| panic!("{errors:#?}"))
}

fn reference() -> DataSet {
    load(&[("kpi.toml", REFERENCE)])
}

fn slice(filters: &[(&str, &str)]) -> Slice {
    filters.iter().map(|(d, m)| (d.to_string(), m.to_string())).collect()
}

fn ask(
    data: &DataSet,
    metric: &str,
    period: &str,
    filters: &[(&str, &str)],
    kind: Kind,
) -> Result<Decimal, QueryError> {
    let slice = slice(filters);
    let period = Period::parse(period).unwrap();
    data.value(Query { metric, period, slice: &slice, kind })
}

fn actual(data: &DataSet, metric: &str, period: &str) -> Result<Decimal, QueryError> {
    ask(data, metric, period, &[], Kind::Actual)
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

#[test]
fn reference_checks() {
    let data = reference();
    assert_eq!(actual(&data, "revenue", "2023"), Ok(dec("120000000")), "rolled up from quarters");
    assert_eq!(actual(&data, "revenue", "2022"), Ok(dec("111100000")));
    assert_eq!(ask(&data, "revenue", "2023-Q4", &[("product", "ai-qc")], Kind::Actual), Ok(dec("12600000")));
    assert_eq!(actual(&data, "output_per_head", "2023"), Ok(dec("1500000")));
    assert_eq!(ask(&data, "delivery_days", "2023", &[], Kind::Standard), Ok(dec("10")));
    assert_eq!(ask(&data, "telesales_share", "2023", &[], Kind::Target), Ok(dec("60")));
    assert_eq!(ask(&data, "deal_cycle_days", "2023", &[("tenure", "new")], Kind::Actual), Ok(dec("50")));
    assert_eq!(ask(&data, "revenue", "2023", &[], Kind::Target), Ok(dec("114300000")));
    // The shares of the reference sentences: ai-qc was 7M of 31M in Q3 and 12.6M of 36M in Q4.
    assert_eq!(actual(&data, "revenue", "2023-Q3"), Ok(dec("31000000")));
    // H2 rolls up from Q3 and Q4.
    assert_eq!(actual(&data, "revenue", "2023-H2"), Ok(dec("67000000")));
}

#[test]
fn unknown_metric() {
    let error = actual(&reference(), "revnue", "2023").unwrap_err();
    assert_eq!(error, QueryError::UnknownMetric("revnue".into()));
    assert_eq!(error.rule(), "kpi/unknown-metric");
}

#[test]
fn partial_rollup_lists_the_missing_sub_periods() {
    let data = reference();
    let error = actual(&data, "new_customers", "2023").unwrap_err();
    assert_eq!(
        error,
        QueryError::PartialRollup { what: "new_customers for 2023".into(), missing: "2023-Q1, 2023-Q2".into() }
    );
    assert_eq!(error.to_string(), "new_customers for 2023 cannot be rolled up: missing 2023-Q1, 2023-Q2");
    assert_eq!(error.rule(), "kpi/no-data");
    assert!(error.hint().is_some());
    // H2 is complete.
    assert_eq!(actual(&data, "new_customers", "2023-H2"), Ok(dec("234")));
}

#[test]
fn rollup_is_recursive_months_to_quarters_to_year() {
    let mut text = String::from("[metrics.sales]\nunit = \"currency\"\nvalues = { ");
    let mut entries = Vec::new();
    for month in 1..=12 {
        // Q2 is given as a quarter, the rest as months.
        if (4..=6).contains(&month) {
            continue;
        }
        entries.push(format!("\"2023-{month:02}\" = {}", month * 10));
    }
    entries.push("\"2023-Q2\" = 1000".into());
    text.push_str(&entries.join(", "));
    text.push_str(" }\n");
    let data = load(&[("a.toml", &text)]);
    assert_eq!(actual(&data, "sales", "2023-Q1"), Ok(dec("60")));
    // Q1 60 + Q2 1000 + Q3 240 + Q4 330.
    assert_eq!(actual(&data, "sales", "2023"), Ok(dec("1630")));
    assert_eq!(actual(&data, "sales", "2023-H1"), Ok(dec("1060")));
    let error = actual(&data, "sales", "2023-05").unwrap_err();
    assert!(matches!(error, QueryError::NoData { .. }), "{error:?}");
}

#[test]
fn partial_rollup_of_months() {
    let data =
        load(&[("a.toml", "[metrics.sales]\nunit = \"count\"\nvalues = { \"2023-01\" = 1, \"2023-03\" = 3 }\n")]);
    let error = actual(&data, "sales", "2023-Q1").unwrap_err();
    assert_eq!(error, QueryError::PartialRollup { what: "sales for 2023-Q1".into(), missing: "2023-02".into() });
}

#[test]
fn mean_last_and_none() {
    let text = r#"
[metrics.rate]
unit = "percent"
rollup = "mean"
values = { "2023-Q1" = 10, "2023-Q2" = 20, "2023-Q3" = 30, "2023-Q4" = 45 }

[metrics.staff]
unit = "count"
rollup = "last"
values = { "2023-Q1" = 70, "2023-Q2" = 75, "2023-Q3" = 78, "2023-Q4" = 80 }

[metrics.days]
unit = "days"
values = { "2023-Q1" = 10, "2023-Q2" = 20, "2023-Q3" = 30, "2023-Q4" = 40 }
"#;
    let data = load(&[("a.toml", text)]);
    assert_eq!(actual(&data, "rate", "2023"), Ok(dec("26.25")));
    assert_eq!(actual(&data, "staff", "2023"), Ok(dec("80")));
    assert_eq!(actual(&data, "staff", "2023-H1"), Ok(dec("75")));
    let error = actual(&data, "days", "2023").unwrap_err();
    let QueryError::NoData { what, hint, .. } = error else { panic!("{error:?}") };
    assert_eq!(what, "days for 2023");
    assert_eq!(hint.as_deref(), Some("the data has days for 2023-Q1 … 2023-Q4"));
}

#[test]
fn totals_come_from_members_when_rollup_is_sum() {
    let text = r#"
[metrics.revenue]
unit = "currency"
by.region.east = { "2023" = 30 }
by.region.west = { "2023" = 12.5 }

[metrics.cycle]
unit = "days"
by.tenure.new = { "2023" = 50 }
by.tenure.old = { "2023" = 30 }
"#;
    let csv =
        "metric,period,region,product,value\nrevenue,2024,east,a,1\nrevenue,2024,east,b,2\nrevenue,2024,west,a,4\n";
    let data = load(&[("a.toml", text), ("b.csv", csv)]);
    assert_eq!(actual(&data, "revenue", "2023"), Ok(dec("42.5")));
    // With a filter, the total runs over the other dimension's members.
    assert_eq!(ask(&data, "revenue", "2024", &[("region", "east")], Kind::Actual), Ok(dec("3")));
    assert_eq!(ask(&data, "revenue", "2024", &[("product", "a")], Kind::Actual), Ok(dec("5")));
    // West has no product b in 2024, so neither product=b nor region=west has a total, and neither has the
    // grand total: a missing member is never taken as zero.
    assert_eq!(
        actual(&data, "revenue", "2024"),
        Err(QueryError::PartialRollup { what: "revenue for 2024".into(), missing: "product=b".into() })
    );
    let error = ask(&data, "revenue", "2024", &[("product", "b")], Kind::Actual).unwrap_err();
    assert_eq!(
        error,
        QueryError::PartialRollup { what: "revenue (product=b) for 2024".into(), missing: "region=west".into() }
    );
    // Averages and other non-sum metrics have no total.
    let error = actual(&data, "cycle", "2023").unwrap_err();
    let QueryError::NoData { hint, .. } = error else { panic!("{error:?}") };
    assert!(hint.unwrap().contains("only by `tenure`"));
    assert_eq!(
        data.members_with_data("revenue", "region", Period::Year(2023), Kind::Actual),
        ["east".to_string(), "west".to_string()]
    );
    assert_eq!(data.dimensions_of("revenue"), ["product", "region"]);
}

#[test]
fn total_over_members_for_reference_data() {
    let data = reference();
    // 2023 per product: given for every member; the grand total comes from the quarters first.
    assert_eq!(ask(&data, "revenue", "2023", &[("product", "other")], Kind::Actual), Ok(dec("10000000")));
    let members = data.members_with_data("revenue", "product", Period::Year(2023), Kind::Actual);
    assert_eq!(members, ["smart-cs", "ai-qc", "other"]);
    let members = data.members_with_data("revenue", "product", Period::Year(2022), Kind::Actual);
    assert_eq!(members, ["smart-cs", "other"]);
    assert_eq!(
        data.members_with_data("deal_cycle_days", "tenure", Period::Year(2023), Kind::Actual),
        ["new", "veteran"]
    );
}

#[test]
fn formulas_per_period_and_slice() {
    let text = r#"
[metrics.revenue]
unit = "currency"
values = { "2023" = 100, "2024" = 50 }
by.region.east = { "2023" = 60 }

[metrics.cost]
unit = "currency"
values = { "2023" = 40, "2024" = 50 }
by.region.east = { "2023" = 20 }

[metrics.margin]
unit = "percent"
formula = "(revenue - cost) / revenue * 100"

[metrics.markup]
unit = "ratio"
formula = "revenue / (revenue - cost)"

[metrics.scaled]
formula = "margin * 2"
"#;
    let data = load(&[("a.toml", text)]);
    assert_eq!(actual(&data, "margin", "2023"), Ok(dec("60")));
    assert_eq!(
        ask(&data, "margin", "2023", &[("region", "east")], Kind::Actual).map(|d| d.round_dp(4)),
        Ok(dec("66.6667"))
    );
    assert_eq!(actual(&data, "scaled", "2023"), Ok(dec("120")));
    let error = actual(&data, "markup", "2024").unwrap_err();
    assert_eq!(
        error,
        QueryError::DivisionByZero { what: "markup for 2024".into(), formula: "revenue / (revenue - cost)".into() }
    );
    assert_eq!(error.rule(), "kpi/no-data");
    let error = actual(&data, "margin", "2022").unwrap_err();
    let QueryError::NoData { what, hint, .. } = error else { panic!("{error:?}") };
    assert_eq!(what, "margin for 2022");
    let hint = hint.unwrap();
    assert!(
        hint.starts_with(
            "`margin` is computed as `(revenue - cost) / revenue * 100`, and there is no revenue for 2022"
        ),
        "{hint}"
    );
    assert!(hint.contains("2023, 2024"), "{hint}");
}

#[test]
fn formula_operand_partial_rollup_is_reported() {
    let text = r#"
[metrics.revenue]
unit = "currency"
values = { "2023-Q1" = 10, "2023-Q2" = 20 }
[metrics.headcount]
unit = "count"
rollup = "last"
values = { "2023" = 5 }
[metrics.per_head]
formula = "revenue / headcount"
"#;
    let data = load(&[("a.toml", text)]);
    let error = actual(&data, "per_head", "2023").unwrap_err();
    assert_eq!(
        error,
        QueryError::PartialRollup { what: "revenue for 2023".into(), missing: "2023-Q3, 2023-Q4".into() }
    );
}

#[test]
fn standards() {
    let text = r#"
[metrics.delivery]
unit = "days"
values = { "2023" = 18, "2023-Q4" = 12 }
standard = { "2023" = 10, "2024" = 8 }
by.team.a = { "2023" = 20 }

[metrics.response]
unit = "days"
values = { "2023" = 2 }
standard = 1.5
"#;
    let data = load(&[("a.toml", text)]);
    assert_eq!(ask(&data, "delivery", "2023", &[], Kind::Standard), Ok(dec("10")));
    assert_eq!(ask(&data, "delivery", "2023-Q4", &[], Kind::Standard), Ok(dec("10")), "the year's standard holds");
    assert_eq!(ask(&data, "delivery", "2023", &[("team", "a")], Kind::Standard), Ok(dec("10")));
    assert_eq!(ask(&data, "response", "2031-07", &[], Kind::Standard), Ok(dec("1.5")));
    let error = ask(&data, "delivery", "2025", &[], Kind::Standard).unwrap_err();
    assert!(matches!(error, QueryError::NoData { .. }), "{error:?}");
    let error = ask(&data, "response", "2023", &[], Kind::Target).unwrap_err();
    let QueryError::NoData { what, hint, .. } = error else { panic!("{error:?}") };
    assert_eq!(what, "target of response for 2023");
    assert_eq!(hint.as_deref(), Some("the data has no targets for response"));
}

#[test]
fn no_data_hint_names_what_the_data_has() {
    let data = reference();
    let error = actual(&data, "revenue", "2021").unwrap_err();
    assert_eq!(error.to_string(), "no revenue for 2021 in the data");
    assert_eq!(error.hint().as_deref(), Some("the data has revenue for 2022, 2023-Q1 … 2023-Q4"));
    assert_eq!(
        data.periods_with_data("revenue"),
        [
            Period::Year(2022),
            Period::Year(2023),
            Period::Quarter(2023, 1),
            Period::Quarter(2023, 2),
            Period::Quarter(2023, 3),
            Period::Quarter(2023, 4)
        ]
    );
    let error = ask(&data, "revenue", "2022", &[("product", "ai-qc")], Kind::Actual).unwrap_err();
    assert_eq!(error.hint().as_deref(), Some("the data has revenue (product=ai-qc) for 2023, 2023-Q3, 2023-Q4"));
}

#[test]
fn inconsistent_totals_are_warnings_at_the_total() {
    let text = r#"
[metrics.revenue]
unit = "currency"
values = { "2023" = 100, "2024" = 100 }
by.region.east = { "2023" = 60, "2024" = 60 }
by.region.west = { "2023" = 39.6, "2024" = 30 }
"#;
    let data = load(&[("a.toml", text)]);
    // 2023: 99.6 vs 100 is within 0.5%; 2024: 90 vs 100 is not.
    assert_eq!(data.warnings.len(), 1, "{:#?}", data.warnings);
    let warning = &data.warnings[0];
    assert_eq!(warning.rule, "data/inconsistent-total");
    assert_eq!(warning.severity, mdbook_kpi::diagnostics::Severity::Warning);
    assert_eq!((warning.file.as_str(), warning.line, warning.column), ("a.toml", 4, 35));
    assert_eq!(warning.message, "revenue 2024: the members of `region` add up to 90, not to the total 100");
    // The given total wins over the members.
    assert_eq!(actual(&data, "revenue", "2024"), Ok(dec("100")));
    // Across files and with the CSV's empty cell as the total; an incomplete member set is not checked.
    let csv = "metric,period,region,kind,value\nsales,2023,,,36000000\nsales,2023,east,,9800000\nsales,2023,west,,20000000\nsales,2023,,target,1\nsales,2023,east,target,5\n";
    let data = load(&[
        ("regions.toml", "[dimensions.region]\nmembers.east = \"East\"\nmembers.west = \"West\"\n"),
        ("s.csv", csv),
    ]);
    assert_eq!(data.warnings.len(), 1, "{:#?}", data.warnings);
    assert_eq!((data.warnings[0].file.as_str(), data.warnings[0].line, data.warnings[0].column), ("s.csv", 2, 14));
    assert!(data.warnings[0].message.contains("add up to 29800000, not to the total 36000000"));
}

#[test]
fn totals_and_members_from_different_stores() {
    // The total in TOML, the members in a CSV export: compared, and the members still sum for other periods.
    let toml = "[metrics.sales]\nunit = \"currency\"\nvalues = { \"2023\" = 100 }\n";
    let csv =
        "metric,period,region,value\nsales,2023,east,50\nsales,2023,west,40\nsales,2024,east,7\nsales,2024,west,8\n";
    let data = load(&[("sales.toml", toml), ("regions.csv", csv)]);
    assert_eq!(data.warnings.len(), 1, "{:#?}", data.warnings);
    assert_eq!((data.warnings[0].file.as_str(), data.warnings[0].line), ("sales.toml", 3));
    assert_eq!(actual(&data, "sales", "2024"), Ok(dec("15")));
    assert_eq!(actual(&data, "sales", "2023"), Ok(dec("100")));
    assert_eq!(data.periods_with_data("sales"), [Period::Year(2023), Period::Year(2024)]);
    assert_eq!(data.dimensions_of("sales"), ["region"]);
    // Both stores, merged in key order.
    let all: Vec<_> = data.facts_iter().collect();
    assert_eq!(all.len(), 5);
    assert!(all.windows(2).all(|w| w[0].cmp_key(&w[1]).is_lt()));
    assert_eq!(all[0].origin().to_string(), "sales.toml:3:21");
}

#[test]
fn reference_data_is_consistent() {
    // 2022: smart-cs + other = 111.1M, but ai-qc has no 2022 figure, so nothing is compared.
    assert!(reference().warnings.is_empty());
}
