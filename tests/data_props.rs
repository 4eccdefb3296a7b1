//! Properties: roll-ups are exact sums, and no input makes the loaders or queries panic.

use mdbook_kpi::data::{Kind, Period, Query, Slice, load_sources};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// A decimal with up to 6 decimals and 12 integer digits, positive or negative.
fn amount() -> impl Strategy<Value = Decimal> {
    (any::<i64>(), 0u32..=6).prop_map(|(mantissa, scale)| Decimal::new(mantissa % 1_000_000_000_000_000, scale))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn quarters_roll_up_to_the_exact_sum(quarters in prop::collection::vec(amount(), 4), year in 1990i32..2090) {
        let mut csv = String::from("metric,period,value\n");
        for (index, value) in quarters.iter().enumerate() {
            csv.push_str(&format!("sales,{year}-Q{},{value}\n", index + 1));
        }
        let toml = "[metrics.sales]\nunit = \"currency\"\n";
        let data = load_sources(&[("m.toml".into(), toml.into()), ("s.csv".into(), csv.into_bytes())]).unwrap();
        let slice = Slice::new();
        let total = data.value(Query { metric: "sales", period: Period::Year(year), slice: &slice, kind: Kind::Actual });
        let expected = quarters.iter().fold(Decimal::ZERO, |sum, v| sum + v);
        prop_assert_eq!(total, Ok(expected));
        let h2 = data.value(Query { metric: "sales", period: Period::Half(year, 2), slice: &slice, kind: Kind::Actual });
        prop_assert_eq!(h2, Ok(quarters[2] + quarters[3]));
    }

    #[test]
    fn months_roll_up_through_quarters(months in prop::collection::vec(amount(), 12)) {
        let values: Vec<String> = months.iter().enumerate().map(|(i, v)| format!("\"2023-{:02}\" = {v}", i + 1)).collect();
        let toml = format!("[metrics.sales]\nunit = \"count\"\nvalues = {{ {} }}\n", values.join(", "));
        let data = load_sources(&[("m.toml".into(), toml.into_bytes())]).unwrap();
        let slice = Slice::new();
        let year = data.value(Query { metric: "sales", period: Period::Year(2023), slice: &slice, kind: Kind::Actual });
        prop_assert_eq!(year, Ok(months.iter().fold(Decimal::ZERO, |sum, v| sum + v)));
    }

    #[test]
    fn random_csv_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let mut input = b"metric,period,region,value\n".to_vec();
        input.extend_from_slice(&bytes);
        let _ = load_sources(&[("r.csv".into(), input)]);
        let _ = load_sources(&[("r.csv".into(), bytes)]);
    }

    #[test]
    fn csv_like_text_never_panics(rows in prop::collection::vec(
        (
            prop::sample::select(vec!["revenue", "", "cost", "营收", "a\"b"]),
            prop::sample::select(vec!["2023", "2023-Q4", "2023-13", "q4", "", "2023-H2", "2023-07"]),
            prop::sample::select(vec!["", "east", "west", "\"x,y\""]),
            prop::sample::select(vec!["1", "-2.5", "1e5", "1e99", "NaN", "", "1,0", "0.1", "79228162514264337593543950335"]),
            prop::sample::select(vec!["", "target", "standard", "bogus"]),
        ),
        0..30,
    )) {
        let mut csv = String::from("metric,period,region,value,kind\r\n");
        for (metric, period, region, value, kind) in &rows {
            csv.push_str(&format!("{metric},{period},{region},{value},{kind}\r\n"));
        }
        if let Ok(data) = load_sources(&[("r.csv".into(), csv.into_bytes())]) {
            let slice = Slice::new();
            for metric in data.metrics.keys() {
                for period in [Period::Year(2023), Period::Half(2023, 2), Period::Quarter(2023, 4)] {
                    for kind in [Kind::Actual, Kind::Target, Kind::Standard] {
                        let _ = data.value(Query { metric, period, slice: &slice, kind });
                    }
                }
            }
        }
    }

    #[test]
    fn random_toml_and_json_never_panic(text in "[\\[\\]{}\"=,.:a-z0-9_\\- \n]{0,200}") {
        let _ = load_sources(&[("r.toml".into(), text.clone().into_bytes())]);
        let _ = load_sources(&[("r.json".into(), text.into_bytes())]);
    }

    #[test]
    fn formula_text_never_panics(text in "[a-z0-9()+*/. \\-]{0,60}") {
        let toml = format!("[metrics.a]\nvalues = {{ \"2023\" = 2 }}\n[metrics.b]\nvalues = {{ \"2023\" = 0 }}\n[metrics.f]\nformula = {:?}\n", text);
        if let Ok(data) = load_sources(&[("f.toml".into(), toml.into_bytes())]) {
            let slice = Slice::new();
            let _ = data.value(Query { metric: "f", period: Period::Year(2023), slice: &slice, kind: Kind::Actual });
        }
    }
}
