//! How periods, subjects and units are named in each locale.

use crate::config::Locale;
use crate::data::{Granularity, Period};

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The period as a sentence names it: within the report year quarters, halves and months stand alone
/// (`Q4`, `上半年`, `12月` / `Q4`, `H1`, `December`); other years carry the year (`2022年Q4` / `Q4 2022`).
pub fn period_label(period: Period, report_year: Option<i32>, locale: Locale) -> String {
    let in_report_year = report_year == Some(period.year());
    let year = period.year();
    match locale {
        Locale::ZhCn => {
            let short = match period {
                Period::Year(y) => return format!("{y}年"),
                Period::Half(_, 1) => "上半年".to_string(),
                Period::Half(..) => "下半年".to_string(),
                Period::Quarter(_, q) => format!("Q{q}"),
                Period::Month(_, m) => format!("{m}月"),
            };
            if in_report_year { short } else { format!("{year}年{short}") }
        }
        Locale::En => {
            let short = match period {
                Period::Year(y) => return y.to_string(),
                Period::Half(_, h) => format!("H{h}"),
                Period::Quarter(_, q) => format!("Q{q}"),
                Period::Month(_, m) => MONTHS_EN[usize::from(m.clamp(1, 12)) - 1].to_string(),
            };
            if in_report_year { short } else { format!("{short} {year}") }
        }
    }
}

/// "quarters" / "个季度" for "连续3个季度" / "for 3 consecutive quarters".
pub fn granularity_unit(granularity: Granularity, count: usize, locale: Locale) -> &'static str {
    match (locale, granularity) {
        (Locale::ZhCn, Granularity::Year) => "年",
        (Locale::ZhCn, Granularity::Half) => "个半年",
        (Locale::ZhCn, Granularity::Quarter) => "个季度",
        (Locale::ZhCn, Granularity::Month) => "个月",
        (Locale::En, Granularity::Year) if count == 1 => "year",
        (Locale::En, Granularity::Year) => "years",
        (Locale::En, Granularity::Half) if count == 1 => "half-year",
        (Locale::En, Granularity::Half) => "half-years",
        (Locale::En, Granularity::Quarter) if count == 1 => "quarter",
        (Locale::En, Granularity::Quarter) => "quarters",
        (Locale::En, Granularity::Month) if count == 1 => "month",
        (Locale::En, Granularity::Month) => "months",
    }
}

/// Whether an English label is plural: its head noun (the word before " of ", " for ", " per ", or the last word)
/// ends in a plural `s` ("new customers" yes; "telesales share of new customers", "sales", "status" no).
pub fn guess_plural(label: &str) -> bool {
    let lower = label.to_lowercase();
    let head = [" of ", " for ", " per ", " by ", " in "]
        .iter()
        .filter_map(|sep| lower.find(sep))
        .min()
        .map_or(lower.as_str(), |i| &lower[..i]);
    let word = head.split_whitespace().last().unwrap_or("");
    word.len() > 3
        && word.ends_with('s')
        && !["ss", "us", "is", "sales", "news", "series"].iter().any(|end| word.ends_with(end))
}

/// Joins sentence parts, putting a space only between two Latin letters or digits (`Q4` + `AI质检系统` →
/// `Q4 AI质检系统`, `Q4` + `营收` → `Q4营收`), as Chinese typesetting does.
pub fn join_cjk(parts: &[&str]) -> String {
    let mut out = String::new();
    for part in parts.iter().filter(|p| !p.is_empty()) {
        // A figure may come marked for one precision per sentence: the characters that show decide.
        let needs_space = matches!(
            (super::precision::last_shown(&out), super::precision::first_shown(part)),
            (Some(a), Some(b)) if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric()
        );
        if needs_space {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        let q4 = Period::Quarter(2023, 4);
        assert_eq!(period_label(q4, Some(2023), Locale::ZhCn), "Q4");
        let figure = crate::narrate::precision::mark("3600万元".into(), rust_decimal::Decimal::from(36_000_000));
        let joined = join_cjk(&["2023年", "GMV", &figure]);
        assert_eq!(crate::narrate::precision::strip(&joined), "2023年GMV 3600万元");
        assert_eq!(period_label(q4, Some(2024), Locale::ZhCn), "2023年Q4");
        assert_eq!(period_label(q4, Some(2024), Locale::En), "Q4 2023");
        assert_eq!(period_label(Period::Year(2023), Some(2023), Locale::ZhCn), "2023年");
        assert_eq!(period_label(Period::Month(2023, 12), Some(2023), Locale::En), "December");
        assert_eq!(period_label(Period::Half(2023, 1), Some(2023), Locale::ZhCn), "上半年");
    }

    #[test]
    fn plural_heads() {
        assert!(guess_plural("new customers"));
        assert!(!guess_plural("telesales share of new customers"));
        assert!(!guess_plural("revenue"));
        assert!(!guess_plural("sales"));
        assert!(!guess_plural("output per head"));
    }

    #[test]
    fn cjk_spacing() {
        assert_eq!(join_cjk(&["Q4", "AI质检系统", "营收占比"]), "Q4 AI质检系统营收占比");
        assert_eq!(join_cjk(&["Q4", "营收", "3600万元"]), "Q4营收3600万元");
        assert_eq!(join_cjk(&["GMV", "3600万元"]), "GMV 3600万元");
    }
}
