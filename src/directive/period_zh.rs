//! Periods written the way Chinese authors write them in a directive: `2025年`, `2025年Q4`, `2025年第四季度`,
//! `2025年上半年`, `2025年12月`, and, relative to the report year, `第四季度` / `四季度`, `上半年`, `下半年`, `全年`.
//!
//! Each maps to exactly one of the ASCII forms (`2025`, `2025-q4`, `q4`, `h1`, `fy`, …), so the rest of the
//! pipeline never sees the difference. A word that starts like one of these but is not one gets a message that
//! says what to write instead (see [`reason`]).

use crate::data::period::Period;
use crate::directive::PeriodRef;

/// The period a Chinese period word stands for; `None` when the word is not one.
pub fn parse(text: &str) -> Option<PeriodRef> {
    if !text.contains(['年', '季', '月']) {
        return None;
    }
    match split_year(text) {
        Some((year, "")) => absolute(&format!("{year}")),
        Some((year, rest)) => match relative(rest) {
            Some(PeriodRef::Quarter(q)) => absolute(&format!("{year}-Q{q}")),
            Some(PeriodRef::Half(h)) => absolute(&format!("{year}-H{h}")),
            Some(PeriodRef::FullYear) => absolute(&format!("{year}")),
            Some(PeriodRef::Absolute(_)) => None,
            None => month(rest).and_then(|m| absolute(&format!("{year}-{m:02}"))),
        },
        None => relative(text),
    }
}

/// Why a word that looks like a Chinese period is not one, with the form to write; `None` when the word does not
/// look like a Chinese period at all.
pub fn reason(text: &str) -> Option<String> {
    if !text.contains(['年', '季', '月']) || parse(text).is_some() {
        return None;
    }
    if let Some((year, rest)) = split_year(text) {
        if let Some(m) = month_number(rest) {
            return Some(format!("there is no month {m}; write a month as `{year}年1月` to `{year}年12月`"));
        }
        if let Some(q) = quarter_number(rest) {
            return Some(format!("there is no quarter {q}; write a quarter as `{year}年Q1` to `{year}年Q4`"));
        }
        return Some(format!(
            "`{rest}` after `{year}年` is not a quarter, half or month; write `{year}年`, `{year}年Q4`, \
             `{year}年第四季度`, `{year}年上半年` or `{year}年12月`"
        ));
    }
    if month(text).is_some() {
        return Some("a month needs its year, as in `2025年12月` or `2025-12`".to_string());
    }
    if let Some(q) = quarter_number(text) {
        return Some(format!("there is no quarter {q}; quarters are `第一季度` to `第四季度` (or `q1` to `q4`)"));
    }
    Some("write a period as `2025年`, `2025年Q4`, `第四季度`, `上半年` or `全年`".to_string())
}

fn absolute(text: &str) -> Option<PeriodRef> {
    Period::parse(text).map(PeriodRef::Absolute)
}

/// `2025年…` → (2025, "…"): four ASCII digits, then 年.
fn split_year(text: &str) -> Option<(u16, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let rest = text[digits..].strip_prefix('年')?;
    (digits == 4).then(|| text[..digits].parse().ok()).flatten().map(|year| (year, rest))
}

/// A period relative to the report year: 第四季度, 四季度, 第4季度, Q4, 上半年, 下半年, 全年.
fn relative(text: &str) -> Option<PeriodRef> {
    match text {
        "全年" => return Some(PeriodRef::FullYear),
        "上半年" => return Some(PeriodRef::Half(1)),
        "下半年" => return Some(PeriodRef::Half(2)),
        _ => {}
    }
    if let [b'q' | b'Q', digit @ b'1'..=b'4'] = text.as_bytes() {
        return Some(PeriodRef::Quarter(digit - b'0'));
    }
    quarter_number(text).filter(|q| (1..=4).contains(q)).map(|q| PeriodRef::Quarter(q as u8))
}

/// The number of a quarter written 第四季度, 四季度, 第4季度 or 4季度, whether or not it exists.
fn quarter_number(text: &str) -> Option<u32> {
    let body = text.strip_suffix("季度")?;
    number(body.strip_prefix('第').unwrap_or(body))
}

/// A month 1–12 written 12月 or 十二月.
fn month(text: &str) -> Option<u32> {
    month_number(text).filter(|m| (1..=12).contains(m))
}

fn month_number(text: &str) -> Option<u32> {
    number(text.strip_suffix('月')?)
}

/// 1–99 in ASCII digits or Chinese numerals (一 … 十二).
fn number(text: &str) -> Option<u32> {
    if !text.is_empty() && text.len() <= 2 && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let digit = |c: char| "一二三四五六七八九".find(c).map(|at| at as u32 / 3 + 1);
    let chars: Vec<char> = text.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        [d] => digit(*d),
        ['十', d] => Some(10 + digit(*d)?),
        [d, '十'] => Some(10 * digit(*d)?),
        [a, '十', b] => Some(10 * digit(*a)? + digit(*b)?),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn absolute_text(text: &str) -> Option<String> {
        match parse(text)? {
            PeriodRef::Absolute(period) => Some(period.to_string()),
            other => Some(format!("{other:?}")),
        }
    }

    #[test]
    fn reads_the_forms_authors_write() {
        assert_eq!(absolute_text("2025年").as_deref(), Some("2025"));
        assert_eq!(absolute_text("2025年Q4").as_deref(), Some("2025-Q4"));
        assert_eq!(absolute_text("2025年q1").as_deref(), Some("2025-Q1"));
        assert_eq!(absolute_text("2025年第四季度").as_deref(), Some("2025-Q4"));
        assert_eq!(absolute_text("2025年三季度").as_deref(), Some("2025-Q3"));
        assert_eq!(absolute_text("2025年上半年").as_deref(), Some("2025-H1"));
        assert_eq!(absolute_text("2025年12月").as_deref(), Some("2025-12"));
        assert_eq!(absolute_text("2025年十二月").as_deref(), Some("2025-12"));
        assert_eq!(absolute_text("2025年3月").as_deref(), Some("2025-03"));
        assert_eq!(parse("第四季度"), Some(PeriodRef::Quarter(4)));
        assert_eq!(parse("二季度"), Some(PeriodRef::Quarter(2)));
        assert_eq!(parse("第1季度"), Some(PeriodRef::Quarter(1)));
        assert_eq!(parse("下半年"), Some(PeriodRef::Half(2)));
        assert_eq!(parse("全年"), Some(PeriodRef::FullYear));
    }

    #[test]
    fn refuses_what_does_not_exist_and_says_what_to_write() {
        for bad in ["2025年第五季度", "2025年13月", "第五季度", "12月", "2025年春季", "25年"] {
            assert_eq!(parse(bad), None, "{bad}");
            assert!(reason(bad).is_some(), "{bad} gets a reason");
        }
        assert!(reason("2025年第五季度").unwrap().contains("`2025年Q1` to `2025年Q4`"));
        assert!(reason("12月").unwrap().contains("`2025年12月`"));
        assert_eq!(reason("营收"), None);
        assert_eq!(reason("2025年"), None);
    }
}
