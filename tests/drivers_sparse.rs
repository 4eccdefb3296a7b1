//! Sparse exports (`missing = "zero"`), drivers of a change (`vs COMPARAND by DIM`) and the flat band
//! (`flat-within`). The numbers are checked against an independent computation from the raw CSV rows.

use std::collections::BTreeMap;
use std::str::FromStr;

use mdbook_kpi::config::Locale;
use mdbook_kpi::data::{DataSet, Kind, Period, Slice, load::load_sources};
use mdbook_kpi::directive::parse::parse;
use mdbook_kpi::narrate::{Failure, Narrator, Target, Templates};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value;

const KPI: &str = include_str!("fixtures/drivers/kpi.toml");
const REVENUE: &str = include_str!("fixtures/drivers/revenue.csv");

fn load(files: &[(&str, &str)]) -> Result<DataSet, Vec<mdbook_kpi::diagnostics::Diagnostic>> {
    let sources: Vec<(String, Vec<u8>)> =
        files.iter().map(|(name, text)| (name.to_string(), text.as_bytes().to_vec())).collect();
    load_sources(&sources)
}

fn fixture() -> DataSet {
    load(&[("kpi.toml", KPI), ("revenue.csv", REVENUE)]).expect("the drivers fixture loads")
}

fn narrator<'a>(data: &'a DataSet, templates: &'a Templates, locale: Locale) -> Narrator<'a> {
    Narrator { data, templates, locale, year: None, precision: 1, style: Default::default(), year_named: false }
}

fn expand_with(data: &DataSet, templates: &Templates, locale: Locale, body: &str) -> Result<String, Failure> {
    let directive = parse(&format!("<<#kpi {body}>>")).unwrap_or_else(|e| panic!("{body}: {e:?}"));
    narrator(data, templates, locale).expand(&directive, Target::Html)
}

/// The sentence, written natively and through Handlebars: both must agree.
fn expand(data: &DataSet, locale: Locale, body: &str) -> Result<String, Failure> {
    let native = expand_with(data, &Templates::builtin(), locale, body);
    let handlebars = expand_with(data, &Templates::builtin_handlebars_only(), locale, body);
    assert_eq!(native, handlebars, "{body}: native and Handlebars differ");
    native
}

fn sentence(data: &DataSet, locale: Locale, body: &str) -> String {
    expand(data, locale, body).unwrap_or_else(|e| panic!("{body}: {e:?}"))
}

fn failure(data: &DataSet, locale: Locale, body: &str) -> Failure {
    match expand(data, locale, body) {
        Ok(text) => panic!("{body}: expected an error, got {text}"),
        Err(failure) => failure,
    }
}

fn context(data: &DataSet, body: &str) -> Value {
    let directive = parse(&format!("<<#kpi {body}>>")).unwrap();
    let templates = Templates::builtin();
    narrator(data, &templates, Locale::ZhCn).context(&directive).unwrap_or_else(|e| panic!("{body}: {e:?}"))
}

/// `metric → period → member → value`, read straight from the CSV text with `rust_decimal` (actual rows).
fn raw_rows(csv: &str) -> BTreeMap<String, BTreeMap<String, BTreeMap<String, Decimal>>> {
    let mut rows: BTreeMap<String, BTreeMap<String, BTreeMap<String, Decimal>>> = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if cells[2] != "actual" {
            continue;
        }
        let value = Decimal::from_str(cells[4]).unwrap();
        rows.entry(cells[0].into()).or_default().entry(cells[1].into()).or_default().insert(cells[3].into(), value);
    }
    rows
}

fn close(json: &Value, expected: Decimal) {
    let got = json.as_f64().unwrap_or_else(|| panic!("not a number: {json}"));
    let want = expected.to_f64().unwrap();
    assert!((got - want).abs() <= want.abs() * 1e-12 + 1e-9, "{got} != {want}");
}

