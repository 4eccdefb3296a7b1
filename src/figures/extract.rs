//! Where hand-typed figures can be: the text of a chapter's paragraphs, list items and table cells, read with the
//! same Markdown parser and options as the directive scanner, so code, HTML (comments included) and directives
//! are never read as prose.
//!
//! The text comes in *segments*: a sentence of prose or a list item, or a table cell. A figure ties to a fact
//! only through words in its own segment, and for a table cell also through its row's first cell and its
//! column's header ([`Segment::context`]).

use std::ops::Range;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use crate::directive::scan;

/// Stands for text that is not prose (a code span, inline HTML, a directive), so that no figure or label runs
/// across it.
pub const HOLE: char = '\u{fffc}';

/// A stretch of text whose figures share their ties.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    /// Runs of `text` copied verbatim from the chapter: (start in `text`, start in the chapter, length). Text
    /// that Markdown changed (escapes, entities) has no run, so no figure in it is reported or rewritten.
    runs: Vec<(usize, usize, usize)>,
    /// Words that tie the segment's figures without holding figures of their own, read as if before `text`: a
    /// table row's first cell and the column's header.
    pub context: String,
    /// Whether the segment is a table cell.
    pub table_cell: bool,
    /// The rules a `<!-- kpi-allow: … -->` comment before the segment's block allows in it.
    pub allowed: Vec<String>,
}

impl Segment {
    /// The chapter bytes of `range` (a range of [`Segment::text`]), when they were copied verbatim.
    pub fn source(&self, range: &Range<usize>) -> Option<Range<usize>> {
        let &(text, source, _) =
            self.runs.iter().find(|(text, _, len)| *text <= range.start && range.end <= text + len)?;
        Some(source + range.start - text..source + range.end - text)
    }
}

/// Text gathered from the events of one block, with its verbatim runs.
#[derive(Default)]
struct Block {
    text: String,
    runs: Vec<(usize, usize, usize)>,
    allowed: Vec<String>,
}

impl Block {
    fn push_verbatim(&mut self, text: &str, source: usize) {
        if text.is_empty() {
            return;
        }
        self.runs.push((self.text.len(), source, text.len()));
        self.text.push_str(text);
    }

    /// A Text event: verbatim where the chapter holds the same bytes, directives replaced by a hole.
    fn push_text(&mut self, text: &str, range: Range<usize>, chapter: &str, directives: &[Range<usize>]) {
        if chapter.get(range.clone()) != Some(text) {
            self.text.push_str(text);
            return;
        }
        let mut at = range.start;
        for directive in directives.iter().filter(|d| d.start < range.end && d.end > range.start) {
            if directive.start > at {
                self.push_verbatim(&chapter[at..directive.start], at);
            }
            // A directive comes in several Text events (it holds `<`): one hole for all of them.
            if !self.text.ends_with(HOLE) {
                self.text.push(HOLE);
            }
            at = at.max(directive.end);
        }
        if at < range.end {
            self.push_verbatim(&chapter[at..range.end], at);
        }
    }

    fn slice(&self, range: Range<usize>) -> Segment {
        let runs = self
            .runs
            .iter()
            .filter_map(|&(text, source, len)| {
                let start = text.max(range.start);
                let end = (text + len).min(range.end);
                (start < end).then(|| (start - range.start, source + start - text, end - start))
            })
            .collect();
        Segment {
            text: self.text[range].to_string(),
            runs,
            context: String::new(),
            table_cell: false,
            allowed: self.allowed.clone(),
        }
    }

    /// Ends the block: its sentences into `out`, and the block emptied for the next one, which keeps the rules
    /// allowed where it starts and the memory of this one (most blocks are read and left without a figure).
    fn flush_sentences(&mut self, out: &mut Vec<Segment>) {
        sentences(self, out);
        self.text.clear();
        self.runs.clear();
    }

    /// The block so far; the next one keeps the rules allowed where it starts.
    fn take(&mut self) -> Block {
        let allowed = self.allowed.clone();
        std::mem::replace(self, Block { allowed, ..Block::default() })
    }
}

