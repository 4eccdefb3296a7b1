//! Finding directives in a chapter with pulldown-cmark offsets: the one finder the preprocessor and the structure
//! check share (the check gives it the code and HTML ranges its own parse found, [`scan_with_excluded`]).
//!
//! The scan runs in two steps. A byte search for `<<#kpi` decides whether the chapter has anything to do at all:
//! most chapters do not, and they cost one SIMD search and no allocation. Only when a marker is found is the
//! chapter parsed as Markdown, to collect the byte ranges where text is not text (code blocks, code spans, raw
//! HTML, comments); every marker outside those ranges is a directive, an escape or an unterminated directive.
//! The parse stops after the paragraph of the last marker, since nothing later can change what comes before.
//!
//! The marker is matched exactly (lower case) and must end a word: `<<#kpis` is left alone.

use std::ops::Range;

use memchr::memmem;
use pulldown_cmark::{Event, Options, Parser, Tag};

/// What opens a directive.
pub const MARKER: &str = "<<#kpi";

const BOM: &str = "\u{feff}";

/// One place in a chapter that the preprocessor rewrites.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// `<<#kpi …>>` in text. `span` covers `<<` to `>>`.
    Directive {
        span: Range<usize>,
        /// Whether the directive stands alone on its line (after any list indentation or `> ` markers), as
        /// block forms require.
        alone_on_line: bool,
        /// The text before the directive on its line that a block form's output lines must repeat
        /// (indentation and `> ` markers). List markers are turned into spaces, so that the following lines
        /// continue the list item: `> - <<#kpi …>>` gives `>   `. Empty when the directive is not alone.
        line_prefix: String,
    },
    /// `\<<#kpi`: `span` covers the backslash, which is removed.
    Escape { span: Range<usize> },
    /// `<<#kpi` with no closing `>>` on its line (or another `<<#kpi` before it): a `kpi/syntax` error.
    /// `span` covers the `<<#kpi` marker only, so that replacing it keeps the author's text.
    Unterminated { span: Range<usize> },
}

impl Found {
    /// The bytes of the chapter this finding covers.
    pub fn span(&self) -> Range<usize> {
        match self {
            Found::Directive { span, .. } | Found::Escape { span } | Found::Unterminated { span } => span.clone(),
        }
    }
}

/// The pulldown-cmark options mdBook 0.5 renders with (`mdbook-markdown`'s `new_cmark_parser` with its default
/// `MarkdownOptions`), so that what counts as code or HTML here is what mdBook renders as code or HTML. Smart
/// punctuation is left out: it only changes quotes and dashes inside text, never where code or HTML is.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_DEFINITION_LIST
        | Options::ENABLE_GFM
}

/// Every directive, escape and unterminated directive in `markdown`, in order, never overlapping.
pub fn scan(markdown: &str) -> Vec<Found> {
    let markers = markers(markdown);
    let Some(&last) = markers.last() else { return Vec::new() };
    let excluded = excluded_ranges(&markdown[..paragraph_end(markdown, last)]);
    Scanner { text: markdown, excluded: &excluded, next_excluded: 0, resume: 0 }.run(&markers)
}

/// [`scan`] with the ranges where text is not text already known (the structure check parses every chapter and
/// gives them: [`crate::check::check_with_code_ranges`]), so the chapter is not parsed a second time. `excluded`
/// must be what a parse of the whole chapter finds: sorted, merged code and HTML ranges.
pub fn scan_with_excluded(markdown: &str, excluded: &[Range<usize>]) -> Vec<Found> {
    let markers = markers(markdown);
    if markers.is_empty() {
        return Vec::new();
    }
    Scanner { text: markdown, excluded, next_excluded: 0, resume: 0 }.run(&markers)
}

/// Where `<<#kpi` occurs; empty (no allocation) for the common chapter without one.
fn markers(markdown: &str) -> Vec<usize> {
    memmem::Finder::new(MARKER).find_iter(markdown.as_bytes()).collect()
}

