//! Number formatting of docs/src/numbers.md: 万/亿 for zh-CN, K/M/B for en, half-to-even rounding done once, for display.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::config::{CurrencySign, Locale, Points, Style};
use crate::data::{Label, Unit};

const TEN_THOUSAND: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);
const HUNDRED_MILLION: Decimal = Decimal::from_parts(100_000_000, 0, 0, false, 0);
const THOUSAND: Decimal = Decimal::from_parts(1_000, 0, 0, false, 0);
const MILLION: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);
const BILLION: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// Rounds half to even (GB/T 8170) to `dp` decimals and drops trailing zeros.
pub fn round(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::MidpointNearestEven).normalize()
}

/// Digits before the decimal point of |x| (at least 1), counted from its mantissa (writing the number out to
/// count them cost more than the rounding they decide).
fn integer_digits(x: Decimal) -> u32 {
    // |mantissa| / 10^scale is the integer part; a Decimal's scale is at most 28, and 10^28 fits in a u128.
    let integer = x.mantissa().unsigned_abs() / 10u128.pow(x.scale());
    integer.checked_ilog10().map_or(1, |digits| digits + 1)
}

/// At least three significant digits, at most two decimals: 1.14, 33.5, 8500.
fn significant(x: Decimal) -> Decimal {
    let dp = 3u32.saturating_sub(integer_digits(x)).min(2);
    round(x, dp)
}