#[test]
fn a_rise_is_explained_by_the_members_that_drove_it() {
    let data = fixture();
    assert_eq!(
        sentence(&data, Locale::ZhCn, "revenue 2025 vs yoy by product"),
        "2025年营收2.85亿元，同比增长21.6%（+5066万元），增量主要来自手术机器人（+3232万元，占增量的63.8%）和植入器械\
         （+1640万元，占32.4%）"
    );
    assert_eq!(
        sentence(&data, Locale::En, "revenue 2025 vs yoy by product"),
        "2025 revenue was RMB 285.0M, up 21.6% (+RMB 50.7M) year over year, driven by Surgical robotics (+RMB 32.3M, 63.8% of \
         the increase) and Implants (+RMB 16.4M, 32.4%)"
    );
    // `yoy` alone, and `top 3`.
    assert_eq!(
        sentence(&data, Locale::En, "revenue 2025 yoy by product top 3"),
        "2025 revenue was RMB 285.0M, up 21.6% (+RMB 50.7M) year over year, driven by Surgical robotics (+RMB 32.3M, 63.8% of \
         the increase), Implants (+RMB 16.4M, 32.4%) and Imaging (+RMB 1.0M, 2.0%)"
    );
}

#[test]
fn the_context_carries_each_members_change_and_share_of_the_change_as_computed_from_the_rows() {
    let data = fixture();
    let rows = raw_rows(REVENUE);
    let revenue = &rows["revenue"];
    let members = ["robotics", "implants", "imaging", "consumables"];
    // Absent rows are 0: the launch year has no 2024 row for robotics.
    let at = |period: &str, member: &str| revenue[period].get(member).copied().unwrap_or(Decimal::ZERO);
    let total = |period: &str| members.iter().map(|m| at(period, m)).sum::<Decimal>();
    let total_change = total("2025") - total("2024");
    assert_eq!(total_change, Decimal::from(50_662_000));

    let context = context(&data, "revenue 2025 vs yoy by product");
    assert_eq!(context["kind"], "drivers");
    close(&context["value"]["raw"], total("2025"));
    close(&context["base"]["raw"], total("2024"));
    close(&context["change"]["raw"], total_change);
    let drivers = &context["drivers"];
    assert_eq!(drivers["pattern"], "rise");
    assert_eq!(drivers["shares"], true);
    let listed = drivers["members"].as_array().unwrap();
    assert_eq!(listed.len(), members.len());
    for driver in listed {
        let member = driver["member"].as_str().unwrap();
        let change = at("2025", member) - at("2024", member);
        let share = change / total_change * Decimal::ONE_HUNDRED;
        close(&driver["diff"], change);
        close(&driver["contribution"], share);
        // The text is the share rounded to one decimal, trailing zero dropped.
        let rounded = share.round_dp(1).normalize();
        assert_eq!(driver["contribution_text"], format!("{rounded}%"), "{member}");
    }
    // Named: the two largest rises, largest first.
    let named: Vec<&str> = drivers["named"].as_array().unwrap().iter().map(|d| d["member"].as_str().unwrap()).collect();
    assert_eq!(named, ["robotics", "implants"]);
    // The shares of the change add up to 100% for a metric whose members add up to its total.
    let sum: f64 = listed.iter().map(|d| d["contribution"].as_f64().unwrap()).sum();
    assert!((sum - 100.0).abs() < 1e-9, "{sum}");
}

