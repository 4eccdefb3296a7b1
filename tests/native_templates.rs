//! The built-in sentences are written natively (`narrate::native`) while the book does not override a template.
//! They must be the Handlebars templates' sentences character for character: random data sets (every unit,
//! direction, plural form, currency, labels with Markdown and HTML in them, zero, negative and equal values) and
//! every sentence kind in both locales are rendered both ways and compared — the same text, or the same failure.

use mdbook_kpi::config::{CurrencySign, Locale, Points, Punctuation, Style};
use mdbook_kpi::data::load::load_sources;
use mdbook_kpi::directive::parse::parse;
use mdbook_kpi::narrate::{Narrator, Target, Templates};
use proptest::prelude::*;

/// Directive bodies covering every sentence kind and form, against metric `m` and dimension `region`.
const DIRECTIVES: &[&str] = &[
    "m 2023",
    "m q4",
    "m q4 vs q3",
    "m q4 vs q1",
    "m q4 vs 2022-q4",
    "m q4 yoy",
    "m 2023 yoy",
    "m q4 环比",
    "m 2023 vs target",
    "m q4 vs target",
    "m 2023 vs standard",
    "m q4 vs q3 as delta",
    "m q4 vs q3 as change",
    "m 2023 yoy as change",
    "m 2023 vs target as change",
    "m 2023 vs standard as change",
    "m region=r1 q4 vs region=r2 as change",
    "m q4 vs target as delta",
    "m q4 vs q3 as ratio",
    "m 2023 vs target as ratio",
    "m q4 as value",
    "m region=r1 q4 vs region=r2",
    "m region=r2 q4 vs region=r1",
    "m region=r1 q4 vs q3",
    "m region=r1 2023 vs target",
    "share m region=r1 q4",
    "share m region=r1 q4 vs q3",
    "share m region=r2 2023 yoy",
    "m 2023 by region",
    "m q4 by region",
    "m q4 by region top 1",
    "m q4 by region vs q3",
    "m 2023 yoy by region",
    "m 2023 yoy by region top 1",
    "m q4 vs q1 by region top 3",
    "m 2023 vs target by region",
    "m q4 vs target by region top 1",
    "m q1..q4",
    "m 2023-01..2023-06",
    "m 2023-10..2023-12",
    "m 2023-01..2023-12",
    "m q2..q4",
    "m 2022..2023",
    "m q4 vs q3 precision=0",
    "m q4 vs q3 precision=3",
    "m q4 vs q3 locale=en",
    "m q4 vs q3 locale=zh-CN",
    "m q4 vs q3 with=amount",
    "m 2023 yoy as change with=amount",
];

#[derive(Debug, Clone)]
struct Case {
    unit: &'static str,
    better: &'static str,
    plural: Option<bool>,
    suffix: bool,
    currency: &'static str,
    label: &'static str,
    member_labels: [&'static str; 3],
    /// Monthly values 2022-01 … 2023-12 for each of three members.
    months: Vec<[i64; 3]>,
    target: i64,
    standard: i64,
    /// `flat-within`, so that changes within the band read as roughly flat.
    flat_within: &'static str,
    /// The metric's own verbs (`verbs` in the data), in place of the unit's.
    own_verbs: bool,
}

fn amount() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => 1i64..1000,
        3 => 1000i64..50_000_000,
        1 => 50_000_000i64..900_000_000_000,
        2 => Just(0i64),
        1 => Just(100i64),
        1 => -5_000_000i64..0,
    ]
}

fn label() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["revenue", "new customers", "营收", "a_b *c*", "<b>$x</b> [y](z)", "Q&A | ~#{}"])
}

fn case() -> impl Strategy<Value = Case> {
    (
        (
            prop::sample::select(vec!["currency", "count", "percent", "ratio", "days", "number"]),
            prop::sample::select(vec!["higher", "lower", "neutral"]),
            prop::option::of(any::<bool>()),
            any::<bool>(),
            prop::sample::select(vec!["CNY", "USD", "EUR", "JPY"]),
            label(),
            any::<bool>(),
        ),
        [label(), label(), label()],
        // Equal months now and then, so that flat changes and flat trends occur.
        prop::collection::vec(prop_oneof![3 => [amount(), amount(), amount()], 1 => Just([100i64, 100, 100])], 24),
        amount(),
        amount(),
        prop::sample::select(vec!["0", "0.5", "5", "50"]),
    )
        .prop_map(
            |(
                (unit, better, plural, suffix, currency, label, own_verbs),
                member_labels,
                months,
                target,
                standard,
                flat_within,
            )| {
                Case {
                    unit,
                    better,
                    plural,
                    suffix,
                    currency,
                    label,
                    member_labels,
                    months,
                    target,
                    standard,
                    flat_within,
                    own_verbs,
                }
            },
        )
}