/// `1234567.5` → `1,234,567.5`.
pub fn group_thousands(x: Decimal) -> String {
    let text = x.normalize().to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (digits, None),
    };
    let mut grouped = String::with_capacity(int.len() + int.len() / 3 + 4);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    match frac {
        Some(frac) => format!("{sign}{grouped}.{frac}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A magnitude in 亿/万 with the significant-digit rule: `1.2亿`, `8500万`, `33.5万`, `9500`.
pub fn compact_zh(value: Decimal) -> String {
    let negative = value.is_sign_negative() && !value.is_zero();
    let abs = value.abs();
    let (mut scaled, mut unit) = if abs >= HUNDRED_MILLION {
        (abs / HUNDRED_MILLION, "亿")
    } else if abs >= TEN_THOUSAND {
        (abs / TEN_THOUSAND, "万")
    } else {
        (abs, "")
    };
    scaled = significant(scaled);
    // 9999.99万 rounds to 10000万: say 1亿 instead.
    if scaled >= TEN_THOUSAND && unit != "亿" {
        scaled = significant(scaled / TEN_THOUSAND);
        unit = if unit.is_empty() { "万" } else { "亿" };
    }
    let sign = if negative && !scaled.is_zero() { "-" } else { "" };
    format!("{sign}{scaled}{unit}")
}

/// A magnitude in K/M/B from 10,000, the grouped number below: `120M`, `1.5M`, `300K`, `12.3K`, `9,500`.
pub fn compact_en(value: Decimal) -> String {
    let negative = value.is_sign_negative() && !value.is_zero();
    let abs = value.abs();
    let steps = [(BILLION, "B"), (MILLION, "M"), (THOUSAND, "K")];
    let mut text = None;
    if abs >= TEN_THOUSAND {
        for (index, (size, suffix)) in steps.iter().enumerate() {
            if abs >= *size {
                let mut scaled = significant(abs / size);
                let mut suffix = *suffix;
                // 999.99K rounds to 1000K: say 1M instead.
                if scaled >= THOUSAND && index > 0 {
                    let (bigger, bigger_suffix) = steps[index - 1];
                    scaled = significant(abs / bigger);
                    suffix = bigger_suffix;
                }
                text = Some(format!("{}{suffix}", group_thousands(scaled)));
                break;
            }
        }
    }
    let text = text.unwrap_or_else(|| group_thousands(significant(abs)));
    if negative && text.chars().any(|c| c.is_ascii_digit() && c != '0') { format!("-{text}") } else { text }
}

/// The currency's symbol (en) and word (zh-CN). Unknown codes are written as the code itself.
fn currency_words(code: &str) -> (&str, &str) {
    match code {
        "CNY" | "RMB" => ("¥", "元"),
        "USD" => ("$", "美元"),
        "EUR" => ("€", "欧元"),
        "JPY" => ("JP¥", "日元"),
        "GBP" => ("£", "英镑"),
        "HKD" => ("HK$", "港元"),
        "TWD" => ("NT$", "新台币"),
        "KRW" => ("₩", "韩元"),
        "SGD" => ("S$", "新加坡元"),
        "AUD" => ("A$", "澳元"),
        "CAD" => ("CA$", "加元"),
        "INR" => ("₹", "卢比"),
        "CHF" => ("CHF ", "瑞士法郎"),
        other => (other, other),
    }
}

/// An English count suffix for exactly one (` customers` → ` customer`, ` people` → ` person`).
fn singular(suffix: &str) -> String {
    if let Some(stem) = suffix.strip_suffix("people") {
        format!("{stem}person")
    } else if let Some(stem) = suffix.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = suffix.strip_suffix('s').filter(|stem| !stem.ends_with('s')) {
        stem.to_string()
    } else {
        suffix.to_string()
    }
}

/// The magnitude a directive fixes for amounts and counts (`scale=万`, `scale=M`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Wan,
    Yi,
    Thousand,
    Million,
    Billion,
}

impl Scale {
    /// The option's value as the parser normalised it (`万`, `亿`, `K`, `M`, `B`).
    pub fn parse(text: &str) -> Option<Scale> {
        match text {
            "万" => Some(Scale::Wan),
            "亿" => Some(Scale::Yi),
            "K" => Some(Scale::Thousand),
            "M" => Some(Scale::Million),
            "B" => Some(Scale::Billion),
            _ => None,
        }
    }

    pub fn size(self) -> Decimal {
        match self {
            Scale::Wan => TEN_THOUSAND,
            Scale::Yi => HUNDRED_MILLION,
            Scale::Thousand => THOUSAND,
            Scale::Million => MILLION,
            Scale::Billion => BILLION,
        }
    }

    /// What follows the number: `万`, `M`.
    pub fn text(self) -> &'static str {
        match self {
            Scale::Wan => "万",
            Scale::Yi => "亿",
            Scale::Thousand => "K",
            Scale::Million => "M",
            Scale::Billion => "B",
        }
    }

    /// The locale whose numbers are written in this magnitude.
    pub fn locale(self) -> Locale {
        match self {
            Scale::Wan | Scale::Yi => Locale::ZhCn,
            _ => Locale::En,
        }
    }
}

/// A number format a directive fixes, like a spreadsheet cell's (`decimals=1 scale=M`): the same digits and unit
/// whatever the value, for text typed that way (`¥21.0M`, `14.0%`, `1.20亿元`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fixed {
    /// Exactly this many decimals, trailing zeros kept.
    pub decimals: Option<u32>,
    /// The magnitude of amounts and counts, whatever their size.
    pub scale: Option<Scale>,
}

/// `x` rounded half to even to exactly `decimals` decimals, trailing zeros kept: `14.0`, `1.20`; grouped in
/// thousands when `grouped` (`12,345.0`). No sign for a number that rounds to zero.
pub fn fixed_decimals(x: Decimal, decimals: u32, grouped: bool) -> String {
    let rounded = x.round_dp_with_strategy(decimals, RoundingStrategy::MidpointNearestEven);
    let text = format!("{:.*}", decimals as usize, rounded.abs());
    let (int, frac) = text.split_once('.').map_or((text.as_str(), None), |(int, frac)| (int, Some(frac)));
    let int = if grouped { group_thousands(int.parse().unwrap_or(Decimal::ZERO)) } else { int.to_string() };
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() { "-" } else { "" };
    match frac {
        Some(frac) => format!("{sign}{int}.{frac}"),
        None => format!("{sign}{int}"),
    }
}