/// The length of an ordered list item's marker at the start of its source (`1.`, `  12)`), else 0.
fn list_marker_len(item: &str) -> usize {
    let indent = item.len() - item.trim_start_matches([' ', '\t']).len();
    let digits = item[indent..].bytes().take_while(u8::is_ascii_digit).count();
    match item.as_bytes().get(indent + digits) {
        Some(b'.' | b')') if digits > 0 => indent + digits + 1,
        _ => 0,
    }
}

/// The offsets of the ASCII digits of `chapter` outside `directives` (sorted ranges).
fn digits_outside(chapter: &str, directives: &[Range<usize>]) -> Vec<usize> {
    let bytes = chapter.as_bytes();
    let mut digits = Vec::new();
    let mut from = 0;
    for range in directives.iter().chain(std::iter::once(&(bytes.len()..bytes.len()))) {
        let to = range.start.clamp(from, bytes.len());
        push_digits(bytes, from..to, &mut digits);
        from = from.max(range.end);
    }
    digits
}

/// The offsets of the ASCII digits in `bytes[range]`, 32 bytes at a time: a chunk without a digit (most of a
/// chapter's prose) is passed over with a few vector comparisons (the compiler vectorizes the chunk's test,
/// which has no early exit), and only a chunk with a digit is looked at byte by byte.
fn push_digits(bytes: &[u8], range: Range<usize>, out: &mut Vec<usize>) {
    const CHUNK: usize = 32;
    let bytes = &bytes[range.clone()];
    let mut chunks = bytes.chunks_exact(CHUNK);
    let mut at = range.start;
    for chunk in &mut chunks {
        // `b - b'0' < 10` is "is a digit" without two comparisons; folded with `|`, never short-circuited.
        if chunk.iter().fold(false, |any, &b| any | (b.wrapping_sub(b'0') < 10)) {
            out.extend(chunk.iter().enumerate().filter(|(_, b)| b.is_ascii_digit()).map(|(i, _)| at + i));
        }
        at += CHUNK;
    }
    let rest = chunks.remainder();
    out.extend(rest.iter().enumerate().filter(|(_, b)| b.is_ascii_digit()).map(|(i, _)| at + i));
}

/// Whether a chapter can hold a figure at all: most chapters of a big book are skipped here.
pub fn has_digits(chapter: &str) -> bool {
    chapter.bytes().any(|b| b.is_ascii_digit())
}

/// The segments of a chapter, in order, from a Markdown parse of its own (see [`Collector`] to share a parse).
pub fn segments(chapter: &str) -> Vec<Segment> {
    segments_and_code_ranges(chapter).0
}

/// [`segments`], and the chapter's code and HTML ranges as the directive scanner finds them (`None` when the
/// chapter was not parsed, having no digit, or starts with a byte order mark, which the scanner parses without).
pub fn segments_and_code_ranges(chapter: &str) -> (Vec<Segment>, Option<Vec<Range<usize>>>) {
    let mut collector = Collector::new(chapter);
    if collector.is_active() {
        for (event, range) in Parser::new_ext(chapter, scan::markdown_options()).into_offset_iter() {
            collector.event(&event, range);
        }
    }
    let (segments, ranges) = collector.finish_with_code_ranges();
    (segments, ranges.filter(|_| !chapter.starts_with('\u{feff}')))
}

