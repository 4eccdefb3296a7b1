//! Loading TOML and JSON data files: the shape docs/src/data-files.md describes, merging, and every error with its
//! place.

use std::str::FromStr;

use mdbook_kpi::data::{Better, DataSet, Kind, Period, Rollup, Slice, Unit, load, load_sources};
use mdbook_kpi::diagnostics::{Diagnostic, Severity};
use rust_decimal::Decimal;

const REFERENCE: &str = include_str!("fixtures/reference/kpi.toml");
const REFERENCE_JSON: &str = include_str!("fixtures/data/kpi.json");
const SPLIT_META: &str = include_str!("fixtures/data/split/meta.toml");
const SPLIT_FACTS: &str = include_str!("fixtures/data/split/facts.csv");

fn sources(files: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    files.iter().map(|(name, text)| (name.to_string(), text.as_bytes().to_vec())).collect()
}

fn load_ok(files: &[(&str, &str)]) -> DataSet {
    match load_sources(&sources(files)) {
        Ok(data) => data,
        Err(errors) => panic!("unexpected errors: {errors:#?}"),
    }
}

fn load_err(files: &[(&str, &str)]) -> Vec<Diagnostic> {
    match load_sources(&sources(files)) {
        Ok(_) => panic!("expected errors"),
        Err(errors) => errors,
    }
}

/// The one error with this rule; fails when there is none or several.
fn only<'a>(errors: &'a [Diagnostic], rule: &str) -> &'a Diagnostic {
    let found: Vec<&Diagnostic> = errors.iter().filter(|d| d.rule == rule).collect();
    assert_eq!(found.len(), 1, "expected one {rule} in {errors:#?}");
    found[0]
}