/// A number as [`NumberFormat`] writes it inside a unit's text (`12.9` of `12.9%`).
enum SmallNumber {
    Rounded(Decimal),
    Text(String),
}

impl std::fmt::Display for SmallNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SmallNumber::Rounded(number) => number.fmt(f),
            SmallNumber::Text(text) => f.write_str(text),
        }
    }
}

/// Formats one metric's numbers in one locale.
#[derive(Clone, Debug)]
pub struct NumberFormat<'a> {
    pub locale: Locale,
    pub unit: Unit,
    /// Decimals for percentages and percentage points (and days).
    pub precision: u32,
    /// ISO 4217 code for currency metrics.
    pub currency: &'a str,
    pub suffix: Option<&'a Label>,
    /// How English names percentage points and yuan.
    pub style: Style,
    /// Decimals and magnitude the directive fixes (`decimals=`, `scale=`).
    pub fixed: Fixed,
    /// Whether figures are marked for one precision within a sentence or table row ([`super::precision`]).
    pub marked: bool,
}

impl NumberFormat<'_> {
    /// A value of the metric: `3600万元` / `¥36M`, `120家`, `75%`, `18天` / `18 days`.
    pub fn value(&self, value: Decimal) -> String {
        // `compute` refuses ratios whose percentage is beyond decimal range; saturate rather than panic.
        let shown = if self.unit == Unit::Ratio { value.saturating_mul(Decimal::ONE_HUNDRED) } else { value };
        self.marked(self.value_text(value), shown)
    }

    fn value_text(&self, value: Decimal) -> String {
        let number = match self.unit {
            Unit::Currency => return self.currency_text(value),
            Unit::Percent => return self.percent_text(value),
            Unit::Ratio => return self.percent_text(value.saturating_mul(Decimal::ONE_HUNDRED)),
            Unit::Days => return self.days_text(value),
            Unit::Count | Unit::Number if self.fixed != Fixed::default() => self.fixed_magnitude(value),
            Unit::Count | Unit::Number => match self.locale {
                Locale::ZhCn => compact_zh(value),
                Locale::En if self.unit == Unit::Count => group_thousands(significant_count(value)),
                Locale::En => compact_en(value),
            },
        };
        match self.suffix {
            Some(suffix) if self.locale == Locale::En && number == "1" => {
                format!("{number}{}", singular(suffix.get("en", "")))
            }
            Some(suffix) => format!("{number}{}", suffix.get(self.locale.id(), "")),
            None => number,
        }
    }

    /// A figure as the formatter hands it out: marked with its unrounded number where the sentence or table
    /// row evens out its decimals afterwards (see [`super::precision`]).
    fn marked(&self, text: String, shown: Decimal) -> String {
        if self.marked { super::precision::mark(text, shown) } else { text }
    }

    /// An English count difference as a comparative, in the order English says it: `17 fewer customers`,
    /// `1 more customer`, `3 more` (number, comparative, the count's noun).
    pub fn count_comparative(&self, difference: Decimal, comparative: &str) -> String {
        let unmarked = NumberFormat { suffix: None, marked: false, ..self.clone() };
        let number = unmarked.value_text(difference.abs());
        let noun = self.suffix.map(|suffix| suffix.get("en", "")).unwrap_or_default();
        let noun = if number == "1" { singular(noun) } else { noun.to_string() };
        format!("{} {comparative}{noun}", self.marked(number, difference.abs()))
    }

    /// The value without a count's suffix, for sentences whose label already names what is counted
    /// ("new customers were 120").
    pub fn bare(&self, value: Decimal) -> String {
        NumberFormat { suffix: None, ..self.clone() }.value(value)
    }

    /// An amount or count in the fixed format: in the `scale` given, else the one its size calls for (万/亿,
    /// K/M/B from 10,000 as [`compact_zh`] and [`compact_en`] choose; an English count is never scaled unless
    /// asked); with the `decimals` given, else the significant-digit rule.
    fn fixed_magnitude(&self, value: Decimal) -> String {
        let abs = value.abs();
        let auto = match self.locale {
            Locale::ZhCn if abs >= HUNDRED_MILLION => Some(Scale::Yi),
            Locale::ZhCn if abs >= TEN_THOUSAND => Some(Scale::Wan),
            Locale::En if self.unit == Unit::Count => None,
            Locale::En if abs >= BILLION => Some(Scale::Billion),
            Locale::En if abs >= MILLION => Some(Scale::Million),
            Locale::En if abs >= TEN_THOUSAND => Some(Scale::Thousand),
            _ => None,
        };
        let scale = self.fixed.scale.or(auto);
        let scaled = scale.map_or(value, |scale| value / scale.size());
        let grouped = self.locale == Locale::En;
        let number = match self.fixed.decimals {
            Some(decimals) => fixed_decimals(scaled, decimals, grouped),
            None => {
                let rounded = significant(scaled);
                let sign = if rounded.is_sign_negative() && !rounded.is_zero() { "-" } else { "" };
                let digits = if grouped { group_thousands(rounded.abs()) } else { rounded.abs().to_string() };
                format!("{sign}{digits}")
            }
        };
        format!("{number}{}", scale.map_or("", Scale::text))
    }

    /// A percentage, a number of points or days: `precision` decimals at most, or exactly `decimals`. Written
    /// into the text that holds it, without a string of its own unless it needs one.
    fn small_number(&self, x: Decimal, grouped: bool) -> SmallNumber {
        match self.fixed.decimals {
            Some(decimals) => SmallNumber::Text(fixed_decimals(x, decimals, grouped)),
            None if grouped => SmallNumber::Text(group_thousands(round(x, self.precision))),
            None => SmallNumber::Rounded(round(x, self.precision)),
        }
    }

    fn currency_text(&self, value: Decimal) -> String {
        let (symbol, word) = currency_words(self.currency);
        if self.fixed != Fixed::default() {
            let text = self.fixed_magnitude(value);
            return match self.locale {
                Locale::ZhCn => format!("{text}{word}"),
                Locale::En => {
                    let symbol = match (self.currency, self.style.currency_sign) {
                        ("CNY" | "RMB", CurrencySign::Code) => "RMB ",
                        _ => symbol,
                    };
                    match text.strip_prefix('-') {
                        Some(rest) => format!("-{symbol}{rest}"),
                        None => format!("{symbol}{text}"),
                    }
                }
            };
        }
        match self.locale {
            Locale::ZhCn => format!("{}{word}", compact_zh(value)),
            Locale::En => {
                // ¥ alone reads as yen to an English reader: yuan are written with their code unless the book asks.
                let symbol = match (self.currency, self.style.currency_sign) {
                    ("CNY" | "RMB", CurrencySign::Code) => "RMB ",
                    _ => symbol,
                };
                let text = compact_en(value);
                match text.strip_prefix('-') {
                    Some(rest) => format!("-{symbol}{rest}"),
                    None => format!("{symbol}{text}"),
                }
            }
        }
    }

    /// `35%`, `22.6%`, `105%` with `precision` decimals.
    pub fn percent(&self, percent: Decimal) -> String {
        self.marked(self.percent_text(percent), percent)
    }

    fn percent_text(&self, percent: Decimal) -> String {
        format!("{}%", self.small_number(percent, false))
    }

    /// `12.4个百分点` / `12.4 pp`.
    pub fn points(&self, points: Decimal) -> String {
        self.marked(self.points_text(points), points)
    }

    fn points_text(&self, points: Decimal) -> String {
        let number = round(points, self.precision);
        let text = self.small_number(points, false);
        match self.locale {
            Locale::ZhCn => format!("{text}个百分点"),
            Locale::En if self.style.points == Points::Pp => format!("{text} pp"),
            Locale::En if number.abs() == Decimal::ONE && self.fixed.decimals.is_none() => {
                format!("{text} percentage point")
            }
            Locale::En => format!("{text} percentage points"),
        }
    }

    /// `18天` / `18 days`, `1 day`.
    pub fn days(&self, days: Decimal) -> String {
        self.marked(self.days_text(days), days)
    }

    fn days_text(&self, days: Decimal) -> String {
        let number = round(days, self.precision);
        match self.locale {
            Locale::ZhCn => format!("{}天", self.small_number(days, false)),
            Locale::En if number.abs() == Decimal::ONE && self.fixed.decimals.is_none() => format!("{number} day"),
            Locale::En => format!("{} days", self.small_number(days, true)),
        }
    }

    /// `10-day` (en) for "the 10-day standard"; other units as their value text.
    pub fn adjective(&self, value: Decimal) -> String {
        match (self.unit, self.locale) {
            (Unit::Days, Locale::En) => self.marked(format!("{}-day", self.small_number(value, false)), value),
            _ => self.value(value),
        }
    }
}