/// Gathers a chapter's segments from the events of a Markdown parse someone else drives (the structure check's
/// outline), so a chapter is parsed once for both: feed it every event with its range, then [`Collector::finish`].
/// It also keeps the chapter's code and HTML ranges, which spare the directive scanner a parse of its own.
pub struct Collector<'c> {
    chapter: &'c str,
    /// `false` for a chapter without a digit, which cannot hold a figure: every event is ignored.
    active: bool,
    directives: Vec<Range<usize>>,
    out: Vec<Segment>,
    block: Block,
    /// Inside code blocks, HTML blocks, headings, images and front matter nothing is prose.
    skipped: usize,
    header: Vec<Block>,
    /// Whether the header's comparison columns took their lenders' heads ([`lend_heads_to_comparisons`]).
    heads_lent: bool,
    row: Vec<Block>,
    /// `<!-- kpi-allow: … -->` allows rules in the block after it: the rules, and the nesting depth at which that
    /// block starts (`None` until it starts).
    depth: usize,
    allow: Option<(Vec<String>, Option<usize>)>,
    code_and_html: Vec<Range<usize>>,
    /// The chapter's digits outside directives, by offset: a block whose source holds none is not read.
    digits: Vec<usize>,
    /// For each open block that holds text, whether it is not read (see [`Collector::reading`]).
    quiet: Vec<bool>,
    /// Whether the table being read has no digit outside directives: then none of its cells is read.
    quiet_table: bool,
}

impl<'c> Collector<'c> {
    pub fn new(chapter: &'c str) -> Self {
        let active = has_digits(chapter);
        // Only Text events are read, never code or HTML, so the directives' own ranges are all that is needed
        // (without the scanner's Markdown parse of its own).
        let directives = if active { crate::check::outline::directive_ranges(chapter) } else { Vec::new() };
        let digits = digits_outside(chapter, &directives);
        Collector {
            chapter,
            active: active && !digits.is_empty(),
            directives,
            digits,
            quiet: Vec::new(),
            quiet_table: false,
            out: Vec::new(),
            block: Block::default(),
            skipped: 0,
            header: Vec::new(),
            heads_lent: false,
            row: Vec::new(),
            depth: 0,
            allow: None,
            code_and_html: Vec::new(),
        }
    }

    /// A collector that reads every block, digits or not: the plain path the skipping is held to in the tests.
    #[cfg(test)]
    fn reading_every_block(chapter: &'c str) -> Self {
        let mut collector = Collector::new(chapter);
        collector.active = has_digits(chapter);
        collector.digits = (0..chapter.len()).collect();
        collector
    }