#[test]
fn falls_and_mixed_changes_name_the_members_that_moved_most() {
    let data = fixture();
    // Returns fell 8.3% in total, but imaging's rose: mixed, the largest rise and the largest fall.
    let context = context(&data, "returns 2025 yoy by product");
    assert_eq!(context["drivers"]["pattern"], "mixed");
    assert_eq!(
        sentence(&data, Locale::ZhCn, "returns 2025 yoy by product"),
        "2025年退货额550万元，同比下降8.3%（-50万元），其中影像设备（+60万元）增长最多，耗材（-60万元）下降最多"
    );
    assert_eq!(
        sentence(&data, Locale::En, "returns 2025 yoy by product"),
        "2025 returns were RMB 5.5M, down 8.3% (-RMB 500K) year over year, with the largest rise in Imaging (+RMB 600K) and \
         the largest fall in Consumables (-RMB 600K)"
    );
    // Against 2025 as the base, 2024 fell where 2025 rose: a fall explained by the members that fell most.
    let text = sentence(&data, Locale::ZhCn, "revenue 2024 vs 2025 by product");
    assert!(
        text.contains("减量主要来自手术机器人（-3232万元，占减量的63.8%）和植入器械（-1640万元，占32.4%）"),
        "{text}"
    );
    let text = sentence(&data, Locale::En, "revenue 2024 vs 2025 by product");
    assert!(text.contains("driven by Surgical robotics (-RMB 32.3M, 63.8% of the decrease) and Implants"), "{text}");
}

#[test]
fn rates_state_members_changes_in_points_without_shares_of_the_change() {
    let data = fixture();
    let context = context(&data, "margin 2025 yoy by product");
    let drivers = &context["drivers"];
    assert_eq!(drivers["shares"], false);
    for driver in drivers["members"].as_array().unwrap() {
        assert_eq!(driver["contribution"], Value::Null);
    }
    assert_eq!(
        sentence(&data, Locale::ZhCn, "margin 2025 yoy by product"),
        "2025年毛利率43.5%，同比上升2.5个百分点，其中植入器械（+3.2个百分点）上升最多，影像设备（-0.9个百分点）下降最多"
    );
}

#[test]
fn against_targets_each_member_has_its_own_completion() {
    let data = fixture();
    assert_eq!(
        sentence(&data, Locale::ZhCn, "revenue 2025 vs target by product"),
        "2025年营收2.85亿元，目标（2.80亿元）完成率101.8%，其中耗材完成113.2%、手术机器人完成107.7%、影像设备完成101.1%、植入器械完成97.0%"
    );
    assert_eq!(
        sentence(&data, Locale::En, "revenue 2025 vs target by product top 2"),
        "2025 revenue was RMB 285M, 101.8% of the RMB 280M target: Consumables 113.2%, Surgical robotics 107.7%"
    );
    // A member with figures but no target is named.
    let csv = REVENUE.replace("revenue,2025,target,imaging,90000000\n", "");
    let data = load(&[("kpi.toml", KPI), ("revenue.csv", &csv)]).unwrap();
    let error = failure(&data, Locale::En, "revenue 2025 vs target by product");
    assert_eq!(error.rule, "kpi/no-data");
    assert!(error.message.contains("product=imaging has no target for 2025"), "{error:?}");
}

#[test]
fn tables_gain_change_and_contribution_columns() {
    let data = fixture();
    let table = sentence(&data, Locale::En, "revenue 2025 yoy by product as table");
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "| Product line | Revenue | Share | 2024 | Change | Contribution |");
    assert!(lines.contains(&"| Surgical robotics | RMB 32.3M | 11.3% | RMB 0 | +RMB 32.3M | 63.8% |"), "{table}");
    assert_eq!(
        lines.last().unwrap(),
        &"| **Total** | **RMB 285.0M** | **100.0%** | **RMB 234.3M** | **+21.6%** | **100.0%** |"
    );
}

#[test]
fn a_table_shows_a_member_without_a_base_as_a_dash() {
    let strict = KPI.replace("missing = \"zero\"\n", "");
    let data = load(&[("kpi.toml", &strict), ("revenue.csv", REVENUE)]).unwrap();
    // The 2025 total is the sum of its members; 2024 has no robotics row and no total of its own.
    let mut csv = REVENUE.to_string();
    csv += "revenue,2024,actual,,234338000\n";
    let data_with_total = load(&[("kpi.toml", &strict), ("revenue.csv", &csv)]).unwrap();
    let table = sentence(&data_with_total, Locale::En, "revenue 2025 yoy by product as table");
    assert!(table.contains("| Surgical robotics | RMB 32.3M | 11.3% | – | – | – |"), "{table}");
    // One precision within the table: the amounts line up at one decimal, each from the data.
    assert!(table.contains("| Implants | RMB 116.4M | 40.8% | RMB 100.0M | +16.4% | 32.4% |"), "{table}");
    // Without a 2024 total the comparison itself has no base.
    assert_eq!(failure(&data, Locale::En, "revenue 2025 yoy by product as table").rule, "kpi/no-data");
}

