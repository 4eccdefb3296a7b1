//! The sentence cases of tests/fixtures/sentences.toml through the library: every reference row in both locales
//! over the reference data (tests/fixtures/reference/kpi.toml), and the cases for one locale.

use mdbook_kpi::config::{Config, Locale, Style};
use mdbook_kpi::data::{DataSet, load::load_sources};
use mdbook_kpi::directive::parse::parse;
use mdbook_kpi::narrate::{Narrator, Target, Templates};

mod sentences;
use sentences::REFERENCE_ROWS as ROWS;

fn reference() -> DataSet {
    let text = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/reference/kpi.toml")).unwrap();
    load_sources(&[("kpi.toml".to_string(), text)]).expect("reference data loads")
}

fn expand(data: &DataSet, templates: &Templates, locale: Locale, body: &str) -> String {
    expand_styled(data, templates, locale, Style::default(), body)
}

fn expand_styled(data: &DataSet, templates: &Templates, locale: Locale, style: Style, body: &str) -> String {
    let directive = parse(&format!("<<#kpi {body}>>")).unwrap_or_else(|e| panic!("{body}: {e:?}"));
    let narrator = Narrator { data, templates, locale, year: None, precision: 1, style, year_named: false };
    narrator.expand(&directive, Target::Html).unwrap_or_else(|e| panic!("{body}: {e:?}"))
}

#[test]
fn every_reference_row_in_chinese() {
    let (data, templates) = (reference(), Templates::builtin());
    assert!(ROWS.len() >= 14, "tests/fixtures/sentences.toml lost reference rows: {}", ROWS.len());
    for (body, zh, _) in ROWS.iter() {
        assert_eq!(expand(&data, &templates, Locale::ZhCn, body), *zh, "zh-CN: {body}");
    }
}

#[test]
fn every_reference_row_in_english() {
    let (data, templates) = (reference(), Templates::builtin());
    for (body, _, en) in ROWS.iter() {
        assert_eq!(expand(&data, &templates, Locale::En, body), *en, "en: {body}");
    }
}

/// A `locale=` or `precision=` option wins over the book's own setting, and the other one-locale cases.
#[test]
fn every_case_in_its_books_locale() {
    let (data, templates) = (reference(), Templates::builtin());
    let cases = sentences::cases();
    assert!(cases.len() >= 2, "tests/fixtures/sentences.toml lost its [[case]] entries");
    for case in cases {
        let locale = Locale::parse(&case.locale).unwrap_or_else(|| panic!("{}: unknown locale", case.directive));
        let style = style_of(case);
        let text = expand_styled(&data, &templates, locale, style, &case.directive);
        assert_eq!(text, case.expected, "{}", case.directive);
    }
}

/// The style a case's book sets, read the way `[preprocessor.kpi]` is.
fn style_of(case: &sentences::Case) -> Style {
    let mut table = serde_json::Map::new();
    let keys = [("punctuation", &case.punctuation), ("points", &case.points), ("currency-sign", &case.currency_sign)];
    for (key, value) in keys {
        if let Some(value) = value {
            table.insert(key.to_string(), serde_json::Value::String(value.clone()));
        }
    }
    let (config, findings) = Config::from_table(Some(&table), None);
    assert!(findings.is_empty(), "{}: {findings:?}", case.directive);
    config.style
}

