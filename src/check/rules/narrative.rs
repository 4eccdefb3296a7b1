//! `narrative/bare-numbers`: a sentence with two or more hand-typed figures and no comparison — the seed's
//! "签约客户120家,营收1500万". Years (2023年, 2024), periods (Q4, H1), dates (3月, 15日), ordinals (第3) and
//! identifiers (5G, v2) are not figures; text inside code and directives is skipped.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::Finding;
use crate::check::outline::{ChapterDoc, TextBlock};

static NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d+(?:[.,]\d+)*").expect("static regex"));

/// Units that make a number a quantity (Chinese measure words, money, percentages, English magnitudes).
static UNIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^\s*(?:%|％|‰|个百分点|百分点|pp\b|倍|万|亿|千|百|元|块|家|人|名|位|个|场|篇|次|天|小时|分钟|份|套|单|件|台|项|条|款|笔|轮|批|组|所|户|周",
        r"|(?i:k|m|mn|b|bn|x)\b",
        r"|[A-Za-z]{2,})",
    ))
    .expect("static regex")
});

static COMPARISON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"环比|同比|较|比|从[^。!?;\x{ff01}\x{ff1f}\x{ff1b}]*?(?:至|到)|增长|下降|提升|降低|减少|增加|缩短|压缩|上升|下滑|回落|翻番|目标|标准|超出|超过|高于|低于|达标|占",
        r"|(?:^|[\s(（,，:：、])[+\-−±]\s?\d",
        r"|(?i:\b(?:vs\.?|versus|up|down|from|than|compared|increased?|decreased?|rose|fell|grew|growth|declined?|target|standard|higher|lower|more|less)\b)",
    ))
    .expect("static regex")
});

const MONTHS: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "am", "pm", "st", "nd", "rd",
    "th",
];

/// A number in prose that is a figure: not a year, period, date, ordinal or part of an identifier.
pub struct Number {
    pub range: Range<usize>,
    /// Followed by a unit or preceded by a currency sign: a quantity, not just a count.
    pub with_unit: bool,
}

pub fn numbers(text: &str) -> impl Iterator<Item = Number> + '_ {
    NUMBER.find_iter(text).filter_map(move |found| {
        let before = text[..found.start()].chars().next_back();
        let after = &text[found.end()..];
        let digits = found.as_str();
        if before.is_some_and(|c| c.is_ascii_alphabetic() || c == '第' || c == '_' || c == '#') {
            return None; // Q4, H1, FY2023, v2, 第3
        }
        if after.starts_with(|c: char| c.is_ascii_alphabetic()) && !UNIT.is_match(after) {
            return None; // 5G, 1v1
        }
        let next = after.trim_start().chars().next();
        if next.is_some_and(|c| matches!(c, '年' | '月' | '日' | '号')) || is_year(digits, after) {
            return None;
        }
        let word =
            after.trim_start().split(|c: char| !c.is_ascii_alphabetic()).next().unwrap_or("").to_ascii_lowercase();
        if MONTHS.iter().any(|m| word.starts_with(m) && word.len() <= 9 && is_month_word(&word)) {
            return None;
        }
        let currency = text[..found.start()].trim_end().ends_with(['¥', '$', '€', '£', '￥']);
        Some(Number { range: found.range(), with_unit: currency || UNIT.is_match(after) })
    })
}

fn is_month_word(word: &str) -> bool {
    matches!(
        word,
        "jan"
            | "january"
            | "feb"
            | "february"
            | "mar"
            | "march"
            | "apr"
            | "april"
            | "may"
            | "jun"
            | "june"
            | "jul"
            | "july"
            | "aug"
            | "august"
            | "sep"
            | "sept"
            | "september"
            | "oct"
            | "october"
            | "nov"
            | "november"
            | "dec"
            | "december"
            | "am"
            | "pm"
            | "st"
            | "nd"
            | "rd"
            | "th"
    )
}

/// A four-digit 19xx/20xx without a unit is a year.
fn is_year(digits: &str, after: &str) -> bool {
    digits.len() == 4 && (digits.starts_with("19") || digits.starts_with("20")) && !UNIT.is_match(after)
}