#[test]
fn an_absent_member_without_missing_zero_is_an_error_that_offers_both_fixes() {
    let strict = KPI.replace("missing = \"zero\"\n", "");
    let data = load(&[("kpi.toml", &strict), ("revenue.csv", REVENUE)]).unwrap();
    let error = failure(&data, Locale::En, "revenue 2025 yoy by product");
    assert_eq!(error.rule, "kpi/no-data");
    assert!(error.message.contains("product=robotics in 2024"), "{error:?}");
    let help = error.help.unwrap();
    assert!(help.contains("add a row with 0 for product=robotics in 2024"), "{help}");
    assert!(help.contains("missing = \"zero\""), "{help}");
    let error = failure(&data, Locale::ZhCn, "revenue 2024 by product as table");
    // The 2024 total needs robotics, which has rows for 2025 only: the hint is in the book's language.
    assert_eq!(error.rule, "kpi/no-data");
    let help = error.help.unwrap();
    assert!(help.contains("补一行2024的0值") && help.contains("missing = \"zero\""), "{help}");
}

#[test]
fn the_flat_band_reads_roughly_flat_and_delta_keeps_its_sign() {
    let data = fixture();
    // Imaging revenue rose 1.1%, within the 1.5% band.
    assert_eq!(
        sentence(&data, Locale::ZhCn, "revenue product=imaging 2025 yoy"),
        "2025年影像设备营收9100万元，与2024年基本持平"
    );
    assert_eq!(
        sentence(&data, Locale::En, "revenue product=imaging 2025 yoy"),
        "2025 revenue for Imaging was RMB 91M, roughly flat year over year"
    );
    assert_eq!(sentence(&data, Locale::En, "revenue product=imaging 2025 yoy as delta"), "+1.1%");
    let context = context(&data, "revenue product=imaging 2025 yoy");
    assert_eq!(context["change"]["direction"], "flat");
    assert_eq!(context["change"]["roughly_flat"], true);
    close(&context["metric"]["flat_within"], Decimal::new(15, 1));
    // Against a target and a standard, in percentage points for a rate: 43.5% vs 43.3% and 43%.
    assert_eq!(sentence(&data, Locale::ZhCn, "margin 2025 vs target"), "2025年毛利率43.5%，与目标（43.3%）基本持平");
    assert_eq!(
        sentence(&data, Locale::En, "margin 2025 vs target"),
        "2025 gross margin was 43.5%, in line with the 43.3% target"
    );
    assert_eq!(sentence(&data, Locale::ZhCn, "margin 2025 vs standard"), "2025年毛利率43.5%，与标准（43.0%）基本持平");
    assert_eq!(
        sentence(&data, Locale::En, "margin 2025 vs standard"),
        "2025 gross margin was 43.5%, roughly in line with the 43.0% standard"
    );
    assert_eq!(sentence(&data, Locale::En, "margin 2025 vs target as delta"), "+0.2 percentage points");
    // Outside the band the change reads as before.
    assert_eq!(
        sentence(&data, Locale::En, "margin 2025 yoy"),
        "2025 gross margin was 43.5%, up 2.5 percentage points year over year"
    );
}

