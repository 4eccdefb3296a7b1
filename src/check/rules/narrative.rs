//! `narrative/bare-numbers`: a sentence with two or more hand-typed figures and no comparison — the seed's
//! "签约客户120家,营收1500万". Years (2023年, 2024), periods (Q4, H1), dates (3月, 15日), ordinals (第3) and
//! identifiers (5G, v2) are not figures; text inside code and directives is skipped.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::Finding;
use crate::check::outline::{ChapterDoc, TextBlock};
use crate::rules::Rule;

/// The length of the unit at the start of `after` (with the spaces before it), if any: a Chinese measure word,
/// money or percentage unit, a magnitude letter (`k`, `M`, `B`, `x`) or an English word of two or more letters.
fn unit_len(after: &str) -> Option<usize> {
    let trimmed = after.trim_start();
    let spaces = after.len() - trimmed.len();
    let first = trimmed.chars().next()?;
    let unit = match first {
        '个' if trimmed.starts_with("个百分点") => "个百分点".len(),
        '百' if trimmed.starts_with("百分点") => "百分点".len(),
        '小' if trimmed.starts_with("小时") => "小时".len(),
        '分' if trimmed.starts_with("分钟") => "分钟".len(),
        '%' | '\u{ff05}' | '‰' | '倍' | '万' | '亿' | '千' | '百' | '元' | '块' | '家' | '人' | '名' | '位' | '个'
        | '场' | '篇' | '次' | '天' | '份' | '套' | '单' | '件' | '台' | '项' | '条' | '款' | '笔' | '轮' | '批'
        | '组' | '所' | '户' | '周' => first.len_utf8(),
        _ => {
            let letters = trimmed.bytes().take_while(u8::is_ascii_alphabetic).count();
            let magnitude = letters == 1 && matches!(first.to_ascii_lowercase(), 'k' | 'm' | 'b' | 'x');
            if letters >= 2 || magnitude { letters } else { return None }
        }
    };
    Some(spaces + unit)
}

/// Chinese comparison words: plain literals only, so the search is a fast multi-literal scan. 从 counts only when
/// 至 or 到 follows in the same sentence (从…至…).
static CHINESE_COMPARISON: LazyLock<Regex> = LazyLock::new(|| {
    let words = [
        "环比",
        "同比",
        "较",
        "比",
        "从",
        "增长",
        "下降",
        "提升",
        "降低",
        "减少",
        "增加",
        "缩短",
        "压缩",
        "上升",
        "下滑",
        "回落",
        "翻番",
        "目标",
        "标准",
        "超出",
        "超过",
        "高于",
        "低于",
        "达标",
        "占",
        "实际",
        "达成率",
        "完成率",
        "计划",
        "预算",
        "预期",
        "分别为",
        "达成",
        "同期",
        "超额",
        "降价",
        "涨价",
        "上调",
        "下调",
        "拉长",
        "延长",
        "持平",
    ];
    Regex::new(&words.join("|")).expect("static regex")
});

/// English comparison words (lower case), matched as whole words, case-insensitively.
fn is_english_comparison(word: &[u8]) -> bool {
    matches!(
        word,
        b"vs"
            | b"versus"
            | b"up"
            | b"down"
            | b"from"
            | b"than"
            | b"compared"
            | b"increase"
            | b"increased"
            | b"decrease"
            | b"decreased"
            | b"rose"
            | b"fell"
            | b"grew"
            | b"growth"
            | b"decline"
            | b"declined"
            | b"target"
            | b"standard"
            | b"higher"
            | b"lower"
            | b"more"
            | b"less"
            | b"targets"
            | b"yoy"
            | b"qoq"
            | b"mom"
            | b"plan"
            | b"budget"
            | b"forecast"
            | b"quota"
            | b"projection"
            | b"exceeded"
            | b"missed"
            | b"above"
            | b"below"
            | b"improved"
            | b"reduced"
            | b"achieved"
            | b"against"
            | b"flat"
            | b"unchanged"
            | b"previous"
            | b"prior"
    )
}

