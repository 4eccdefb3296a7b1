//! Chapter contents between JSON string literals and text: unescaping (on all cores), telling whether
//! serde_json would write a text back as the very same literal, and cutting literals out of the input.

use std::ops::Range;

/// The text of a JSON string literal (quotes included) that the locating reader has checked.
pub(super) fn unescape(literal: &[u8]) -> String {
    let inner = literal.get(1..literal.len().saturating_sub(1)).unwrap_or_default();
    if memchr::memchr(b'\\', inner).is_none() {
        return String::from_utf8_lossy(inner).into_owned();
    }
    // Checked by the locating reader (escapes, surrogate pairs, UTF-8): this cannot fail.
    serde_json::from_slice(literal).unwrap_or_default()
}

/// The texts of many literals, in order, unescaped on as many threads as the machine has cores.
pub(super) fn unescape_all(input: &[u8], literals: &[Range<usize>]) -> Vec<String> {
    let one = |range: &Range<usize>| unescape(input.get(range.clone()).unwrap_or_default());
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if threads < 2 || literals.len() < 2 * threads {
        return literals.iter().map(one).collect();
    }
    let chunk = literals.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            literals.chunks(chunk).map(|part| scope.spawn(move || part.iter().map(one).collect::<Vec<_>>())).collect();
        let mut texts = Vec::with_capacity(literals.len());
        for (handle, part) in handles.into_iter().zip(literals.chunks(chunk)) {
            // A worker cannot panic on checked literals; should one, its part is done here.
            texts.extend(handle.join().unwrap_or_else(|_| part.iter().map(one).collect()));
        }
        texts
    })
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

/// The input without the `cut` ranges (sorted, disjoint), and a map from old offsets to new ones.
pub(super) fn cut_out(input: &[u8], cut: &[Range<usize>]) -> (Vec<u8>, OffsetMap) {
    let removed: usize = cut.iter().map(|range| range.len()).sum();
    let mut kept = Vec::with_capacity(input.len().saturating_sub(removed));
    let mut copied = 0;
    let mut ends = Vec::with_capacity(cut.len());
    let mut removed_so_far = Vec::with_capacity(cut.len());
    let mut total = 0;
    for range in cut {
        kept.extend_from_slice(input.get(copied..range.start).unwrap_or_default());
        copied = range.end;
        total += range.len();
        ends.push(range.end);
        removed_so_far.push(total);
    }
    kept.extend_from_slice(input.get(copied..).unwrap_or_default());
    (kept, OffsetMap { ends, removed_so_far })
}

/// Old offset → new offset after [`cut_out`].
pub(super) struct OffsetMap {
    ends: Vec<usize>,
    removed_so_far: Vec<usize>,
}

impl OffsetMap {
    /// An offset outside every cut range moves back by what was cut before it; a cut range becomes an empty
    /// range where it was.
    pub fn range(&self, range: Range<usize>) -> Range<usize> {
        let before = |offset: usize| {
            let cuts = self.ends.partition_point(|&end| end <= offset);
            cuts.checked_sub(1).map_or(0, |last| self.removed_so_far[last])
        };
        let start = range.start - before(range.start);
        let end = range.end - before(range.end);
        start..end.max(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_literals_are_those_serde_json_writes() {
        for text in ["", "plain", "a\nb\r\n\t\"q\" \\ \u{1}\u{1f}\u{8}\u{c}\u{7f} é 💡 </script>", "\\u0041"] {
            let literal = serde_json::to_string(text).unwrap();
            assert!(is_canonical(literal.as_bytes()), "{literal}");
            assert_eq!(unescape(literal.as_bytes()), text);
        }
        for literal in [r#""\/""#, r#""\u0041""#, r#""\u000A""#, r#""\u000a""#, r#""\u001F""#, r#""\ud83d\udca1""#] {
            assert!(!is_canonical(literal.as_bytes()), "{literal}");
        }
    }

    #[test]
    fn unescapes_on_all_cores_in_order() {
        let texts: Vec<String> = (0..100).map(|i| format!("chapter {i}\n\"é\"")).collect();
        let mut input = Vec::new();
        let mut literals = Vec::new();
        for text in &texts {
            let start = input.len();
            input.extend(serde_json::to_vec(text).unwrap());
            literals.push(start..input.len());
            input.push(b',');
        }
        assert_eq!(unescape_all(&input, &literals), texts);
    }

    #[test]
    fn cutting_moves_the_offsets_after_each_cut() {
        let input = b"0123456789";
        let (kept, map) = cut_out(input, &[2..4, 6..7]);
        assert_eq!(kept, b"0145789");
        assert_eq!(map.range(0..2), 0..2);
        assert_eq!(map.range(2..4), 2..2);
        assert_eq!(map.range(4..6), 2..4);
        assert_eq!(map.range(6..7), 4..4);
        assert_eq!(map.range(0..10), 0..7);
        assert_eq!(map.range(8..9), 5..6);
    }
}