fn assert_at(diagnostic: &Diagnostic, file: &str, line: usize, column: usize) {
    assert_eq!((diagnostic.file.as_str(), diagnostic.line, diagnostic.column), (file, line, column), "{diagnostic:#?}");
    assert_eq!(diagnostic.severity, Severity::Error);
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn fact(data: &DataSet, metric: &str, period: &str, slice: &[(&str, &str)], kind: Kind) -> Option<Decimal> {
    let slice: Slice = slice.iter().map(|(d, m)| (d.to_string(), m.to_string())).collect();
    data.fact(metric, Period::parse(period).unwrap(), &slice, kind).map(|f| f.value)
}

#[test]
fn reference_toml_has_the_spec_shape() {
    let data = load_ok(&[("kpi.toml", REFERENCE)]);
    assert_eq!(data.meta.year, Some(2023));
    assert_eq!(data.meta.currency.as_deref(), Some("CNY"));
    let revenue = &data.metrics["revenue"];
    assert_eq!(revenue.label.get("zh-CN", "revenue"), "营收");
    assert_eq!(revenue.label.get("en", "revenue"), "revenue");
    assert_eq!((revenue.unit, revenue.better, revenue.rollup), (Unit::Currency, Better::Higher, Rollup::Sum));
    assert_eq!((revenue.origin.file.as_str(), revenue.origin.line), ("kpi.toml", 11));
    let customers = &data.metrics["new_customers"];
    assert_eq!(customers.rollup, Rollup::Sum, "count defaults to sum");
    assert_eq!(customers.suffix.as_ref().unwrap().get("zh-CN", ""), "家");
    let delivery = &data.metrics["delivery_days"];
    assert_eq!((delivery.unit, delivery.better, delivery.rollup), (Unit::Days, Better::Lower, Rollup::None));
    assert_eq!(delivery.standard, Some(Decimal::from(10)));
    assert_eq!(data.metrics["headcount"].rollup, Rollup::Last);
    assert_eq!(data.metrics["telesales_share"].unit, Unit::Percent);
    let per_head = &data.metrics["output_per_head"];
    assert_eq!(per_head.formula.as_ref().unwrap().to_string(), "revenue / headcount");
    assert_eq!(per_head.rollup, Rollup::None, "a formula metric is computed per period, not summed");
    let product = &data.dimensions["product"];
    assert_eq!(product.members.keys().collect::<Vec<_>>(), ["smart-cs", "ai-qc", "other"]);
    assert_eq!(product.members["ai-qc"].get("zh-CN", "ai-qc"), "AI质检系统");
    assert_eq!(product.label.get("en", "product"), "product line");
    assert_eq!(data.dimensions["tenure"].members.keys().collect::<Vec<_>>(), ["new", "veteran"]);
    assert_eq!(fact(&data, "revenue", "2023-Q4", &[], Kind::Actual), Some(dec("36000000")));
    assert_eq!(fact(&data, "revenue", "2023", &[], Kind::Target), Some(dec("114300000")));
    assert_eq!(fact(&data, "revenue", "2023-Q4", &[("product", "ai-qc")], Kind::Actual), Some(dec("12600000")));
    assert_eq!(fact(&data, "deal_cycle_days", "2023", &[("tenure", "new")], Kind::Actual), Some(dec("50")));
    assert_eq!(data.facts.len(), 21);
    // Fact origins point at the value: `"2023-Q4" = 36_000_000` on line 16.
    let key = data.facts.keys().find(|k| k.metric == "revenue" && k.period == Period::Quarter(2023, 4)).unwrap();
    let origin = &data.facts[key].origin;
    assert_eq!(origin.to_string(), "kpi.toml:16:118");
    assert!(data.warnings.is_empty(), "{:?}", data.warnings);
}

/// Everything but origins, for comparing the same data loaded from different formats.
fn summary(data: &DataSet) -> Vec<String> {
    let mut lines: Vec<String> = data
        .facts_iter()
        .map(|fact| format!("{} {} {:?} {:?} = {}", fact.metric, fact.period, fact.slice, fact.kind, fact.value))
        .collect();
    for metric in data.metrics.values() {
        lines.push(format!(
            "{} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            metric.id,
            metric.label,
            metric.unit,
            metric.better,
            metric.rollup,
            metric.suffix,
            metric.plural,
            metric.formula,
            metric.standard
        ));
    }
    for dimension in data.dimensions.values() {
        lines.push(format!("{} {:?} {:?}", dimension.id, dimension.label, dimension.members));
    }
    lines.push(format!("{:?}", data.meta));
    lines
}

#[test]
fn json_and_csv_split_load_the_same_data() {
    let toml = load_ok(&[("kpi.toml", REFERENCE)]);
    let json = load_ok(&[("data/kpi.JSON", REFERENCE_JSON)]);
    assert_eq!(summary(&json), summary(&toml));
    let split = load_ok(&[("meta.toml", SPLIT_META), ("facts.csv", SPLIT_FACTS)]);
    assert_eq!(summary(&split), summary(&toml));
    // And in the other order: members named by the CSV first keep the declared order.
    let reversed = load_ok(&[("facts.csv", SPLIT_FACTS), ("meta.toml", SPLIT_META)]);
    assert_eq!(summary(&reversed), summary(&toml));
    let json_key = json.metrics["revenue"].origin.clone();
    assert_eq!((json_key.file.as_str(), json_key.line), ("data/kpi.JSON", 45));
}

#[test]
fn floats_are_exact_and_underscores_allowed() {
    let text = "[metrics.rate]\nunit = \"ratio\"\nvalues = { \"2023\" = 0.1, \"2024\" = 1_000.125, \"2025\" = 1.5e3, \"2026\" = 0x10 }\n";
    let data = load_ok(&[("a.toml", text)]);
    assert_eq!(fact(&data, "rate", "2023", &[], Kind::Actual).unwrap().to_string(), "0.1");
    assert_eq!(fact(&data, "rate", "2024", &[], Kind::Actual), Some(dec("1000.125")));
    assert_eq!(fact(&data, "rate", "2025", &[], Kind::Actual), Some(dec("1500")));
    assert_eq!(fact(&data, "rate", "2026", &[], Kind::Actual), Some(dec("16")));
    let json = r#"{"metrics": {"rate": {"values": {"2023": 0.30000000000000004, "2024": -12.25}}}}"#;
    let data = load_ok(&[("a.json", json)]);
    assert_eq!(fact(&data, "rate", "2023", &[], Kind::Actual), Some(dec("0.30000000000000004")));
    assert_eq!(fact(&data, "rate", "2024", &[], Kind::Actual), Some(dec("-12.25")));
}

#[test]
fn optional_settings() {
    let text = r#"
[metrics.deals]
label = "deals"
plural = true
unit = "count"
rollup = "mean"
suffix = " deals"
standard = { "2023" = 5 }
by.region.east = { "2023" = 3 }
"#;
    let data = load_ok(&[("a.toml", text)]);
    let deals = &data.metrics["deals"];
    assert_eq!(deals.plural, Some(true));
    assert_eq!(deals.rollup, Rollup::Mean);
    assert_eq!(deals.label.get("zh-CN", ""), "deals");
    assert_eq!(fact(&data, "deals", "2023", &[], Kind::Standard), Some(dec("5")));
    // An undeclared dimension is implicit: its members are labelled by their ids.
    let region = &data.dimensions["region"];
    assert_eq!(region.members.keys().collect::<Vec<_>>(), ["east"]);
    assert_eq!(region.members["east"].get("en", "east"), "east");
    assert_eq!(region.label.get("en", "region"), "region");
}

#[test]
fn syntax_errors_have_positions() {
    let errors = load_err(&[("kpi.toml", "[meta]\nyear = \n")]);
    let error = only(&errors, "data/syntax");
    assert_eq!((error.file.as_str(), error.line), ("kpi.toml", 2));
    assert!(error.message.starts_with("invalid TOML"), "{}", error.message);
    // Every syntax error, not only the first.
    let errors = load_err(&[("kpi.toml", "[meta]\nyear = \n[metrics.a]\nunit = \"x\" \"y\"\n")]);
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [2, 4], "{errors:#?}");
    let errors = load_err(&[("kpi.json", "{\n  \"meta\": {\"year\": 2023,}\n}")]);
    assert_at(only(&errors, "data/syntax"), "kpi.json", 2, 25);
    let errors = load_err(&[("kpi.json", "{\"a\": 1, \"a\": 2}")]);
    assert!(only(&errors, "data/syntax").message.contains("given twice"));
}

