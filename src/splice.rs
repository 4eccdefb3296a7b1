//! A changed text described by its changes: byte ranges replaced by other text. An expanded chapter is its
//! original plus one splice per directive, so it need not be copied whole (the JSON reader writes the original's
//! bytes around the splices) and a repeated expansion is held once.

use std::ops::Range;
use std::sync::{Arc, LazyLock};

/// The bytes at `range` of a text replaced by `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Splice {
    pub range: Range<usize>,
    pub text: Arc<str>,
}

impl Splice {
    pub fn new(range: Range<usize>, text: Arc<str>) -> Self {
        Splice { range, text }
    }

    /// The bytes at `range` dropped.
    pub fn removal(range: Range<usize>) -> Self {
        static EMPTY: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from(""));
        Splice { range, text: EMPTY.clone() }
    }
}

/// `text` with the splices made. The splices are in order and do not overlap; ranges past the text's end or
/// inside a character (which the engine never makes) are clamped, so nothing panics.
pub fn apply(text: &str, splices: &[Splice]) -> String {
    let added: usize = splices.iter().map(|s| s.text.len()).sum();
    let mut out = String::with_capacity(text.len() + added);
    let mut copied = 0;
    for splice in splices {
        let start = floor_boundary(text, splice.range.start.max(copied));
        out.push_str(&text[copied..start]);
        out.push_str(&splice.text);
        copied = floor_boundary(text, splice.range.end.max(start));
    }
    out.push_str(&text[copied..]);
    out
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_replace_their_ranges_in_order() {
        let splices = [Splice::new(0..1, "A".into()), Splice::removal(2..3), Splice::new(5..5, "!".into())];
        assert_eq!(apply("a\\bcd", &splices), "A\\cd!");
        assert_eq!(apply("营收", &[Splice::new(3..6, "额".into())]), "营额");
        assert_eq!(apply("text", &[]), "text");
    }

    #[test]
    fn ranges_out_of_bounds_are_clamped() {
        assert_eq!(apply("营收", &[Splice::new(1..99, "x".into())]), "x");
        assert_eq!(apply("ab", &[Splice::new(1..2, "x".into()), Splice::new(0..1, "y".into())]), "axy");
    }
}
