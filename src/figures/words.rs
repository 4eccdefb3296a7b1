//! The words that tie a figure to a fact: labels (metrics, their aliases, members), periods, comparison words
//! and the direction of a change, in zh-CN and en.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::data::{DataSet, Period};

/// What a label names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Named {
    Metric(String),
    /// (dimension, member).
    Member(String, String),
}

/// A label found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mention {
    pub span: Range<usize>,
    pub named: Vec<Named>,
}

/// Every label of a data set, indexed once by its first character (ASCII lower-cased), longest first.
#[derive(Debug, Default)]
pub struct LabelIndex {
    by_first: HashMap<char, Vec<(String, Vec<Named>)>>,
}

impl LabelIndex {
    pub fn new(data: &DataSet) -> Self {
        let mut all: HashMap<String, Vec<Named>> = HashMap::new();
        let mut add = |text: &str, named: Named| {
            let key = text.trim().to_ascii_lowercase();
            // One letter or digit names too much to tie anything.
            if key.chars().count() < 2 && key.is_ascii() {
                return;
            }
            let entry = all.entry(key).or_default();
            if !entry.contains(&named) {
                entry.push(named);
            }
        };
        for metric in data.metrics.values() {
            let named = Named::Metric(metric.id.clone());
            for text in metric.label.any.iter().chain(metric.label.by_locale.values()).chain(&metric.aliases) {
                add(text, named.clone());
            }
        }
        for dimension in data.dimensions.values() {
            for (member, label) in &dimension.members {
                let named = Named::Member(dimension.id.clone(), member.clone());
                for text in label.any.iter().chain(label.by_locale.values()) {
                    add(text, named.clone());
                }
            }
        }
        let mut by_first: HashMap<char, Vec<(String, Vec<Named>)>> = HashMap::new();
        for (text, named) in all {
            if let Some(first) = text.chars().next() {
                by_first.entry(first).or_default().push((text, named));
            }
        }
        for needles in by_first.values_mut() {
            needles.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        }
        LabelIndex { by_first }
    }

    /// The labels in `text`, longest first at each place, never overlapping. English labels match whole words
    /// (a plural `s` allowed) and ignore ASCII case.
    pub fn mentions(&self, text: &str) -> Vec<Mention> {
        let lower = text.to_ascii_lowercase();
        let mut found = Vec::new();
        let mut at = 0;
        while at < lower.len() {
            let Some(c) = lower[at..].chars().next() else { break };
            let hit = self.by_first.get(&c).and_then(|needles| {
                needles.iter().find(|(needle, _)| {
                    lower[at..].starts_with(needle.as_str()) && whole_word(&lower, at..at + needle.len(), needle)
                })
            });
            match hit {
                Some((needle, named)) => {
                    let mut end = at + needle.len();
                    if needle.is_ascii() && lower[end..].starts_with('s') && !is_word(&lower[end + 1..]) {
                        end += 1;
                    }
                    found.push(Mention { span: at..end, named: named.clone() });
                    at = end;
                }
                None => at += c.len_utf8(),
            }
        }
        found
    }
}

fn is_word(rest: &str) -> bool {
    rest.starts_with(|c: char| c.is_ascii_alphanumeric())
}

fn whole_word(text: &str, span: Range<usize>, needle: &str) -> bool {
    if !needle.is_ascii() {
        return true;
    }
    let before_ok = !text[..span.start].ends_with(|c: char| c.is_ascii_alphanumeric());
    let rest = &text[span.end..];
    let after_ok = !is_word(rest) || (rest.starts_with('s') && !is_word(&rest[1..]));
    before_ok && after_ok
}

/// A period as the text names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodWord {
    At(Period),
    /// The same period a year earlier (`上年`, `last year`).
    YearAgo,
    /// The period before (`上季度`, `last quarter`).
    Prev,
}

/// A period named in a text, and whether it is what the figure is compared with (`比第三季度`, `from Q3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeriodMention {
    pub start: usize,
    pub end: usize,
    pub word: PeriodWord,
    pub is_base: bool,
}

