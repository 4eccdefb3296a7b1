//! A chapter's outline and the views into it: its headings, list items and prose blocks, packed small (a book
//! holds tens of thousands of them), with a map from a block's text back to source offsets.

use std::ops::Range;

use super::anchors::{anchor_of, unique_anchors};
use super::parse::ParseBuffers;
use crate::source::LineIndex;

pub struct ChapterDoc<'a> {
    pub title: &'a str,
    pub file: &'a str,
    pub depth: usize,
    pub text: &'a str,
    /// Built on first use: most chapters have no findings to place.
    pub(super) lines: std::sync::OnceLock<LineIndex<'a>>,
    pub headings: Vec<Heading>,
    /// The anchors mdBook gives the headings, in order; built on first use (only the closed loop needs them).
    pub(super) anchors: std::sync::OnceLock<Vec<String>>,
    pub items: Vec<ListItem>,
    /// The text of the blocks that are not a verbatim slice of the chapter (entities, escapes, inline markup,
    /// code spans), one after another, each followed by a line break. Most blocks are a slice of the chapter and
    /// are not copied.
    pub(super) owned: String,
    pub(super) segments: Vec<Segment>,
    pub(super) directives: Vec<Range<usize>>,
    pub(super) block_data: Vec<BlockData>,
    /// The indices of the blocks whose text is owned, in order.
    pub(super) owned_blocks: Vec<usize>,
    /// Per block, where its segments start in `segments` (they end where the next block's start).
    pub(super) segment_starts: Vec<u32>,
    pub links: Vec<LinkRef>,
    pub allows: Vec<Allow>,
    /// Code blocks, HTML blocks, code spans and inline HTML, merged, in order: where `<<#kpi` is not a directive.
    pub(super) code_and_html: Vec<Range<usize>>,
    /// The chapter's title heading (the only heading at its top level), merged into the chapter itself.
    pub title_heading: Option<usize>,
}

pub struct Heading {
    pub level: u8,
    /// The heading text, numbering removed.
    pub title: String,
    /// The block holding the heading text as written (numbering kept), from which mdBook derives its anchor;
    /// `None` for an empty heading.
    pub(super) block: Option<usize>,
    pub explicit_id: Option<String>,
    /// The heading line(s) in the source, without the line break.
    pub span: Range<usize>,
    /// The end of its section: the next heading of the same or a higher level, or the chapter's end.
    pub section_end: usize,
    /// A paragraph line that is all bold (`**不足与改进**`, `**Challenges:**`), which many reports write for a
    /// heading: a section one level below the heading it sits under (below the chapter's title when it sits under
    /// no other), with no anchor of its own (mdBook gives it none) and never the chapter's title.
    pub bold_line: bool,
}

/// A list item, in 32 bytes (a book holds tens of thousands): see [`ListItem::depth`], [`ListItem::title_span`],
/// [`ListItem::span`].
pub struct ListItem {
    pub(super) depth: u32,
    /// The lead-in (bold part, or text before the first `:`/`:`), or the item's first line; numbering removed
    /// ([`ChapterDoc::item_title`]).
    pub(super) title: BlockText,
    pub(super) title_span: Span32,
    pub(super) span: Span32,
}

impl ListItem {
    /// 1 for an item of a list that is not inside another list.
    pub fn depth(&self) -> usize {
        self.depth as usize
    }

    /// Where the item's lead-in is in the source.
    pub fn title_span(&self) -> Range<usize> {
        self.title_span.range()
    }

    /// The whole item in the source.
    pub fn span(&self) -> Range<usize> {
        self.span.range()
    }
}

/// A byte range of a chapter in half the space of a `Range<usize>`: the outline keeps one per block and list item
/// of the whole book. Offsets past 4 GiB saturate (no chapter is that long; a slice with them is then empty).
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(super) struct Span32 {
    pub(super) start: u32,
    pub(super) end: u32,
}

impl Span32 {
    pub(super) fn new(range: Range<usize>) -> Self {
        let narrow = |offset: usize| u32::try_from(offset).unwrap_or(u32::MAX);
        Span32 { start: narrow(range.start), end: narrow(range.end) }
    }

    pub(super) fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// (offset in the block's text, offset in the source, whether the piece is a verbatim copy of the source).
pub(super) type Segment = (usize, usize, bool);

/// Where a block's text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BlockText {
    /// A slice of the chapter: the block's pieces are verbatim and follow each other in the source.
    Source(Span32),
    /// A range of [`ChapterDoc::owned`], mapped back to the source by its segments.
    Owned(Span32),
}