pub fn check(doc: &ChapterDoc<'_>, chapter: usize, findings: &mut Vec<Finding>) {
    for block in &doc.blocks {
        for sentence in sentences(&block.text) {
            check_sentence(block, sentence, chapter, findings);
        }
    }
}

fn check_sentence(block: &TextBlock, sentence: Range<usize>, chapter: usize, findings: &mut Vec<Finding>) {
    let text = &block.text[sentence.clone()];
    if block.directives.iter().any(|d| d.start < sentence.end && sentence.start < d.end) || COMPARISON.is_match(text) {
        return;
    }
    let figures: Vec<Range<usize>> = numbers(text).map(|n| n.range).collect();
    if figures.len() < 2 {
        return;
    }
    let shown: Vec<&str> = figures.iter().take(4).map(|r| figure_text(text, r.clone())).collect();
    findings.push(Finding::new(
        "narrative/bare-numbers",
        (chapter, block.source_span(sentence)),
        format!("this sentence lists {} figures ({}) without a comparison", figures.len(), shown.join(", ")),
        "compare them — 环比/同比/vs target, a trend (从…增至…) — or let a directive write it: <<#kpi revenue q4 vs q3>>"
            .to_string(),
    ));
}

/// A figure with the unit that follows it, for the message (`120家`).
fn figure_text(text: &str, range: Range<usize>) -> &str {
    let end = UNIT.find(&text[range.end..]).map_or(range.end, |unit| range.end + unit.end());
    text.get(range.start..end).unwrap_or("")
}

/// Sentences of a block: split at 。!?; and . ! ? ; (a `.` only before whitespace or the end, so 1.5 stays
/// whole) and at line breaks; trimmed.
fn sentences(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        while let Some((i, c)) = chars.next() {
            let ends = match c {
                '。' | '!' | '?' | ';' | '\u{ff01}' | '\u{ff1f}' | '\u{ff1b}' | '\n' => true,
                '.' => chars.peek().is_none_or(|&(_, next)| next.is_whitespace()),
                _ => false,
            };
            if ends {
                let sentence = trimmed(text, start..i + c.len_utf8());
                start = i + c.len_utf8();
                if !sentence.is_empty() {
                    return Some(sentence);
                }
            }
        }
        let rest = trimmed(text, start..text.len());
        start = text.len();
        (!rest.is_empty()).then_some(rest)
    })
}

fn trimmed(text: &str, range: Range<usize>) -> Range<usize> {
    let slice = &text[range.clone()];
    let start = range.start + (slice.len() - slice.trim_start().len());
    start..(start + slice.trim().len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(text: &str) -> Vec<&str> {
        numbers(text).map(|n| &text[n.range]).collect()
    }

    #[test]
    fn years_periods_and_dates_are_not_figures() {
        assert_eq!(figures("签约客户120家,营收1500万"), ["120", "1500"]);
        assert!(figures("2023年Q4在3月15日,FY2024, 第3名, 5G, 1v1, by 2024").is_empty());
        assert_eq!(figures("revenue ¥120M and 30 customers"), ["120", "30"]);
        assert!(figures("on 3 March").is_empty());
    }

    #[test]
    fn sentences_split() {
        let text = "一是1.5万。二是3家;third. fourth\nfifth";
        let parts: Vec<&str> = sentences(text).map(|r| &text[r]).collect();
        assert_eq!(parts, ["一是1.5万。", "二是3家;", "third.", "fourth", "fifth"]);
    }

    #[test]
    fn comparisons() {
        assert!(COMPARISON.is_match("Q4签约客户120家(环比Q3+5%)"));
        assert!(COMPARISON.is_match("营收8500万(+8%)"));
        assert!(COMPARISON.is_match("revenue 36M, up from 31M"));
        assert!(!COMPARISON.is_match("签约客户120家,营收1500万"));
        assert!(!COMPARISON.is_match("年消费20-50万"));
    }
}