static PERIODS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        (?P<zy>(?:19|20)[0-9]{2})\s*年度?\s*(?:第?(?P<zyq>[一二三四1-4])\s*季度|Q(?P<zyq2>[1-4])|(?P<zyh>上|下)半年|(?P<zym>1[0-2]|0?[1-9])\s*月份?)?
        | 第?(?P<zq>[一二三四])季度 | 第(?P<zq2>[1-4])季度
        | (?P<zh>上|下)半年
        | (?P<zm>1[0-2]|[1-9])月份?
        | (?P<full>全年|本年度|本年|今年|年度|\bfull[-\s]year\b|\bthis\s+year\b|\bthe\s+year\b)
        | (?P<ago>上年同期|上一年|上年|去年|同期|\blast\s+year\b|\bprior\s+year\b|\bprevious\s+year\b|\ba\s+year\s+(?:earlier|ago)\b)
        | (?P<prev>上一季度|上个季度|上季度|上个月|上月|\blast\s+quarter\b|\bprior\s+quarter\b|\bprevious\s+quarter\b|\blast\s+month\b|\bprevious\s+month\b)
        | \bFY\s?(?P<fy>(?:19|20)[0-9]{2})\b
        | \b(?P<eyq>(?:19|20)[0-9]{2})[-\s]?Q(?P<eyq2>[1-4])\b
        | \bQ(?P<eq>[1-4])(?:\s+(?P<eqy>(?:19|20)[0-9]{2}))?\b
        | \bH(?P<eh>[12])(?:\s+(?P<ehy>(?:19|20)[0-9]{2}))?\b
        | \b(?P<half>first|second)\s+half(?:\s+of\s+(?P<hy>(?:19|20)[0-9]{2}))?\b
        | \b(?P<month>January|February|March|April|May|June|July|August|September|October|November|December)(?:\s+(?P<my>(?:19|20)[0-9]{2}))?\b
        | \b(?P<year>(?:19|20)[0-9]{2})\b",
    )
    .expect("the period pattern is valid")
});

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Words before a period that make it the comparison's base.
const BASE_WORDS: &[&str] = &[
    "比",
    "较",
    "与",
    "相比",
    "对比",
    "相较",
    "from",
    "vs",
    "vs.",
    "versus",
    "than",
    "than in",
    "over",
    "compared with",
    "compared to",
    "against",
    "on",
];

fn chinese_number(text: &str) -> Option<u8> {
    match text {
        "一" | "1" => Some(1),
        "二" | "2" => Some(2),
        "三" | "3" => Some(3),
        "四" | "4" => Some(4),
        _ => None,
    }
}