/// Whether a sentence compares: a comparison word, or a signed change such as +8% or -12%.
fn compares(text: &str) -> bool {
    let chinese = !text.is_ascii()
        && CHINESE_COMPARISON
            .find_iter(text)
            .any(|found| found.as_str() != "从" || text[found.end()..].contains(['至', '到']));
    chinese || has_english_comparison(text) || has_signed_change(text) || has_share_of_whole(text)
}

/// "22% of bookings", "61 % of revenue": a share of a whole, which compares a part with it (as 占 does).
fn has_share_of_whole(text: &str) -> bool {
    memchr::memmem::find_iter(text.as_bytes(), "% of ").next().is_some()
}

fn has_english_comparison(text: &str) -> bool {
    let mut lower = [0u8; 9];
    text.as_bytes().split(|b| !b.is_ascii_alphabetic()).any(|word| {
        if !(2..=9).contains(&word.len()) {
            return false;
        }
        let lower = &mut lower[..word.len()];
        lower.copy_from_slice(word);
        lower.make_ascii_lowercase();
        is_english_comparison(lower)
    })
}

/// `+8%`, `-12%`, `−3天`, `±2`: a sign after a space, bracket or punctuation (or at the start), then a digit.
fn has_signed_change(text: &str) -> bool {
    let bytes = text.as_bytes();
    let signs = memchr::memchr3_iter(b'+', b'-', 0x88, bytes).chain(memchr::memchr_iter(0xB1, bytes));
    signs.into_iter().any(|at| {
        // − is E2 88 92 and ± is C2 B1: step back to the start of the character.
        let (start, end) = match bytes[at] {
            0x88 if at >= 1 && bytes[at - 1] == 0xE2 && bytes.get(at + 1) == Some(&0x92) => (at - 1, at + 2),
            0xB1 if at >= 1 && bytes[at - 1] == 0xC2 => (at - 1, at + 1),
            b'+' | b'-' => (at, at + 1),
            _ => return false,
        };
        let before = text[..start].chars().next_back();
        let opens = before.is_none_or(|b| b.is_whitespace() || "(（,，:：、;；".contains(b));
        let rest = text[end..].trim_start_matches(' ');
        opens && rest.starts_with(|d: char| d.is_ascii_digit())
    })
}

/// A number in prose that is a figure: not a year, period, date, ordinal or part of an identifier.
pub struct Number {
    pub range: Range<usize>,
    /// Followed by a unit or preceded by a currency sign: a quantity, not just a count.
    pub with_unit: bool,
}

pub fn numbers(text: &str) -> impl Iterator<Item = Number> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        loop {
            let start = at + bytes.get(at..)?.iter().position(u8::is_ascii_digit)?;
            let end = number_end(bytes, start);
            at = end;
            if let Some(number) = classify(text, start..end) {
                return Some(number);
            }
        }
    })
}

/// Whether a run of digits is a figure, and whether it has a unit.
fn classify(text: &str, range: Range<usize>) -> Option<Number> {
    let bytes = text.as_bytes();
    let before = &text.as_bytes()[..range.start];
    if before.last().is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_' || b == b'#')
        || before.ends_with("第".as_bytes())
    {
        return None; // Q4, H1, FY2023, v2, 第3
    }
    let after = &text[range.end..];
    let unit = unit_len(after);
    if bytes.get(range.end).is_some_and(u8::is_ascii_alphabetic) && unit.is_none() {
        return None; // 5G, 1v1
    }
    let next = after.trim_start().as_bytes();
    let date = ["年", "月", "日", "号"].iter().any(|w| next.starts_with(w.as_bytes()));
    // A year is a date, also when an English word follows it ("by April 2026 to lift …", "in 2025 and").
    let word_after = unit.is_some_and(|len| is_plain_word(after[..len].trim_start()));
    if date || ((unit.is_none() || word_after) && is_year(&text[range.clone()])) {
        return None;
    }
    if unit.is_some_and(|len| is_month_word(after[..len].trim_start())) {
        return None; // 3 March, 1st
    }
    let before = text[..range.start].trim_end().as_bytes();
    let currency = ["¥", "$", "€", "£", "\u{ffe5}"].iter().any(|c| before.ends_with(c.as_bytes()));
    Some(Number { range, with_unit: currency || unit.is_some() })
}