/// One prose block, in 16 bytes (a book holds tens of thousands). Its directives run from its
/// `directives_start` to the next block's (its segments likewise, in [`ChapterDoc::segment_starts`]).
pub(super) struct BlockData {
    /// [`BlockText`], packed: the start, and the end with [`OWNED_TEXT`] set for a copied block.
    pub(super) text_start: u32,
    pub(super) text_end: u32,
    pub(super) directives_start: u32,
    /// Where the block starts in the chapter.
    pub(super) span_start: u32,
}

/// The bit of [`BlockData::text_end`] that marks a block's text as [`BlockText::Owned`] (offsets past 2 GiB
/// saturate below it).
pub(super) const OWNED_TEXT: u32 = 1 << 31;

impl BlockData {
    pub(super) fn new(text: BlockText, directives_start: u32, span_start: u32) -> Self {
        let (range, flag) = match text {
            BlockText::Source(range) => (range, 0),
            BlockText::Owned(range) => (range, OWNED_TEXT),
        };
        let below_flag = |offset: u32| offset.min(OWNED_TEXT - 1);
        BlockData {
            text_start: below_flag(range.start),
            text_end: below_flag(range.end) | flag,
            directives_start,
            span_start,
        }
    }

    pub(super) fn text(&self) -> BlockText {
        let range = Span32 { start: self.text_start, end: self.text_end & !OWNED_TEXT };
        if self.text_end & OWNED_TEXT == 0 { BlockText::Source(range) } else { BlockText::Owned(range) }
    }
}

/// A run of inline text (a paragraph, heading, table cell or tight list item) without code and HTML: a view
/// into its chapter's outline.
#[derive(Clone)]
pub struct TextBlock<'d> {
    pub text: &'d str,
    /// Where `text` starts in the chapter when it is a verbatim slice of it.
    pub(super) source_start: Option<usize>,
    pub(super) segments: &'d [Segment],
    /// Where the block starts in the chapter.
    pub(super) span_start: usize,
    /// Byte ranges of `<<#kpi …>>` directives within `text`.
    pub directives: &'d [Range<usize>],
}

impl TextBlock<'_> {
    /// The source offset of a byte offset in `text`.
    pub fn source_offset(&self, offset: usize) -> usize {
        if let Some(start) = self.source_start {
            return start + offset;
        }
        let at = self.segments.partition_point(|&(start, _, _)| start <= offset);
        match at.checked_sub(1).and_then(|i| self.segments.get(i)) {
            Some(&(start, source, true)) => source + (offset - start),
            Some(&(_, source, false)) => source,
            None => self.span_start,
        }
    }

    pub fn source_span(&self, range: Range<usize>) -> Range<usize> {
        let start = self.source_offset(range.start);
        let end = if range.end > range.start { self.source_offset(range.end - 1) + 1 } else { start };
        start..end.max(start)
    }

    pub fn in_directive(&self, offset: usize) -> bool {
        self.directives.iter().any(|d| d.contains(&offset))
    }
}

impl<'a> ChapterDoc<'a> {
    /// Frees what only the per-chapter rules read (the map from copied block text back to source offsets, the
    /// index of copied blocks) and the spare capacity of the rest: the outline of a whole book is kept until every
    /// rule has run. Afterwards [`TextBlock::source_offset`] of a copied block is its block's start, and
    /// [`ChapterDoc::owned_block_at`] finds nothing; the whole-book rules use neither.
    pub(super) fn keep_for_whole_book_rules(&mut self, buffers: &mut ParseBuffers) {
        use std::mem::take;
        buffers.segments = take(&mut self.segments);
        buffers.owned_blocks = take(&mut self.owned_blocks);
        buffers.segment_starts = take(&mut self.segment_starts);
        buffers.segments.clear();
        buffers.owned_blocks.clear();
        buffers.segment_starts.clear();
    }

