//! Reading a typed figure: its number, its unit and the precision it was written at.
//!
//! Every unit the preprocessor itself writes is read (万/亿 and 元, K/M/B and currency symbols, `%`,
//! `个百分点`/`pp`/`points`, `天`/`days`, counts with a suffix such as `家`, `人`, `次` or ` customers`), and a few
//! that authors write instead (`million`, `percentage points`). Numbers that name a time (`2025年`, `12月`, `Q4`,
//! `第3`) are not figures.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use rust_decimal::Decimal;

/// What a figure measures, as its unit says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// An amount of money: a currency word or symbol.
    Money,
    /// A magnitude without a currency (`1.2万`, `12K`): money or a count.
    Scaled,
    /// A plain number, perhaps with a count's suffix.
    Plain,
    Percent,
    Points,
    Days,
}

/// One typed figure, in a segment's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Typed {
    /// The figure with its unit (`8369万元`, `$83.7M`, `12.9%`), without a count's suffix.
    pub span: Range<usize>,
    /// `span` with the text that follows the number up to the next space or punctuation (a count's suffix,
    /// `120家`), for a rewrite that must cover it.
    pub with_suffix: Range<usize>,
    /// The number as written, unsigned, times its magnitude (万, M, …).
    pub value: Decimal,
    /// 1, 10⁴ for 万, 10⁶ for M, …
    pub magnitude: Decimal,
    /// The digits (with their grouping commas) within the segment's text.
    pub digits: Range<usize>,
    /// Half a unit of the last digit written, times the magnitude: how far the data may be and still agree.
    pub tolerance: Decimal,
    /// Decimals written.
    pub decimals: u32,
    /// -1 or 1 for a written sign, 0 for none.
    pub sign: i8,
    pub class: Class,
    /// The text after the number (and its unit), up to the next space or punctuation: a count's suffix.
    pub suffix: String,
}

impl Typed {
    /// Whether `data` (in the figure's terms) rounds to what was typed. The sign is the written one, else the
    /// `direction` a change word gives (`下降3.2%`); with neither, only the size is compared.
    pub fn agrees(&self, data: Decimal, direction: Option<i8>) -> bool {
        let signed = match (self.sign, direction) {
            (0, None) => return (data.abs() - self.value).abs() <= self.tolerance,
            (0, Some(direction)) => self.value * Decimal::from(direction),
            (sign, _) => self.value * Decimal::from(sign),
        };
        (data - signed).abs() <= self.tolerance
    }

    /// `data` written the way this figure was (`8412万元` for a typed `8369万元`): same unit, magnitude and
    /// decimals.
    pub fn written_like(&self, text: &str, data: Decimal) -> String {
        let scaled = crate::narrate::format::round(data / self.magnitude, self.decimals);
        let mut number = format!("{:.*}", self.decimals as usize, scaled);
        if text[self.digits.clone()].contains(',') {
            number = crate::narrate::format::group_thousands(number.parse().unwrap_or(scaled));
            if self.decimals > 0 && !number.contains('.') {
                number = format!("{number}.{}", "0".repeat(self.decimals as usize));
            }
        }
        let before = &text[self.span.start..self.digits.start];
        let before = before.trim_start_matches(['+', '-', '−']);
        // A figure typed with its sign (`+956万元`) is shown the data's with its sign too.
        let (sign, number) = match number.strip_prefix('-') {
            Some(rest) => ("-", rest.to_string()),
            None if self.sign != 0 && !scaled.is_zero() => ("+", number),
            None => ("", number),
        };
        format!("{sign}{before}{number}{}", &text[self.digits.end..self.span.end])
    }
}

static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:[+\-−])?(?:HK\$|US\$|NT\$|CA\$|A\$|S\$|JP¥|¥|\$|€|£|₩|₹)?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?",
    )
    .expect("the number pattern is valid")
});

const CURRENCY_WORDS: &[&str] =
    &["新加坡元", "瑞士法郎", "新台币", "美元", "欧元", "日元", "英镑", "港元", "韩元", "澳元", "加元", "卢比", "元"];

/// Words after a number that make it a time, a rank or a duration rather than a figure.
const NOT_FIGURES: &[&str] =
    &["年", "月", "日", "号", "季度", "个季度", "个月", "周", "岁", "倍", "名", "期", "届", "级", "小时", "分钟", "点"];

/// Every figure in `text`.
pub fn figures(text: &str) -> Vec<Typed> {
    NUMBER.find_iter(text).filter_map(|found| figure(text, found.range())).collect()
}