/// The periods named in `text`, `year` being the report year (relative forms need it).
pub fn periods(text: &str, year: Option<i32>) -> Vec<PeriodMention> {
    let mut found = Vec::new();
    for caps in PERIODS.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        let number = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<i32>().ok());
        let small = |name: &str| caps.name(name).and_then(|m| chinese_number(m.as_str()));
        let year_or = |name: &str| number(name).or(year);
        let half = |name: &str| caps.name(name).map(|m| if m.as_str() == "上" { 1 } else { 2 });
        let word = if let Some(y) = number("zy") {
            if let Some(q) = small("zyq").or_else(|| small("zyq2")) {
                Some(PeriodWord::At(Period::Quarter(y, q)))
            } else if let Some(h) = half("zyh") {
                Some(PeriodWord::At(Period::Half(y, h)))
            } else if let Some(m) = number("zym") {
                Some(PeriodWord::At(Period::Month(y, m as u8)))
            } else {
                Some(PeriodWord::At(Period::Year(y)))
            }
        } else if let Some(q) = small("zq").or_else(|| small("zq2")) {
            year.map(|y| PeriodWord::At(Period::Quarter(y, q)))
        } else if let Some(h) = half("zh") {
            year.map(|y| PeriodWord::At(Period::Half(y, h)))
        } else if let Some(m) = number("zm") {
            year.map(|y| PeriodWord::At(Period::Month(y, m as u8)))
        } else if caps.name("full").is_some() {
            year.map(|y| PeriodWord::At(Period::Year(y)))
        } else if caps.name("ago").is_some() {
            Some(PeriodWord::YearAgo)
        } else if caps.name("prev").is_some() {
            Some(PeriodWord::Prev)
        } else if let Some(y) = number("fy") {
            Some(PeriodWord::At(Period::Year(y)))
        } else if let (Some(y), Some(q)) = (number("eyq"), small("eyq2")) {
            Some(PeriodWord::At(Period::Quarter(y, q)))
        } else if let Some(q) = small("eq") {
            year_or("eqy").map(|y| PeriodWord::At(Period::Quarter(y, q)))
        } else if let Some(h) = number("eh") {
            year_or("ehy").map(|y| PeriodWord::At(Period::Half(y, h as u8)))
        } else if let Some(which) = caps.name("half") {
            let h = if which.as_str().eq_ignore_ascii_case("first") { 1 } else { 2 };
            year_or("hy").map(|y| PeriodWord::At(Period::Half(y, h)))
        } else if let Some(month) = caps.name("month") {
            let lower = month.as_str().to_ascii_lowercase();
            let m = MONTHS.iter().position(|name| *name == lower).map_or(1, |i| i as u8 + 1);
            year_or("my").map(|y| PeriodWord::At(Period::Month(y, m)))
        } else {
            number("year").map(|y| PeriodWord::At(Period::Year(y)))
        };
        let Some(word) = word else { continue };
        let is_base = matches!(word, PeriodWord::YearAgo | PeriodWord::Prev) || after_base_word(&text[..whole.start()]);
        found.push(PeriodMention { start: whole.start(), end: whole.end(), word, is_base });
    }
    found
}

/// Whether `text` ends with the ASCII word `word`, not with the end of a longer word.
pub fn ends_with_word(text: &str, word: &str) -> bool {
    text.ends_with(word) && word_boundary(text, word)
}

/// Whether `before` ends with a word that makes what follows a comparison's base (`比`, `较`, `from`, `vs`).
pub fn after_base_word(before: &str) -> bool {
    let before = before.trim_end().to_ascii_lowercase();
    BASE_WORDS.iter().any(|base| before.ends_with(base) && (!base.is_ascii() || word_boundary(&before, base)))
}

fn word_boundary(before: &str, word: &str) -> bool {
    !before[..before.len() - word.len()].ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// What a change is measured against, as comparison words say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Against {
    YearAgo,
    Prev,
    Target,
    /// The value as a percentage of its target (`目标完成率`, `of target`).
    Completion,
    Standard,
    /// A share of the total (`占比`, `share of`).
    Share,
}

const COMPARISONS: &[(&str, Against)] = &[
    ("同比", Against::YearAgo),
    ("year over year", Against::YearAgo),
    ("year-over-year", Against::YearAgo),
    ("yoy", Against::YearAgo),
    ("y/y", Against::YearAgo),
    ("环比", Against::Prev),
    ("quarter over quarter", Against::Prev),
    ("quarter-over-quarter", Against::Prev),
    ("month over month", Against::Prev),
    ("month-over-month", Against::Prev),
    ("qoq", Against::Prev),
    ("sequentially", Against::Prev),
    ("完成率", Against::Completion),
    ("达成率", Against::Completion),
    ("目标的", Against::Completion),
    ("of its target", Against::Completion),
    ("of plan", Against::Completion),
    ("of target", Against::Completion),
    ("of the target", Against::Completion),
    ("目标", Against::Target),
    ("target", Against::Target),
    ("标准", Against::Standard),
    ("standard", Against::Standard),
    ("占比", Against::Share),
    ("share", Against::Share),
];

