//! One precision within a sentence or a table row (docs/src/wording.md): figures of the same kind — the same
//! unit and magnitude, `RMB …M`, `…万元`, `…%`, `…个百分点` — are written with the same number of decimals,
//! the most any of them has, so `RMB 21M` beside `RMB 18.35M` reads `RMB 21.00M`. A figure that gains decimals
//! is rounded again from its unrounded value (114,300,000 is `RMB 114M` alone and `RMB 114.30M` beside
//! `RMB 1.84M`), never padded with zeros it does not have, so every figure is its value rounded, as before.
//!
//! The formatter of sentences and table rows wraps each figure it writes, with the unrounded number it shows
//! ([`mark`]); [`harmonize`] finds them in the finished text, evens out the decimals of each kind and takes the
//! marks away. Text from the data (labels, the author's words) is never marked, so a digit in a label is never
//! touched.

use rust_decimal::{Decimal, RoundingStrategy};

/// Opens a figure in marked text (private-use characters, which no data text is expected to hold; one that
/// does is taken away with the marks).
pub const OPEN: char = '\u{E000}';
/// Separates a figure's unrounded number from its text.
pub const SEP: char = '\u{E002}';
/// Closes a figure in marked text.
pub const CLOSE: char = '\u{E001}';

/// A figure's text, marked for [`harmonize`] with the unrounded number it shows (before 万/亿, K/M/B scaling; a
/// percentage in percent).
pub fn mark(figure: String, raw: Decimal) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // The three marks (three bytes each) and the 32 hexadecimal digits: the mark is made in one allocation.
    let mut marked = String::with_capacity(figure.len() + 3 * OPEN.len_utf8() + 32);
    marked.push(OPEN);
    // The value's 16 bytes in hexadecimal: far cheaper to write than its decimal digits (a mark is made for
    // every figure of every sentence, and read back only for the rare figure that gains decimals).
    for byte in raw.abs().serialize() {
        marked.push(char::from(HEX[usize::from(byte >> 4)]));
        marked.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    marked.push(SEP);
    marked.push_str(&figure);
    marked.push(CLOSE);
    marked
}

/// The value a mark carries ([`mark`]'s hexadecimal bytes).
fn marked_value(raw: &str) -> Option<Decimal> {
    let hex = raw.as_bytes();
    if hex.len() != 32 {
        return None;
    }
    let mut bytes = [0u8; 16];
    for (byte, pair) in bytes.iter_mut().zip(hex.chunks_exact(2)) {
        let digit = |c: u8| (c as char).to_digit(16);
        *byte = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
    }
    Some(Decimal::deserialize(bytes))
}

/// The text without marks (a figure as it was formatted).
pub fn strip(text: &str) -> String {
    if is_marked(text) { strip_marks(text) } else { text.to_string() }
}

/// The first character of a text as it will show (marks and a figure's unrounded number left out).
pub fn first_shown(text: &str) -> Option<char> {
    let mut hidden = false;
    for ch in text.chars() {
        match ch {
            OPEN => hidden = true,
            SEP => hidden = false,
            CLOSE => {}
            _ if hidden => {}
            _ => return Some(ch),
        }
    }
    None
}

/// The last character of a text as it will show.
pub fn last_shown(text: &str) -> Option<char> {
    let mut hidden = false;
    for ch in text.chars().rev() {
        match ch {
            SEP => hidden = true,
            OPEN => hidden = false,
            CLOSE => {}
            _ if hidden => {}
            _ => return Some(ch),
        }
    }
    None
}

/// The marks' UTF-8 encodings share their first two bytes (U+E000..U+E002 are `EE 80 80`..`EE 80 82`), and
/// `EE` leads only characters from U+E000 to U+EFFF (private use), so a search for that byte finds marks without
/// stopping at every character of Chinese text (whose encodings end in the bytes `80`..`BF`, where a search
/// for a mark's last byte would stop).
const LEAD: u8 = 0xEE;

/// The last UTF-8 byte of a mark (the first two, `EE 80`, are the same for all three).
const fn last_byte(mark: char) -> u8 {
    0x80 | (mark as u32 & 0x3F) as u8
}