/// The figures of a sentence, in order: every number with the magnitude or unit right after it (`3600万`, `16.1%`,
/// `36M`, `12.4pp`), percentage points written any way counted as `pp`, currency signs and codes dropped.
fn figures(text: &str) -> Vec<String> {
    let text = text.replace("个百分点", "pp").replace(" percentage points", "pp").replace(" percentage point", "pp");
    let text = text.replace(" pp", "pp");
    let chars: Vec<char> = text.chars().collect();
    let mut figures = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let mut figure = String::new();
        while i < chars.len()
            && (chars[i].is_ascii_digit()
                || (".,".contains(chars[i]) && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
        {
            figure.push(chars[i]);
            i += 1;
        }
        // One precision within a sentence writes 35% beside 22.6% as 35.0%: the same figure.
        if figure.contains('.') {
            figure = figure.trim_end_matches('0').trim_end_matches('.').to_string();
        }
        if text[text.char_indices().nth(i).map_or(text.len(), |(at, _)| at)..].starts_with("pp") {
            figure.push_str("pp");
        } else if let Some(&unit) = chars.get(i).filter(|c| "%万亿MKB天".contains(**c)) {
            figure.push(unit);
        }
        figures.push(figure);
    }
    figures
}

/// Rewording changes no figure: every sentence tests/fixtures/sentences_previous.toml held, as its directive now
/// expands in the same locale (in today's default style), carries the same figures in the same order, and the
/// expected sentences of sentences.toml carry them too. A sentence may carry a figure the old one did not only
/// where the wording was extended on purpose and the figure is recomputed here from the data
/// ([`added_figures`]: a trend's overall change; [`target_figures`]: the target a Chinese completion rate names).
#[test]
fn rewording_keeps_every_figure() {
    let (data, templates) = (reference(), Templates::builtin());
    let previous = sentences::previous();
    assert!(previous.len() >= 28, "sentences_previous.toml lost rows: {}", previous.len());
    let targets = target_figures(&data);
    // The figures a sentence may add on purpose: a trend's overall change, and a target a locale now names (that
    // one must be there).
    let added = |body: &str, locale: &str, text: &str| {
        let mut all = added_figures(body);
        for (_, _, figure) in targets.iter().filter(|(b, l, _)| *b == body && *l == locale) {
            assert!(figures(text).contains(figure), "{body} ({locale}): the added figure {figure} is missing: {text}");
            all.push(figure.clone());
        }
        all
    };
    for (body, locale_id, before) in &previous {
        let locale = Locale::parse(locale_id).unwrap();
        let now = expand(&data, &templates, locale, body);
        keeps_figures(&figures(&now), &figures(before), &added(body, locale_id, &now), &format!("{body} ({locale:?})"));
        assert!(!figures(before).is_empty() || before.is_empty(), "{body}: a sentence without figures");
    }
    for (body, zh, en) in ROWS.iter() {
        for (locale, expected) in [("zh-CN", zh), ("en", en)] {
            if let Some((_, _, before)) = previous.iter().find(|(b, l, _)| b == body && l == locale) {
                let context = format!("{body} ({locale}): the expected wording");
                keeps_figures(&figures(expected), &figures(before), &added(body, locale, expected), &context);
            }
        }
    }
}

/// `now` holds every figure of `before`, in the same order and unchanged, and nothing else but figures of
/// `added` (each at most once).
fn keeps_figures(now: &[String], before: &[String], added: &[String], context: &str) {
    let mut added = added.to_vec();
    let mut kept = 0;
    for figure in now {
        if before.get(kept) == Some(figure) {
            kept += 1;
        } else if let Some(at) = added.iter().position(|a| a == figure) {
            added.remove(at);
        } else {
            panic!(
                "{context}: {figure} is neither an old figure in its place nor one recomputed from the data: {now:?} (was {before:?})"
            );
        }
    }
    assert_eq!(kept, before.len(), "{context}: lost figures of {before:?}: {now:?}");
}

/// The figures a sentence gained on purpose, recomputed from the reference data (tests/fixtures/reference/kpi.toml
/// read as plain TOML, with rust_decimal, not through the library): the overall change of a trend `METRIC qA..qB`
/// in percent, and of `share METRIC DIM=MEMBER qA..qB` in percentage points, rounded to one decimal as shown.
fn added_figures(body: &str) -> Vec<String> {
    use rust_decimal::{Decimal, RoundingStrategy};
    let words: Vec<&str> = body.split_whitespace().collect();
    let (share, words) = match words.split_first() {
        Some((&"share", rest)) => (true, rest),
        _ => (false, &words[..]),
    };
    let Some(range) = words.iter().find(|w| w.contains("..")) else { return Vec::new() };
    let (from, to) = range.split_once("..").unwrap();
    let key = |quarter: &str| format!("2023-{}", quarter.to_uppercase());
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/reference/kpi.toml")).unwrap();
    let kpi: toml::Table = toml::from_str(&text).unwrap();
    let metric = &kpi["metrics"][words[0]];
    let value = |table: &toml::Value, quarter: &str| -> Decimal {
        Decimal::from(table.get(key(quarter)).and_then(toml::Value::as_integer).expect("a figure for the quarter"))
    };
    let round = |x: Decimal| x.round_dp_with_strategy(1, RoundingStrategy::MidpointNearestEven).normalize();
    let hundred = Decimal::ONE_HUNDRED;
    if share {
        let (dimension, member) = words[1].split_once('=').unwrap();
        let part = &metric["by"][dimension][member];
        let share_at = |q: &str| value(part, q) * hundred / value(&metric["values"], q);
        vec![format!("{}pp", round((share_at(to) - share_at(from)).abs()))]
    } else {
        let (first, last) = (value(&metric["values"], from), value(&metric["values"], to));
        vec![format!("{}%", round(((last - first) * hundred / first).abs()))]
    }
}

#[test]
fn added_figures_are_the_datas() {
    assert_eq!(added_figures("revenue q1..q4"), ["44%"]);
    assert_eq!(added_figures("share revenue product=ai-qc q3..q4"), ["12.4pp"]);
    assert!(added_figures("revenue q4 vs q3").is_empty());
    keeps_figures(&["1".into(), "44%".into()], &["1".into()], &["44%".into()], "an added figure");
    let moved = std::panic::catch_unwind(|| keeps_figures(&["2".into()], &["1".into()], &[], "a changed figure"));
    assert!(moved.is_err(), "a changed figure must fail");
}

/// Figures a rewording adds on purpose in one locale, each computed here from the data: (directive, locale, figure as the
/// sentence reads it). A Chinese completion rate names its target, as the English always did:
/// `目标（1.14亿元）完成率105%` / `105% of the RMB 114M target`.
fn target_figures(data: &DataSet) -> Vec<(&'static str, &'static str, String)> {
    use mdbook_kpi::data::{Kind, Period, Slice};
    let target = data.fact("revenue", Period::Year(2023), &Slice::new(), Kind::Target).expect("a 2023 target").value;
    // In 亿 from 1亿 on, three significant digits: 1.143亿 is 1.14亿.
    let yi = (target / rust_decimal::Decimal::from(100_000_000)).round_dp(2).normalize();
    vec![("revenue 2023 vs target", "zh-CN", format!("{yi}亿"))]
}

#[test]
fn figures_are_read_whatever_the_wording() {
    assert_eq!(figures("Q4营收3600万元，环比增长16.1%"), ["4", "3600万", "16.1%"]);
    assert_eq!(figures("up 12.4 percentage points from 22.6%"), ["12.4pp", "22.6%"]);
    assert_eq!(figures("提升12.4个百分点"), ["12.4pp"]);
    assert_eq!(figures("RMB 1,234.5M and ¥36M, 8 days"), ["1,234.5M", "36M", "8"]);
    assert_eq!(figures("35.0% and RMB 1.50M, 10.0"), ["35%", "1.5M", "10"]);
}

/// A range across years names the year at both ends (it read `2024年Q3至Q2`), in both locales, with the
/// first and last figures of the data.
#[test]
fn a_range_across_years_names_both_years() {
    let toml = "[meta]\nyear = 2025\n[metrics.revenue]\nunit = \"currency\"\nlabel = { zh-CN = \"营收\", en = \"revenue\" }\n\
                values = { \"2024-Q3\" = 1000000, \"2024-Q4\" = 1200000, \"2025-Q1\" = 1300000, \"2025-Q2\" = 1500000 }\n";
    let data = load_sources(&[("kpi.toml".to_string(), toml.as_bytes().to_vec())]).unwrap();
    let templates = Templates::builtin();
    // The overall change, first to last point, computed here.
    let overall = |first: i64, last: i64| {
        let pct = rust_decimal::Decimal::from(last - first) * rust_decimal::Decimal::ONE_HUNDRED
            / rust_decimal::Decimal::from(first);
        format!("{}%", pct.round_dp(1).normalize())
    };
    let zh = expand(&data, &templates, Locale::ZhCn, "revenue 2024-q3..2025-q2");
    let change = overall(1_000_000, 1_500_000);
    assert_eq!(zh, format!("营收2024年Q3至2025年Q2连续3个季度增长，从100万元增至150万元，累计增长{change}"));
    let en = expand(&data, &templates, Locale::En, "revenue 2024-q3..2025-q2");
    assert_eq!(
        en,
        format!("revenue grew for 3 consecutive quarters, up {change} from RMB 1.0M in Q3 2024 to RMB 1.5M in Q2 2025")
    );
    // Within the report year the year stays implied. One step reads as the change it is, not as a run of one.
    assert_eq!(
        expand(&data, &templates, Locale::ZhCn, "revenue q1..q2"),
        format!("营收Q1至Q2从130万元增至150万元，增长{}", overall(1_300_000, 1_500_000))
    );
    assert_eq!(
        expand(&data, &templates, Locale::En, "revenue q1..q2"),
        format!("revenue grew by {} from RMB 1.3M in Q1 to RMB 1.5M in Q2", overall(1_300_000, 1_500_000))
    );
}

/// A profit metric in both locales over inline data, with the sentences' figures checked against the data: the
/// value, the base and their difference.
fn profit_data() -> DataSet {
    let toml = "[meta]\nyear = 2023\ncurrency = \"CNY\"\n[metrics.profit]\nunit = \"currency\"\n\
                label = { zh-CN = \"经营利润\", en = \"operating profit\" }\n\
                values = { \"2023-Q1\" = -800000, \"2023-Q2\" = -200000, \"2023-Q3\" = 500000, \"2023-Q4\" = -300000 }\n\
                [metrics.sales]\nunit = \"currency\"\nlabel = { zh-CN = \"营收\", en = \"revenue\" }\n\
                values = { \"2023-Q1\" = 0, \"2023-Q2\" = 3210000 }\n";
    load_sources(&[("kpi.toml".to_string(), toml.as_bytes().to_vec())]).unwrap()
}

/// Money in 万元 / M as the sentences write it, from yuan.
fn wan(yuan: i64) -> String {
    let text = format!("{}", rust_decimal::Decimal::new(yuan.abs(), 4).normalize());
    format!("{text}万")
}

/// The figures of a sentence that carry a magnitude or unit (period numbers like the 2 of Q2 left out).
fn amounts(text: &str) -> Vec<String> {
    figures(text).into_iter().filter(|f| f.ends_with(['万', 'K', 'M', '%'])).collect()
}

fn thousands(yuan: i64) -> String {
    let text = format!("{}", rust_decimal::Decimal::new(yuan.abs(), 3).normalize());
    format!("{text}K")
}

/// A negative amount of a profit is a loss (亏损 / a loss of), never a minus sign; between losses the loss narrows
/// (减亏) or widens (增亏) by the difference; from a loss to a profit it turns (扭亏为盈); a zero base is not
/// compared with. The figures are the data's: the value, the base and the difference, computed here.
#[test]
fn losses_and_zero_bases_read_as_such() {
    let (data, templates) = (profit_data(), Templates::builtin());
    let (q1, q2, q3, q4) = (-800_000_i64, -200_000_i64, 500_000_i64, -300_000_i64);
    let zh = |body| expand(&data, &templates, Locale::ZhCn, body);
    let en = |body| expand(&data, &templates, Locale::En, body);

    let narrowed = zh("profit q2 vs q1");
    assert_eq!(narrowed, "Q2经营利润亏损20万元，较Q1（亏损80万元）减亏60万元");
    assert_eq!(amounts(&narrowed), [wan(q2), wan(q1), wan(q2 - q1)]);
    let narrowed = en("profit q2 vs q1");
    assert_eq!(
        narrowed,
        "Q2 operating profit was a loss of RMB 200K, narrowed by RMB 600K from a loss of RMB 800K in Q1"
    );
    assert_eq!(amounts(&narrowed), [thousands(q2), thousands(q2 - q1), thousands(q1)]);

    assert_eq!(zh("profit q1 vs q2"), "Q1经营利润亏损80万元，较Q2（亏损20万元）增亏60万元");
    assert_eq!(
        en("profit q1 vs q2"),
        "Q1 operating profit was a loss of RMB 800K, widened by RMB 600K from a loss of RMB 200K in Q2"
    );

    let turned = zh("profit q3 vs q2");
    assert_eq!(turned, "Q3经营利润50万元，较Q2（亏损20万元）扭亏为盈");
    assert_eq!(amounts(&turned), [wan(q3), wan(q2)]);
    assert_eq!(
        en("profit q3 vs q2"),
        "Q3 operating profit was RMB 500K, turning a profit after a loss of RMB 200K in Q2"
    );

    // From a profit to a loss the percentage of the positive base still says how far it fell.
    let fell = zh("profit q4 vs q3");
    assert_eq!(fell, "Q4经营利润亏损30万元，环比大幅下降160%");
    let pct = rust_decimal::Decimal::from(q3 - q4) * rust_decimal::Decimal::from(100) / rust_decimal::Decimal::from(q3);
    assert_eq!(amounts(&fell), [wan(q4), format!("{}%", pct.normalize())]);
    assert_eq!(
        en("profit q4 vs q3"),
        "Q4 operating profit was a loss of RMB 300K, down a sharp 160% from Q3 (RMB 500K)"
    );

    // A zero base: the value alone, with the base named as nothing (no 0元, no difference equal to the value).
    let first = zh("sales q2 vs q1");
    assert_eq!(first, "Q2营收321万元，Q1为零");
    assert_eq!(figures(&first), ["2".to_string(), wan(3_210_000), "1".to_string()]);
    assert_eq!(en("sales q2 vs q1"), "Q2 revenue was RMB 3.21M, from nothing in Q1");
    // The value form keeps the sign: it stands in the author's own sentence.
    assert_eq!(zh("profit q1"), "-80万元");
}

/// Where lower is better, under the mark is time saved and over a target is over a ceiling; counts are more or
/// fewer. The figures are the data's: the value, the mark and their difference (or the percentage), computed here.
#[test]
fn lower_is_better_reads_as_improvement() {
    let toml = "[meta]\nyear = 2023\n[metrics.delivery_days]\nunit = \"days\"\nbetter = \"lower\"\n\
                label = { zh-CN = \"交付周期\", en = \"delivery time\" }\nvalues = { \"2023\" = 8, \"2022\" = 12 }\n\
                standard = 10\ntargets = { \"2023\" = 6, \"2022\" = 14 }\n\
                [metrics.complaints]\nunit = \"count\"\nbetter = \"lower\"\nlabel = { zh-CN = \"投诉\", en = \"complaints\" }\n\
                values = { \"2023\" = 12 }\ntargets = { \"2023\" = 10 }\n\
                [dimensions.region]\nlabel = { en = \"region\", zh-CN = \"区域\" }\n\
                members.e = { en = \"East\", zh-CN = \"华东\" }\nmembers.n = { en = \"North\", zh-CN = \"华北\" }\n\
                [metrics.new_customers]\nunit = \"count\"\nlabel = { zh-CN = \"新签客户\", en = \"new customers\" }\n\
                suffix = { en = \" customers\", zh-CN = \"家\" }\nby.region.e = { \"2023\" = 95 }\nby.region.n = { \"2023\" = 115 }\n";
    let data = load_sources(&[("kpi.toml".to_string(), toml.as_bytes().to_vec())]).unwrap();
    let templates = Templates::builtin();
    let zh = |body| expand(&data, &templates, Locale::ZhCn, body);
    let en = |body| expand(&data, &templates, Locale::En, body);
    let days = |text: &str| -> Vec<String> { figures(text).into_iter().skip(1).collect() };
    let (value, standard, target, target_2022, value_2022) = (8, 10, 6, 14, 12);

    let faster = zh("delivery_days 2023 vs standard");
    assert_eq!(faster, "2023年交付周期8天，比标准（10天）快2天");
    assert_eq!(days(&faster), [format!("{value}天"), format!("{standard}天"), format!("{}天", standard - value)]);
    assert_eq!(
        en("delivery_days 2023 vs standard"),
        "2023 delivery time was 8 days, 2 days faster than the 10-day standard"
    );
    assert_eq!(
        zh("delivery_days 2022 vs target"),
        format!("2022年交付周期12天，比目标（14天）快{}天", target_2022 - value_2022)
    );
    assert_eq!(
        en("delivery_days 2022 vs target"),
        "2022 delivery time was 12 days, 2 days faster than the 14-day target"
    );

    let over = zh("delivery_days 2023 vs target");
    assert_eq!(over, "2023年交付周期8天，高于目标上限（6天）2天");
    assert_eq!(days(&over), [format!("{value}天"), format!("{target}天"), format!("{}天", value - target)]);
    assert_eq!(
        en("delivery_days 2023 vs target"),
        "2023 delivery time was 8 days, 2 days above the 6-day target ceiling"
    );
    assert_eq!(zh("complaints 2023 vs target"), "2023年投诉12，高于目标上限（10）2");
    assert_eq!(en("complaints 2023 vs target"), "2023 complaints were 12, 2 above the 10 target ceiling");

    let fewer = zh("new_customers region=e 2023 vs region=n");
    assert_eq!(fewer, "2023年华东新签客户95家，比华北（115家）少17.4%");
    let pct = (115.0_f64 - 95.0) / 115.0 * 100.0;
    assert_eq!(figures(&fewer)[3], format!("{:.1}%", pct));
    assert_eq!(
        en("new_customers region=e 2023 vs region=n"),
        "2023 new customers for East were 95, 17.4% fewer than for North (115)"
    );
}

/// The overall change of a series, first to last point, in percent as the sentences show it (one decimal),
/// computed with rust_decimal.
fn overall_pct(values: &[i64]) -> String {
    let (first, last) = (values[0], values[values.len() - 1]);
    let pct = rust_decimal::Decimal::from(last - first) * rust_decimal::Decimal::ONE_HUNDRED
        / rust_decimal::Decimal::from(first);
    let shown = pct.abs().round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointNearestEven);
    format!("{}%", shown.normalize())
}