#[test]
fn combinations_a_directive_cannot_honour_are_errors() {
    let data = fixture();
    // `as value` with a comparison is the value alone, as the guide documents (the comparison picks nothing).
    assert_eq!(sentence(&data, Locale::En, "revenue 2025 yoy as value"), "RMB 285M");
    for (body, part) in [
        ("share revenue product=robotics 2025 by product", "`share`"),
        ("revenue 2025 yoy by product as delta", "`as delta`"),
        ("revenue 2025 vs target by product as ratio", "`as ratio`"),
        ("revenue 2025 by product as value", "`as value`"),
        ("revenue 2025 vs product=robotics by product", "compares two members"),
        ("returns 2025 vs standard by product", "not supported"),
        ("revenue 2025 as delta", "compares with nothing"),
        ("revenue 2025 yoy by product as chart", "comparison would be lost"),
    ] {
        let error = failure(&data, Locale::En, body);
        assert_eq!(error.rule, "kpi/syntax", "{body}: {error:?}");
        assert!(error.message.contains(part), "{body}: {error:?}");
        assert!(error.help.is_some(), "{body}");
    }
}

#[test]
fn an_unknown_value_of_missing_is_an_error_at_its_place() {
    let text = "[meta]\nmissing = \"zeros\"\n\n[metrics.a]\nunit = \"count\"\nmissing = 0\n";
    let errors = load(&[("bad.toml", text)]).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!((errors[0].rule.to_string(), errors[0].line, errors[0].column), ("data/invalid".into(), 2, 11));
    assert!(errors[0].message.contains("`meta.missing` must be one of error, zero"), "{errors:#?}");
    assert_eq!(errors[0].help.as_deref(), Some("did you mean `zero`?"));
    assert_eq!((errors[1].line, errors[1].column), (6, 11));
    let errors = load(&[("bad.toml", "[metrics.a]\nflat-within = -1\n")]).unwrap_err();
    assert_eq!((errors[0].rule.to_string(), errors[0].line, errors[0].column), ("data/invalid".into(), 2, 15));
}