/// Counts keep up to two decimals in en (grouped, never compacted).
fn significant_count(value: Decimal) -> Decimal {
    round(value, 2)
}

/// Puts a sign in front of a magnitude text: `+16.1%`, `-3天`; zero gets no sign.
pub fn signed(text: &str, sign: i8) -> String {
    match sign {
        1 => format!("+{text}"),
        -1 => format!("-{text}"),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    proptest::proptest! {
        /// The digits before the decimal point, counted from the mantissa, are those written out.
        #[test]
        fn integer_digits_are_those_written_out(mantissa in proptest::num::i128::ANY, scale in 0u32..=28) {
            let mantissa = mantissa % 79_228_162_514_264_337_593_543_950_335i128;
            let x = Decimal::from_i128_with_scale(mantissa, scale);
            let int = x.abs().trunc();
            let written = if int.is_zero() { 1 } else { int.to_string().trim_start_matches('-').len() as u32 };
            proptest::prop_assert_eq!(integer_digits(x), written, "{}", x);
        }
    }

    #[test]
    fn chinese_amounts() {
        for (value, text) in [
            (dec!(120000000), "1.2亿"),
            (dec!(114300000), "1.14亿"),
            (dec!(85000000), "8500万"),
            (dec!(1260000), "126万"),
            (dec!(335000), "33.5万"),
            (dec!(9500), "9500"),
            (dec!(99999999), "1亿"),
            (dec!(-36000000), "-3600万"),
            (dec!(0), "0"),
            (dec!(12.345), "12.3"),
            (dec!(0.125), "0.12"),
        ] {
            assert_eq!(compact_zh(value), text, "{value}");
        }
    }

    #[test]
    fn english_amounts() {
        for (value, text) in [
            (dec!(120000000), "120M"),
            (dec!(114300000), "114M"),
            (dec!(1500000), "1.5M"),
            (dec!(300000), "300K"),
            (dec!(12345), "12.3K"),
            (dec!(9500), "9,500"),
            (dec!(999999), "1M"),
            (dec!(2500000000), "2.5B"),
            (dec!(-36000000), "-36M"),
        ] {
            assert_eq!(compact_en(value), text, "{value}");
        }
    }

    #[test]
    fn half_to_even_once() {
        assert_eq!(round(dec!(12.25), 1), dec!(12.2));
        assert_eq!(round(dec!(12.35), 1), dec!(12.4));
        assert_eq!(round(dec!(105.0), 1).to_string(), "105");
        assert_eq!(group_thousands(dec!(1234567.5)), "1,234,567.5");
        assert_eq!(group_thousands(dec!(-1234)), "-1,234");
    }
}