/// Whether the last point is above (`high`) or below (`low`) every other point of a series: a record.
fn record(values: &[i64]) -> Option<&'static str> {
    let (last, others) = values.split_last()?;
    if others.iter().all(|v| v < last) {
        Some("high")
    } else if others.iter().all(|v| v > last) {
        Some("low")
    } else {
        None
    }
}

/// A trend gives its overall change (first to last point), names an extreme only when it is not an end point (a
/// high above both ends, else a low below both: a dip in a rising series), a last point above or below every other
/// as a record (for the year when the series is one whole year, else since its first point), and a series whose
/// every step lies within `flat-within` held steady between its lowest and highest points. The named figures,
/// the overall change and the records are the data's, found here.
#[test]
fn trends_name_inner_extremes_and_steady_series() {
    let toml = "[meta]\nyear = 2023\n\
                [metrics.heads]\nunit = \"count\"\nflat-within = 2\nlabel = { zh-CN = \"销售人数\", en = \"sales headcount\" }\n\
                suffix = { en = \" people\", zh-CN = \"人\" }\nvalues = { \"2023-Q1\" = 87, \"2023-Q2\" = 88, \"2023-Q3\" = 89, \"2023-Q4\" = 88 }\n\
                [metrics.orders]\nunit = \"count\"\nlabel = { zh-CN = \"订单\", en = \"orders\" }\n\
                values = { \"2023-Q1\" = 10, \"2023-Q2\" = 8, \"2023-Q3\" = 12, \"2023-Q4\" = 14 }\n\
                [metrics.leads]\nunit = \"count\"\nlabel = { zh-CN = \"线索\", en = \"leads\" }\n\
                values = { \"2023-Q1\" = 10, \"2023-Q2\" = 15, \"2023-Q3\" = 12, \"2023-Q4\" = 11 }\n\
                [metrics.calls]\nunit = \"count\"\nlabel = { zh-CN = \"通话\", en = \"calls\" }\n\
                values = { \"2023-Q1\" = 10, \"2023-Q2\" = 13, \"2023-Q3\" = 12, \"2023-Q4\" = 14 }\n";
    let data = load_sources(&[("kpi.toml".to_string(), toml.as_bytes().to_vec())]).unwrap();
    let templates = Templates::builtin();
    let zh = |body| expand(&data, &templates, Locale::ZhCn, body);
    let en = |body| expand(&data, &templates, Locale::En, body);
    let extremes = |values: &[i64]| (*values.iter().min().unwrap(), *values.iter().max().unwrap());

    let (low, high) = extremes(&[87, 88, 89, 88]);
    assert_eq!(zh("heads q1..q4"), format!("销售人数Q1至Q4基本稳定，在{low}人至{high}人之间"));
    assert_eq!(en("heads q1..q4"), "sales headcount held steady between 87 people and 89 people from Q1 to Q4");

    // Steps after the extreme that all move away from it, counted from the data.
    let since = |values: &[i64], at: usize, rising: bool| {
        values[at..].windows(2).filter(|w| if rising { w[1] > w[0] } else { w[1] < w[0] }).count()
    };
    let orders = [10, 8, 12, 14];
    let (low, _) = extremes(&orders);
    let streak = since(&orders, 1, true);
    let change = overall_pct(&orders);
    assert_eq!(record(&orders), Some("high"));
    assert_eq!(
        zh("orders q1..q4"),
        format!("订单Q1至Q4从10增至14，累计增长{change}，其间Q2最低（{low}），此后连续{streak}个季度增长，创全年新高")
    );
    assert_eq!(
        en("orders q1..q4"),
        format!(
            "orders grew by {change} from 10 in Q1 to 14 in Q4, with a low of 8 in Q2, then grew for 2 consecutive \
             quarters, ending at a high for the year"
        )
    );

    // The last point is neither above nor below all others: no record.
    let leads = [10, 15, 12, 11];
    let (_, high) = extremes(&leads);
    let streak = since(&leads, 1, false);
    assert_eq!(record(&leads), None);
    let change = overall_pct(&leads);
    assert_eq!(
        zh("leads q1..q4"),
        format!("线索Q1至Q4从10增至11，累计增长{change}，其间Q2最高（{high}），此后连续{streak}个季度下降")
    );
    assert_eq!(
        en("leads q1..q4"),
        format!(
            "leads grew by {change} from 10 in Q1 to 11 in Q4, with a high of 15 in Q2, then fell for 2 consecutive quarters"
        )
    );

    // The ends are the extremes: no turn to name, but the last point is the year's high.
    let calls = [10, 13, 12, 14];
    assert_eq!(record(&calls), Some("high"));
    let change = overall_pct(&calls);
    assert_eq!(zh("calls q1..q4"), format!("通话Q1至Q4从10增至14，累计增长{change}，创全年新高"));
    assert_eq!(
        en("calls q1..q4"),
        format!("calls grew by {change} from 10 in Q1 to 14 in Q4, ending at a high for the year")
    );
    let handlebars = Templates::builtin_handlebars_only();
    for body in ["orders q1..q4", "leads q1..q4", "calls q1..q4", "calls q2..q4", "heads q1..q4"] {
        for locale in [Locale::ZhCn, Locale::En] {
            let native = expand(&data, &templates, locale, body);
            assert_eq!(expand(&data, &handlebars, locale, body), native, "{body} ({locale:?}): native and Handlebars");
        }
    }
    // Not a whole year: a record since the first point shown.
    let from_q2 = &calls[1..];
    assert_eq!(record(from_q2), Some("high"));
    let change = overall_pct(from_q2);
    assert_eq!(zh("calls q2..q4"), format!("通话Q2至Q4从13增至14，累计增长{change}，其间Q3最低（12），创Q2以来新高"));
    assert_eq!(
        en("calls q2..q4"),
        format!(
            "calls grew by {change} from 13 in Q2 to 14 in Q4, with a low of 12 in Q3, ending at its highest since Q2"
        )
    );
}