/// The length of a mark's UTF-8 encoding.
const MARK_LEN: usize = 3;

// The marks are three consecutive characters, OPEN first and SEP last, each three bytes long.
const _: () = assert!(
    OPEN.len_utf8() == MARK_LEN
        && CLOSE as u32 == OPEN as u32 + 1
        && SEP as u32 == OPEN as u32 + 2
        && last_byte(OPEN) == 0x80
);

/// Where the marks of `text` are: the byte offset of each, in order.
fn mark_offsets(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    memchr::memchr_iter(LEAD, bytes).filter(move |&at| {
        bytes.get(at + 1) == Some(&0x80)
            && matches!(bytes.get(at + 2), Some(&b) if b >= last_byte(OPEN) && b <= last_byte(SEP))
    })
}

/// The first mark `which` at or after byte `from` of `text`.
fn find_mark(text: &str, from: usize, which: char) -> Option<usize> {
    let mut encoded = [0; 3];
    let needle = which.encode_utf8(&mut encoded).as_bytes();
    mark_offsets(&text[from..]).map(|at| at + from).find(|&at| text.as_bytes()[at..].starts_with(needle))
}

/// Whether the text holds a mark.
fn is_marked(text: &str) -> bool {
    mark_offsets(text).next().is_some()
}

/// The text with stray marks taken out.
fn unmarked(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_unmarked(&mut out, text);
    out
}

/// The number inside a figure: its byte range (digits, thousands commas and one decimal point) and its
/// decimals. `None` for a figure without digits.
fn number_in(figure: &str) -> Option<(std::ops::Range<usize>, usize)> {
    let start = figure.find(|c: char| c.is_ascii_digit())?;
    let bytes = figure.as_bytes();
    let mut end = start;
    let mut decimals = None;
    while end < bytes.len() {
        match bytes[end] {
            b'0'..=b'9' => {
                if let Some(d) = decimals.as_mut() {
                    *d += 1;
                }
            }
            b',' if decimals.is_none() && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) => {}
            b'.' if decimals.is_none() && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) => decimals = Some(0),
            _ => break,
        }
        end += 1;
    }
    Some((start..end, decimals.unwrap_or(0)))
}

/// The kind of a figure: its text before the number (without a leading minus) and after it (`RMB `/`M`,
/// ``/`万元`, ``/`%`, ``/`个百分点`), and the number's decimals. Figures of one kind are written alike.
fn kind_of(figure: &str) -> Option<((&str, &str), usize)> {
    let (range, decimals) = number_in(figure)?;
    let before = figure[..range.start].trim_start_matches('-');
    Some(((before, &figure[range.end..]), decimals))
}

/// What the number of a figure is counted in, from the magnitude word right after it.
fn magnitude(after: &str) -> Decimal {
    match after.chars().next() {
        Some('K') => Decimal::from(1_000),
        Some('M') => Decimal::from(1_000_000),
        Some('B') => Decimal::from(1_000_000_000),
        Some('万') => Decimal::from(10_000),
        Some('亿') => Decimal::from(100_000_000),
        _ => Decimal::ONE,
    }
}

/// The figure written with `decimals` decimals, rounded half to even from its unrounded value; as it is when it
/// has that many already, or when the value does not round back to the figure (a figure that is not the
/// number's plain rounding is left alone rather than changed).
fn rewritten(figure: &str, raw: Option<&str>, decimals: usize) -> String {
    let Some((range, has)) = number_in(figure) else { return figure.to_string() };
    if has >= decimals {
        return figure.to_string();
    }
    let Some(raw) = raw.and_then(marked_value) else { return figure.to_string() };
    let number = &figure[range.clone()];
    let Some(scaled) = raw.checked_div(magnitude(&figure[range.end..])) else { return figure.to_string() };
    let places = decimals as u32;
    let shown = scaled.round_dp_with_strategy(places, RoundingStrategy::MidpointNearestEven);
    // The figure as it was must be this value rounded to its own decimals.
    let plain: String = number.chars().filter(|c| *c != ',').collect();
    let as_was = shown.round_dp_with_strategy(has as u32, RoundingStrategy::MidpointNearestEven);
    if plain.parse::<Decimal>().ok() != Some(as_was.normalize()) && plain.parse::<Decimal>().ok() != Some(as_was) {
        return figure.to_string();
    }
    let mut text = format!("{shown:.places$}", places = decimals);
    if number.contains(',') {
        text = super::format::group_thousands(text.parse().unwrap_or(shown));
        // group_thousands drops trailing zeros: put them back.
        let kept = text.split_once('.').map_or(0, |(_, frac)| frac.len());
        if kept == 0 {
            text.push('.');
        }
        text.extend(std::iter::repeat_n('0', decimals - kept));
    }
    format!("{}{text}{}", &figure[..range.start], &figure[range.end..])
}