    pub fn lines(&self) -> &LineIndex<'a> {
        self.lines.get_or_init(|| LineIndex::new(self.text))
    }

    /// The anchor mdBook gives heading `index`: its `{#id}`, or its text lower-cased with spaces to `-` and
    /// punctuation dropped, made unique within the chapter by a numeric suffix; empty for a bold line.
    pub fn anchor(&self, index: usize) -> &str {
        let anchors = self.anchors.get_or_init(|| {
            let raw = |h: &Heading| h.block.and_then(|b| self.block(b)).map_or("", |b| b.text.trim());
            let real = self.headings.iter().filter(|h| !h.bold_line);
            let mut unique =
                unique_anchors(real.map(|h| h.explicit_id.clone().unwrap_or_else(|| anchor_of(raw(h))))).into_iter();
            // A bold line has no anchor, and takes no suffix from the headings that do.
            self.headings
                .iter()
                .map(|h| if h.bold_line { String::new() } else { unique.next().unwrap_or_default() })
                .collect()
        });
        anchors.get(index).map_or("", String::as_str)
    }

    /// The byte ranges of the chapter's code blocks, HTML blocks, code spans and inline HTML, merged and in order:
    /// where `<<#kpi` is not a directive. These are the ranges `directive::scan` finds with a parse of its own,
    /// for a chapter that does not start with a byte order mark (which the scan parses without).
    pub fn code_and_html(&self) -> &[Range<usize>] {
        &self.code_and_html
    }

    /// A list item's title: its lead-in, numbering removed.
    pub fn item_title(&self, item: &ListItem) -> &str {
        let text = match &item.title {
            BlockText::Source(range) => self.text.get(range.range()),
            BlockText::Owned(range) => self.owned.get(range.range()),
        };
        text.unwrap_or("")
    }

    /// The text of the blocks that are not verbatim slices of the chapter, each followed by a line break, so
    /// that one search covers them (see [`ChapterDoc::owned_block_at`]).
    pub fn owned_text(&self) -> &str {
        &self.owned
    }

    /// The block whose text holds a byte offset of [`ChapterDoc::owned_text`]: its index among the chapter's
    /// blocks, where its text starts in the owned text, and the block.
    pub fn owned_block_at(&self, offset: usize) -> Option<(usize, usize, TextBlock<'_>)> {
        let owned_range = |index: &usize| match self.block_data.get(*index).map(BlockData::text) {
            Some(BlockText::Owned(range)) => range.range(),
            _ => 0..0,
        };
        let at = self.owned_blocks.partition_point(|i| owned_range(i).start <= offset).checked_sub(1)?;
        let index = self.owned_blocks[at];
        let range = owned_range(&index);
        let block = self.block(index)?;
        (offset < range.end).then_some((index, range.start, block))
    }

    /// The blocks whose text is a verbatim slice of the chapter: (block index, source range).
    pub fn verbatim_blocks(&self) -> impl Iterator<Item = (usize, Range<usize>)> + '_ {
        self.block_data.iter().enumerate().filter_map(|(i, b)| match b.text() {
            BlockText::Source(range) => Some((i, range.range())),
            BlockText::Owned(_) => None,
        })
    }

    /// Block `index` of the chapter.
    pub fn block(&self, index: usize) -> Option<TextBlock<'_>> {
        let block = self.block_data.get(index)?;
        let next = self.block_data.get(index + 1);
        let directives_end = next.map_or(self.directives.len(), |n| n.directives_start as usize);
        let directives = self.directives.get(block.directives_start as usize..directives_end).unwrap_or(&[]);
        let segments = match (self.segment_starts.get(index), self.segment_starts.get(index + 1)) {
            (Some(&start), Some(&end)) => self.segments.get(start as usize..end as usize),
            (Some(&start), None) => self.segments.get(start as usize..),
            _ => None,
        };
        Some(view(self.text, &self.owned, segments.unwrap_or(&[]), directives, block))
    }

    /// The chapter's prose blocks in order.
    pub fn blocks(&self) -> impl Iterator<Item = TextBlock<'_>> {
        (0..self.block_data.len()).filter_map(|index| self.block(index))
    }

    /// The blocks that start inside a byte range of the chapter.
    pub fn blocks_within(&self, range: &Range<usize>) -> impl Iterator<Item = TextBlock<'_>> {
        let start = |b: &BlockData| b.span_start as usize;
        let from = self.block_data.partition_point(|b| start(b) < range.start);
        let to = self.block_data.partition_point(|b| start(b) < range.end).max(from);
        (from..to).filter_map(|index| self.block(index))
    }
}

/// A block's text, with its segments and directives.
pub(super) fn view<'d>(
    source: &'d str,
    owned: &'d str,
    segments: &'d [Segment],
    directives: &'d [Range<usize>],
    block: &BlockData,
) -> TextBlock<'d> {
    let (text, source_start) = match block.text() {
        BlockText::Source(range) => (source.get(range.range()).unwrap_or(""), Some(range.start as usize)),
        BlockText::Owned(range) => (owned.get(range.range()).unwrap_or(""), None),
    };
    TextBlock { text, source_start, segments, span_start: block.span_start as usize, directives }
}

pub struct LinkRef {
    pub dest: String,
    pub offset: usize,
}

/// `<!-- kpi-allow: RULE[, RULE] -->`: the rules allowed in the block that follows.
pub struct Allow {
    pub span: Range<usize>,
    pub rules: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_block_text() {
        let span = |range: Range<usize>| Span32::new(range);
        for text in [BlockText::Source(span(3..9)), BlockText::Owned(span(0..5)), BlockText::Owned(span(7..7))] {
            assert_eq!(BlockData::new(text, 1, 2).text(), text);
        }
        let huge = BlockData::new(BlockText::Source(span(1 << 33..1 << 34)), 0, 0);
        assert!(matches!(huge.text(), BlockText::Source(_)));
    }
}