/// Where lower is better, and only there, a trend is judged: 持续改善 / a steady improvement for a run, 总体改善 /
/// an improvement overall for a series that turned, 有所改善 / an improvement for one step (恶化 / deterioration
/// the other way); a record low is the good end. A single comparison is not judged by the built-in sentences, but
/// its context carries `change.verdict` for a book's own template. Metrics where higher is better (by default or
/// said) and neutral ones get no judgement. The percentages are the data's, computed here.
#[test]
fn judgement_only_where_lower_is_better() {
    let toml = "[meta]\nyear = 2023\n\
                [metrics.complaints]\nunit = \"count\"\nbetter = \"lower\"\nlabel = { zh-CN = \"投诉\", en = \"complaints\" }\n\
                values = { \"2023-Q1\" = 14, \"2023-Q2\" = 12, \"2023-Q3\" = 11, \"2023-Q4\" = 9 }\n\
                [metrics.delivery_days]\nunit = \"days\"\nbetter = \"lower\"\nlabel = { zh-CN = \"交付周期\", en = \"delivery time\" }\n\
                values = { \"2023-Q1\" = 21, \"2023-Q2\" = 23, \"2023-Q3\" = 18, \"2023-Q4\" = 15 }\n\
                [metrics.visits]\nunit = \"count\"\nbetter = \"higher\"\nlabel = { zh-CN = \"拜访\", en = \"visits\" }\n\
                values = { \"2023-Q1\" = 14, \"2023-Q2\" = 12, \"2023-Q3\" = 11, \"2023-Q4\" = 9 }\n\
                [metrics.calls]\nunit = \"count\"\nbetter = \"neutral\"\nlabel = { zh-CN = \"来电\", en = \"calls\" }\n\
                values = { \"2023-Q1\" = 14, \"2023-Q2\" = 12, \"2023-Q3\" = 11, \"2023-Q4\" = 9 }\n";
    let data = load_sources(&[("kpi.toml".to_string(), toml.as_bytes().to_vec())]).unwrap();
    let templates = Templates::builtin();
    let zh = |body: &str| expand(&data, &templates, Locale::ZhCn, body);
    let en = |body: &str| expand(&data, &templates, Locale::En, body);
    let verdict = |body: &str| {
        let directive = parse(&format!("<<#kpi {body}>>")).unwrap();
        let narrator = Narrator {
            data: &data,
            templates: &templates,
            locale: Locale::ZhCn,
            year: None,
            precision: 1,
            style: Style::default(),
            year_named: false,
        };
        narrator.context(&directive).unwrap()["change"]["verdict"].clone()
    };
    let complaints = [14, 12, 11, 9];

    // One comparison: the sentence as before, the judgement in the context only.
    let down = overall_pct(&complaints[..2]);
    assert_eq!(zh("complaints q2 vs q1"), format!("Q2投诉12，环比下降{down}"));
    assert_eq!(en("complaints q2 vs q1"), format!("Q2 complaints were 12, down {down} from Q1 (14)"));
    assert_eq!(verdict("complaints q2 vs q1"), "improved");
    assert_eq!(verdict("complaints q1 vs q2"), "worsened");
    assert_eq!(verdict("visits q2 vs q1"), serde_json::Value::Null);
    assert_eq!(verdict("calls q2 vs q1"), serde_json::Value::Null);
    let large = overall_pct(&[complaints[0], complaints[3]]);

    assert_eq!(zh("complaints q1..q4"), format!("投诉Q1至Q4连续3个季度下降，从14降至9，累计下降{large}，持续改善"));
    assert_eq!(
        en("complaints q1..q4"),
        format!(
            "complaints fell for 3 consecutive quarters, down {large} from 14 in Q1 to 9 in Q4, a steady improvement"
        )
    );

    // A series that turned: judged overall, in days (the difference of the ends), its last point a record low; a
    // duration's inner extreme is the longest (最长), not the highest.
    let days = [21_i64, 23, 18, 15];
    assert_eq!(record(&days), Some("low"));
    let shortened = days[0] - days[3];
    assert_eq!(
        zh("delivery_days q1..q4"),
        format!(
            "交付周期Q1至Q4从21天缩短至15天，累计缩短{shortened}天，总体改善，其间Q2最长（23天），此后连续2个季度缩短，创全年新低"
        )
    );
    assert_eq!(
        en("delivery_days q1..q4"),
        format!(
            "delivery time shortened by {shortened} days from 21 days in Q1 to 15 days in Q4, an improvement overall, \
             with a high of 23 days in Q2, then shortened for 2 consecutive quarters, ending at a low for the year"
        )
    );
    assert_eq!(zh("delivery_days q2..q3"), "交付周期Q2至Q3从23天缩短至18天，缩短5天，有所改善");

    // The Handlebars templates write the same (the native writer is their copy).
    let handlebars = Templates::builtin_handlebars_only();
    for body in [
        "complaints q2 vs q1",
        "complaints q4 vs q1",
        "complaints q1..q4",
        "delivery_days q1..q4",
        "delivery_days q2..q3",
    ] {
        for locale in [Locale::ZhCn, Locale::En] {
            let native = expand(&data, &templates, locale, body);
            assert_eq!(expand(&data, &handlebars, locale, body), native, "{body} ({locale:?})");
        }
    }

    // Higher is better, said or by default, and neutral: the verb says it all.
    for (metric, label) in [("visits", "拜访"), ("calls", "来电")] {
        let zh = zh(&format!("{metric} q1..q4"));
        assert_eq!(zh, format!("{label}Q1至Q4连续3个季度下降，从14降至9，累计下降{large}"));
        let en = en(&format!("{metric} q1..q4"));
        assert!(!en.contains("improvement") && !en.contains("deterioration"), "{en}");
    }
}

