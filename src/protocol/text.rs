//! Chapter contents between JSON string literals and text: unescaping (on all cores), telling whether
//! serde_json would write a text back as the very same literal, and cutting literals out of the input.

use std::io::{self, Write};
use std::ops::Range;

use rayon::prelude::*;

/// The text of a JSON string literal (quotes included) that the locating reader has checked.
pub(super) fn unescape(literal: &str) -> String {
    let mut text = String::new();
    unescape_into(literal, &mut text);
    text
}

/// [`unescape`] into `text` (cleared first), which keeps its memory from one literal to the next.
pub(super) fn unescape_into(literal: &str, text: &mut String) {
    let inner = literal.get(1..literal.len().saturating_sub(1)).unwrap_or_default();
    let bytes = inner.as_bytes();
    text.clear();
    text.reserve(inner.len());
    let mut copied = 0;
    while let Some(found) = bytes.get(copied..).and_then(|rest| memchr::memchr(b'\\', rest)) {
        let escape = copied + found;
        // A backslash and what follows it are ASCII, so these are character boundaries.
        text.push_str(inner.get(copied..escape).unwrap_or_default());
        let Some((decoded, length)) = decode_escape(bytes.get(escape..).unwrap_or_default()) else {
            // Not an escape the locating reader lets through; serde_json says what it is.
            *text = serde_json::from_str(literal).unwrap_or_else(|_| inner.to_string());
            return;
        };
        text.push(decoded);
        copied = escape + length;
    }
    text.push_str(inner.get(copied..).unwrap_or_default());
}

/// Whether the literal unescapes to `text` ([`unescape`]`(literal) == text`, without building the unescaped
/// text: a changed chapter differs early, at its first directive).
pub(super) fn unescapes_to(literal: &str, text: &str) -> bool {
    let inner = literal.get(1..literal.len().saturating_sub(1)).unwrap_or_default().as_bytes();
    let mut rest = text.as_bytes();
    let mut take = |expected: &[u8]| match rest.strip_prefix(expected) {
        Some(after) => {
            rest = after;
            true
        }
        None => false,
    };
    let mut copied = 0;
    while let Some(found) = inner.get(copied..).and_then(|tail| memchr::memchr(b'\\', tail)) {
        let escape = copied + found;
        let Some((decoded, length)) = decode_escape(inner.get(escape..).unwrap_or_default()) else {
            return unescape(literal) == text;
        };
        if !take(inner.get(copied..escape).unwrap_or_default()) || !take(decoded.encode_utf8(&mut [0; 4]).as_bytes()) {
            return false;
        }
        copied = escape + length;
    }
    take(inner.get(copied..).unwrap_or_default()) && rest.is_empty()
}

/// Moves each text offset (into the text `literal` unescapes to; ascending) to the literal's offset where that
/// character is written. `None` for an escape the locating reader does not let through (serde_json's business).
pub(super) fn literal_offsets<'o>(literal: &str, offsets: impl IntoIterator<Item = &'o mut usize>) -> Option<()> {
    let inner = literal.get(1..literal.len().saturating_sub(1)).unwrap_or_default().as_bytes();
    let mut offsets = offsets.into_iter().peekable();
    // Where the plain run being walked starts, in the literal's inner bytes and in the text.
    let (mut in_literal, mut in_text) = (0, 0);
    loop {
        let escape = inner.get(in_literal..).and_then(|rest| memchr::memchr(b'\\', rest)).map(|at| in_literal + at);
        let run_end = escape.unwrap_or(inner.len());
        let run_end_in_text = in_text + (run_end - in_literal);
        while let Some(offset) = offsets.next_if(|offset| **offset <= run_end_in_text || escape.is_none()) {
            // A text offset is a character boundary, so never inside an escape's character; past the end clamps.
            *offset = 1 + (in_literal + offset.saturating_sub(in_text)).min(inner.len());
        }
        let Some(escape) = escape else { return Some(()) };
        let (decoded, length) = decode_escape(inner.get(escape..).unwrap_or_default())?;
        in_literal = escape + length;
        in_text = run_end_in_text + decoded.len_utf8();
    }
}