#[test]
fn unknown_keys_suggest_the_right_one() {
    let text = "[metrics.revenue]\nunti = \"currency\"\n\n[meta]\nyaer = 2023\n\n[metric.x]\n";
    let errors = load_err(&[("kpi.toml", text)]);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    let unit = errors.iter().find(|e| e.message.contains("metrics.revenue.unti")).unwrap();
    assert_eq!(unit.rule, "data/invalid");
    assert_at(unit, "kpi.toml", 2, 1);
    assert_eq!(unit.help.as_deref(), Some("did you mean `unit`?"));
    let year = errors.iter().find(|e| e.message.contains("meta.yaer")).unwrap();
    assert_at(year, "kpi.toml", 5, 1);
    assert_eq!(year.help.as_deref(), Some("did you mean `year`?"));
    let top = errors.iter().find(|e| e.message.contains("`metric`")).unwrap();
    assert_eq!(top.help.as_deref(), Some("did you mean `metrics`?"));
}

#[test]
fn wrong_types_name_the_key_path() {
    let text = "[metrics.revenue]\nunit = 5\nbetter = \"hihger\"\nlabel = [1]\nplural = \"yes\"\nvalues = 3\n";
    let errors = load_err(&[("kpi.toml", text)]);
    assert_eq!(errors.len(), 5, "{errors:#?}");
    assert!(errors.iter().all(|e| e.rule == "data/invalid"));
    let unit = &errors[0];
    assert_eq!(
        unit.message,
        "`metrics.revenue.unit` must be one of currency, count, percent, ratio, days, number, not a number"
    );
    assert_at(unit, "kpi.toml", 2, 8);
    let better = &errors[1];
    assert!(
        better.message.contains("`metrics.revenue.better` must be one of higher, lower, neutral"),
        "{}",
        better.message
    );
    assert_eq!(better.help.as_deref(), Some("did you mean `higher`?"));
    assert_at(better, "kpi.toml", 3, 10);
    assert!(errors[2].message.contains("`metrics.revenue.label`"));
    assert!(errors[3].message.contains("`metrics.revenue.plural` must be true or false"));
    assert!(errors[4].message.contains("`metrics.revenue.values` must be a table"));
    // JSON positions point at the value too.
    let errors = load_err(&[("kpi.json", "{\"metrics\": {\"revenue\": {\n  \"unit\": true}}}")]);
    assert_at(only(&errors, "data/invalid"), "kpi.json", 2, 11);
}