/// Size words come from the percentage the data gives, at the documented thresholds: 大幅 / a sharp from 30%,
/// 小幅 / a modest under 5%, 翻了一番 / doubling at 100% and 翻了一番多 / more than doubling up to 200%.
#[test]
fn size_words_follow_the_percentage() {
    let toml = "[meta]\nyear = 2023\n[metrics.m]\nunit = \"count\"\nlabel = { zh-CN = \"订单\", en = \"orders\" }\n\
                values = { \"2023-Q1\" = 100, \"2023-Q2\" = 103, \"2023-Q3\" = 206, \"2023-Q4\" = 412, \"2023-10\" = 824, \"2023-11\" = 1000, \"2023-12\" = 1300 }\n";
    let data = load_sources(&[("kpi.toml".to_string(), toml.as_bytes().to_vec())]).unwrap();
    let templates = Templates::builtin();
    let zh = |body| expand(&data, &templates, Locale::ZhCn, body);
    let en = |body| expand(&data, &templates, Locale::En, body);
    let pct = |value: f64, base: f64| format!("{}%", ((value - base) / base * 1000.0).round() / 10.0);

    assert_eq!(zh("m q2 vs q1"), format!("Q2订单103，环比小幅增长{}", pct(103.0, 100.0)));
    assert_eq!(en("m q2 vs q1"), "Q2 orders were 103, up a modest 3% from Q1 (100)");
    assert_eq!(zh("m q4 vs q3"), format!("Q4订单412，环比大幅增长{}，翻了一番", pct(412.0, 206.0)));
    assert_eq!(en("m q4 vs q3"), "Q4 orders were 412, up a sharp 100% from Q3 (206), doubling");
    assert_eq!(zh("m q3 vs q1"), format!("Q3订单206，较Q1大幅增长{}，翻了一番多", pct(206.0, 100.0)));
    assert_eq!(en("m q3 vs q1"), "Q3 orders were 206, up a sharp 106% from Q1 (100), more than doubling");
    assert_eq!(zh("m q4 vs q1"), format!("Q4订单412，较Q1大幅增长{}", pct(412.0, 100.0)));
    assert_eq!(zh("m 2023-12 vs 2023-11"), format!("12月订单1300，环比大幅增长{}", pct(1300.0, 1000.0)));
    assert_eq!(zh("m 2023-11 vs 2023-10"), format!("11月订单1000，环比增长{}", pct(1000.0, 824.0)));
}