/// The character an escape at the start of `bytes` stands for, and the escape's length.
fn decode_escape(bytes: &[u8]) -> Option<(char, usize)> {
    let short = match bytes.get(1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => return decode_unicode_escape(bytes),
        _ => return None,
    };
    Some((short, 2))
}

/// `\uXXXX`, or a surrogate pair `\uD83D\uDCA1`.
fn decode_unicode_escape(bytes: &[u8]) -> Option<(char, usize)> {
    let hex = |at: usize| -> Option<u32> {
        let digits = std::str::from_utf8(bytes.get(at..at + 4)?).ok()?;
        u32::from_str_radix(digits, 16).ok().filter(|_| digits.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    let first = hex(2)?;
    if !(0xD800..0xDC00).contains(&first) {
        return Some((char::from_u32(first)?, 6));
    }
    if bytes.get(6..8)? != b"\\u" {
        return None;
    }
    let second = hex(8)?;
    if !(0xDC00..0xE000).contains(&second) {
        return None;
    }
    Some((char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))?, 12))
}

/// Writes `text` as the inside of a JSON string literal, escaped byte for byte as serde_json escapes it (so that
/// an unchanged text comes back as the literal mdBook wrote). Eight bytes at a time while none needs an escape.
pub(super) fn write_escaped_inner(out: &mut impl Write, text: &str) -> io::Result<()> {
    let bytes = text.as_bytes();
    let mut copied = 0;
    let mut at = 0;
    while let Some(special) = next_special(bytes, at) {
        out.write_all(bytes.get(copied..special).unwrap_or_default())?;
        let byte = bytes.get(special).copied().unwrap_or_default();
        match byte {
            b'"' => out.write_all(b"\\\"")?,
            b'\\' => out.write_all(b"\\\\")?,
            b'\n' => out.write_all(b"\\n")?,
            b'\r' => out.write_all(b"\\r")?,
            b'\t' => out.write_all(b"\\t")?,
            0x08 => out.write_all(b"\\b")?,
            0x0c => out.write_all(b"\\f")?,
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let escape = [b'\\', b'u', b'0', b'0', HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xf)]];
                out.write_all(&escape)?;
            }
        }
        copied = special + 1;
        at = copied;
    }
    out.write_all(bytes.get(copied..).unwrap_or_default())
}

/// The first byte at or after `from` that JSON must escape: `"`, `\` or a control character.
fn next_special(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The classic "has a zero byte" test, applied to `byte < 0x20`, `byte == '"'` and `byte == '\\'`.
    let has_zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    let mut at = from;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let special = (word.wrapping_sub(0x20 * ONES) & !word & HIGHS)
            | has_zero(word ^ (b'"' as u64 * ONES))
            | has_zero(word ^ (b'\\' as u64 * ONES));
        if special != 0 {
            break;
        }
        at += 8;
    }
    let rest = bytes.get(at..)?;
    rest.iter().position(|&byte| byte < 0x20 || byte == b'"' || byte == b'\\').map(|offset| at + offset)
}

/// Whether serde_json (which mdBook writes its JSON with) escapes the literal's text as exactly this literal:
/// every escape is one it writes (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, or `\u00xx` in lower case for the
/// other control characters). Then the literal need not be kept to write an unchanged chapter back unchanged.
pub(super) fn is_canonical(literal: &[u8]) -> bool {
    let mut at = 0;
    while let Some(found) = literal.get(at..).and_then(|rest| memchr::memchr(b'\\', rest)) {
        let escape = at + found;
        at = match literal.get(escape + 1) {
            Some(b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't') => escape + 2,
            Some(b'u') if literal.get(escape + 2..escape + 6).is_some_and(is_serde_control_escape) => escape + 6,
            _ => return false,
        };
    }
    true
}

/// `00xx` for a control character that has no short escape, in serde_json's lower-case hex.
fn is_serde_control_escape(hex: &[u8]) -> bool {
    let [b'0', b'0', high @ (b'0' | b'1'), low] = *hex else {
        return false;
    };
    let value = (high - b'0') * 16
        + match low {
            b'0'..=b'9' => low - b'0',
            b'a'..=b'f' => low - b'a' + 10,
            _ => return false,
        };
    !matches!(value, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d)
}