/// The comparison words in `text` and where they end.
pub fn comparisons(text: &str) -> Vec<(Range<usize>, Against)> {
    let lower = text.to_ascii_lowercase();
    let mut found = Vec::new();
    for &(word, against) in COMPARISONS {
        let mut from = 0;
        while let Some(at) = lower[from..].find(word) {
            let span = from + at..from + at + word.len();
            let whole = !word.is_ascii()
                || (!lower[..span.start].ends_with(|c: char| c.is_ascii_alphanumeric())
                    && !is_word(&lower[span.end..]));
            // `of target` holds `target`: the longer word wins.
            let inside = found
                .iter()
                .any(|(other, _): &(Range<usize>, Against)| other.start <= span.start && span.end <= other.end);
            if whole && !inside {
                found.push((span.clone(), against));
            }
            from = span.end;
        }
    }
    found.sort_by_key(|(span, _)| span.start);
    found
}

/// Words that say a column holds changes (`较上年增减`, `Change vs 2024`).
const CHANGE_HEADS: &[&str] = &["增减", "增长", "增幅", "变化", "变动", "涨跌", "change", "growth", "delta", "diff"];

/// For each column of a table's head, the column whose head a comparison column (`同比`, `QoQ`, `vs Q3`) takes
/// its metric and period from: the column before it (`| 区域 | 2025年销售额 | 同比 |`); when several heads name
/// periods, the one naming the latest period (`| | Q3 | Q4 | QoQ |` → Q4), provided each of them names exactly one
/// period, all of one length and all absolute or all relative; else none (`| 指标 | 本年 | 上年 | 同比 |`): which
/// is compared with which is left to the reader.
pub fn comparison_lenders(heads: &[&str]) -> Vec<Option<usize>> {
    let comparisons: Vec<bool> = heads.iter().map(|head| is_comparison_head(head)).collect();
    let mut lenders = vec![None; heads.len()];
    if !comparisons.contains(&true) {
        return lenders;
    }
    // (column, its periods) for the heads, after the first, that name any.
    let named: Vec<(usize, Vec<PeriodMention>)> = (1..heads.len())
        .filter(|&column| !comparisons[column])
        .map(|column| (column, periods(heads[column], Some(0))))
        .filter(|(_, found)| !found.is_empty())
        .collect();
    let latest = if named.len() > 1 {
        let Some(dated) = named
            .iter()
            .map(|(column, found)| match found.as_slice() {
                [PeriodMention { word: PeriodWord::At(period), is_base: false, .. }] => Some((*period, *column)),
                _ => None,
            })
            .collect::<Option<Vec<(Period, usize)>>>()
        else {
            return lenders;
        };
        let first = dated[0].0;
        let alike = dated.iter().all(|(period, _)| {
            period.granularity() == first.granularity() && (period.year() == 0) == (first.year() == 0)
        });
        let mut distinct: Vec<Period> = dated.iter().map(|(period, _)| *period).collect();
        distinct.sort();
        distinct.dedup();
        match distinct.len() {
            // `| 区域 | 2025年销售额 | 同比 | 2025年毛利率 | 同比 |`: one period, each comparison after its metric.
            1 => None,
            count if alike && count == dated.len() => dated.iter().max().map(|(_, column)| *column),
            _ => return lenders,
        }
    } else {
        None
    };
    for column in 1..heads.len() {
        if comparisons[column] {
            lenders[column] = latest.or(Some(column - 1)).filter(|lender| !comparisons[*lender]);
        }
    }
    lenders
}

/// Whether `text` holds a word that says its figures are changes (`增减`, `change`).
pub fn names_a_change(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    CHANGE_HEADS.iter().any(|word| {
        lower.match_indices(word).any(|(at, _)| {
            !word.is_ascii()
                || (!lower[..at].ends_with(|c: char| c.is_ascii_alphanumeric()) && !is_word(&lower[at + word.len()..]))
        })
    })
}

/// Words a comparison column's head may hold besides: what is shown of the change.
const CHANGE_UNITS: &[&str] = &["幅度", "率", "pp", "%"];