/// Where the Markdown after `offset` stops mattering to it: just after the first blank line that follows
/// `offset`'s line, or the end of the text.
///
/// Nothing after a blank line changes whether text before it is code or HTML: code spans and inline HTML end with
/// their paragraph, a blank line ends a paragraph, and a fence or HTML block still open at the cut runs to the end
/// of the parsed text either way. Parsing stops there, which spares the parse of a chapter's tail after its last
/// directive.
fn paragraph_end(markdown: &str, offset: usize) -> usize {
    let bytes = markdown.as_bytes();
    let mut line_start = match memchr::memchr(b'\n', &bytes[offset..]) {
        Some(newline) => offset + newline + 1,
        None => return markdown.len(),
    };
    while line_start < bytes.len() {
        let line_end = memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |n| line_start + n + 1);
        if bytes[line_start..line_end].iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) {
            return line_end;
        }
        line_start = line_end;
    }
    markdown.len()
}

/// The sorted, merged byte ranges where `<<#kpi` is not a directive: code blocks, code spans, HTML blocks,
/// inline HTML and comments.
fn excluded_ranges(markdown: &str) -> Vec<Range<usize>> {
    // mdBook strips a BOM when it loads a chapter, but `check` reads the files itself, and a BOM would hide a
    // fence or an HTML block on the first line from the parser: parse the text after it, shift the offsets back.
    let (body, shift) = match markdown.strip_prefix(BOM) {
        Some(rest) => (rest, BOM.len()),
        None => (markdown, 0),
    };
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for (event, range) in Parser::new_ext(body, markdown_options()).into_offset_iter() {
        let is_excluded = is_code_or_html(&event);
        if is_excluded {
            ranges.push(range.start + shift..range.end + shift);
        }
    }
    merge_ranges(&mut ranges);
    ranges
}

/// Whether an event is code or HTML, where `<<#kpi` is not a directive (its range is excluded from the scan).
pub fn is_code_or_html(event: &Event<'_>) -> bool {
    matches!(
        event,
        Event::Start(Tag::CodeBlock(_) | Tag::HtmlBlock) | Event::Code(_) | Event::Html(_) | Event::InlineHtml(_)
    )
}

/// Code and HTML ranges sorted and overlapping ones joined, in place: what the scanner excludes, from its own
/// parse or another's (the outline's, the figure check's). Events come in document order, so the sort finds them
/// sorted already; it keeps the merge right whatever order a parser reports nested ranges in.
pub fn merge_ranges(ranges: &mut Vec<Range<usize>>) {
    ranges.sort_unstable_by_key(|range| range.start);
    let mut merged: usize = 0;
    for i in 0..ranges.len() {
        let range = ranges[i].clone();
        match merged.checked_sub(1).and_then(|last| ranges.get_mut(last)) {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => {
                ranges[merged] = range;
                merged += 1;
            }
        }
    }
    ranges.truncate(merged);
}

struct Scanner<'a> {
    text: &'a str,
    excluded: &'a [Range<usize>],
    /// The first excluded range that may still contain a later marker.
    next_excluded: usize,
    /// Where the last finding ended; nothing before it is looked at again, which keeps the scan linear.
    resume: usize,
}