/// A chapter's text once unescaped: in the place of its JSON literal (the range of the input its bytes now
/// fill), or, for a literal serde_json would not write back the same, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Unescaped {
    InPlace(Range<usize>),
    Owned(String),
}

/// A literal to unescape: its chapter's index, where it starts in the input, and its bytes.
type Job<'a> = (usize, usize, &'a mut [u8]);

/// Unescapes the string literals at `literals` (chapter index and range in `input`; sorted, disjoint) where
/// they are, on all cores: a text is never longer than its literal, so it is written over it, with no
/// memory besides and no page to fault in. Only a literal serde_json writes back as the same bytes
/// ([`is_canonical`]) is overwritten (an unchanged chapter is then written back escaped, byte for byte as it
/// came); any other is unescaped into an owned text and left as it is. Returns each chapter's text.
pub(super) fn unescape_in_place(input: &mut [u8], literals: &[(usize, Range<usize>)]) -> Vec<(usize, Unescaped)> {
    // The literals as disjoint slices of the input, in order.
    let mut jobs: Vec<Job> = Vec::with_capacity(literals.len());
    let mut rest = input;
    let mut consumed = 0;
    for (index, range) in literals {
        let Some(skip) = range.start.checked_sub(consumed) else { continue };
        let Some((_, tail)) = rest.split_at_mut_checked(skip) else { break };
        let Some((literal, after)) = tail.split_at_mut_checked(range.len()) else { break };
        jobs.push((*index, range.start, literal));
        rest = after;
        consumed = range.end;
    }
    let one = |(index, start, literal): Job| {
        let text = if is_canonical(literal) {
            Unescaped::InPlace(start + 1..start + 1 + unescape_bytes_in_place(literal))
        } else {
            Unescaped::Owned(unescape(std::str::from_utf8(literal).unwrap_or_default()))
        };
        (index, text)
    };
    crate::parallel::size_global_pool();
    let mut texts: Vec<(usize, Unescaped)> = jobs.into_par_iter().map(one).collect();
    texts.sort_unstable_by_key(|(index, _)| *index);
    texts
}

