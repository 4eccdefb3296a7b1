//! CSV exports (docs/src/data-files.md): columns, totals, kinds, and every bad cell named by file, row and column.

use std::str::FromStr;

use mdbook_kpi::data::{DataSet, Kind, Period, Query, Slice, Unit, load_sources};
use mdbook_kpi::diagnostics::Diagnostic;
use rust_decimal::Decimal;

fn load(name: &str, bytes: &[u8]) -> Result<DataSet, Vec<Diagnostic>> {
    load_sources(&[(name.to_string(), bytes.to_vec())])
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn fact(data: &DataSet, metric: &str, period: &str, filters: &[(&str, &str)], kind: Kind) -> Option<Decimal> {
    let slice: Slice = filters.iter().map(|(d, m)| (d.to_string(), m.to_string())).collect();
    data.fact(metric, Period::parse(period).unwrap(), &slice, kind).map(|f| f.value)
}

fn place(diagnostic: &Diagnostic) -> (&str, &str, usize, usize) {
    (diagnostic.rule.as_str(), diagnostic.file.as_str(), diagnostic.line, diagnostic.column)
}

#[test]
fn spec_example_loads() {
    let csv = "metric,period,region,value\nrevenue,2023-Q4,east,9800000\nrevenue,2023-Q4,,36000000\n";
    let data = load("sales.csv", csv.as_bytes()).unwrap();
    assert_eq!(fact(&data, "revenue", "2023-Q4", &[("region", "east")], Kind::Actual), Some(dec("9800000")));
    assert_eq!(fact(&data, "revenue", "2023-Q4", &[], Kind::Actual), Some(dec("36000000")));
    let revenue = &data.metrics["revenue"];
    assert_eq!(revenue.unit, Unit::Number, "no metadata: a plain number");
    assert_eq!(revenue.label.get("en", "revenue"), "revenue");
    assert_eq!(revenue.origin.to_string(), "sales.csv:2:1");
    assert_eq!(data.dimensions["region"].members.keys().collect::<Vec<_>>(), ["east"]);
    let origin = data.facts_iter().next().unwrap().origin();
    assert_eq!(origin.to_string(), "sales.csv:3:18");
    assert!(data.facts.is_empty(), "CSV facts live in the compact table");
}

#[test]
fn kinds_columns_in_any_order_and_number_forms() {
    let csv = "Value,kind,period,team,METRIC,product\n\
               -1.5e3,target,2023-q1,a,cost,x\n\
               .25,,2023-H2,,rate,\n\
               7,Standard,2023-12,,cycle,\n\
               \"1200\",actual,2023,b,cost,y\n";
    let data = load("x.CSV", csv.as_bytes()).unwrap();
    assert_eq!(fact(&data, "cost", "2023-Q1", &[("team", "a"), ("product", "x")], Kind::Target), Some(dec("-1500")));
    assert_eq!(fact(&data, "rate", "2023-H2", &[], Kind::Actual), Some(dec("0.25")));
    assert_eq!(fact(&data, "cycle", "2023-12", &[], Kind::Standard), Some(dec("7")));
    assert_eq!(fact(&data, "cost", "2023", &[("team", "b"), ("product", "y")], Kind::Actual), Some(dec("1200")));
    let slice = Slice::new();
    assert_eq!(
        data.value(Query { metric: "cycle", period: Period::Month(2023, 12), slice: &slice, kind: Kind::Standard }),
        Ok(dec("7"))
    );
}

#[test]
fn bad_values_name_file_row_and_column() {
    let csv = "metric,period,value\n\
               a,2023-01,\"1,000\"\n\
               a,2023-02,¥100\n\
               a,2023-03,5%\n\
               a,2023-04,\n\
               a,2023-05,NaN\n\
               a,2023-06,inf\n\
               a,2023-07,-Infinity\n\
               a,2023-08,1e40\n\
               a,2023-09,12\n";
    let errors = load("d/sales.csv", csv.as_bytes()).unwrap_err();
    assert_eq!(errors.len(), 8, "{errors:#?}");
    for (index, error) in errors.iter().enumerate() {
        // The column is the cell's first character (the opening quote of `"1,000"`); the message names the cell.
        assert_eq!(place(error), ("data/bad-value", "d/sales.csv", index + 2, 11), "{error:#?}");
        assert!(
            error.message.starts_with(&format!("row {}, column 3 (value): the value", index + 2)),
            "{}",
            error.message
        );
        assert!(error.help.is_some());
    }
    assert!(errors[0].message.contains("`1,000` is not a plain decimal number"));
    assert!(errors[3].message.contains("the value is empty"));
    assert!(errors[7].message.contains("too large"));
}

#[test]
fn structure_errors() {
    let errors = load("a.csv", b"metric,value\nrevenue,1\n").unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(place(&errors[0]), ("data/invalid", "a.csv", 1, 1));
    assert!(errors[0].message.contains("no `period` column"));

    let csv = "metric,period,region,value\nrevenue,2023,east,1\nrevenue,2023,west\nrevenue,2024,east,1,9\n";
    let errors = load("b.csv", csv.as_bytes()).unwrap_err();
    let places: Vec<_> = errors.iter().map(place).collect();
    assert_eq!(places, [("data/syntax", "b.csv", 3, 1), ("data/syntax", "b.csv", 4, 1)]);
    assert!(errors[0].message.contains("row has 3 fields but the header has 4"));

    let errors = load("c.csv", b"metric,period,value,region,region,\n").unwrap_err();
    let places: Vec<_> = errors.iter().map(place).collect();
    assert_eq!(places, [("data/invalid", "c.csv", 1, 28), ("data/invalid", "c.csv", 1, 35)]);

    let errors = load("d.csv", b"").unwrap_err();
    assert!(errors[0].message.contains("is empty"));
}

#[test]
fn bad_periods_kinds_and_metrics() {
    let csv = "metric,period,kind,value\nrevenue,2023-Q5,,1\nrevenue,2023,goal,1\n,2023,,1\nrevenue,FY23,,2\n";
    let errors = load("e.csv", csv.as_bytes()).unwrap_err();
    let places: Vec<_> = errors.iter().map(place).collect();
    assert_eq!(
        places,
        [
            ("data/bad-period", "e.csv", 2, 9),
            ("data/invalid", "e.csv", 3, 14),
            ("data/invalid", "e.csv", 4, 1),
            ("data/bad-period", "e.csv", 5, 9)
        ]
    );
    assert!(errors[0].message.contains("`2023-Q5` is not a period"));
    assert!(errors[1].message.contains("`goal` is not a kind"));
}

#[test]
fn non_utf8_cells_are_errors_with_position() {
    let mut csv = b"metric,period,region,value\nrevenue,2023,east,1\nrevenue,2023,".to_vec();
    csv.extend_from_slice(b"w\xffst,2\n");
    let errors = load("f.csv", &csv).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(place(&errors[0]), ("data/syntax", "f.csv", 3, 14));
    assert!(errors[0].message.contains("(region) is not valid UTF-8"));
}

#[test]
fn bom_crlf_quotes_and_blank_lines() {
    let csv = "\u{feff}metric,period,region,value\r\nrevenue,2023,\"east, north\",1\r\n\r\nrevenue,2023,west,x\r\n";
    let errors = load("g.csv", csv.as_bytes()).unwrap_err();
    // The BOM does not end up in the first column's name, and CRLF line numbers are right.
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(place(&errors[0]), ("data/bad-value", "g.csv", 4, 19));
    let ok = csv.replace(",x", ",2");
    let data = load("g.csv", ok.as_bytes()).unwrap();
    assert_eq!(fact(&data, "revenue", "2023", &[("region", "east, north")], Kind::Actual), Some(dec("1")));
    assert_eq!(data.fact_count(), 2);
}

#[test]
fn duplicates_within_a_file_name_both_rows() {
    let csv = "metric,period,region,value\nrevenue,2023,east,1\nrevenue,2023,west,2\nrevenue,2023,east,3\nrevenue,2023-q1,,4\nrevenue,2023-Q1,,5\n";
    let errors = load("h.csv", csv.as_bytes()).unwrap_err();
    let places: Vec<_> = errors.iter().map(place).collect();
    assert_eq!(places, [("data/duplicate-fact", "h.csv", 4, 19), ("data/duplicate-fact", "h.csv", 6, 18)]);
    assert!(errors[0].message.contains("revenue 2023 (region=east) is given twice: here and at h.csv:2:19"));
    assert!(errors[1].message.contains("here and at h.csv:5:18"));
}

#[test]
fn two_csv_files_merge() {
    let a = "metric,period,value\nrevenue,2023-Q1,1\nrevenue,2023-Q3,3\n";
    let b = "metric,period,value\nrevenue,2023-Q2,2\nrevenue,2023-Q4,4\nrevenue,2023-Q3,9\n";
    let errors = load_sources(&[("a.csv".into(), a.into()), ("b.csv".into(), b.into())]).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(place(&errors[0]), ("data/duplicate-fact", "b.csv", 4, 17));
    assert!(errors[0].message.contains("here and at a.csv:3:17"));
    let b = "metric,period,value\nrevenue,2023-Q2,2\nrevenue,2023-Q4,4\n";
    let data = load_sources(&[("a.csv".into(), a.into()), ("b.csv".into(), b.into())]).unwrap();
    assert_eq!(data.fact_count(), 4);
    let periods: Vec<Period> = data.facts_iter().map(|f| f.period).collect();
    assert!(periods.is_sorted());
}

#[test]
fn metadata_from_toml_applies_to_csv_metrics() {
    let toml = "[metrics.revenue]\nunit = \"currency\"\nlabel = { en = \"revenue\", zh-CN = \"营收\" }\n";
    let csv = "metric,period,value\nrevenue,2023-Q1,1\nrevenue,2023-Q2,2\nrevenue,2023-Q3,3\nrevenue,2023-Q4,4\n";
    let data = load_sources(&[("m.csv".into(), csv.into()), ("meta.toml".into(), toml.into())]).unwrap();
    assert_eq!(data.metrics["revenue"].unit, Unit::Currency);
    let slice = Slice::new();
    let total = data.value(Query { metric: "revenue", period: Period::Year(2023), slice: &slice, kind: Kind::Actual });
    assert_eq!(total, Ok(dec("10")));
}

#[test]
fn large_files_read_in_two_halves_keep_lines_and_duplicates() {
    // About 1.5 MiB: large enough to be read by two threads.
    let mut csv = String::from("metric,period,region,value\n");
    let mut line = 1;
    let mut bad_lines = Vec::new();
    for year in 1900..2000 {
        for month in 1..=12 {
            for region in 0..40 {
                line += 1;
                if line == 7 || line == 40_000 {
                    csv.push_str(&format!("sales,{year}-{month:02},r{region},1%\n"));
                    bad_lines.push(line);
                } else {
                    csv.push_str(&format!("sales,{year}-{month:02},r{region},{}\n", year + month + region));
                }
            }
        }
    }
    // A duplicate of the first row at the very end, in the second half.
    line += 1;
    csv.push_str("sales,1900-01,r0,5\n");
    assert!(csv.len() > 1 << 20);
    let errors = load("big.csv", csv.as_bytes()).unwrap_err();
    let places: Vec<_> = errors.iter().map(place).collect();
    assert_eq!(
        places,
        [
            ("data/bad-value", "big.csv", bad_lines[0], 18),
            ("data/bad-value", "big.csv", bad_lines[1], 19),
            ("data/duplicate-fact", "big.csv", line, 18)
        ]
    );
    assert!(errors[2].message.contains("here and at big.csv:2:18"), "{}", errors[2].message);
    let good = csv.replace(",1%\n", ",7\n");
    let good = &good[..good.len() - "sales,1900-01,r0,5\n".len()];
    // A second file with the columns in another order and a new member, merged into the same table.
    let extra = "region,value,period,metric\nr99,1,1950-06,sales\nr0,2,2000-01,sales\n";
    let data = load_sources(&[("big.csv".into(), good.into()), ("extra.csv".into(), extra.into())]).unwrap();
    assert_eq!(data.fact_count(), 100 * 12 * 40 + 2);
    assert_eq!(fact(&data, "sales", "1999-12", &[("region", "r39")], Kind::Actual), Some(dec("2050")));
    assert_eq!(fact(&data, "sales", "1950-06", &[("region", "r99")], Kind::Actual), Some(dec("1")));
    let origin =
        data.fact("sales", Period::Month(1999, 12), &slice(&[("region", "r39")]), Kind::Actual).unwrap().origin();
    assert_eq!(origin.to_string(), format!("big.csv:{}:19", line - 1));
    assert_eq!(
        data.fact("sales", Period::Month(2000, 1), &slice(&[("region", "r0")]), Kind::Actual)
            .unwrap()
            .origin()
            .to_string(),
        "extra.csv:3:4"
    );
    assert_eq!(data.dimensions["region"].members.len(), 41);
    // Months roll up to a year across the halves: 12 months of r5 in 1950.
    let year = data.value(Query {
        metric: "sales",
        period: Period::Year(1950),
        slice: &slice(&[("region", "r5")]),
        kind: Kind::Actual,
    });
    assert_eq!(
        year,
        Err(mdbook_kpi::data::QueryError::NoData {
            what: "sales (region=r5) for 1950".into(),
            hint: Some("the data has sales (region=r5) for 1900-01 … 1999-12".into()),
            hint_zh: Some("数据中有sales（region=r5）的这些期间：1900-01 … 1999-12".into())
        }),
        "plain numbers do not roll up"
    );
}

fn slice(filters: &[(&str, &str)]) -> Slice {
    filters.iter().map(|(d, m)| (d.to_string(), m.to_string())).collect()
}