/// The marked figures of a text, in order: the unrounded number (as written in the mark) and the figure.
fn figures(text: &str) -> impl Iterator<Item = (Option<&str>, &str)> {
    let mut from = 0;
    std::iter::from_fn(move || {
        let open = find_mark(text, from, OPEN)? + OPEN.len_utf8();
        // As `split(OPEN)` would: a figure ends at its close, or at the next open when it has none.
        let next_open = find_mark(text, open, OPEN).unwrap_or(text.len());
        from = next_open;
        let close = find_mark(&text[..next_open], open, CLOSE);
        Some(close.map(|close| split_figure(&text[open..close])))
    })
    .flatten()
}

/// A mark's inside: the unrounded number (parsed only for a figure that is rewritten) and the figure.
fn split_figure(inside: &str) -> (Option<&str>, &str) {
    match inside.split_once(SEP) {
        Some((raw, figure)) => (Some(raw), figure),
        None => (None, inside),
    }
}

/// Texts (one sentence, or the cells of one table row) with the figures of each kind written to the same
/// number of decimals, and the marks taken away.
pub fn harmonize_all(texts: &mut [String]) {
    if !texts.iter().any(|text| is_marked(text)) {
        return;
    }
    let most = most_decimals(texts);
    let rewritten: Vec<Option<String>> =
        texts.iter().map(|text| is_marked(text).then(|| rewrite(text, &most))).collect();
    for (text, new) in texts.iter_mut().zip(rewritten) {
        if let Some(new) = new {
            *text = new;
        }
    }
}

/// A kind of figure ([`kind_of`]) and the most decimals its figures have.
type MostDecimals<'t> = Vec<((&'t str, &'t str), usize)>;

/// Per kind: the most decimals; empty when every kind's figures have the same decimals already (nothing is
/// rewritten then).
fn most_decimals(texts: &[String]) -> MostDecimals<'_> {
    let mut most: MostDecimals<'_> = Vec::new();
    let mut uneven = false;
    for (_, figure) in texts.iter().flat_map(|text| figures(text)) {
        let Some((kind, decimals)) = kind_of(figure) else { continue };
        match most.iter_mut().find(|(known, _)| *known == kind) {
            Some((_, best)) => {
                uneven |= *best != decimals;
                *best = (*best).max(decimals);
            }
            None => most.push((kind, decimals)),
        }
    }
    if !uneven {
        most.clear();
    }
    most
}