/// Unescapes a literal (quotes included) whose every escape is one serde_json writes, writing the text over
/// it from its second byte on; returns the text's length. Each escape is longer than the character it stands
/// for, so writing never overtakes reading.
fn unescape_bytes_in_place(literal: &mut [u8]) -> usize {
    if literal.len() < 2 {
        return 0;
    }
    let end = literal.len() - 1;
    let (mut read, mut write) = (1, 1);
    while let Some(found) = literal.get(read..end).and_then(|rest| memchr::memchr(b'\\', rest)) {
        let escape = read + found;
        literal.copy_within(read..escape, write);
        write += escape - read;
        let Some((decoded, length)) = decode_escape(literal.get(escape..end).unwrap_or_default()) else {
            break;
        };
        let mut buffer = [0; 4];
        let encoded = decoded.encode_utf8(&mut buffer).as_bytes();
        literal[write..write + encoded.len()].copy_from_slice(encoded);
        write += encoded.len();
        read = escape + length;
    }
    literal.copy_within(read..end, write);
    write + (end - read) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_quoted(out: &mut Vec<u8>, text: &str) {
        out.push(b'"');
        write_escaped_inner(out, text).unwrap();
        out.push(b'"');
    }

    #[test]
    fn canonical_literals_are_those_serde_json_writes() {
        for text in ["", "plain", "a\nb\r\n\t\"q\" \\ \u{1}\u{1f}\u{8}\u{c}\u{7f} é 💡 </script>", "\\u0041"] {
            let literal = serde_json::to_string(text).unwrap();
            assert!(is_canonical(literal.as_bytes()), "{literal}");
            assert_eq!(unescape(&literal), text);
        }
        for literal in [r#""\/""#, r#""\u0041""#, r#""\u000A""#, r#""\u000a""#, r#""\u001F""#, r#""\ud83d\udca1""#] {
            assert!(!is_canonical(literal.as_bytes()), "{literal}");
        }
    }

    #[test]
    fn escapes_every_control_character_as_serde_json_does() {
        let text: String = (0u8..0x80).map(char::from).chain("é中💡".chars()).collect();
        for len in 0..text.len() {
            let Some(part) = text.get(len..) else { continue };
            let mut written = Vec::new();
            write_quoted(&mut written, part);
            assert_eq!(String::from_utf8(written).unwrap(), serde_json::to_string(part).unwrap());
        }
    }

    #[test]
    fn unescapes_every_escape_json_has() {
        let cases = [
            (r#""a\"b\\c\/d\be\ff\ng\rh\ti""#, "a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti"),
            (r#""\u0041\u00e9\u4e2D\uD83D\uDCA1\u0000""#, "Aé中💡\u{0}"),
            (r#""\\u0041""#, "\\u0041"),
            (r#""no escape""#, "no escape"),
            (r#""""#, ""),
        ];
        for (literal, text) in cases {
            assert_eq!(unescape(literal), text, "{literal}");
            assert_eq!(serde_json::from_str::<String>(literal).unwrap(), text, "{literal}");
        }
        // What the locating reader refuses still does not panic here.
        for literal in [r#""\ud800""#, r#""\ud800\u0041""#, r#""\x""#, r#""\u12""#, r#""\""#, "\"", ""] {
            let _ = unescape(literal);
        }
    }

    proptest::proptest! {
        #[test]
        fn escapes_as_serde_json_does(text in "(\\PC|[\\x00-\\x1f\\x7f\"\\\\])*") {
            let mut written = Vec::new();
            write_quoted(&mut written, &text);
            proptest::prop_assert_eq!(String::from_utf8(written).unwrap(), serde_json::to_string(&text).unwrap());
        }

        #[test]
        fn unescapes_as_serde_json_does(text in "\\PC*", escape_all in proptest::bool::ANY) {
            let mut literal = serde_json::to_string(&text).unwrap();
            if escape_all {
                // Every character as `\uXXXX` (pairs beyond the BMP), as other JSON writers may.
                literal = format!("\"{}\"", text.encode_utf16().map(|unit| format!("\\u{unit:04X}")).collect::<String>());
            }
            proptest::prop_assert_eq!(unescape(&literal), text);
        }

        /// Every decision the in-place reader makes about a literal is serde_json's: its text (into a reused
        /// buffer too), whether serde_json writes that text back as the same literal, and whether it says a
        /// given text. Literals as serde_json writes them, with every character as `\uXXXX`, and with `\/`.
        #[test]
        fn literal_decisions_are_serde_jsons(
            text in "(\\PC|[\x00-\x1f\x7f\"\\\\/])*",
            other in "(\\PC|[\n\"\\\\])*",
            style in 0..3u8,
            leftover in "\\PC*",
        ) {
            let literal = match style {
                0 => serde_json::to_string(&text).unwrap(),
                1 => format!("\"{}\"", text.encode_utf16().map(|unit| format!("\\u{unit:04x}")).collect::<String>()),
                _ => serde_json::to_string(&text).unwrap().replace('/', "\\/"),
            };
            let reference: String = serde_json::from_str(&literal).unwrap();
            proptest::prop_assert_eq!(&reference, &text);
            let mut buffer = leftover;
            unescape_into(&literal, &mut buffer);
            proptest::prop_assert_eq!(&buffer, &reference);
            let written_back = serde_json::to_string(&reference).unwrap() == literal;
            proptest::prop_assert_eq!(is_canonical(literal.as_bytes()), written_back, "{}", literal);
            proptest::prop_assert!(unescapes_to(&literal, &reference));
            proptest::prop_assert_eq!(unescapes_to(&literal, &other), other == reference);
        }

        /// Splices moved into the literal and written there, escaped, say what the splices made to the text say.
        #[test]
        fn splices_move_into_the_literal(
            text in "(\\PC|[\n\r\t\"\\\\/\x01])*",
            escape_all in proptest::bool::ANY,
            cuts in proptest::collection::vec((0usize..64, "[a-z\n\"营]{0,3}"), 0..6),
        ) {
            let mut literal = serde_json::to_string(&text).unwrap();
            if escape_all {
                literal = format!("\"{}\"", text.encode_utf16().map(|unit| format!("\\u{unit:04x}")).collect::<String>());
            }
            let boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            let mut points: Vec<usize> = cuts.iter().map(|(at, _)| boundaries[at % boundaries.len()]).collect();
            points.sort_unstable();
            let splices: Vec<crate::splice::Splice> = points
                .chunks(2)
                .zip(&cuts)
                .map(|(pair, (_, new))| crate::splice::Splice::new(pair[0]..*pair.last().unwrap(), new.as_str().into()))
                .collect();
            let mut moved = splices.clone();
            literal_offsets(&literal, moved.iter_mut().flat_map(|s| [&mut s.range.start, &mut s.range.end])).unwrap();
            let mut written = Vec::new();
            let mut copied = 0;
            for splice in &moved {
                written.extend_from_slice(&literal.as_bytes()[copied..splice.range.start]);
                write_escaped_inner(&mut written, &splice.text).unwrap();
                copied = splice.range.end;
            }
            written.extend_from_slice(&literal.as_bytes()[copied..]);
            let written = String::from_utf8(written).unwrap();
            proptest::prop_assert_eq!(unescape(&written), crate::splice::apply(&text, &splices));
            proptest::prop_assert!(unescapes_to(&written, &crate::splice::apply(&text, &splices)));
        }
    }

    #[test]
    fn unescapes_to_compares_without_unescaping() {
        for (literal, text, same) in [
            (r#""a\nb\u00e9\/""#, "a\nbé/", true),
            (r#""a\nb""#, "a\nbc", false),
            (r#""a\nbc""#, "a\nb", false),
            (r#""\ud83d\udca1""#, "💡", true),
            (r#""""#, "", true),
        ] {
            assert_eq!(unescapes_to(literal, text), same, "{literal} vs {text:?}");
        }
    }

    #[test]
    fn unescapes_in_place_on_all_cores_in_order() {
        let texts: Vec<String> =
            (0..100).map(|i| format!("chapter {i}\n\"é\" \\ \t\u{1} {}", "营".repeat(i * 7))).collect();
        let mut input = Vec::new();
        let mut literals = Vec::new();
        for (index, text) in texts.iter().enumerate() {
            input.extend_from_slice(b",[kept]:");
            let start = input.len();
            if index == 7 {
                // Escaped unlike serde_json: unescaped into an owned text, the literal left alone.
                input.extend_from_slice(br#""\/\u0041""#);
            } else {
                input.extend(serde_json::to_vec(text).unwrap());
            }
            literals.push((index, start..input.len()));
        }
        let original = input.clone();
        for threads in [1, 2, 3] {
            let mut input = original.clone();
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let unescaped = pool.install(|| unescape_in_place(&mut input, &literals));
            assert_eq!(unescaped.iter().map(|(index, _)| *index).collect::<Vec<_>>(), (0..100).collect::<Vec<_>>());
            for ((index, text), (_, range)) in unescaped.iter().zip(&literals) {
                match text {
                    Unescaped::InPlace(inside) => {
                        assert!(range.start < inside.start && inside.end < range.end);
                        assert_eq!(std::str::from_utf8(&input[inside.clone()]).unwrap(), texts[*index]);
                    }
                    Unescaped::Owned(text) => {
                        assert_eq!((*index, text.as_str()), (7, "/A"));
                        assert_eq!(input[range.clone()], original[range.clone()]);
                    }
                }
                // Everything between the literals stays.
                assert_eq!(&input[range.start - 8..range.start], b",[kept]:");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn unescaping_in_place_says_what_serde_json_says(text in "(\\PC|[\x00-\x1f\x7f\"\\\\])*") {
            let mut literal = serde_json::to_vec(&text).unwrap();
            let length = unescape_bytes_in_place(&mut literal);
            proptest::prop_assert_eq!(std::str::from_utf8(&literal[1..1 + length]).unwrap(), text);
        }
    }
}