/// A loss reads as a loss in `as change` and in the drivers form (`vs … by`) too, not only in the period sentence:
/// the value and the base without their sign, the difference as the loss narrowed or widened by, computed here from
/// the members' figures.
#[test]
fn losses_read_as_such_in_changes_and_drivers() {
    let (q1, q2, q3) = ([-500_000_i64, -300_000], [-100_000_i64, -100_000], [300_000_i64, 200_000]);
    let toml = format!(
        "[meta]\nyear = 2023\ncurrency = \"CNY\"\n[dimensions.unit]\nlabel = {{ zh-CN = \"事业部\", en = \"unit\" }}\n\
         members.a = {{ zh-CN = \"华东\", en = \"East\" }}\nmembers.b = {{ zh-CN = \"华北\", en = \"North\" }}\n\
         [metrics.profit]\nunit = \"currency\"\nrollup = \"sum\"\nlabel = {{ zh-CN = \"经营利润\", en = \"operating profit\" }}\n\
         by.unit.a = {{ \"2023-Q1\" = {}, \"2023-Q2\" = {}, \"2023-Q3\" = {} }}\n\
         by.unit.b = {{ \"2023-Q1\" = {}, \"2023-Q2\" = {}, \"2023-Q3\" = {} }}\n",
        q1[0], q2[0], q3[0], q1[1], q2[1], q3[1]
    );
    let data = load_sources(&[("kpi.toml".to_string(), toml.into_bytes())]).unwrap();
    let templates = Templates::builtin();
    let zh = |body| expand(&data, &templates, Locale::ZhCn, body);
    let en = |body| expand(&data, &templates, Locale::En, body);
    let total = |q: [i64; 2]| q[0] + q[1];

    let change = zh("profit q2 vs q1 as change");
    assert_eq!(change, "环比减亏60万元");
    assert_eq!(amounts(&change), [wan(total(q2) - total(q1))]);
    assert_eq!(en("profit q2 vs q1 as change"), "the loss narrowed by RMB 600K from Q1");
    assert_eq!(zh("profit q1 vs q2 as change"), "较Q2增亏60万元");
    assert_eq!(en("profit q1 vs q2 as change"), "the loss widened by RMB 600K from Q2");
    assert_eq!(zh("profit q3 vs q2 as change"), "环比扭亏为盈");
    assert_eq!(en("profit q3 vs q2 as change"), "turning a profit after a loss in Q2");
    // Between members a loss does not narrow or widen over time: the plain difference.
    assert_eq!(zh("profit unit=a q1 vs unit=b as change"), format!("较华北减少{}元", wan(q1[0] - q1[1])));
    assert_eq!(en("profit unit=a q1 vs unit=b as change"), "down RMB 200K from North");

    let drivers = zh("profit q2 vs q1 by unit");
    assert!(drivers.starts_with("Q2经营利润亏损20万元，较Q1（亏损80万元）减亏60万元，减亏主要来自华东"), "{drivers}");
    assert!(drivers.contains("占减亏额的"), "{drivers}");
    let widened = zh("profit q1 vs q2 by unit");
    assert!(widened.starts_with("Q1经营利润亏损80万元，较Q2（亏损20万元）增亏60万元，增亏主要来自华东"), "{widened}");
    let members = [wan(q2[0] - q1[0]), wan(q2[1] - q1[1])];
    let figures = amounts(&drivers);
    assert_eq!(figures[..3], [wan(total(q2)), wan(total(q1)), wan(total(q2) - total(q1))], "{drivers}");
    assert!(members.iter().all(|m| figures.contains(m)), "{drivers}: {members:?}");
    assert!(!drivers.contains("-20万元") && !drivers.contains("-80万元"), "{drivers}");
    let drivers = en("profit q2 vs q1 by unit");
    assert!(
        drivers.starts_with(
            "Q2 operating profit was a loss of RMB 200K, narrowed by RMB 600K from a loss of RMB 800K in Q1, "
        ),
        "{drivers}"
    );
    // The Handlebars templates write the same (the native writer is their copy).
    let handlebars = Templates::builtin_handlebars_only();
    for body in ["profit q2 vs q1 by unit", "profit q1 vs q2 by unit", "profit q3 vs q2 by unit", "profit q2 vs q1"] {
        for locale in [Locale::ZhCn, Locale::En] {
            let native = expand(&data, &templates, locale, body);
            assert_eq!(expand(&data, &handlebars, locale, body), native, "{body} ({locale:?})");
        }
    }
    let turned = zh("profit q3 vs q2 by unit");
    assert!(turned.starts_with("Q3经营利润50万元，较Q2（亏损20万元）扭亏为盈，"), "{turned}");
    assert_eq!(amounts(&turned)[..2], [wan(total(q3)), wan(total(q2))]);
}

/// Complaints with their own verbs, and new customers by channel (a dimension whose English preposition is
/// "through") and by region.
fn wording_data() -> DataSet {
    let toml = r#"
[meta]
year = 2023
[dimensions.channel]
label = { en = "channel", zh-CN = "渠道" }
preposition = "through"
members.tele = { en = "telesales", zh-CN = "电销" }
members.web = { en = "online", zh-CN = "线上" }
[dimensions.region]
members.e = { en = "East", zh-CN = "华东" }
members.w = { en = "West", zh-CN = "西部" }
[metrics.complaints]
label = { en = "complaints", zh-CN = "投诉" }
unit = "count"
better = "lower"
verbs.zh-CN = { up = "增多", down = "减少", up-to = "增多至", down-to = "减少至" }
verbs.en = { up = "increased", down = "decreased" }
values = { "2023-Q1" = 40, "2023-Q2" = 35, "2023-Q3" = 30, "2023-Q4" = 28, "2022-Q4" = 0 }
[metrics.customers]
label = { en = "new customers", zh-CN = "新客户" }
unit = "count"
suffix = { en = " customers", zh-CN = "家" }
by.channel.tele = { "2023" = 327, "2022" = 300 }
by.channel.web = { "2023" = 109, "2022" = 153 }
by.region.e = { "2023" = 21 }
by.region.w = { "2023" = 0 }
"#;
    load_sources(&[("kpi.toml".to_string(), toml.as_bytes().to_vec())]).unwrap()
}