fn is_month_word(word: &str) -> bool {
    const WORDS: &[&str] = &[
        "jan",
        "january",
        "feb",
        "february",
        "mar",
        "march",
        "apr",
        "april",
        "may",
        "jun",
        "june",
        "jul",
        "july",
        "aug",
        "august",
        "sep",
        "sept",
        "september",
        "oct",
        "october",
        "nov",
        "november",
        "dec",
        "december",
        "am",
        "pm",
        "st",
        "nd",
        "rd",
        "th",
    ];
    word.len() <= 9 && WORDS.iter().any(|w| w.eq_ignore_ascii_case(word))
}

/// An English word that is no unit: what follows a year in a sentence ("2026 to", "2025 and").
fn is_plain_word(word: &str) -> bool {
    const WORDS: &[&str] = &[
        "to", "and", "or", "in", "by", "for", "the", "with", "was", "were", "is", "are", "as", "of", "on", "at",
        "from", "vs", "than", "when", "after", "before", "until", "compared", "versus", "but", "while", "we", "our",
        "it",
    ];
    word.len() <= 8 && WORDS.iter().any(|w| w.eq_ignore_ascii_case(word))
}

/// A four-digit 19xx/20xx (without a unit) is a year.
fn is_year(digits: &str) -> bool {
    digits.len() == 4 && (digits.starts_with("19") || digits.starts_with("20"))
}

pub fn check(doc: &ChapterDoc<'_>, chapter: usize, chinese: bool, findings: &mut Vec<Finding>) {
    let mut scratch = Scratch::default();
    for block in doc.blocks() {
        candidate_sentences(block.text, block.directives, &mut scratch, |sentence, runs| {
            check_sentence(&block, sentence, runs, chapter, chinese, findings)
        });
    }
}

/// Buffers reused from block to block.
#[derive(Default)]
struct Scratch {
    runs: Vec<Range<usize>>,
    ends: Vec<usize>,
}

/// The sentences of a text (as [`scan_sentences`] splits them) that hold two or more runs of digits and overlap
/// no directive, with those runs: the only ones that can list bare figures. Most blocks have no two such runs
/// side by side and cost one fast search for digits; only the others are searched for sentence ends.
fn candidate_sentences(
    text: &str,
    directives: &[Range<usize>],
    scratch: &mut Scratch,
    mut on_sentence: impl FnMut(Range<usize>, &[Range<usize>]),
) {
    let bytes = text.as_bytes();
    let Scratch { runs, ends } = scratch;
    runs.clear();
    let mut at = 0;
    while let Some(start) = find_chunked(bytes, at, is_digit_byte) {
        let end = number_end(bytes, start);
        runs.push(start..end);
        at = end;
    }
    // Such a sentence has two runs next to each other, neither of them in a directive.
    let in_directive = |run: &Range<usize>| directives.iter().any(|d| d.start < run.end && run.start < d.end);
    if !runs.windows(2).any(|pair| !in_directive(&pair[0]) && !in_directive(&pair[1])) {
        return;
    }
    // Sentence ends never fall inside a run of digits (a `.` there is followed by a digit), so they can be found
    // apart from the runs.
    ends.clear();
    let mut at = 0;
    while let Some(found) = find_chunked(bytes, at, may_end_sentence) {
        let width = terminator_width(bytes, found);
        at = found + width.max(1);
        if width > 0 {
            ends.push(at);
        }
    }
    let (mut start, mut next_end, mut first_run) = (0, 0, 0);
    while first_run < runs.len() {
        // The sentence of `runs[first_run]`: from the last end at or before the run to the first end after it.
        while next_end < ends.len() && ends[next_end] <= runs[first_run].start {
            start = ends[next_end];
            next_end += 1;
        }
        let end = ends.get(next_end).copied().unwrap_or(bytes.len());
        let count = runs[first_run..].iter().take_while(|run| run.start < end).count();
        let in_directive = || directives.iter().any(|d| d.start < end && start < d.end);
        if count >= 2 && !in_directive() {
            on_sentence(start..end, &runs[first_run..first_run + count]);
        }
        first_run += count;
    }
}