fn figure(text: &str, range: Range<usize>) -> Option<Typed> {
    let before = &text[..range.start];
    let prev = before.chars().next_back();
    if prev.is_some_and(|c| {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | ':' | '#' | '-' | '~' | '第' | '前')
    }) {
        return None;
    }
    let written = &text[range.clone()];
    let (sign, rest) = match written.chars().next() {
        Some('+') => (1, &written[1..]),
        Some('-') => (-1, &written[1..]),
        Some('−') => (-1, &written['−'.len_utf8()..]),
        _ => (0, written),
    };
    let digits_at = rest.find(|c: char| c.is_ascii_digit())?;
    let symbol = &rest[..digits_at];
    let number = &rest[digits_at..];
    let after = &text[range.end..];
    if after.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '/' | ':' | '.')) {
        return None;
    }
    let digits = range.end - number.len()..range.end;
    let plain: String = number.chars().filter(|c| *c != ',').collect();
    let mut value: Decimal = plain.parse().ok()?;
    let decimals = plain.split_once('.').map_or(0, |(_, frac)| frac.len() as u32);
    let (class, magnitude, unit_len) = unit(after, !symbol.is_empty())?;
    let is_year = symbol.is_empty()
        && class == Class::Plain
        && plain.len() == 4
        && (1900..=2100).contains(&plain.parse::<u32>().unwrap_or(0));
    if is_year {
        return None;
    }
    let unit_end = range.end + unit_len;
    if in_range(&text[..range.start], written, &text[unit_end..]) {
        return None;
    }
    let suffix_text = suffix(&text[unit_end..]);
    if class == Class::Plain && NOT_FIGURES.iter().any(|word| suffix_text.starts_with(word)) {
        return None;
    }
    let half = Decimal::new(5, decimals + 1);
    value *= magnitude;
    Some(Typed {
        span: range.start..unit_end,
        with_suffix: range.start..unit_end + suffix_text.len(),
        value,
        magnitude,
        digits,
        tolerance: half * magnitude,
        decimals,
        sign,
        class,
        suffix: suffix_text.to_string(),
    })
}

/// Characters that join the two ends of a range (`10%-15%`, `10%~15%`, `8000至9000万元`).
const RANGE_JOINERS: &[char] = &['-', '~', '～', '—', '–', '至', '到'];

/// Whether a figure is an end of a range (`增长10%-15%`): neither end states the fact, so neither is read. `before`
/// and `after` are the text around the figure and its unit, `written` the figure's number with its sign.
fn in_range(before: &str, written: &str, after: &str) -> bool {
    let ends_a_figure = |text: &str| {
        text.ends_with(|c: char| {
            c.is_ascii_digit() || matches!(c, '%' | '％' | '万' | '亿' | '元' | 'K' | 'M' | 'B' | '天')
        })
    };
    // The first end: a joiner, then the next figure (perhaps signed, or with a currency symbol).
    let mut rest = after.chars();
    if rest.next().is_some_and(|c| RANGE_JOINERS.contains(&c)) {
        let next = rest.as_str().trim_start_matches(['+', '-', '¥', '$', '€', '£']);
        if next.starts_with(|c: char| c.is_ascii_digit()) {
            return true;
        }
    }
    // The second end: a figure, then a joiner (the `-` read as this figure's sign, or one of its own).
    let joined =
        if written.starts_with('-') { Some(before) } else { before.strip_suffix(|c: char| RANGE_JOINERS.contains(&c)) };
    joined.is_some_and(ends_a_figure)
}

/// The unit after a number: its class, magnitude and length in bytes. `None` for a number that is part of a
/// word or a time.
fn unit(after: &str, has_symbol: bool) -> Option<(Class, Decimal, usize)> {
    let word_ends = |rest: &str| !rest.starts_with(|c: char| c.is_alphanumeric());
    let money = |has: bool| if has { Class::Money } else { Class::Scaled };
    for (text, class) in [
        ("个百分点", Class::Points),
        ("%", Class::Percent),
        ("％", Class::Percent),
        ("天", Class::Days),
        (" percentage points", Class::Points),
        (" percentage point", Class::Points),
        (" pp", Class::Points),
        ("pp", Class::Points),
        (" points", Class::Points),
        (" point", Class::Points),
        (" days", Class::Days),
        (" day", Class::Days),
    ] {
        if let Some(rest) = after.strip_prefix(text)
            && (!text.is_ascii() || word_ends(rest))
        {
            return Some((class, Decimal::ONE, text.len()));
        }
    }
    for (text, magnitude) in [("亿", 100_000_000i64), ("万", 10_000)] {
        if let Some(rest) = after.strip_prefix(text) {
            let currency = CURRENCY_WORDS.iter().find(|word| rest.starts_with(**word));
            let len = text.len() + currency.map_or(0, |word| word.len());
            return Some((money(has_symbol || currency.is_some()), Decimal::from(magnitude), len));
        }
    }
    if let Some(word) = CURRENCY_WORDS.iter().find(|word| after.starts_with(**word)) {
        return Some((Class::Money, Decimal::ONE, word.len()));
    }
    for (text, magnitude) in [
        ("K", 1_000i64),
        ("M", 1_000_000),
        ("B", 1_000_000_000),
        (" thousand", 1_000),
        (" million", 1_000_000),
        (" billion", 1_000_000_000),
    ] {
        if let Some(rest) = after.strip_prefix(text)
            && word_ends(rest)
        {
            return Some((money(has_symbol), Decimal::from(magnitude), text.len()));
        }
    }
    // A number glued to letters (`3rd`, `v2`) is not a figure.
    if after.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    Some((if has_symbol { Class::Money } else { Class::Plain }, Decimal::ONE, 0))
}