#[test]
fn bad_periods_and_values() {
    let text = "[metrics.revenue]\nvalues = { \"2023-Q5\" = 1, \"2023\" = inf, \"2024\" = 1e40, \"2025\" = \"12\" }\n";
    let errors = load_err(&[("kpi.toml", text)]);
    assert_eq!(errors.len(), 4, "{errors:#?}");
    let period = only(&errors, "data/bad-period");
    assert_at(period, "kpi.toml", 2, 12);
    assert!(period.message.contains("`2023-Q5` is not a period"));
    let values: Vec<&Diagnostic> = errors.iter().filter(|e| e.rule == "data/bad-value").collect();
    assert_eq!(values.len(), 2);
    assert_at(values[0], "kpi.toml", 2, 36);
    assert!(values[0].message.contains("not a finite number"));
    assert!(values[1].message.contains("too large"), "{}", values[1].message);
    let string = only(&errors, "data/invalid");
    assert!(
        string.message.contains("`metrics.revenue.values.2025` must be a number, not a string"),
        "{}",
        string.message
    );
}

#[test]
fn meta_checks() {
    let errors = load_err(&[("a.toml", "[meta]\nyear = 23\ncurrency = \"yuan\"\n")]);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_at(&errors[0], "a.toml", 2, 8);
    assert_at(&errors[1], "a.toml", 3, 12);
    let data = load_ok(&[("a.toml", "[meta]\ncurrency = \"usd\"\n")]);
    assert_eq!(data.meta.currency.as_deref(), Some("USD"));
    let errors = load_err(&[("a.toml", "[meta]\nyear = 2023\n"), ("b.json", "{\"meta\": {\"year\": 2022}}")]);
    let conflict = only(&errors, "data/invalid");
    assert!(conflict.message.contains("2022 here but 2023 at a.toml:2:8"), "{}", conflict.message);
}

#[test]
fn duplicate_facts_across_files_name_both_places() {
    let csv = "metric,period,value\nrevenue,2023-Q4,36000000\n";
    let errors = load_err(&[("kpi.toml", REFERENCE), ("more.csv", csv)]);
    let duplicate = only(&errors, "data/duplicate-fact");
    assert_at(duplicate, "more.csv", 2, 17);
    assert!(
        duplicate.message.contains("revenue 2023-Q4 is given twice: here and at kpi.toml:16:118"),
        "{}",
        duplicate.message
    );
    // The CSV first: the TOML fact is the later one.
    let errors = load_err(&[("more.csv", csv), ("kpi.toml", REFERENCE)]);
    let duplicate = only(&errors, "data/duplicate-fact");
    assert_at(duplicate, "kpi.toml", 16, 118);
    assert!(duplicate.message.contains("here and at more.csv:2:17"), "{}", duplicate.message);
    // Two TOML files, with a slice and a kind.
    let first = "[metrics.revenue]\ntargets = { \"2023\" = 1 }\nby.product.a = { \"2023\" = 1 }\n";
    let second = "[metrics.cost]\n\n[metrics.revenue]\ntargets = { \"2023\" = 2 }\n";
    let errors = load_err(&[("a.toml", first), ("b.toml", second)]);
    // The metric is defined twice, and its 2023 target is given twice.
    let metric = errors.iter().find(|e| e.message.contains("metric `revenue` is defined twice")).unwrap();
    assert_at(metric, "b.toml", 3, 10);
    assert!(metric.message.contains("first at a.toml:1:10"), "{}", metric.message);
    let duplicate = only(&errors, "data/duplicate-fact");
    assert_at(duplicate, "b.toml", 4, 22);
    assert!(
        duplicate.message.contains("revenue 2023 (target) is given twice: here and at a.toml:2:22"),
        "{}",
        duplicate.message
    );
}

#[test]
fn dimensions_declared_twice_and_unknown_members() {
    let dims = "[dimensions.product]\nmembers.smart-cs = \"Smart CS\"\nmembers.ai-qc = {}\n";
    let facts = "[metrics.revenue]\nby.product.smart-cs = { \"2023\" = 1 }\nby.product.ai_qc = { \"2023\" = 2 }\n";
    let errors = load_err(&[("facts.toml", facts), ("dims.toml", dims)]);
    let member = only(&errors, "data/invalid");
    assert_at(member, "facts.toml", 3, 12);
    assert!(member.message.contains("`ai_qc` is not a member of dimension `product`"));
    assert!(member.help.as_deref().unwrap().starts_with("did you mean `ai-qc`?"), "{:?}", member.help);
    let errors = load_err(&[("a.toml", dims), ("b.toml", dims)]);
    assert!(
        only(&errors, "data/invalid").message.contains("dimension `product` is declared twice; first at a.toml:1:13")
    );
    // A dimension that lists no members accepts any.
    let open = "[dimensions.region]\nlabel = \"region\"\n[metrics.revenue]\nby.region.north = { \"2023\" = 1 }\n";
    let data = load_ok(&[("a.toml", open)]);
    assert_eq!(data.dimensions["region"].members.keys().collect::<Vec<_>>(), ["north"]);
}