fn is_digit_byte(byte: u8) -> bool {
    byte.wrapping_sub(b'0') < 10
}

/// Bytes that may start a sentence terminator. A line break inside a paragraph is a soft wrap, not an end.
fn may_end_sentence(byte: u8) -> bool {
    (byte == b'.') | (byte == b'!') | (byte == b'?') | (byte == b';') | (byte == 0xE3) | (byte == 0xEF)
}

/// The first byte at or after `from` for which `wanted` holds. Chunks of 32 bytes are tested without branches
/// (which the compiler turns into vector instructions), so that text without such bytes is skipped quickly.
fn find_chunked(bytes: &[u8], from: usize, wanted: impl Fn(u8) -> bool) -> Option<usize> {
    const CHUNK: usize = 32;
    let mut at = from;
    while let Some(Ok(chunk)) = bytes.get(at..at + CHUNK).map(<&[u8; CHUNK]>::try_from) {
        let mut any = 0u8;
        for &byte in chunk {
            any |= u8::from(wanted(byte));
        }
        if any != 0 {
            break;
        }
        at += CHUNK;
    }
    let rest = bytes.get(at..)?;
    rest.iter().position(|&b| wanted(b)).map(|found| at + found)
}

/// Splits a text into sentences — at 。!?; and . ! ? ; (a `.` only before whitespace or the end, so 1.5 stays
/// whole) and at line breaks — and hands each (untrimmed) to `on_sentence` with the runs of digits in it. One
/// pass over the bytes: every terminator is ASCII or a 3-byte CJK character; `runs` is a reused buffer.
#[cfg(test)]
fn scan_sentences(
    text: &str,
    runs: &mut Vec<Range<usize>>,
    mut on_sentence: impl FnMut(Range<usize>, &[Range<usize>]),
) {
    let bytes = text.as_bytes();
    let (mut start, mut at) = (0, 0);
    runs.clear();
    while let Some(found) = bytes.get(at..).and_then(|rest| rest.iter().position(|&b| CLASS[usize::from(b)] != 0)) {
        at += found;
        if bytes[at].is_ascii_digit() {
            let end = number_end(bytes, at);
            runs.push(at..end);
            at = end;
            continue;
        }
        let width = terminator_width(bytes, at);
        at += width.max(1);
        if width > 0 {
            on_sentence(start..at, runs);
            start = at;
            runs.clear();
        }
    }
    if start < bytes.len() {
        on_sentence(start..bytes.len(), runs);
    }
    runs.clear();
}

/// The end of a number starting at `at`: digits, with `.` or `,` between digits (1.5, 1,234).
fn number_end(bytes: &[u8], mut at: usize) -> usize {
    loop {
        at += bytes[at..].iter().take_while(|b| b.is_ascii_digit()).count();
        let separator = matches!(bytes.get(at), Some(b'.' | b','));
        if separator && bytes.get(at + 1).is_some_and(u8::is_ascii_digit) {
            at += 1;
        } else {
            return at;
        }
    }
}

/// Cheapest tests first: two runs of digits, no directive, no comparison word, and then two real figures.
fn check_sentence(
    block: &TextBlock<'_>,
    sentence: Range<usize>,
    runs: &[Range<usize>],
    chapter: usize,
    chinese: bool,
    findings: &mut Vec<Finding>,
) {
    if runs.len() < 2 {
        return;
    }
    let sentence = trimmed(block.text, sentence);
    if block.directives.iter().any(|d| d.start < sentence.end && sentence.start < d.end) {
        return;
    }
    let text = &block.text[sentence.clone()];
    if compares(text) {
        return;
    }
    // A deal's win probability ("$2.5M (80% probability)") is an estimate, not a second figure to compare.
    let local = runs
        .iter()
        .map(|run| run.start - sentence.start..run.end - sentence.start)
        .filter(|run| !is_estimate(text, run));
    // Results are money or percentages: "团队200人,覆盖30个区域" describes, it does not report bare results.
    let has_result = runs.iter().any(|run| is_result(text, run.start - sentence.start..run.end - sentence.start));
    if has_result && figures_in(text, local) >= 2 {
        report(block, sentence, chapter, chinese, findings);
    }
}