/// The text right after a figure up to a space, a digit or punctuation: `家`, ` customers` (a space, then a word).
fn suffix(after: &str) -> &str {
    let word = |rest: &str| rest.find(|c: char| !c.is_alphabetic()).unwrap_or(rest.len());
    if let Some(rest) = after.strip_prefix(' ') {
        if rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return &after[..1 + word(rest)];
        }
        return "";
    }
    let cjk = after
        .char_indices()
        .take_while(|(_, c)| c.is_alphabetic() && !c.is_ascii())
        .take(4)
        .last()
        .map_or(0, |(at, c)| at + c.len_utf8());
    &after[..cjk]
}

/// Compiles the number pattern now (see [`crate::engine::warm_up`]).
pub(super) fn compile_patterns() {
    LazyLock::force(&NUMBER);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn one(text: &str) -> Typed {
        let found = figures(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        found.into_iter().next().unwrap()
    }

    #[test]
    fn units_magnitudes_and_precision() {
        let revenue = one("营收8369万元，");
        assert_eq!((revenue.value, revenue.tolerance, revenue.class), (dec!(83690000), dec!(5000), Class::Money));
        assert_eq!(&"营收8369万元，"[revenue.span.clone()], "8369万元");
        let rate = one("增长12.9%");
        assert_eq!((rate.value, rate.tolerance, rate.class), (dec!(12.9), dec!(0.05), Class::Percent));
        assert_eq!(one("up 2.1 pp").class, Class::Points);
        assert_eq!(one("提升1.1个百分点").class, Class::Points);
        let dollars = one("was $83.7M, up");
        assert_eq!((dollars.value, dollars.tolerance, dollars.class), (dec!(83700000), dec!(50000), Class::Money));
        let count = one("新客户120家。");
        assert_eq!((count.value, count.class, count.suffix.as_str()), (dec!(120), Class::Plain, "家"));
        assert_eq!(&"新客户120家。"[count.with_suffix.clone()], "120家");
        let visits = one("made 1,240 visits");
        assert_eq!((visits.value, visits.suffix.as_str()), (dec!(1240), " visits"));
        assert_eq!(one("缩短3天").class, Class::Days);
        assert_eq!(one("18 days").class, Class::Days);
        assert_eq!(one("下降-3.5%").sign, -1);
        assert_eq!(one("1.2万家").class, Class::Scaled);
        assert_eq!(one("同比-3.2%").sign, -1);
    }

    #[test]
    fn ranges_are_not_figures() {
        for text in ["增长10%-15%", "增长10%~15%", "8000至9000万元", "8000万元至9000万元", "up 10%-15%", "¥8M-¥9M"]
        {
            assert!(figures(text).is_empty(), "{text}: {:?}", figures(text));
        }
        assert_eq!(figures("由31.4%提升至33.2%").len(), 2, "a value reached is not a range end");
    }

    #[test]
    fn times_and_ranks_are_not_figures() {
        for text in ["2025年", "12月", "Q4", "FY2025", "2024-12", "第3名", "连续3个季度", "in 2025", "H2", "3倍"]
        {
            assert!(figures(text).is_empty(), "{text}: {:?}", figures(text));
        }
    }

    #[test]
    fn agreement_is_at_the_written_precision() {
        let revenue = one("8369万元");
        assert!(revenue.agrees(dec!(83694999), None));
        assert!(revenue.agrees(dec!(83685000), None));
        assert!(!revenue.agrees(dec!(83695001), None));
        let rate = one("12.9%");
        assert!(rate.agrees(dec!(12.94), None) && rate.agrees(dec!(-12.9), None) && !rate.agrees(dec!(13.0), None));
        assert!(!rate.agrees(dec!(-12.9), Some(1)) && rate.agrees(dec!(-12.9), Some(-1)));
        assert!(!one("-12.9%").agrees(dec!(12.9), None));
        assert_eq!(revenue.written_like("8369万元", dec!(84123456)), "8412万元");
        assert_eq!(one("+380万元").written_like("+380万元", dec!(3760000)), "+376万元");
        assert_eq!(one("-4天").written_like("-4天", dec!(-5)), "-5天");
        let dollars = one("$1,234.5K");
        assert_eq!(dollars.written_like("$1,234.5K", dec!(2345678)), "$2,345.7K");
    }
}