/// A metric's own verbs replace the unit's in every sentence that says a change with a verb: the comparison, the
/// trend, `as change`, and the plain amount (较…增多); English trends take them too (its comparisons say up/down).
/// The figures are the data's.
#[test]
fn a_metric_says_its_changes_with_its_own_verbs() {
    use rust_decimal::Decimal;
    let (data, templates) = (wording_data(), Templates::builtin());
    let handlebars = Templates::builtin_handlebars_only();
    let both = |locale, body: &str| {
        let text = expand(&data, &templates, locale, body);
        assert_eq!(text, expand(&data, &handlebars, locale, body), "native and Handlebars differ: {body}");
        text
    };
    let (q1, q3, q4) = (Decimal::from(40), Decimal::from(30), Decimal::from(28));
    let pct = |from: Decimal, to: Decimal| {
        format!("{}%", ((to - from) / from * Decimal::ONE_HUNDRED).abs().round_dp(1).normalize())
    };

    let period = both(Locale::ZhCn, "complaints q4 vs q3");
    assert_eq!(period, format!("Q4投诉28，环比减少{}", pct(q3, q4)));
    // The trend's overall change takes the metric's verb too; fewer complaints are an improvement.
    assert_eq!(
        both(Locale::ZhCn, "complaints q1..q4"),
        format!("投诉Q1至Q4连续3个季度减少，从40减少至28，累计减少{}，持续改善", pct(q1, q4))
    );
    assert_eq!(both(Locale::ZhCn, "complaints q4 vs q1 as change"), format!("较Q1减少{}", pct(q1, q4)));
    // No percentage from a zero base: the plain amount takes the metric's verb too.
    assert_eq!(both(Locale::ZhCn, "complaints 2023-q4 vs 2022-q4"), "Q4投诉28，2022年Q4为零");
    assert_eq!(
        both(Locale::En, "complaints q1..q4"),
        format!(
            "complaints decreased for 3 consecutive quarters, down {} from 40 in Q1 to 28 in Q4, a steady improvement",
            pct(q1, q4)
        )
    );
    assert_eq!(
        both(Locale::En, "complaints q4 vs q3"),
        format!("Q4 complaints were 28, down {} from Q3 (30)", pct(q3, q4))
    );
}

/// English lists a breakdown's parts amount first, then share, then the member after the dimension's preposition
/// ("from" unless the data says otherwise); counts differ by "17 fewer customers". The figures are the data's.
#[test]
fn english_lists_and_count_differences_read_as_english() {
    use rust_decimal::Decimal;
    let (data, templates) = (wording_data(), Templates::builtin());
    let handlebars = Templates::builtin_handlebars_only();
    let both = |locale, body: &str| {
        let text = expand(&data, &templates, locale, body);
        assert_eq!(text, expand(&data, &handlebars, locale, body), "native and Handlebars differ: {body}");
        text
    };
    let (tele, web, tele_before, web_before) = (327_i64, 109_i64, 300_i64, 153_i64);
    let total = tele + web;
    let share = |part: i64| {
        format!("{}%", (Decimal::from(part) * Decimal::ONE_HUNDRED / Decimal::from(total)).round_dp(1).normalize())
    };
    let list = both(Locale::En, "customers 2023 by channel");
    assert_eq!(
        list,
        format!(
            "2023 new customers were {total}: {tele} ({}) through telesales and {web} ({}) through online",
            share(tele),
            share(web)
        )
    );
    assert_eq!(
        both(Locale::ZhCn, "customers 2023 by channel"),
        format!("2023年新客户{total}家，其中电销{tele}家（占{}）、线上{web}家（占{}）", share(tele), share(web))
    );
    let fewer = (tele_before + web_before) - total;
    let drivers = both(Locale::En, "customers 2023 vs yoy by channel");
    assert!(drivers.contains(&format!("({fewer} fewer customers) year over year")), "{drivers}");
    assert_eq!(
        both(Locale::En, "customers region=e 2023 vs region=w"),
        "2023 new customers for East were 21, 21 more customers than for West (0)"
    );
}

/// One precision within a sentence: figures of one kind (unit and magnitude) take the most decimals any of them
/// has, each rounded again from the data (half to even), never padded: RMB 21.04M is `RMB 21M` alone, `RMB 21.0M`
/// beside `RMB 18.4M` and `RMB 21.04M` beside `RMB 1.84M` — not `RMB 21.00M`.
#[test]
fn one_precision_within_a_sentence() {
    use rust_decimal::{Decimal, RoundingStrategy};
    let toml = "[meta]\nyear = 2023\ncurrency = \"CNY\"\n[metrics.sales]\nunit = \"currency\"\n\
                label = { zh-CN = \"营收\", en = \"revenue\" }\n\
                values = { \"2023-Q3\" = 18350000, \"2023-Q4\" = 21040000, \"2023-Q2\" = 1843000 }\n";
    let data = load_sources(&[("kpi.toml".to_string(), toml.as_bytes().to_vec())]).unwrap();
    let templates = Templates::builtin();
    let (q2, q3, q4) = (Decimal::from(1_843_000), Decimal::from(18_350_000), Decimal::from(21_040_000));
    let millions = |yuan: Decimal, places: u32| {
        let scaled =
            (yuan / Decimal::from(1_000_000)).round_dp_with_strategy(places, RoundingStrategy::MidpointNearestEven);
        format!("{scaled:.prec$}M", prec = places as usize)
    };
    let pct = |from: Decimal| ((q4 - from) / from * Decimal::ONE_HUNDRED).round_dp(1).normalize();
    assert_eq!(
        expand(&data, &templates, Locale::En, "sales q4 vs q3"),
        format!("Q4 revenue was RMB {}, up {}% from Q3 (RMB {})", millions(q4, 1), pct(q3), millions(q3, 1))
    );
    // Alone, each keeps the significant digits of docs/src/numbers.md.
    assert_eq!(expand(&data, &templates, Locale::En, "sales q4"), format!("RMB {}", millions(q4, 0)));
    assert_eq!(expand(&data, &templates, Locale::En, "sales q2"), format!("RMB {}", millions(q2, 2)));
    let text = expand(&data, &templates, Locale::En, "sales q4 vs q2");
    assert!(text.starts_with(&format!("Q4 revenue was RMB {},", millions(q4, 2))), "{text}");
    assert!(text.contains(&format!("from Q2 (RMB {})", millions(q2, 2))), "{text}");
    assert!(text.contains("RMB 21.04M"), "rounded again from the data, not padded: {text}");
    // The context `eval --json` prints shows each figure as formatted alone, without the marks.
    let narrator = Narrator {
        data: &data,
        templates: &templates,
        locale: Locale::En,
        year: None,
        precision: 1,
        style: Style::default(),
        year_named: false,
    };
    let context = narrator.context(&parse("<<#kpi sales q4 vs q2>>").unwrap()).unwrap().to_string();
    assert!(!context.contains(['\u{E000}', '\u{E001}', '\u{E002}']), "{context}");
    assert!(context.contains("\"text\":\"RMB 21M\""), "{context}");
    // A table row is held to one precision the same way.
    let row = expand(&data, &templates, Locale::En, "sales q4 vs q2 as table");
    assert!(row.contains(&format!("| RMB {} | RMB {} |", millions(q4, 2), millions(q2, 2))), "{row}");
}