/// A percentage that is a probability or confidence (80% probability, 90% likely, 80%的概率, 概率80%).
fn is_estimate(text: &str, run: &Range<usize>) -> bool {
    const AFTER: [&str; 8] = ["probability", "likelihood", "likely", "confidence", "chance", "概率", "把握", "可能性"];
    let after = text[run.end..].trim_start();
    let Some(after) = after.strip_prefix(['%', '\u{ff05}']) else { return false };
    let after = after.trim_start().trim_start_matches('的').to_ascii_lowercase();
    let before = text[..run.start].trim_end();
    AFTER.iter().any(|word| after.starts_with(word)) || before.ends_with("概率") || before.ends_with("赢单率")
}

/// A figure that is money or a percentage: a currency sign before it, or 万/亿/元/%/k/M/B after it.
fn is_result(text: &str, run: Range<usize>) -> bool {
    if classify(text, run.clone()).is_none() {
        return false;
    }
    let before = text[..run.start].trim_end();
    let currency = ["¥", "$", "€", "£", "\u{ffe5}"].iter().any(|c| before.ends_with(c));
    let after = text[run.end..].trim_start();
    let unit = ["万", "亿", "元", "%", "\u{ff05}", "百分点", "千元"].iter().any(|u| after.starts_with(u))
        || after.starts_with(['k', 'K', 'M', 'B']) && !after[1..].starts_with(|c: char| c.is_ascii_alphabetic());
    currency || unit
}

/// How many figures a sentence's runs of digits make (counting up to 2): list markers (1、 1. (1)) are none; a range
/// (600-1200马力, 10–15%, 3至5家) and a ratio (3 out of 5, 3/5) are one.
fn figures_in(text: &str, runs: impl Iterator<Item = Range<usize>>) -> usize {
    let mut count = 0;
    let mut previous: Option<usize> = None;
    for run in runs {
        if classify(text, run.clone()).is_none() || is_list_marker(text, &run) {
            continue;
        }
        if previous.is_some_and(|end| joins_one_figure(&text[end..run.start])) {
            previous = Some(run.end);
            continue;
        }
        previous = Some(run.end);
        count += 1;
        if count == 2 {
            break;
        }
    }
    count
}

/// `1、`, `(1)`, `1)`, or `1.` / `1:` at the start of a sentence: a number that counts items.
fn is_list_marker(text: &str, run: &Range<usize>) -> bool {
    let before = text[..run.start].trim_end();
    let after = &text[run.end..];
    if after.starts_with(['、', '\u{3001}']) {
        return true;
    }
    let opened = before.ends_with(['(', '\u{ff08}']);
    let closes = after.starts_with([')', '\u{ff09}']);
    let at_start = before.is_empty() || before.ends_with(['-', '*', '•']);
    (opened && closes)
        || (at_start
            && (closes
                || after.starts_with(['.', ':', '\u{ff0e}']) && !after[1..].starts_with(|c: char| c.is_ascii_digit())))
}

/// What may stand between the two numbers of one range or ratio: a dash, 至/到/~, "to", "out of", "of", "/" (with
/// the first number's unit before it).
fn joins_one_figure(gap: &str) -> bool {
    let gap = gap.trim_start_matches(|c: char| {
        c == '%' || c == '\u{ff05}' || c.is_alphabetic() && !c.is_ascii() && !"至到".contains(c)
    });
    let gap = gap.trim_start_matches(['k', 'K', 'M', 'B']).trim();
    matches!(
        gap,
        "-" | "–" | "—" | "~" | "\u{ff5e}" | "至" | "到" | "/" | "to" | "out of" | "of" | "-$" | "–$" | "to $"
    )
}