#[test]
fn missing_zero_fills_members_and_sub_periods_but_not_empty_periods_or_operands() {
    let toml = r#"
[metrics.sales]
unit = "currency"
missing = "zero"

[metrics.cost]
unit = "currency"

[metrics.ratio]
unit = "ratio"
formula = "cost / sales"
"#;
    // Monthly export: product b has no row for 2024-02; nobody has a row for 2024-12 (the export ends early).
    let mut csv = String::from("metric,period,product,value\n");
    for month in 1..=11 {
        csv += &format!("sales,2024-{month:02},a,10\n");
        if month != 2 {
            csv += &format!("sales,2024-{month:02},b,1\n");
        }
    }
    csv += "cost,2024-01,a,5\n";
    let data = load(&[("m.toml", toml), ("m.csv", &csv)]).unwrap();
    let ask = |metric: &str, period: &str, slice: &[(&str, &str)]| {
        let slice: Slice = slice.iter().map(|(d, m)| (d.to_string(), m.to_string())).collect();
        data.value(mdbook_kpi::data::Query {
            metric,
            period: Period::parse(period).unwrap(),
            slice: &slice,
            kind: Kind::Actual,
        })
    };
    assert_eq!(ask("sales", "2024-02", &[]), Ok(Decimal::from(10)));
    assert_eq!(ask("sales", "2024-02", &[("product", "b")]), Ok(Decimal::ZERO));
    assert_eq!(ask("sales", "2024-Q1", &[("product", "b")]), Ok(Decimal::from(2)));
    // 2024-12 has no fact at all: still no data, and the year cannot be rolled up.
    assert!(ask("sales", "2024-12", &[]).is_err());
    assert!(ask("sales", "2024", &[]).is_err());
    assert_eq!(ask("sales", "2024-H1", &[]), Ok(Decimal::from(65)));
    // Targets are never filled.
    let slice = Slice::from([("product".to_string(), "b".to_string())]);
    let target =
        mdbook_kpi::data::Query { metric: "sales", period: Period::Month(2024, 2), slice: &slice, kind: Kind::Target };
    assert!(data.value(target).is_err());
    // A formula's operand is not taken as 0: cost has no figure for product=b.
    assert!(ask("ratio", "2024-01", &[("product", "b")]).is_err());
    assert!(ask("ratio", "2024-01", &[("product", "a")]).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// With `missing = "zero"`, every total over members equals the sum of the members that are present, and a
    /// year rolls up from months where some members skip some months.
    #[test]
    fn sparse_totals_are_sums_of_the_present_members(
        rows in prop::collection::btree_map((0u8..4, 1u8..=12), -1_000_000i64..1_000_000_000, 1..30)
    ) {
        let members = ["a", "b", "c", "d"];
        let mut csv = String::from("metric,period,product,value\n");
        for ((member, month), cents) in &rows {
            csv += &format!("sales,2024-{month:02},{},{}\n", members[*member as usize], Decimal::new(*cents, 2));
        }
        let data = load(&[("m.toml", "[meta]\nmissing = \"zero\"\n\n[metrics.sales]\nunit = \"currency\"\n"), ("m.csv", &csv)]).unwrap();
        let months: std::collections::BTreeSet<u8> = rows.keys().map(|(_, month)| *month).collect();
        let empty = Slice::new();
        for month in 1..=12u8 {
            let query = mdbook_kpi::data::Query { metric: "sales", period: Period::Month(2024, month), slice: &empty, kind: Kind::Actual };
            let expected: Decimal = rows.iter().filter(|((_, m), _)| *m == month).map(|(_, c)| Decimal::new(*c, 2)).sum();
            match data.value(query) {
                Ok(total) => { prop_assert!(months.contains(&month)); prop_assert_eq!(total, expected); }
                Err(_) => prop_assert!(!months.contains(&month)),
            }
        }
        // Each member's year: the sum of its own months, where every month has some fact.
        for (index, member) in members.iter().enumerate() {
            let slice = Slice::from([("product".to_string(), member.to_string())]);
            let query = mdbook_kpi::data::Query { metric: "sales", period: Period::Year(2024), slice: &slice, kind: Kind::Actual };
            let own: Decimal = rows.iter().filter(|((m, _), _)| *m as usize == index).map(|(_, c)| Decimal::new(*c, 2)).sum();
            // A month without any fact is no data, so the year cannot be rolled up; a member never named reads 0.
            match data.value(query) {
                Ok(total) => { prop_assert_eq!(months.len(), 12); prop_assert_eq!(total, own); }
                Err(_) => prop_assert!(months.len() < 12),
            }
        }
    }
}

#[test]
fn meta_missing_is_the_default_of_sum_metrics_only_and_a_metrics_own_key_wins() {
    use mdbook_kpi::data::Missing;
    // [meta] in one file, the metrics in another: the default is applied once every file is read.
    let meta = "[meta]\nmissing = \"zero\"\n";
    let metrics = r#"
[metrics.amount]
unit = "currency"

[metrics.rate]
unit = "percent"

[metrics.strict]
unit = "count"
missing = "error"

[metrics.average]
unit = "currency"
rollup = "mean"

[metrics.rate_zero]
unit = "percent"
missing = "zero"
"#;
    let data = load(&[("metrics.toml", metrics), ("meta.toml", meta)]).unwrap();
    let missing = |id: &str| data.metric(id).unwrap().missing;
    assert_eq!(missing("amount"), Missing::Zero);
    assert_eq!(missing("rate"), Missing::Error);
    assert_eq!(missing("strict"), Missing::Error);
    assert_eq!(missing("average"), Missing::Error);
    assert_eq!(missing("rate_zero"), Missing::Zero);
    // Two files that disagree on [meta] missing: an error at the second.
    let errors = load(&[("a.toml", meta), ("b.toml", "[meta]\nmissing = \"error\"\n")]).unwrap_err();
    assert!(errors[0].message.contains("`meta.missing` is \"error\" here but \"zero\""), "{errors:#?}");
}