/// Whether a table head says only what its cells are compared with (`同比`, `YoY`, `vs Q3`, `较上年增减`), not
/// what they measure: the cells state the change of the figure in the column before. A head that only names a
/// period (`上年`, `2024`) is a column of that period's values, not of changes.
pub fn is_comparison_head(head: &str) -> bool {
    let lower = head.to_ascii_lowercase();
    let mut cut: Vec<Range<usize>> = comparisons(&lower)
        .into_iter()
        .filter(|(_, against)| matches!(against, Against::YearAgo | Against::Prev))
        .map(|(span, _)| span)
        .collect();
    let said = !cut.is_empty();
    cut.extend(periods(&lower, Some(0)).into_iter().filter(|p| p.is_base).map(|p| p.start..p.end));
    if cut.is_empty() {
        return false;
    }
    let mut marked = false;
    for (words, marks) in [(BASE_WORDS, true), (CHANGE_HEADS, true), (CHANGE_UNITS, false)] {
        for word in words {
            for (at, _) in lower.match_indices(word) {
                let span = at..at + word.len();
                let whole = !word.is_ascii()
                    || (!lower[..span.start].ends_with(|c: char| c.is_ascii_alphanumeric())
                        && !is_word(&lower[span.end..]));
                if whole {
                    marked |= marks;
                    cut.push(span);
                }
            }
        }
    }
    if !said && !marked {
        return false;
    }
    let left = lower.char_indices().any(|(at, c)| c.is_alphanumeric() && !cut.iter().any(|span| span.contains(&at)));
    !left && cut.iter().any(|span| !span.is_empty())
}

const UP: &[&str] = &[
    "高出",
    "多出",
    "增长",
    "增加",
    "提升",
    "提高",
    "上升",
    "上涨",
    "延长",
    "增",
    "多",
    "高",
    "up",
    "rose",
    "grew",
    "increased",
    "higher",
    "longer",
    "gained",
    "more",
];
const DOWN: &[&str] = &[
    "下降",
    "减少",
    "降低",
    "下滑",
    "回落",
    "缩短",
    "减",
    "少",
    "低",
    "down",
    "fell",
    "decreased",
    "declined",
    "lower",
    "shorter",
    "dropped",
    "less",
];

/// The direction a change word right before a figure gives it: 1 up, -1 down, `None` without one. `before` is
/// the text before the figure in its clause.
pub fn direction(before: &str) -> Option<i8> {
    let lower = before.trim_end().to_ascii_lowercase();
    let lower = lower.strip_suffix(" by").unwrap_or(&lower).trim_end();
    // `增长至8369万元`, `rose to 33.8%`: the value it came to, not the change.
    if lower.ends_with(['至', '到']) || ends_with_word(lower, "to") {
        return None;
    }
    let lower = lower.trim_end_matches(['了', '约', '达', '为']);
    let ends = |words: &[&str]| {
        words.iter().any(|word| lower.ends_with(word) && (!word.is_ascii() || word_boundary(lower, word)))
    };
    if ends(UP) {
        Some(1)
    } else if ends(DOWN) {
        Some(-1)
    } else {
        None
    }
}

/// The direction an English comparative right after a figure gives it (`4 days shorter`, `2 pp higher`).
pub fn direction_after(after: &str) -> Option<i8> {
    let word: String = after.trim_start().chars().take_while(char::is_ascii_alphabetic).collect();
    match word.to_ascii_lowercase().as_str() {
        "higher" | "longer" | "more" | "above" => Some(1),
        "lower" | "shorter" | "less" | "fewer" | "below" => Some(-1),
        _ => None,
    }
}

/// Whether a sentence pairs several figures with several names in order (`分别`, `respectively`), which this
/// check does not try to untangle.
pub fn pairs_in_order(text: &str) -> bool {
    text.contains("分别") || text.to_ascii_lowercase().contains("respectively")
}

/// Where the clause around `at` starts and ends: commas, colons and the like split a sentence into clauses.
pub fn clause(text: &str, at: usize) -> Range<usize> {
    let is_break = |c: char| matches!(c, ',' | '，' | '、' | ':' | '：' | '(' | ')' | '（' | '）' | ';' | '；');
    let start = text[..at].rfind(is_break).map_or(0, |i| i + text[i..].chars().next().map_or(1, char::len_utf8));
    let end = text[at..].find(is_break).map_or(text.len(), |i| at + i);
    start..end
}