fn report(block: &TextBlock<'_>, sentence: Range<usize>, chapter: usize, chinese: bool, findings: &mut Vec<Finding>) {
    let text = &block.text[sentence.clone()];
    let figures: Vec<Range<usize>> = numbers(text).map(|n| n.range).collect();
    let all = figures.len();
    let shown: Vec<&str> = figures.iter().take(4).map(|r| figure_text(text, r.clone())).collect();
    findings.push(Finding::new(
        Rule::NarrativeBareNumbers,
        (chapter, block.source_span(sentence)),
        format!("this sentence lists {all} figures ({}) without a comparison", shown.join(", ")),
        if chinese {
            "给出对比——环比、同比、与目标比、趋势(从…增至…)——或让指令来写:<<#kpi revenue q4 vs q3>>".to_string()
        } else {
            "compare them — vs the previous period, vs last year, vs target, a trend (from … to …) — or let a directive write it: <<#kpi revenue q4 vs q3>>"
                .to_string()
        },
    ));
}

/// A figure with the unit that follows it, for the message (`120家`).
fn figure_text(text: &str, range: Range<usize>) -> &str {
    let end = range.end + unit_len(&text[range.end..]).unwrap_or(0);
    text.get(range.start..end).unwrap_or("")
}

/// Bytes that may start a sentence terminator (a table lookup is much faster than a `match` per byte).
#[cfg(test)]
static MAY_END: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    // A line break inside a paragraph is a soft wrap, not the end of a sentence.
    let bytes = [b'.', b'!', b'?', b';', 0xE3, 0xEF];
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
};

/// Bytes the bare-number scan stops at: digits and possible sentence ends.
#[cfg(test)]
static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        if MAY_END[i] || (i >= b'0' as usize && i <= b'9' as usize) {
            table[i] = 1;
        }
        i += 1;
    }
    table
};

/// The byte length of a sentence terminator at `at`, or 0.
fn terminator_width(bytes: &[u8], at: usize) -> usize {
    match bytes[at] {
        b'!' | b'?' | b';' => 1,
        b'.' if bytes.get(at + 1).is_none_or(|b| b.is_ascii_whitespace()) => 1,
        // 。 E3 80 82; ! EF BC 81; ? EF BC 9F; ; EF BC 9B
        0xE3 if bytes.get(at + 1..at + 3) == Some(&[0x80, 0x82]) => 3,
        0xEF if matches!(bytes.get(at + 1..at + 3), Some([0xBC, 0x81 | 0x9F | 0x9B])) => 3,
        _ => 0,
    }
}

fn trimmed(text: &str, range: Range<usize>) -> Range<usize> {
    let slice = &text[range.clone()];
    let start = range.start + (slice.len() - slice.trim_start().len());
    start..(start + slice.trim().len())
}