/// One text with its figures written to their kind's decimals (none given: as they were), without marks.
fn rewrite(text: &str, most: &[((&str, &str), usize)]) -> String {
    if most.is_empty() {
        // Nothing to even out (the common case): the figures as they were, without their marks.
        return strip_marks(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = find_mark(rest, 0, OPEN) {
        push_unmarked(&mut out, &rest[..open]);
        let after = &rest[open + OPEN.len_utf8()..];
        let Some(close) = find_mark(after, 0, CLOSE) else {
            push_unmarked(&mut out, after);
            return out;
        };
        let (raw, figure) = split_figure(&after[..close]);
        rest = &after[close + CLOSE.len_utf8()..];
        let figure = if is_marked(figure) { std::borrow::Cow::Owned(unmarked(figure)) } else { figure.into() };
        let decimals =
            kind_of(&figure).and_then(|(kind, _)| most.iter().find(|(known, _)| *known == kind)).map(|(_, d)| *d);
        match decimals {
            Some(decimals) => out.push_str(&rewritten(&figure, raw, decimals)),
            None => out.push_str(&figure),
        }
    }
    push_unmarked(&mut out, rest);
    out
}

/// [`rewrite`] with nothing to even out: each figure as it was, its unrounded number and every mark taken out,
/// in one pass over the marks (rewriting found the next open and close mark figure by figure, and copied each
/// figure through [`push_unmarked`]: a fifth of writing a sentence). Held to the plain path in the tests.
fn strip_marks(text: &str) -> String {
    const OPEN_BYTE: u8 = last_byte(OPEN);
    const CLOSE_BYTE: u8 = last_byte(CLOSE);
    const SEP_BYTE: u8 = last_byte(SEP);
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    // Outside a figure: the text from `from` on is not written yet. Inside one: where it opened, and its first
    // separator; the figure is written at its close.
    let mut from = 0;
    let mut open: Option<(usize, Option<usize>)> = None;
    for at in mark_offsets(text) {
        match (&mut open, bytes[at + 2]) {
            (None, OPEN_BYTE) => {
                out.push_str(&text[from..at]);
                open = Some((at, None));
            }
            (None, _) => {
                // A stray separator or close.
                out.push_str(&text[from..at]);
                from = at + MARK_LEN;
            }
            (Some((_, separator @ None)), SEP_BYTE) => *separator = Some(at),
            (Some((start, separator)), CLOSE_BYTE) => {
                let shown = separator.unwrap_or(*start) + MARK_LEN;
                push_unmarked(&mut out, &text[shown..at]);
                from = at + MARK_LEN;
                open = None;
            }
            // A further open or separator inside the figure: taken out with the figure's other marks.
            (Some(_), _) => {}
        }
    }
    match open {
        // An open without a close: the rest as it is, without marks.
        Some((start, _)) => push_unmarked(&mut out, &text[start + MARK_LEN..]),
        None => out.push_str(&text[from..]),
    }
    out
}

/// `text` added to `out` without stray marks (most text has none: copied whole).
fn push_unmarked(out: &mut String, text: &str) {
    let mut from = 0;
    for at in mark_offsets(text) {
        out.push_str(&text[from..at]);
        from = at + OPEN.len_utf8();
    }
    out.push_str(&text[from..]);
}

/// One sentence with its figures evened out ([`harmonize_all`]).
pub fn harmonize(text: String) -> String {
    let mut texts = [text];
    harmonize_all(&mut texts);
    let [text] = texts;
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn m(figure: &str, raw: Decimal) -> String {
        mark(figure.to_string(), raw)
    }

    #[test]
    fn a_mark_is_made_in_one_allocation() {
        for figure in ["RMB 21M", "8369万元", "12.4个百分点", ""] {
            let marked = m(figure, dec!(-21_004_000.5));
            assert_eq!(marked.len(), marked.capacity(), "{figure}: the capacity reserved is the length written");
            assert_eq!(strip(&marked), figure);
        }
    }

    #[test]
    fn figures_of_one_kind_take_the_most_decimals_from_their_values() {
        let text = format!(
            "Q4 revenue was {}, up from {} in Q3 ({})",
            m("RMB 21M", dec!(21_004_000)),
            m("RMB 18.35M", dec!(18_350_000)),
            m("16.1%", dec!(16.129))
        );
        assert_eq!(harmonize(text), "Q4 revenue was RMB 21.00M, up from RMB 18.35M in Q3 (16.1%)");
        // Rounded again from the value, not padded: 114.3M alone is 114M.
        let text = format!("{} of the {} target", m("RMB 1.84M", dec!(1_840_000)), m("RMB 114M", dec!(114_300_000)));
        assert_eq!(harmonize(text), "RMB 1.84M of the RMB 114.30M target");
        let text = format!(
            "占比{}，较Q3的{}上升{}",
            m("35%", dec!(35)),
            m("22.6%", dec!(22.58)),
            m("12.4个百分点", dec!(12.42))
        );
        assert_eq!(harmonize(text), "占比35.0%，较Q3的22.6%上升12.4个百分点");
    }

    #[test]
    fn other_kinds_and_unmarked_digits_are_left_alone() {
        // 亿 and 万 are different kinds; the 4 of Q4 and the digits of a label are not figures.
        let text = format!(
            "2023年Q4营收{}，其中5G套餐{}、其他{}",
            m("1.2亿元", dec!(120_000_000)),
            m("8500万元", dec!(85_004_000)),
            m("12.5万元", dec!(125_000))
        );
        assert_eq!(harmonize(text), "2023年Q4营收1.2亿元，其中5G套餐8500.4万元、其他12.5万元");
        assert_eq!(harmonize("no figures 1.25".to_string()), "no figures 1.25");
    }

    #[test]
    fn signs_grouping_and_rows() {
        let text = format!(
            "{}, {}, +{}",
            m("-RMB 1.5M", dec!(-1_500_000)),
            m("RMB 1,234.25M", dec!(1_234_250_000)),
            m("RMB 3M", dec!(3_000_000))
        );
        assert_eq!(harmonize(text), "-RMB 1.50M, RMB 1,234.25M, +RMB 3.00M");
        let mut row = [
            m("3600万元", dec!(36_000_000)),
            m("31.5万元", dec!(315_000)),
            format!("+{}", m("16.1%", dec!(16.1))),
            "华东".to_string(),
        ];
        harmonize_all(&mut row);
        assert_eq!(row, ["3600.0万元", "31.5万元", "+16.1%", "华东"]);
        assert_eq!(strip(&m("RMB 3M", dec!(3_000_000))), "RMB 3M");
    }

    /// The plain reference the byte search for marks stands in for: searches for the mark characters.
    mod reference {
        use super::super::{CLOSE, OPEN, SEP, split_figure};

        pub fn is_marked(text: &str) -> bool {
            text.contains([OPEN, SEP, CLOSE])
        }

        pub fn unmarked(text: &str) -> String {
            text.chars().filter(|c| ![OPEN, SEP, CLOSE].contains(c)).collect()
        }

        pub fn figures(text: &str) -> Vec<(Option<&str>, &str)> {
            text.split(OPEN)
                .skip(1)
                .filter_map(|rest| rest.split_once(CLOSE).map(|(inside, _)| split_figure(inside)))
                .collect()
        }

        pub fn strip(text: &str) -> String {
            let mut out = String::new();
            let mut rest = text;
            while let Some(open) = rest.find(OPEN) {
                out.push_str(&unmarked(&rest[..open]));
                let after = &rest[open + OPEN.len_utf8()..];
                let Some(close) = after.find(CLOSE) else {
                    out.push_str(&unmarked(after));
                    return out;
                };
                out.push_str(&unmarked(split_figure(&after[..close]).1));
                rest = &after[close + CLOSE.len_utf8()..];
            }
            out.push_str(&unmarked(rest));
            out
        }
    }

    /// Text made of marks, characters whose encodings look like a mark's in part (U+E003 and U+E080 share its
    /// first bytes, 营 and 亿 end in its last ones), digits and units.
    fn marked_text() -> impl Strategy<Value = String> {
        let alphabet =
            vec![OPEN, SEP, CLOSE, '\u{E003}', '\u{E080}', '营', '亿', '万', '1', '2', '.', ',', 'M', '%', ' ', 'a'];
        prop::collection::vec(prop::sample::select(alphabet), 0..48).prop_map(|chars| chars.into_iter().collect())
    }

    use proptest::prelude::*;

    proptest! {
        /// Finding marks by their lead byte finds what a search for the mark characters finds.
        #[test]
        fn byte_search_for_marks_is_the_character_search(text in marked_text()) {
            prop_assert_eq!(is_marked(&text), reference::is_marked(&text));
            prop_assert_eq!(unmarked(&text), reference::unmarked(&text));
            prop_assert_eq!(figures(&text).collect::<Vec<_>>(), reference::figures(&text));
            prop_assert_eq!(strip(&text), reference::strip(&text));
        }
    }

    #[test]
    fn a_figure_that_is_not_its_values_rounding_stays() {
        // A figure written some other way (a label's own text, a capped value) is not rewritten.
        assert_eq!(
            harmonize(format!("{} {}", m("RMB 5M", dec!(7_000_000)), m("RMB 1.25M", dec!(1_250_000)))),
            "RMB 5M RMB 1.25M"
        );
    }
}