/// Compiles the period pattern now (see [`crate::engine::warm_up`]).
pub(super) fn compile_patterns() {
    LazyLock::force(&PERIODS);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_in_both_languages() {
        let words = |text: &str| periods(text, Some(2025)).into_iter().map(|m| (m.word, m.is_base)).collect::<Vec<_>>();
        let at = |p: Period| PeriodWord::At(p);
        assert_eq!(words("2025年第四季度营收"), [(at(Period::Quarter(2025, 4)), false)]);
        assert_eq!(
            words("第四季度比第三季度"),
            [(at(Period::Quarter(2025, 4)), false), (at(Period::Quarter(2025, 3)), true)]
        );
        assert_eq!(words("全年营收较上年"), [(at(Period::Year(2025)), false), (PeriodWord::YearAgo, true)]);
        assert_eq!(words("下半年"), [(at(Period::Half(2025, 2)), false)]);
        assert_eq!(words("12月"), [(at(Period::Month(2025, 12)), false)]);
        assert_eq!(words("In FY2025 revenue"), [(at(Period::Year(2025)), false)]);
        assert_eq!(
            words("Q4 revenue, up from Q3"),
            [(at(Period::Quarter(2025, 4)), false), (at(Period::Quarter(2025, 3)), true)]
        );
        assert_eq!(words("in H2 2024"), [(at(Period::Half(2024, 2)), false)]);
        assert_eq!(words("December"), [(at(Period::Month(2025, 12)), false)]);
    }

    #[test]
    fn comparison_and_direction_words() {
        let kinds: Vec<Against> = comparisons("同比增长，104% of the target").into_iter().map(|(_, a)| a).collect();
        assert_eq!(kinds, [Against::YearAgo, Against::Completion]);
        assert_eq!(direction("同比增长"), Some(1));
        assert_eq!(direction("down "), Some(-1));
        assert_eq!(direction("营收"), None);
        assert_eq!(clause("营收8369万元，同比增长12.9%", 31), 19..36);
        assert_eq!(direction("增长至"), None);
        assert_eq!(direction("rose to "), None);
    }

    #[test]
    fn which_column_a_comparison_column_states_the_change_of() {
        assert_eq!(comparison_lenders(&["区域", "2025年销售额", "同比"]), [None, None, Some(1)]);
        assert_eq!(comparison_lenders(&["", "Q3", "Q4", "QoQ"]), [None, None, None, Some(2)]);
        assert_eq!(comparison_lenders(&["", "Q4", "Q3", "vs Q3"]), [None, None, None, Some(1)]);
        assert_eq!(comparison_lenders(&["指标", "2025年", "2024年", "同比"]), [None, None, None, Some(1)]);
        assert_eq!(
            comparison_lenders(&["季度", "销售额", "环比", "毛利率", "环比"]),
            [None, None, Some(1), None, Some(3)]
        );
        assert_eq!(comparison_lenders(&["区域", "2025年销售额", "同比", "2025年毛利率", "同比"])[4], Some(3));
        for unclear in
            [&["指标", "本年", "上年", "同比"][..], &["", "Q4", "2025年", "同比"], &["", "Q4", "Q3", "Q4", "同比"]]
        {
            assert_eq!(comparison_lenders(unclear).last(), Some(&None), "{unclear:?}");
        }
    }

    #[test]
    fn comparison_heads() {
        for head in ["同比", "YoY", "vs Q3", "较上年增减", "环比(%)", "同比增长", "Change vs 2024", "比上年"]
        {
            assert!(is_comparison_head(head), "{head}");
        }
        for head in
            ["销售额", "2025年", "Q4", "同比销售额", "Sales YoY", "目标", "", "上年", "上年同期", "Last year", "增减"]
        {
            assert!(!is_comparison_head(head), "{head}");
        }
    }
}