/// Compiles the rule's pattern now (see [`super::compile_chapter_patterns`]).
pub(super) fn compile_patterns() {
    LazyLock::force(&CHINESE_COMPARISON);
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
        assert_eq!(figures("by April 2026 to lift order value 15%"), ["15"]);
        assert!(figures("in 2025 and 2026 the margin held").is_empty());
        assert_eq!(figures("2026 units shipped"), ["2026"]);
    }

    #[test]
    fn sentences_split() {
        let split = |text: &str| {
            let mut parts: Vec<(String, usize)> = Vec::new();
            scan_sentences(text, &mut Vec::new(), |range, runs| {
                parts.push((text[trimmed(text, range)].to_string(), runs.len()));
            });
            parts
        };
        let parts = split("一是1.5万。二是3家;third. fourth\nfifth 1,234 and 5");
        let expected = [("一是1.5万。", 1), ("二是3家;", 1), ("third.", 0), ("fourth\nfifth 1,234 and 5", 2)];
        assert_eq!(parts, expected.map(|(t, n)| (t.to_string(), n)));
        assert_eq!(split("甲\u{ff01}乙\u{ff1f}丙\u{ff1b}丁\u{ff0c}戊。").len(), 4);
    }

    /// The fast search for sentences with two or more runs of digits and no directive finds exactly those of the
    /// full split.
    #[test]
    fn candidate_sentences_match_the_full_split() {
        const PIECES: [&str; 23] = [
            "1",
            "23",
            "0",
            ".",
            ",",
            "!",
            "?",
            ";",
            "\u{3002}",
            "\u{ff01}",
            "\u{ff1f}",
            "\u{ff1b}",
            "\u{ff0c}",
            "\u{3001}",
            " ",
            "\n",
            "a",
            "中",
            "%",
            "万",
            "1.5",
            "2,000",
            "<<#kpi r 2024 q4>>",
        ];
        let mut next = crate::testing::xorshift(0x2545_f491_4f6c_dd1d);
        for _ in 0..5000 {
            let text = crate::testing::random_text(&mut next, &PIECES, 80);
            let directives = crate::check::outline::directive_ranges(&text);
            let overlaps = |range: &Range<usize>| directives.iter().any(|d| d.start < range.end && range.start < d.end);
            let mut expected = Vec::new();
            scan_sentences(&text, &mut Vec::new(), |range, runs| {
                // As `check_sentence` decides: on the trimmed sentence.
                if runs.len() >= 2 && !overlaps(&trimmed(&text, range.clone())) {
                    expected.push((range, runs.to_vec()));
                }
            });
            let mut found = Vec::new();
            let mut scratch = Scratch::default();
            candidate_sentences(&text, &directives, &mut scratch, |range, runs| found.push((range, runs.to_vec())));
            assert_eq!(found, expected, "{text:?}");
        }
    }

    #[test]
    fn comparisons() {
        assert!(compares("Q4签约客户120家(环比Q3+5%)"));
        assert!(compares("营收8500万(+8%)"));
        assert!(compares("revenue 36M, up from 31M"));
        assert!(!compares("签约客户120家,营收1500万"));
        assert!(!compares("年消费20-50万"));
        assert!(compares("新增有效客户计划500家,实际完成480家,达成率96%"));
        assert!(compares("Revenue reached 96% of target with 40 new accounts"));
        assert!(compares("New customers: 64 accounts, 22% of bookings."));
        assert!(!compares("New customers: 64 accounts, 22% churned"));
    }

    fn count(text: &str) -> usize {
        let mut runs = Vec::new();
        let mut at = 0;
        while let Some(start) = text.as_bytes()[at..].iter().position(u8::is_ascii_digit).map(|p| p + at) {
            let end = number_end(text.as_bytes(), start);
            runs.push(start..end);
            at = end;
        }
        figures_in(text, runs.into_iter())
    }

    /// List markers are not figures; a range or a ratio is one figure.
    #[test]
    fn markers_ranges_and_ratios() {
        assert_eq!(count("1、扩充渠道至30家"), 1);
        assert_eq!(count("(2)新增客户120家"), 1);
        assert_eq!(count("3. Hire 5 reps"), 1);
        assert_eq!(count("功率600-1200马力"), 1);
        assert_eq!(count("margin 10–15% this year"), 1);
        assert_eq!(count("Lost deals: 3 out of 5 in this category"), 1);
        assert_eq!(count("签约客户120家,营收1500万"), 2);
        assert_eq!(count("120家和80家"), 2);
    }

    #[test]
    fn probabilities_are_estimates() {
        let estimate = |text: &str| {
            let at = text.find('8').unwrap_or(0);
            is_estimate(text, &(at..at + 2))
        };
        assert!(estimate("Enterprise Client A: $2.5M (80% probability)"));
        assert!(estimate("赢单概率80%"));
        assert!(estimate("有80%的把握"));
        assert!(!estimate("margin 80% of target"));
        assert!(!estimate("毛利率80%"));
    }
}