impl Scanner<'_> {
    fn run(mut self, markers: &[usize]) -> Vec<Found> {
        let mut found = Vec::with_capacity(markers.len());
        for (index, &start) in markers.iter().enumerate() {
            if start < self.resume || self.is_excluded(start) {
                continue;
            }
            let after = start + MARKER.len();
            if !self.opens_directive(after) {
                continue;
            }
            if self.is_escaped(start) {
                found.push(Found::Escape { span: start - 1..start });
                self.resume = after;
                continue;
            }
            // A directive ends at the first `>>` on its line, and never runs into the next marker.
            let limit = markers.get(index + 1).copied().unwrap_or(self.text.len());
            match self.closing(after, limit) {
                Some(end) => {
                    found.push(self.directive(start, end));
                    self.resume = end;
                }
                None => {
                    found.push(Found::Unterminated { span: start..after });
                    self.resume = after;
                }
            }
        }
        found
    }

    /// Whether `offset` falls in a code block, code span, HTML block, inline HTML or comment. Called with
    /// increasing offsets, so one pass over the excluded ranges serves the whole chapter.
    fn is_excluded(&mut self, offset: usize) -> bool {
        while self.excluded.get(self.next_excluded).is_some_and(|range| range.end <= offset) {
            self.next_excluded += 1;
        }
        self.excluded.get(self.next_excluded).is_some_and(|range| range.start <= offset)
    }

    /// The marker must end a word: `<<#kpi revenue 2023>>` and `<<#kpi>>` are ours, `<<#kpis` is not.
    fn opens_directive(&self, after: usize) -> bool {
        match self.text.get(after..).and_then(|rest| rest.chars().next()) {
            None => true,
            Some(next) => next == '>' || next.is_whitespace(),
        }
    }

    /// An odd number of backslashes right before the marker escapes it (`\\<<#kpi` is an escaped backslash
    /// followed by a directive). Backslashes inside an excluded range before the marker (a code span ending
    /// right there) or inside an earlier finding do not count.
    fn is_escaped(&self, start: usize) -> bool {
        let floor = self.resume.max(self.excluded_end_before(start));
        let bytes = self.text.as_bytes();
        let backslashes = bytes[floor..start].iter().rev().take_while(|&&b| b == b'\\').count();
        backslashes % 2 == 1
    }

    /// The end of the last excluded range that ends at or before `offset` (0 if none).
    fn excluded_end_before(&self, offset: usize) -> usize {
        // `next_excluded` is the first range ending after `offset`, so the one before it is the last that ends
        // at or before it.
        self.next_excluded
            .checked_sub(1)
            .and_then(|index| self.excluded.get(index))
            .map_or(0, |range| range.end.min(offset))
    }

    /// The end (after `>>`) of the directive whose marker ends at `after`, looking no further than the end of
    /// its line or `limit`.
    fn closing(&self, after: usize, limit: usize) -> Option<usize> {
        let window = &self.text.as_bytes()[after..limit];
        let line = match memchr::memchr(b'\n', window) {
            Some(newline) => &window[..newline],
            None => window,
        };
        memmem::find(line, b">>").map(|close| after + close + 2)
    }

    fn directive(&self, start: usize, end: usize) -> Found {
        let prefix = self.block_prefix(start);
        let alone_on_line = prefix.is_some() && self.only_whitespace_after(end);
        let line_prefix = if alone_on_line { prefix.unwrap_or_default() } else { String::new() };
        Found::Directive { span: start..end, alone_on_line, line_prefix }
    }

    /// The continuation prefix when everything before `start` on its line is whitespace, `>` markers and list
    /// markers; `None` otherwise.
    fn block_prefix(&self, start: usize) -> Option<String> {
        let bytes = self.text.as_bytes();
        // A BOM opens the first line but is not part of its prefix.
        let first_line_start = if self.text.starts_with(BOM) { BOM.len() } else { 0 };
        // Walk back over bytes a prefix can hold. The walk stops at the previous finding, so no byte is walked
        // twice: a finding earlier on the same line means the directive is not alone anyway.
        let floor = self.resume.max(first_line_start);
        let mut line_start = start;
        while line_start > floor {
            match bytes[line_start - 1] {
                b'\n' => break,
                b' ' | b'\t' | b'>' | b'-' | b'*' | b'+' | b'.' | b')' | b'0'..=b'9' => line_start -= 1,
                _ => return None,
            }
        }
        if line_start != first_line_start && bytes[line_start - 1] != b'\n' {
            return None;
        }
        continuation_prefix(&self.text[line_start..start])
    }

    fn only_whitespace_after(&self, end: usize) -> bool {
        self.text[end..].chars().take_while(|&c| c != '\n').all(char::is_whitespace)
    }
}