    /// Whether the chapter can hold a figure (else the events need not be fed).
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// One event of the chapter's parse, with its byte range.
    pub fn event(&mut self, event: &Event<'_>, range: Range<usize>) {
        if !self.active {
            return;
        }
        if scan::is_code_or_html(event) {
            self.code_and_html.push(range.clone());
        }
        self.allow_scope(event);
        self.track_quiet(event, &range);
        let reading = self.reading();
        let out = &mut self.out;
        let block = &mut self.block;
        match event {
            Event::Start(
                Tag::CodeBlock(_) | Tag::HtmlBlock | Tag::Heading { .. } | Tag::Image { .. } | Tag::MetadataBlock(_),
            ) => {
                block.flush_sentences(out);
                self.skipped += 1;
            }
            Event::End(
                TagEnd::CodeBlock | TagEnd::HtmlBlock | TagEnd::Heading(_) | TagEnd::Image | TagEnd::MetadataBlock(_),
            ) => self.skipped = self.skipped.saturating_sub(1),
            Event::Start(Tag::TableHead) => self.row.clear(),
            Event::End(TagEnd::TableHead) => {
                self.header = std::mem::take(&mut self.row);
                table_row(&[], &self.header, out);
                self.heads_lent = false;
            }
            Event::Start(Tag::TableRow) => self.row.clear(),
            Event::End(TagEnd::TableRow) => {
                // Reading the heads for comparisons costs more than the rest of a table's cells: only a table
                // with a figure in its body needs it, once.
                if !self.heads_lent && self.row.iter().any(|cell| has_digits(&cell.text)) {
                    lend_heads_to_comparisons(&mut self.header);
                    self.heads_lent = true;
                }
                table_row(&self.header, &self.row, out)
            }
            Event::End(TagEnd::Table) => {
                self.header.clear();
                self.row.clear();
            }
            Event::Start(Tag::TableCell) => *block = Block::default(),
            Event::End(TagEnd::TableCell) => self.row.push(block.take()),
            Event::Start(
                Tag::Paragraph | Tag::Item | Tag::List(_) | Tag::BlockQuote(_) | Tag::FootnoteDefinition(_),
            )
            | Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::List(_) | TagEnd::BlockQuote(_) | TagEnd::FootnoteDefinition,
            ) => block.flush_sentences(out),
            Event::Text(text) if reading => block.push_text(text, range, self.chapter, &self.directives),
            Event::Code(_)
            | Event::InlineHtml(_)
            | Event::Html(_)
            | Event::InlineMath(_)
            | Event::DisplayMath(_)
            | Event::FootnoteReference(_)
                if reading =>
            {
                block.text.push(HOLE)
            }
            Event::SoftBreak | Event::HardBreak if reading => block.text.push(' '),
            _ => {}
        }
    }

    /// Whether text events go into the block: not inside code, headings and the like, nor in a block whose
    /// source has no digit outside directives (most of a big book's prose), which can hold no figure.
    fn reading(&self) -> bool {
        self.skipped == 0 && !self.quiet.last().copied().unwrap_or(false)
    }

    /// Keeps [`Collector::quiet`] for the blocks that hold text. A table cell is read whenever its table holds a
    /// digit: its text ties the figures of its row and column. A table without one (its figures, if any, are
    /// directives) is not read at all; reading its cells was a fifth of the figure check's parse.
    fn track_quiet(&mut self, event: &Event<'_>, range: &Range<usize>) {
        match event {
            Event::Start(Tag::Paragraph | Tag::BlockQuote(_) | Tag::FootnoteDefinition(_)) => {
                let quiet = !self.has_digit_in(range);
                self.quiet.push(quiet);
            }
            // An ordered list's marker (`1.`) is never text: its digits alone do not make the item read (they
            // made a seventh of a report's paragraphs read for nothing).
            Event::Start(Tag::Item) => {
                let content = range.start + list_marker_len(&self.chapter[range.clone()])..range.end;
                let quiet = !self.has_digit_in(&content);
                self.quiet.push(quiet);
            }
            Event::Start(Tag::Table(_)) => self.quiet_table = !self.has_digit_in(range),
            Event::Start(Tag::TableCell) => self.quiet.push(self.quiet_table),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Item
                | TagEnd::BlockQuote(_)
                | TagEnd::FootnoteDefinition
                | TagEnd::TableCell,
            ) => {
                self.quiet.pop();
            }
            _ => {}
        }
    }

    /// Whether the chapter has a digit outside directives within `range`.
    fn has_digit_in(&self, range: &Range<usize>) -> bool {
        let from = self.digits.partition_point(|&at| at < range.start);
        self.digits.get(from).is_some_and(|&at| at < range.end)
    }

    /// Tracks where a `kpi-allow` comment's block starts and ends.
    fn allow_scope(&mut self, event: &Event<'_>) {
        match event {
            Event::Start(_) => {
                if let Some((_, start @ None)) = &mut self.allow {
                    *start = Some(self.depth);
                }
                self.depth += 1;
            }
            Event::End(_) => {
                self.depth = self.depth.saturating_sub(1);
                if matches!(&self.allow, Some((_, Some(start))) if *start == self.depth) {
                    self.block.flush_sentences(&mut self.out);
                    self.allow = None;
                    self.block.allowed.clear();
                }
            }
            Event::Html(html) | Event::InlineHtml(html) if html.contains("kpi-allow") => {
                if let Some(rules) = allowed_rules(html) {
                    self.allow = Some((rules, None));
                }
            }
            _ => {}
        }
        if let Some((rules, Some(_))) = &self.allow {
            self.block.allowed.clone_from(rules);
        }
    }

    /// The segments, in order.
    pub fn finish(self) -> Vec<Segment> {
        self.finish_with_code_ranges().0
    }

    /// The segments, and the chapter's code and HTML ranges merged and in order (`None` when the chapter was
    /// not read: it has no digit).
    pub fn finish_with_code_ranges(mut self) -> (Vec<Segment>, Option<Vec<Range<usize>>>) {
        if !self.active {
            return (self.out, None);
        }
        sentences(&self.block, &mut self.out);
        let mut ranges = self.code_and_html;
        scan::merge_ranges(&mut ranges);
        (self.out, Some(ranges))
    }
}

