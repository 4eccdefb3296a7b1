//! No wrong figure, ever: random data sets and directives; every number in the rendered sentence is read back and
//! checked against a value computed straight from the data (in f64, independently of the decimal code path), within
//! half a unit of the last digit shown. Direction words must agree with the sign of the change.

use mdbook_kpi::config::Locale;
use mdbook_kpi::data::load::load_sources;
use mdbook_kpi::directive::parse::parse;
use mdbook_kpi::narrate::{Narrator, Target, Templates};
use proptest::prelude::*;

/// A number read back from a sentence: its value in base units and the half-width of its rounding interval.
#[derive(Debug, Clone, Copy)]
struct Shown {
    value: f64,
    tolerance: f64,
    kind: ShownKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ShownKind {
    Amount,
    Percent,
    Points,
    Days,
}

/// Reads every number with its unit out of a sentence, in order. Period names (`Q4`, `2023年`, `2022`) are skipped.
fn read_numbers(text: &str) -> Vec<Shown> {
    // English period names carry their year after the quarter ("Q4 2022"); drop it.
    let mut text = text.to_string();
    for year in 2020..2030 {
        for quarter in 1..=4 {
            text = text.replace(&format!("Q{quarter} {year}"), &format!("Q{quarter}"));
        }
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts_number =
            c.is_ascii_digit() && (i == 0 || !(chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '.'));
        if !starts_number {
            i += 1;
            continue;
        }
        let before: String = chars[i.saturating_sub(14)..i].iter().collect();
        // A loss is a negative amount said in words: 亏损20万元, a loss of RMB 200K.
        let loss = ["亏损", "a loss of ", "a loss of ¥", "a loss of RMB "].iter().any(|w| before.ends_with(w));
        let negative = i > 0 && chars[i - 1] == '-' || before.ends_with("-¥") || before.ends_with("-RMB ") || loss;
        let start = i;
        // A comma groups thousands only when exactly three digits follow it.
        let groups_thousands = |at: usize| {
            chars.get(at + 1..at + 4).is_some_and(|d| d.iter().all(char::is_ascii_digit))
                && !chars.get(at + 4).is_some_and(char::is_ascii_digit)
        };
        while i < chars.len()
            && (chars[i].is_ascii_digit() || chars[i] == '.' || (chars[i] == ',' && groups_thousands(i)))
        {
            i += 1;
        }
        let mut digits: String = chars[start..i].iter().filter(|c| **c != ',').collect();
        if digits.ends_with('.') {
            digits.pop();
            i -= 1;
        }
        let decimals = digits.split_once('.').map_or(0, |(_, f)| f.len()) as i32;
        let Ok(number) = digits.parse::<f64>() else { continue };
        let rest: String = chars[i..].iter().take(20).collect();
        let (scale, kind) = if rest.starts_with('亿') {
            (1e8, ShownKind::Amount)
        } else if rest.starts_with('万') {
            (1e4, ShownKind::Amount)
        } else if rest.starts_with('B') {
            (1e9, ShownKind::Amount)
        } else if rest.starts_with('M') {
            (1e6, ShownKind::Amount)
        } else if rest.starts_with('K') {
            (1e3, ShownKind::Amount)
        } else if rest.starts_with('%') {
            (1.0, ShownKind::Percent)
        } else if rest.starts_with("个百分点") || rest.starts_with(" pp") || rest.starts_with(" percentage point") {
            (1.0, ShownKind::Points)
        } else if rest.starts_with('天') || rest.starts_with(" day") || rest.starts_with("-day") {
            (1.0, ShownKind::Days)
        } else if rest.starts_with('年') {
            continue; // a year
        } else {
            (1.0, ShownKind::Amount)
        };
        let sign = if negative { -1.0 } else { 1.0 };
        out.push(Shown { value: sign * number * scale, tolerance: 0.5 * 10f64.powi(-decimals) * scale * 1.0001, kind });
    }
    out
}

fn close(shown: &Shown, truth: f64) -> bool {
    (shown.value - truth).abs() <= shown.tolerance + truth.abs() * 1e-12
}

#[derive(Debug, Clone)]
struct Case {
    unit: &'static str,
    quarters: [i64; 4],
    previous_q4: i64,
    target: i64,
    compare: usize,
}

fn case() -> impl Strategy<Value = Case> {
    let amount =
        prop_oneof![1i64..1000, 1000i64..10_000_000, 10_000_000i64..900_000_000_000, Just(0), -5_000_000i64..0];
    (
        prop::sample::select(vec!["currency", "count", "percent", "days"]),
        [amount.clone(), amount.clone(), amount.clone(), amount.clone()],
        amount.clone(),
        1i64..900_000_000_000,
        0usize..3,
    )
        .prop_map(|(unit, quarters, previous_q4, target, compare)| Case {
            unit,
            quarters,
            previous_q4,
            target,
            compare,
        })
}

fn toml_for(case: &Case) -> String {
    let divisor = if case.unit == "percent" { 10_000 } else { 1 };
    let v = |x: i64| format!("{}", x as f64 / divisor as f64);
    format!(
        "[meta]\nyear = 2023\ncurrency = \"CNY\"\n[metrics.m]\nlabel = {{ en = \"sales\", zh-CN = \"销售额\" }}\nunit = \"{unit}\"\nvalues = {{ \"2022-Q4\" = {p}, \"2023-Q1\" = {a}, \"2023-Q2\" = {b}, \"2023-Q3\" = {c}, \"2023-Q4\" = {d} }}\ntargets = {{ \"2023-Q4\" = {t} }}\n",
        unit = case.unit,
        p = v(case.previous_q4),
        a = v(case.quarters[0]),
        b = v(case.quarters[1]),
        c = v(case.quarters[2]),
        d = v(case.quarters[3]),
        t = v(case.target),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn comparison_sentences_carry_the_data_figures(case in case()) {
        let text = toml_for(&case);
        let data = load_sources(&[("kpi.toml".to_string(), text.into_bytes())]).expect("generated data loads");
        let divisor = if case.unit == "percent" { 10_000.0 } else { 1.0 };
        let value = case.quarters[3] as f64 / divisor;
        let (comparand, base) = match case.compare {
            0 => ("vs q3", case.quarters[2] as f64 / divisor),
            1 => ("yoy", case.previous_q4 as f64 / divisor),
            _ => ("vs q1", case.quarters[0] as f64 / divisor),
        };
        let templates = Templates::builtin();
        for locale in [Locale::ZhCn, Locale::En] {
            let narrator = Narrator { data: &data, templates: &templates, locale, year: None, precision: 1, style: Default::default(), year_named: false };
            let directive = parse(&format!("<<#kpi m q4 {comparand}>>")).unwrap();
            let sentence = narrator.expand(&directive, Target::Html).expect("expands");
            let numbers = read_numbers(&sentence);
            prop_assert!(!numbers.is_empty(), "{sentence}");
            // The first figure is the value itself.
            prop_assert!(close(&numbers[0], value), "value {value} misread in {sentence:?}: {numbers:?}");
            let diff = value - base;
            let measured: Vec<&Shown> = numbers[1..].iter().filter(|n| n.kind != ShownKind::Amount || case.unit == "count" || case.unit == "currency").collect();
            for shown in &measured {
                let ok = match (shown.kind, case.unit) {
                    (ShownKind::Percent, "percent") => close(shown, base) || close(shown, value),
                    (ShownKind::Percent, _) => base > 0.0 && close(shown, (diff / base * 100.0).abs()),
                    (ShownKind::Points, _) => close(shown, diff.abs()),
                    (ShownKind::Days, _) => close(shown, diff.abs()) || close(shown, base),
                    (ShownKind::Amount, _) => close(shown, base) || close(shown, diff.abs()),
                };
                prop_assert!(ok, "figure {shown:?} matches nothing in {sentence:?} (value {value}, base {base})");
            }
            // Direction words follow the sign of the change.
            let says_up = sentence.contains("增长") || sentence.contains(" up ");
            let says_down = sentence.contains("下降") || sentence.contains(" down ");
            if says_up { prop_assert!(diff > 0.0, "says up: {sentence}"); }
            if says_down { prop_assert!(diff < 0.0, "says down: {sentence}"); }
            // Size words follow the percentage from the data (30% and up, under 5%, two to three times the base).
            let pct = (base > 0.0).then(|| (diff / base * 100.0).abs());
            if sentence.contains("大幅") || sentence.contains(" a sharp ") {
                prop_assert!(pct.is_some_and(|p| p >= 29.95), "says sharp: {sentence}");
            }
            if sentence.contains("小幅") || sentence.contains(" a modest ") {
                prop_assert!(pct.is_some_and(|p| p < 5.05), "says modest: {sentence}");
            }
            if sentence.contains("翻了一番") || sentence.contains("doubling") {
                prop_assert!(base > 0.0 && value / base >= 1.9995 && value / base < 3.0005, "says doubled: {sentence}");
            }
            // Loss words follow the signs of the data.
            if sentence.contains("减亏") || sentence.contains("narrowed by") {
                prop_assert!(base < value && value < 0.0, "says the loss narrowed: {sentence}");
            }
            if sentence.contains("增亏") || sentence.contains("widened by") {
                prop_assert!(value < base && base < 0.0, "says the loss widened: {sentence}");
            }
            if sentence.contains("扭亏为盈") || sentence.contains("turning a profit") {
                prop_assert!(base < 0.0 && value > 0.0, "says it turned a profit: {sentence}");
            }
            if sentence.contains("为零") || sentence.contains("from nothing") {
                prop_assert!(base == 0.0 && value != 0.0, "says the base was nothing: {sentence}");
            }
            // The metric leaves `better` at its default (higher): the verb carries the judgement, none is added.
            for word in ["改善", "恶化", "improvement", "deterioration"] {
                prop_assert!(!sentence.contains(word), "judged where higher is better: {sentence}");
            }
            if sentence.contains("持平") || sentence.contains("unchanged") {
                prop_assert!(diff.abs() <= (value.abs().max(base.abs())) * 0.001 + 0.05, "says flat: {sentence}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// A trend over Q1–Q4: every figure is a point of the data, a step count, or the overall change from the
    /// first point to the last (percent of the first for amounts and counts, points for rates, days); a record
    /// is said only of a last point above (below) every other, and said whenever a series that turned ends so;
    /// a judgement only where lower is better, and the right way round.
    #[test]
    fn trend_sentences_carry_the_data_figures(case in case(), better in prop::sample::select(vec!["higher", "lower", "neutral"])) {
        let text = toml_for(&case).replace("[metrics.m]\n", &format!("[metrics.m]\nbetter = \"{better}\"\n"));
        let data = load_sources(&[("kpi.toml".to_string(), text.into_bytes())]).expect("generated data loads");
        let divisor = if case.unit == "percent" { 10_000.0 } else { 1.0 };
        let points: Vec<f64> = case.quarters.iter().map(|q| *q as f64 / divisor).collect();
        let (first, last) = (points[0], points[3]);
        let diff = last - first;
        let overall = match case.unit {
            "currency" | "count" => (first > 0.0).then(|| (diff / first * 100.0).abs()),
            _ => Some(diff.abs()),
        };
        let others = &points[..3];
        let steps: Vec<f64> = points.windows(2).map(|w| w[1] - w[0]).collect();
        let turned = !(steps.iter().all(|s| *s > 0.0) || steps.iter().all(|s| *s < 0.0) || steps.iter().all(|s| *s == 0.0));
        let templates = Templates::builtin();
        for locale in [Locale::ZhCn, Locale::En] {
            let narrator = Narrator { data: &data, templates: &templates, locale, year: None, precision: 1, style: Default::default(), year_named: false };
            let directive = parse("<<#kpi m q1..q4>>").unwrap();
            let sentence = narrator.expand(&directive, Target::Html).expect("expands");
            let numbers = read_numbers(&sentence);
            for shown in &numbers {
                let is_point = points.iter().any(|p| close(shown, *p));
                let is_overall = overall.is_some_and(|o| close(shown, o)) && (shown.kind != ShownKind::Amount || case.unit == "count");
                let is_steps = shown.kind == ShownKind::Amount && [1.0, 2.0, 3.0].iter().any(|n| close(shown, *n));
                prop_assert!(is_point || is_overall || is_steps, "figure {shown:?} matches nothing in {sentence:?} ({points:?})");
            }
            let states_overall = sentence.contains("累计") || sentence.contains(" by ") || sentence.contains(", up ") || sentence.contains(", down ");
            if states_overall {
                let o = overall.expect("an overall change is stated only where there is one");
                prop_assert!(numbers.iter().any(|n| close(n, o)), "overall {o} missing from {sentence:?}");
            }
            if sentence.contains("累计增长") || sentence.contains("累计上升") || sentence.contains(", up ") {
                prop_assert!(diff > 0.0, "says up overall: {sentence}");
            }
            if sentence.contains("累计下降") || sentence.contains(", down ") {
                prop_assert!(diff < 0.0, "says down overall: {sentence}");
            }
            let says_high = sentence.contains("新高") || sentence.contains("a high for the year") || sentence.contains("highest since");
            let says_low = sentence.contains("新低") || sentence.contains("a low for the year") || sentence.contains("lowest since");
            prop_assert_eq!(says_high, turned && others.iter().all(|p| *p < last), "record high: {}", sentence);
            prop_assert_eq!(says_low, turned && others.iter().all(|p| *p > last), "record low: {}", sentence);
            // A high or low is named only when it is not an end point: above (below) both ends.
            let inner_high = points[1..3].iter().any(|p| *p > first.max(last));
            let inner_low = points[1..3].iter().any(|p| *p < first.min(last));
            if sentence.contains("最高") || sentence.contains("最长") || sentence.contains("with a high of") {
                prop_assert!(inner_high, "names an end as the high: {sentence}");
            }
            if sentence.contains("最低") || sentence.contains("最短") || sentence.contains("with a low of") {
                prop_assert!(inner_low && !inner_high, "names an end as the low: {sentence}");
            }
            let improved = sentence.contains("改善") || sentence.contains("improvement");
            let worsened = sentence.contains("恶化") || sentence.contains("deterioration");
            if improved { prop_assert!(better == "lower" && diff < 0.0, "says improved: {sentence}"); }
            if worsened { prop_assert!(better == "lower" && diff > 0.0, "says worsened: {sentence}"); }
        }
    }
}

#[test]
fn reads_numbers_back() {
    let numbers = read_numbers("Q4营收3600万元,环比增长16.1%");
    assert_eq!(numbers.len(), 2);
    assert!(close(&numbers[0], 36_000_000.0));
    assert!(close(&numbers[1], 16.1));
    let numbers = read_numbers("Q4 revenue was ¥36M, up 16.1% from Q3 (¥31M)");
    assert_eq!(numbers.len(), 3);
    assert!(close(&numbers[2], 31_000_000.0));
    assert!(!close(&numbers[2], 32_000_000.0));
    let numbers = read_numbers("Q4 revenue was -¥1.2M");
    assert!(close(&numbers[0], -1_200_000.0));
    let numbers = read_numbers("Q2经营利润亏损20万元，较Q1（亏损80万元）减亏60万元");
    let values: Vec<f64> = numbers.iter().map(|n| n.value).collect();
    assert_eq!(values, [-200_000.0, -800_000.0, 600_000.0]);
    let numbers =
        read_numbers("Q2 operating profit was a loss of RMB 200K, narrowed by RMB 600K from a loss of RMB 800K in Q1");
    let values: Vec<f64> = numbers.iter().map(|n| n.value).collect();
    assert_eq!(values, [-200_000.0, 600_000.0, -800_000.0]);
    let numbers = read_numbers("Q4销售额1,较2022年Q4(0)增加1");
    assert_eq!(numbers.len(), 3, "{numbers:?}");
}

/// `decimals=`, `scale=` and `measure=` from the data side: the value, the difference and the relative change are
/// computed here in exact decimals from the generated facts, scaled and rounded half to even at the stated
/// decimals, and must be what the directive writes, digit for digit (trailing zeros included).
mod fixed_formats {
    use super::*;
    use rust_decimal::{Decimal, RoundingStrategy};

    fn exact(value: Decimal, scale: i64, decimals: u32) -> String {
        let scaled =
            (value / Decimal::from(scale)).round_dp_with_strategy(decimals, RoundingStrategy::MidpointNearestEven);
        let text = format!("{:.prec$}", scaled.abs(), prec = decimals as usize);
        if scaled.is_sign_negative() && !scaled.is_zero() { format!("-{text}") } else { text }
    }

    /// English groups the digits before the point in threes: `999,995K`.
    fn grouped(text: &str) -> String {
        let (sign, rest) = text.split_at(usize::from(text.starts_with(['-', '+'])));
        let (int, frac) = rest.split_once('.').map_or((rest, None), |(int, frac)| (int, Some(frac)));
        let digits: Vec<char> = int.chars().collect();
        let mut out = String::new();
        for (index, digit) in digits.iter().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                out.push(',');
            }
            out.push(*digit);
        }
        match frac {
            Some(frac) => format!("{sign}{out}.{frac}"),
            None => format!("{sign}{out}"),
        }
    }

    fn signed(text: String) -> String {
        if text.starts_with('-') || text.trim_start_matches(['0', '.']).is_empty() { text } else { format!("+{text}") }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        #[test]
        fn fixed_decimals_and_scale_write_the_data(
            now in 1i64..900_000_000_000,
            then in 1i64..900_000_000_000,
            decimals in 0u32..4,
            scale in 0usize..5,
        ) {
            let toml = format!(
                "[meta]\nyear = 2023\ncurrency = \"CNY\"\n[metrics.m]\nunit = \"currency\"\nvalues = {{ \"2022\" = {then}, \"2023\" = {now} }}\n"
            );
            let data = load_sources(&[("kpi.toml".to_string(), toml.into_bytes())]).expect("generated data loads");
            let templates = Templates::builtin();
            let (name, size, locale) =
                [("万", 10_000, Locale::ZhCn), ("亿", 100_000_000, Locale::ZhCn), ("K", 1_000, Locale::En), ("M", 1_000_000, Locale::En), ("B", 1_000_000_000, Locale::En)][scale];
            let narrator = Narrator { data: &data, templates: &templates, locale, year: None, precision: 1, style: Default::default(), year_named: false };
            let expand = |body: &str| narrator.expand(&parse(&format!("<<#kpi {body}>>")).unwrap(), Target::Html).expect("expands");
            let (now_d, then_d) = (Decimal::from(now), Decimal::from(then));
            let unit = |number: String| match locale {
                Locale::ZhCn => format!("{number}{name}元"),
                Locale::En => match grouped(&number).strip_prefix(['-', '+']) {
                    Some(rest) => format!("{}RMB {rest}{name}", &number[..1]),
                    None => format!("RMB {}{name}", grouped(&number)),
                },
            };
            prop_assert_eq!(expand(&format!("m 2023 decimals={decimals} scale={name}")), unit(exact(now_d, size, decimals)));
            // The difference, signed as it displays.
            let difference = signed(exact(now_d - then_d, size, decimals));
            prop_assert_eq!(
                expand(&format!("m 2023 vs yoy as delta measure=difference decimals={decimals} scale={name}")),
                unit(difference)
            );
            // The relative change, in percent of the base.
            let relative = (now_d - then_d) / then_d * Decimal::ONE_HUNDRED;
            prop_assert_eq!(
                expand(&format!("m 2023 vs yoy as size measure=percent decimals={decimals}")),
                format!("{}%", exact(relative.abs(), 1, decimals))
            );
        }
    }
}