/// Turns the text before a directive into the prefix its block output's following lines carry: whitespace and
/// `>` stay, list markers (`-`, `*`, `+`, `1.`, `1)`) become spaces of the same width. `None` when the text is not
/// made of those alone.
fn continuation_prefix(before: &str) -> Option<String> {
    let bytes = before.as_bytes();
    let mut prefix = String::with_capacity(before.len());
    let mut at = 0;
    while at < bytes.len() {
        let marker_len = match bytes[at] {
            b' ' | b'\t' | b'>' => {
                prefix.push(bytes[at] as char);
                at += 1;
                continue;
            }
            b'-' | b'*' | b'+' => 1,
            b'0'..=b'9' => {
                let digits = bytes[at..].iter().take_while(|b| b.is_ascii_digit()).count();
                if digits > 9 || !matches!(bytes.get(at + digits), Some(b'.' | b')')) {
                    return None;
                }
                digits + 1
            }
            _ => return None,
        };
        // A list marker is followed by a space or a tab.
        if !matches!(bytes.get(at + marker_len), Some(b' ' | b'\t')) {
            return None;
        }
        prefix.extend(std::iter::repeat_n(' ', marker_len));
        at += marker_len;
    }
    Some(prefix)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const PIECES: &[&str] = &[
        "<<#kpi a>>",
        "<<#kpi ",
        ">>",
        "`",
        "``",
        "```\n",
        "~~~\n",
        "<!--",
        "-->",
        "<div>\n",
        "</div>",
        "<script>\n",
        "</script>",
        "<span>",
        "\n",
        "\n\n",
        " \r\n",
        "    ",
        "\t",
        "- ",
        "> ",
        "1. ",
        ": ",
        "term\n",
        "| a |\n|---|\n",
        "[^1]: ",
        "[x]: /u\n",
        "===\n",
        "x ",
        "\\",
        "营收",
    ];

    fn is_excluded(ranges: &[Range<usize>], offset: usize) -> bool {
        ranges.iter().any(|range| range.contains(&offset))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Parsing only up to the paragraph after the last marker decides every marker as a full parse does.
        #[test]
        fn stopping_after_the_last_paragraph_changes_nothing(
            pieces in prop::collection::vec(prop::sample::select(PIECES), 0..30),
        ) {
            let text = pieces.concat();
            let markers: Vec<usize> = text.match_indices(MARKER).map(|(at, _)| at).collect();
            let Some(&last) = markers.last() else { return Ok(()) };
            let cut = paragraph_end(&text, last);
            prop_assert!(cut > last && text.is_char_boundary(cut));
            let full = excluded_ranges(&text);
            let partial = excluded_ranges(&text[..cut]);
            for marker in markers {
                prop_assert_eq!(is_excluded(&full, marker), is_excluded(&partial, marker), "{:?} at {}", text, marker);
            }
        }
    }

    #[test]
    fn paragraph_end_is_after_the_next_blank_line() {
        let text = "a <<#kpi x>> b\nsame paragraph\n  \t\r\nnext\n";
        assert_eq!(&text[..paragraph_end(text, 2)], "a <<#kpi x>> b\nsame paragraph\n  \t\r\n");
        assert_eq!(paragraph_end("<<#kpi x>>", 0), 10);
        assert_eq!(paragraph_end("<<#kpi x>>\nmore", 0), 15);
    }

    #[test]
    fn prefixes_keep_quotes_and_blank_list_markers() {
        assert_eq!(continuation_prefix("").as_deref(), Some(""));
        assert_eq!(continuation_prefix("- ").as_deref(), Some("  "));
        assert_eq!(continuation_prefix("> - ").as_deref(), Some(">   "));
        assert_eq!(continuation_prefix("  10. ").as_deref(), Some("      "));
        assert_eq!(continuation_prefix("1)\t").as_deref(), Some("  \t"));
        assert_eq!(continuation_prefix(">>").as_deref(), Some(">>"));
        assert_eq!(continuation_prefix("-x"), None);
        assert_eq!(continuation_prefix("-"), None);
        assert_eq!(continuation_prefix("# "), None);
        assert_eq!(continuation_prefix("1.5 "), None);
    }

    #[test]
    fn no_marker_no_parse() {
        assert!(scan("# Title\n\nplain text `code` <b>x</b>\n").is_empty());
    }

    #[test]
    fn known_ranges_find_what_a_parse_finds() {
        let text =
            "a <<#kpi x q4>> `<<#kpi y q4>>`\n\n```\n<<#kpi z q4>>\n```\n\n<!-- <<#kpi w q4>> -->\n\\<<#kpi v>>\n";
        let ranges = excluded_ranges(text);
        assert_eq!(scan_with_excluded(text, &ranges), scan(text));
        assert_eq!(scan(text).len(), 2, "one directive and one escape");
        // Without the ranges every marker counts: the ranges are what keeps code untouched.
        assert!(scan_with_excluded(text, &[]).len() > 2);
    }

    #[test]
    fn excluded_ranges_merge() {
        let text = "<div>\n<b>x</b>\n</div>\n\n`a` and `b`\n";
        let ranges = excluded_ranges(text);
        assert_eq!(ranges.len(), 3);
        assert_eq!(&text[ranges[0].clone()], "<div>\n<b>x</b>\n</div>\n");
        assert_eq!(&text[ranges[1].clone()], "`a`");
    }
}