/// The rules of a `<!-- kpi-allow: RULE[, RULE] -->` comment.
fn allowed_rules(html: &str) -> Option<Vec<String>> {
    let body = html.trim().strip_prefix("<!--")?.strip_suffix("-->")?.trim();
    let list = body.strip_prefix("kpi-allow")?.trim_start().strip_prefix(':')?;
    Some(list.split(',').map(|rule| rule.trim().to_string()).filter(|rule| !rule.is_empty()).collect())
}

/// Whether `allowed` (rule ids, a family as `data` or `data/*`, or `all`) covers `rule`.
pub fn allows(allowed: &[String], rule: &str) -> bool {
    let family = rule.split('/').next().unwrap_or(rule);
    allowed.iter().any(|a| a == rule || a == "all" || a == family || a.strip_suffix("/*") == Some(family))
}

/// A column headed only by a comparison (`同比`, `vs Q3`) states the change of another column: its head becomes
/// that column's head followed by its own (`销售额 同比`), so its cells tie to the same metric and period (which
/// column, see [`super::words::comparison_lenders`]).
fn lend_heads_to_comparisons(header: &mut [Block]) {
    let heads: Vec<&str> = header.iter().map(|head| head.text.as_str()).collect();
    let lenders = super::words::comparison_lenders(&heads);
    for (column, lender) in lenders.into_iter().enumerate() {
        if let Some(lender) = lender {
            header[column].text = format!("{} {}", header[lender].text, header[column].text);
        }
    }
}

/// A table row's cells as segments: each with the row's first cell and its column's header as context.
fn table_row(header: &[Block], row: &[Block], out: &mut Vec<Segment>) {
    let first = row.first().map_or("", |cell| cell.text.as_str());
    for (column, cell) in row.iter().enumerate() {
        // A cell without a digit holds no figure (it still ties its row's or column's figures, as context).
        if !has_digits(&cell.text) {
            continue;
        }
        let mut segment = cell.slice(0..cell.text.len());
        segment.table_cell = true;
        let column_header = header.get(column).map_or("", |cell| cell.text.as_str());
        let row_head = if column == 0 { "" } else { first };
        segment.context = format!("{column_header} {HOLE} {row_head} {HOLE} ");
        if !segment.text.trim().is_empty() {
            out.push(segment);
        }
    }
}

/// Splits a block of prose into sentences.
fn sentences(block: &Block, out: &mut Vec<Segment>) {
    let text = &block.text;
    // Most blocks of a big book hold no figure (years and periods are not figures): skip them before splitting.
    if !has_digits(text) || super::number::figures(text).is_empty() {
        return;
    }
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, next)| next);
        let ends = match c {
            '。' | '！' | '？' | '；' | '!' | '?' | ';' | '\n' => true,
            // A full stop, not a decimal point or an abbreviation's dot inside a word.
            '.' => next.is_none_or(char::is_whitespace),
            _ => false,
        };
        if ends {
            let end = at + c.len_utf8();
            push_sentence(block, start..end, out);
            start = end;
        }
    }
    push_sentence(block, start..text.len(), out);
}