#[test]
fn formula_errors() {
    let text = "[metrics.a]\nformula = \"b + revnue\"\n[metrics.b]\nformula = \"c * 2\"\n[metrics.c]\nformula = \"(b)\"\n[metrics.revenue]\n[metrics.d]\nformula = \"revenue / \"\n";
    let errors = load_err(&[("f.toml", text)]);
    let formula: Vec<&Diagnostic> = errors.iter().filter(|e| e.rule == "data/formula").collect();
    assert_eq!(formula.len(), 3, "{errors:#?}");
    let unknown = formula.iter().find(|e| e.message.contains("unknown metric `revnue`")).unwrap();
    assert_at(unknown, "f.toml", 1, 10);
    assert_eq!(unknown.help.as_deref(), Some("did you mean `revenue`?"));
    let cycle = formula.iter().find(|e| e.message.contains("depends on itself")).unwrap();
    assert!(cycle.message.contains("b → c → b"), "{}", cycle.message);
    let syntax = formula.iter().find(|e| e.message.contains("invalid formula")).unwrap();
    assert_at(syntax, "f.toml", 9, 22);
    let self_reference = load_err(&[("f.toml", "[metrics.a]\nformula = \"a + 1\"\n")]);
    assert!(only(&self_reference, "data/formula").message.contains("a → a"));
}

#[test]
fn errors_are_all_collected_across_files() {
    let bad_toml = "[metrics.a]\nunit = \"x\"\nrollup = \"y\"\nvalues = { \"20\" = 1 }\n";
    let bad_csv = "metric,period,value\na,2024,1%\n";
    let errors = load_err(&[("a.toml", bad_toml), ("b.csv", bad_csv), ("c.yaml", "x: 1")]);
    let rules: Vec<&str> = errors.iter().map(|e| e.rule.as_str()).collect();
    assert_eq!(
        rules,
        ["data/invalid", "data/invalid", "data/bad-period", "data/bad-value", "data/invalid"],
        "{errors:#?}"
    );
    assert_eq!(errors[4].file, "c.yaml");
    assert_eq!(errors[4].help.as_deref(), Some("data files end in .toml, .json or .csv"));
}

#[test]
fn too_many_errors_are_counted() {
    let mut csv = String::from("metric,period,value\n");
    for _ in 0..250 {
        csv.push_str("a,2023,x\n");
    }
    let errors = load_err(&[("a.csv", &csv)]);
    assert_eq!(errors.len(), 101);
    assert!(errors.iter().any(|e| e.message.contains("150 more errors")), "{:?}", errors.last());
}

#[test]
fn non_utf8_is_an_error_with_its_position() {
    let mut bytes = b"[meta]\nyear = 2023 # caf".to_vec();
    bytes.push(0xE9);
    let errors = load_sources(&[("kpi.toml".into(), bytes)]).unwrap_err();
    let error = only(&errors, "data/syntax");
    assert_at(error, "kpi.toml", 2, 18);
    assert!(error.message.contains("not valid UTF-8"));
}

#[test]
fn bom_and_crlf_are_fine() {
    let text = "\u{feff}[meta]\r\nyear = 2023\r\n[metrics.x]\r\nunit = \"bogus\"\r\n";
    let errors = load_err(&[("a.toml", text)]);
    assert_at(only(&errors, "data/invalid"), "a.toml", 4, 8);
    let json = "\u{feff}{\"meta\": {\"year\": 2023}}";
    assert_eq!(load_ok(&[("a.json", json)]).meta.year, Some(2023));
}