/// A chapter names the report year in its first sentence about the whole year; later ones say 全年 / full-year,
/// and `report-year = "every"` names it every time. The figures stay the data's (the rewording guarantee: the
/// same figures, in order, as the sentences that name the year).
#[test]
fn a_chapter_names_the_report_year_once() {
    use mdbook_kpi::preprocess::Preprocessor;
    let chapter = "<<#kpi revenue q4 vs q3>>。<<#kpi revenue 2023 yoy>>。\n\n<<#kpi revenue 2023 vs target>>；\
                   <<#kpi revenue 2023 by product>>。<<#kpi revenue 2023>>\n";
    let expand_in = |locale: Locale, report_year: &str| {
        let table = serde_json::json!({"report-year": report_year}).as_object().unwrap().clone();
        let (config, findings) = Config::from_table(Some(&table), None);
        assert!(findings.is_empty(), "{findings:?}");
        let mut preprocessor = Preprocessor::with_data(config, locale, Target::Other, reference());
        let chapter = match locale {
            Locale::ZhCn => chapter.to_string(),
            Locale::En => chapter.replace('。', ". ").replace('；', "; "),
        };
        preprocessor.expand_chapter("ch.md", &chapter).unwrap()
    };
    let once = expand_in(Locale::ZhCn, "first");
    assert_eq!(
        once,
        "Q4营收3600万元，环比增长16.1%。2023年营收1.2亿元，同比增长8%。\n\n全年营收1.20亿元，目标（1.14亿元）完成率105%；\
         全年营收1.2亿元，其中智能客服系统8500万元（占70.8%）、AI质检系统2500万元（占20.8%）、其他1000万元（占8.3%）。1.2亿元\n"
    );
    let every = expand_in(Locale::ZhCn, "every");
    assert_eq!(every.replace("2023年", "全年").replacen("全年", "2023年", 1), once);
    assert_eq!(figures(&every.replace("2023年", "")), figures(&once.replace("2023年", "").replace("全年", "")));

    let once = expand_in(Locale::En, "first");
    assert!(once.contains(". 2023 revenue was RMB 120M, up 8% year over year."), "{once}");
    // A sentence of its own gets its capital, as any sentence does.
    assert!(
        once.contains("Full-year revenue was RMB 120M, 105% of the RMB 114M target; full-year revenue was"),
        "{once}"
    );
    let every = expand_in(Locale::En, "every");
    assert_eq!(figures(&every.replace("2023 ", "")), figures(&once.replace("2023 ", "").replace("ull-year ", "")));
}

/// `with=amount` puts the change's amount before its percentage; both are the data's: the difference of the
/// two periods and its share of the base, computed here.
#[test]
fn with_amount_gives_the_amount_and_the_percentage() {
    use rust_decimal::Decimal;
    let (data, templates) = (reference(), Templates::builtin());
    let (q1, q4) = (Decimal::from(25_000_000), Decimal::from(36_000_000));
    let pct = ((q4 - q1) / q1 * Decimal::ONE_HUNDRED).round_dp(1).normalize();
    let wan = |yuan: Decimal| format!("{}万", (yuan / Decimal::from(10_000)).normalize());
    let zh = expand(&data, &templates, Locale::ZhCn, "revenue q4 vs q1 with=amount");
    assert_eq!(zh, format!("Q4营收3600万元，较Q1大幅增长{}元（{pct}%）", wan(q4 - q1)));
    assert_eq!(amounts(&zh), [wan(q4), wan(q4 - q1), format!("{pct}%")]);
    let en = expand(&data, &templates, Locale::En, "revenue q4 vs q1 as change with=amount");
    let millions = (q4 - q1) / Decimal::from(1_000_000);
    assert_eq!(en, format!("up RMB {millions}M ({pct}%) from Q1"));
    // With the directive's number formats: `decimals=` writes every figure, the amount too, at that many decimals;
    // `scale=` puts the amount in that magnitude.
    let q3 = Decimal::from(31_000_000);
    let fixed = |x: Decimal| format!("{:.2}", x.round_dp(2));
    let pct2 = fixed((q4 - q3) / q3 * Decimal::ONE_HUNDRED);
    let wan2 = |yuan: Decimal| format!("{}万元", fixed(yuan / Decimal::from(10_000)));
    assert_eq!(
        expand(&data, &templates, Locale::ZhCn, "revenue q4 vs q3 with=amount decimals=2"),
        format!("Q4营收{}，环比增长{}（{pct2}%）", wan2(q4), wan2(q4 - q3))
    );
    let yi = |yuan: Decimal| format!("{}亿元", (yuan / Decimal::from(100_000_000)).normalize());
    let pct1 = ((q4 - q3) / q3 * Decimal::ONE_HUNDRED).round_dp(1).normalize();
    assert_eq!(
        expand(&data, &templates, Locale::ZhCn, "revenue q4 vs q3 with=amount scale=亿"),
        format!("Q4营收{}，环比增长{}（{pct1}%）", yi(q4), yi(q4 - q3))
    );
    // Only a change over time has an amount to add: elsewhere the option is an error at its place.
    let directive = parse("<<#kpi revenue 2023 vs target with=amount>>").unwrap();
    let narrator = Narrator {
        data: &data,
        templates: &templates,
        locale: Locale::ZhCn,
        year: None,
        precision: 1,
        style: Style::default(),
        year_named: false,
    };
    let failure = narrator.expand(&directive, Target::Html).unwrap_err();
    assert_eq!(failure.rule, "kpi/syntax");
    assert_eq!(&"<<#kpi revenue 2023 vs target with=amount>>"[failure.span.clone()], "with=amount");
}

/// The preprocessor expands a directive once for both states of "the chapter named the report year already"
/// unless its sentence names that year: every other directive must read the same either way.
#[test]
fn only_a_sentence_naming_the_report_year_depends_on_its_being_named_before() {
    let (data, templates) = (reference(), Templates::builtin());
    let year = data.meta.year.expect("the reference data sets its year");
    let extra = [
        format!("revenue {year}"),
        format!("revenue {year} vs {}", year - 1),
        format!("revenue {year} vs target"),
        format!("revenue by region {year}"),
        format!("revenue {year} as table"),
        format!("revenue {year} as change"),
        format!("revenue {year}-q4 vs {year}-q3"),
    ];
    let bodies = ROWS.iter().map(|(body, _, _)| body.to_string()).chain(extra);
    let mut depends = 0;
    for body in bodies {
        let text = format!("<<#kpi {body}>>");
        let Ok(directive) = parse(&text) else { continue };
        for locale in [Locale::ZhCn, Locale::En] {
            let narrator = |year_named| Narrator {
                data: &data,
                templates: &templates,
                locale,
                year: None,
                precision: 1,
                style: Style::default(),
                year_named,
            };
            let (before, after) =
                (narrator(false).expand(&directive, Target::Html), narrator(true).expand(&directive, Target::Html));
            if narrator(false).names_report_year(&text) {
                depends += usize::from(before != after);
            } else {
                assert_eq!(before, after, "{locale:?}: {body}");
            }
        }
    }
    assert!(depends > 0, "no sentence named the report year: the test checks nothing");
}