fn push_sentence(block: &Block, range: Range<usize>, out: &mut Vec<Segment>) {
    if block.text[range.clone()].bytes().any(|b| b.is_ascii_digit()) {
        out.push(block.slice(range));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(mut collector: Collector<'_>, chapter: &str) -> Vec<Segment> {
        for (event, range) in Parser::new_ext(chapter, scan::markdown_options()).into_offset_iter() {
            collector.event(&event, range);
        }
        collector.finish()
    }

    #[test]
    fn an_ordered_list_marker_is_not_a_figure_but_the_item_text_is_read() {
        assert_eq!(list_marker_len("1. 华东"), 2);
        assert_eq!(list_marker_len("  12) x"), 5);
        assert_eq!(list_marker_len("- 8369万元"), 0);
        assert_eq!(list_marker_len("2024年"), 0);
        let texts = |chapter: &str| segments(chapter).into_iter().map(|s| s.text).collect::<Vec<_>>();
        assert_eq!(texts("1. 华东8369万元\n2. 华南\n"), ["华东8369万元"]);
        assert_eq!(texts("1. **华东**：增长12%\n"), ["华东：增长12%"]);
        assert!(texts("1. 华东\n2. 华南\n").is_empty());
    }

    proptest::proptest! {
        /// The chunk-at-a-time digit search finds exactly the digits a byte-by-byte one does.
        #[test]
        fn digits_by_chunks_are_digits_by_bytes(text in "[\\x00-\\x7f0-9a-z营收。/:]{0,120}", skip in 0usize..4) {
            let bytes = text.as_bytes();
            let from = skip.min(bytes.len());
            let mut found = Vec::new();
            push_digits(bytes, from..bytes.len(), &mut found);
            let expected: Vec<usize> = (from..bytes.len()).filter(|&i| bytes[i].is_ascii_digit()).collect();
            proptest::prop_assert_eq!(found, expected);
        }

        /// Skipping the blocks without a digit outside directives finds the same segments as reading them all.
        #[test]
        fn skipping_blocks_without_digits_changes_nothing(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "营收8369万元", "增长12.9%", "Q4", " <<#kpi revenue q4 vs q3>> ", "<<#kpi x 2024>>", "\n\n", "\n", "- ",
                "1. ", "> ", "| a | 2025年 |\n|---|---|\n| 营收 | 8369万元 |\n", "`12`", "**华东**", "&#49;", "\\2",
                "```\n12\n```\n", "# 标题3\n", "文字", "words ", "<!-- kpi-allow: data -->\n", "[^1]", "\n[^1]: 5家\n",
                "| 区域 | 说明 |\n|---|---|\n| 华东 | <<#kpi revenue q4>> |\n", "| 区域 | Q3 |\n|---|---|\n| 华东 | 增长 |\n",
                "2) ", "  10. ", "\n3. 华东8369万元\n", "\n1. **销售**：稳定\n   2. 回款3家\n",
            ]), 0..14)
        ) {
            let chapter: String = pieces.concat();
            let skipping = collect(Collector::new(&chapter), &chapter);
            let every = collect(Collector::reading_every_block(&chapter), &chapter);
            proptest::prop_assert_eq!(skipping, every, "{:?}", chapter);
        }
    }

    #[test]
    fn prose_cells_and_items_but_never_code_html_or_directives() {
        let chapter = "# 2025年 营收 1\n\n营收8369万元。毛利率`35%`。\n\n<!-- 营收9000万元 -->\n\n- 毛利率35.2%\n\n\
                       ```\n营收1万元\n```\n\n| 指标 | 2025年 |\n|---|---|\n| 营收 | 8369万元 |\n\n<<#kpi revenue fy>>和12家\n\n| a |\n|---|\n| 1 |\n\n第一段5家\n\n第二段6家\n";
        let found = segments(chapter);
        let texts: Vec<&str> = found.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            ["营收8369万元。", "毛利率35.2%", "2025年", "8369万元", "\u{fffc}和12家", "1", "第一段5家", "第二段6家"]
        );
        let cell = &found[3];
        assert!(cell.table_cell && cell.context.contains("2025年") && cell.context.contains("营收"));
        let source = cell.source(&(0..cell.text.len())).unwrap();
        assert_eq!(&chapter[source], "8369万元");
        assert!(segments("no digits here").is_empty());
        let allowed = segments("<!-- kpi-allow: data/stale-figure -->\n> 营收8369万元\n\n营收8369万元\n");
        assert_eq!(allowed.len(), 2);
        assert!(allows(&allowed[0].allowed, "data/stale-figure") && allows(&allowed[0].allowed, "data/stale-figure"));
        assert!(!allows(&allowed[0].allowed, "data/conflicting-figures"));
        assert!(allowed[1].allowed.is_empty());
    }
}