#[test]
fn files_are_read_inside_the_book_root_only() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.toml"), "[meta]\nyear = 2020\n").unwrap();
    let book = tempfile::tempdir().unwrap();
    std::fs::write(book.path().join("kpi.toml"), REFERENCE).unwrap();
    std::fs::create_dir(book.path().join("data")).unwrap();
    std::fs::write(book.path().join("data/facts.csv"), "metric,period,value\nextra,2023,5\n").unwrap();
    let data = load(book.path(), &["kpi.toml".into(), "data/facts.csv".into()]).unwrap();
    assert_eq!(fact(&data, "extra", "2023", &[], Kind::Actual), Some(dec("5")));
    assert_eq!(data.metrics["extra"].unit, Unit::Number);
    let escape = format!("../{}/secret.toml", outside.path().file_name().unwrap().to_string_lossy());
    let errors = load(book.path(), &[escape.clone(), "missing.toml".into()]).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let path = only(&errors, "data/path");
    assert_eq!(path.file, escape);
    assert!(path.message.contains("outside the book root"));
    let missing = only(&errors, "data/missing-file");
    assert_eq!(missing.file, "missing.toml");
    assert!(missing.help.is_some());
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.path().join("secret.toml"), book.path().join("link.toml")).unwrap();
        let errors = load(book.path(), &["link.toml".into()]).unwrap_err();
        only(&errors, "data/path");
    }
}

/// A metric's own verbs: every locale at once, per locale, or per verb; each a word (docs/src/data-files.md).
#[test]
fn metric_verbs_are_read_in_every_shape() {
    let text = r#"
[metrics.complaints]
unit = "count"
verbs.up = "增多"
verbs.down-to = { zh-CN = "减少至", en = "down to" }
verbs.en = { up = "rose", down = "dropped" }
"#;
    let data = load_ok(&[("a.toml", text)]);
    let verbs = &data.metrics["complaints"].verbs;
    let up = verbs.up.as_ref().unwrap();
    assert_eq!((up.get("zh-CN", ""), up.get("en", "")), ("增多", "rose"));
    assert_eq!(verbs.down.as_ref().unwrap().get("en", ""), "dropped");
    assert_eq!(verbs.down.as_ref().unwrap().get("zh-CN", ""), "", "no Chinese `down` was given");
    assert_eq!(verbs.down_to.as_ref().unwrap().get("zh-CN", ""), "减少至");
    assert!(verbs.up_to.is_none());
}

/// A wrong `verbs` entry is a `data/invalid` error at its key or value, with a hint in both languages (the data is
/// read before the book's language is known).
#[test]
fn metric_verbs_errors_have_places_and_hints() {
    let text = "[metrics.a]\nunit = \"count\"\nverbs = { upp = \"增多\" }\n";
    let errors = load_err(&[("kpi.toml", text)]);
    let error = only(&errors, "data/invalid");
    assert_at(error, "kpi.toml", 3, 11);
    assert!(error.message.contains("metrics.a.verbs.upp"), "{}", error.message);
    assert_eq!(error.help.as_deref(), Some("did you mean `up`? / 是否想写 `up`？"));

    let text =
        "[metrics.a]\nunit = \"count\"\nverbs.zh-CN = { up = \"\", sideways = \"横\" }\nverbs.fr = { up = \"x\" }\n";
    let errors = load_err(&[("kpi.toml", text)]);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    let empty = errors.iter().find(|e| e.message.contains("verbs.zh-CN.up` is empty")).unwrap();
    assert_at(empty, "kpi.toml", 3, 22);
    let help = empty.help.as_deref().unwrap();
    assert!(help.contains("verbs = { up = \"增加\", down = \"减少\" }") && help.contains("动词写成文字"), "{help}");
    let unknown = errors.iter().find(|e| e.message.contains("verbs.zh-CN.sideways")).unwrap();
    assert_at(unknown, "kpi.toml", 3, 26);
    let locale = errors.iter().find(|e| e.message.contains("verbs.fr")).unwrap();
    assert_at(locale, "kpi.toml", 4, 7);

    let errors = load_err(&[("kpi.toml", "[metrics.a]\nverbs = \"增加\"\n")]);
    assert_at(only(&errors, "data/invalid"), "kpi.toml", 2, 9);
}

/// A dimension's English preposition: one or two words; anything else is an error at the value.
#[test]
fn dimension_preposition() {
    let text = "[dimensions.channel]\npreposition = \"through\"\n[dimensions.region]\nlabel = \"region\"\n";
    let data = load_ok(&[("a.toml", text)]);
    assert_eq!(data.dimensions["channel"].preposition.as_deref(), Some("through"));
    assert_eq!(data.dimensions["region"].preposition, None);
    let errors = load_err(&[("a.toml", "[dimensions.channel]\npreposition = \"通过\"\n")]);
    let error = only(&errors, "data/invalid");
    assert_at(error, "a.toml", 2, 15);
    assert!(error.help.as_deref().unwrap().contains("中文无需设置"));
}