fn toml_string(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

fn toml_for(case: &Case) -> String {
    let scale = match case.unit {
        "percent" => 100.0,
        "ratio" => 10_000.0,
        _ => 1.0,
    };
    let number = |x: i64| format!("{}", x as f64 / scale);
    let mut text = format!(
        "[meta]\nyear = 2023\ncurrency = \"{}\"\n\n[dimensions.region]\nlabel = {{ en = \"region\", zh-CN = \"区域\" }}\n",
        case.currency
    );
    for (index, member) in case.member_labels.iter().enumerate() {
        text += &format!("members.r{} = {}\n", index + 1, toml_string(member));
    }
    // Rates do not add up: their totals are given, not derived.
    let adds_up = matches!(case.unit, "currency" | "count" | "number");
    text += &format!(
        "\n[metrics.m]\nlabel = {}\nunit = \"{}\"\nbetter = \"{}\"\nrollup = \"{}\"\n",
        toml_string(case.label),
        case.unit,
        case.better,
        if adds_up { "sum" } else { "mean" }
    );
    if let Some(plural) = case.plural {
        text += &format!("plural = {plural}\n");
    }
    if case.suffix {
        text += "suffix = { en = \" customers\", zh-CN = \"家\" }\n";
    }
    text += &format!("standard = {}\n", number(case.standard));
    text += &format!("flat-within = {}\n", case.flat_within);
    if case.own_verbs {
        text += "verbs = { zh-CN = { up = \"增加\", down = \"减少\", up-to = \"增加到\" }, en = { up = \"rose\", down-to = \"down to\" } }\n";
    }
    text += &format!("targets = {{ \"2023\" = {}, \"2023-Q4\" = {} }}\n", number(case.target), number(case.target / 4));
    let month = |i: usize| format!("{}-{:02}", 2022 + i / 12, i % 12 + 1);
    if !adds_up {
        let totals: Vec<String> =
            case.months.iter().enumerate().map(|(i, m)| format!("\"{}\" = {}", month(i), number(m[0]))).collect();
        text += &format!("values = {{ {} }}\n", totals.join(", "));
    }
    for member in 0..3 {
        let values: Vec<String> =
            case.months.iter().enumerate().map(|(i, m)| format!("\"{}\" = {}", month(i), number(m[member]))).collect();
        text += &format!("by.region.r{} = {{ {} }}\n", member + 1, values.join(", "));
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn native_sentences_are_the_handlebars_sentences(case in case()) {
        let text = toml_for(&case);
        let data = match load_sources(&[("kpi.toml".to_string(), text.clone().into_bytes())]) {
            Ok(data) => data,
            Err(errors) => panic!("generated data must load: {errors:?}\n{text}"),
        };
        let native = Templates::builtin();
        let handlebars = Templates::builtin_handlebars_only();
        let mut compared = 0;
        // Every writing style: full-width and ASCII Chinese marks, points spelled out or `pp`, `RMB` or `¥`.
        let styles = [
            Style::default(),
            Style {
                punctuation: Punctuation::Ascii,
                points: Points::Pp,
                currency_sign: CurrencySign::Symbol,
                report_year: Default::default(),
            },
        ];
        for (locale, style) in [Locale::ZhCn, Locale::En].into_iter().flat_map(|l| styles.map(|s| (l, s))) {
            for body in DIRECTIVES {
                let directive = parse(&format!("<<#kpi {body}>>")).expect("the directive list parses");
                // The year named earlier in the chapter (全年 / full-year) with the ASCII style, else not.
                let year_named = style != Style::default();
                let narrator =
                    |templates| Narrator { data: &data, templates, locale, year: None, precision: 1, style, year_named };
                let fast = narrator(&native).expand(&directive, Target::Other);
                let slow = narrator(&handlebars).expand(&directive, Target::Other);
                prop_assert_eq!(&fast, &slow, "{} in {:?}\n{}", body, locale, text);
                compared += usize::from(slow.is_ok());
            }
        }
        // Most directives expand on most data; a generator that only produced failures would prove nothing.
        prop_assert!(compared > DIRECTIVES.len(), "only {compared} sentences expanded");
    }
}

/// The reference rows of docs/src/directives.md come out the same both ways too (they are checked against their text in
/// narrate_reference.rs, which runs the native path).
#[test]
fn overriding_a_template_turns_the_native_sentence_off() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("en")).unwrap();
    std::fs::write(dir.path().join("en/value.hbs"), "V={{value.text}}").unwrap();
    let (templates, findings) = Templates::with_overrides(dir.path(), "templates");
    assert!(findings.is_empty(), "{findings:?}");
    assert!(!templates.is_native(Locale::En, "value"));
    assert!(templates.is_native(Locale::ZhCn, "value"));
    assert!(templates.is_native(Locale::En, "period"));
    let data = load_sources(&[(
        "kpi.toml".to_string(),
        b"[meta]\nyear = 2023\n[metrics.m]\nunit = \"count\"\nvalues = { \"2023\" = 7 }\n".to_vec(),
    )])
    .unwrap();
    let narrator = Narrator {
        data: &data,
        templates: &templates,
        locale: Locale::En,
        year: None,
        precision: 1,
        style: Default::default(),
        year_named: false,
    };
    assert_eq!(narrator.expand(&parse("<<#kpi m 2023>>").unwrap(), Target::Other).unwrap(), "V=7");
}
