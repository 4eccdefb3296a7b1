//! One pass over each chapter's Markdown: its headings, list items, prose blocks (text outside code and HTML,
//! with a map back to source offsets), links and `kpi-allow` comments. Every rule works from this outline, so a
//! chapter is parsed exactly once.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use regex::Regex;

use super::Chapter;
use crate::source::LineIndex;

pub struct ChapterDoc<'a> {
    pub title: &'a str,
    pub file: &'a str,
    pub depth: usize,
    pub text: &'a str,
    /// Built on first use: most chapters have no findings to place.
    lines: std::sync::OnceLock<LineIndex<'a>>,
    pub headings: Vec<Heading>,
    /// The anchors mdBook gives the headings, in order; built on first use (only the closed loop needs them).
    anchors: std::sync::OnceLock<Vec<String>>,
    pub items: Vec<ListItem>,
    /// The text of the blocks that are not a verbatim slice of the chapter (entities, escapes, inline markup,
    /// code spans), one after another, each followed by a line break. Most blocks are a slice of the chapter and
    /// are not copied.
    owned: String,
    segments: Vec<Segment>,
    directives: Vec<Range<usize>>,
    block_data: Vec<BlockData>,
    /// The indices of the blocks whose text is owned, in order.
    owned_blocks: Vec<usize>,
    /// Per block, where its segments start in `segments` (they end where the next block's start).
    segment_starts: Vec<u32>,
    pub links: Vec<LinkRef>,
    pub allows: Vec<Allow>,
    /// Code blocks, HTML blocks, code spans and inline HTML, merged, in order: where `<<#kpi` is not a directive.
    code_and_html: Vec<Range<usize>>,
    /// The chapter's title heading (the only heading at its top level), merged into the chapter itself.
    pub title_heading: Option<usize>,
}

pub struct Heading {
    pub level: u8,
    /// The heading text, numbering removed.
    pub title: String,
    /// The block holding the heading text as written (numbering kept), from which mdBook derives its anchor;
    /// `None` for an empty heading.
    block: Option<usize>,
    pub explicit_id: Option<String>,
    /// The heading line(s) in the source, without the line break.
    pub span: Range<usize>,
    /// The end of its section: the next heading of the same or a higher level, or the chapter's end.
    pub section_end: usize,
}

/// A list item, in 32 bytes (a book holds tens of thousands): see [`ListItem::depth`], [`ListItem::title_span`],
/// [`ListItem::span`].
pub struct ListItem {
    depth: u32,
    /// The lead-in (bold part, or text before the first `:`/`:`), or the item's first line; numbering removed
    /// ([`ChapterDoc::item_title`]).
    title: BlockText,
    title_span: Span32,
    span: Span32,
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
struct Span32 {
    start: u32,
    end: u32,
}

impl Span32 {
    fn new(range: Range<usize>) -> Self {
        let narrow = |offset: usize| u32::try_from(offset).unwrap_or(u32::MAX);
        Span32 { start: narrow(range.start), end: narrow(range.end) }
    }

    fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// (offset in the block's text, offset in the source, whether the piece is a verbatim copy of the source).
type Segment = (usize, usize, bool);

/// Where a block's text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BlockText {
    /// A slice of the chapter: the block's pieces are verbatim and follow each other in the source.
    Source(Span32),
    /// A range of [`ChapterDoc::owned`], mapped back to the source by its segments.
    Owned(Span32),
}

/// One prose block, in 16 bytes (a book holds tens of thousands). Its directives run from its
/// `directives_start` to the next block's (its segments likewise, in [`ChapterDoc::segment_starts`]).
struct BlockData {
    /// [`BlockText`], packed: the start, and the end with [`OWNED_TEXT`] set for a copied block.
    text_start: u32,
    text_end: u32,
    directives_start: u32,
    /// Where the block starts in the chapter.
    span_start: u32,
}

/// The bit of [`BlockData::text_end`] that marks a block's text as [`BlockText::Owned`] (offsets past 2 GiB
/// saturate below it).
const OWNED_TEXT: u32 = 1 << 31;

impl BlockData {
    fn new(text: BlockText, directives_start: u32, span_start: u32) -> Self {
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

    fn text(&self) -> BlockText {
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
    source_start: Option<usize>,
    segments: &'d [Segment],
    /// Where the block starts in the chapter.
    span_start: usize,
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
    fn keep_for_whole_book_rules(&mut self, buffers: &mut ParseBuffers) {
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
    /// punctuation dropped, made unique within the chapter by a numeric suffix.
    pub fn anchor(&self, index: usize) -> &str {
        let anchors = self.anchors.get_or_init(|| {
            let raw = |h: &Heading| h.block.and_then(|b| self.block(b)).map_or("", |b| b.text.trim());
            unique_anchors(self.headings.iter().map(|h| h.explicit_id.clone().unwrap_or_else(|| anchor_of(raw(h)))))
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
fn view<'d>(
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

static ALLOW_COMMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<!--\s*kpi-allow\s*:\s*([^>]*?)\s*-->").expect("static regex"));

/// The Markdown extensions mdBook turns on, so that the outline sees what mdBook renders: the same options the
/// directive scanner uses.
fn options() -> Options {
    crate::directive::scan::markdown_options()
}

pub fn parse_chapter<'a>(chapter: &'a Chapter<'_>) -> ChapterDoc<'a> {
    parse_chapter_with(chapter, &mut ParseBuffers::default())
}

/// The lists a chapter's parse grows, handed from chapter to chapter on a thread: the parse grows them, and the
/// outline keeps copies of exactly their length. So the book's outline is not left with spare room, nor memory
/// with the holes of lists that grew and were let go.
#[derive(Default)]
pub struct ParseBuffers {
    headings: Vec<Heading>,
    items: Vec<ListItem>,
    blocks: Vec<BlockData>,
    links: Vec<LinkRef>,
    allows: Vec<Allow>,
    code_and_html: Vec<Range<usize>>,
    owned: String,
    owned_blocks: Vec<usize>,
    segment_starts: Vec<u32>,
    segments: Vec<Segment>,
    directives: Vec<Range<usize>>,
}

/// The items of a list, moved into a list of exactly their number; the list keeps its room, empty.
fn exact<T>(list: &mut Vec<T>) -> Vec<T> {
    let mut exact = Vec::with_capacity(list.len());
    exact.append(list);
    exact
}

/// [`parse_chapter`], growing the lists of `buffers` (left empty; the per-chapter ones come back with
/// [`ChapterDoc::keep_for_whole_book_rules`]).
fn parse_chapter_with<'a>(chapter: &'a Chapter<'_>, buffers: &mut ParseBuffers) -> ChapterDoc<'a> {
    let text: &str = &chapter.content;
    let mut builder = Builder::new(text, buffers);
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        builder.event(event, range);
    }
    builder.flush_block();
    merge_ranges(&mut buffers.code_and_html);
    let owned = buffers.owned.as_str().to_owned();
    buffers.owned.clear();
    let mut doc = ChapterDoc {
        title: &chapter.title,
        file: chapter.source_path.as_deref().unwrap_or(""),
        depth: chapter.depth,
        text,
        lines: std::sync::OnceLock::new(),
        headings: exact(&mut buffers.headings),
        anchors: std::sync::OnceLock::new(),
        items: exact(&mut buffers.items),
        owned,
        segments: std::mem::take(&mut buffers.segments),
        directives: exact(&mut buffers.directives),
        block_data: exact(&mut buffers.blocks),
        owned_blocks: std::mem::take(&mut buffers.owned_blocks),
        segment_starts: std::mem::take(&mut buffers.segment_starts),
        links: exact(&mut buffers.links),
        allows: exact(&mut buffers.allows),
        code_and_html: exact(&mut buffers.code_and_html),
        title_heading: None,
    };
    finish_headings(&mut doc);
    doc
}

fn finish_headings(doc: &mut ChapterDoc<'_>) {
    let len = doc.text.len();
    // Section ends: a stack of open headings, closed by the next heading of the same or a higher level.
    let mut open: Vec<usize> = Vec::new();
    for i in 0..doc.headings.len() {
        let level = doc.headings[i].level;
        while let Some(&top) = open.last() {
            if doc.headings[top].level < level {
                break;
            }
            doc.headings[top].section_end = doc.headings[i].span.start;
            open.pop();
        }
        open.push(i);
    }
    for i in open {
        doc.headings[i].section_end = len;
    }
    if let Some(top) = doc.headings.iter().map(|h| h.level).min() {
        let mut at_top = doc.headings.iter().enumerate().filter(|(_, h)| h.level == top);
        if let (Some((first, _)), None) = (at_top.next(), at_top.next()) {
            doc.title_heading = Some(first);
        }
    }
}

/// Sorted and overlapping ranges joined, as `directive::scan` merges them (in place).
fn merge_ranges(ranges: &mut Vec<Range<usize>>) {
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

/// Anchors as mdBook makes them: unique within the chapter by a numeric suffix.
fn unique_anchors(ids: impl Iterator<Item = String>) -> Vec<String> {
    let (mut used, mut next_suffix) = (HashSet::new(), HashMap::new());
    ids.map(|id| unique_id(&id, &mut used, &mut next_suffix)).collect()
}

/// mdBook's `unique_id`: the id, or the first free `id-1`, `id-2`, … The next suffix to try is remembered per
/// id, so that many equal headings stay linear (the set only grows, so skipped suffixes stay taken).
fn unique_id(id: &str, used: &mut HashSet<String>, next_suffix: &mut HashMap<String, usize>) -> String {
    if used.insert(id.to_string()) {
        return id.to_string();
    }
    let next = next_suffix.entry(id.to_string()).or_insert(1);
    loop {
        let candidate = format!("{id}-{next}");
        *next += 1;
        if used.insert(candidate.clone()) {
            return candidate;
        }
    }
}

/// mdBook's `id_from_content`: lower-case; letters, digits, `_` and `-` kept; whitespace to `-`; the rest dropped.
pub fn anchor_of(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c)
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

static NUMBERING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^\s*(?:",
        r"第[一二三四五六七八九十百千零〇两[0-9]]+[章节部分篇条项步][\s:：、.．]*",
        r"|[(（][一二三四五六七八九十百千零〇[0-9]]+[)）][\s、.．]*",
        r"|[一二三四五六七八九十百千零〇]+\s*[、.．]\s*",
        r"|[0-9]+(?:\.[0-9]+)*\s*[、)）]\s*",
        r"|[0-9]+(?:\.[0-9]+)+\s+",
        r"|[0-9]+(?:\.[0-9]+)*[.．]\s*",
        r"|[0-9]{1,2}\s+",
        r"|(?i:chapter|section|part|step)\s+(?:[0-9]+|[ivxlcdm]+)(?-u:\b)[\s.:：\-—–]*",
        r"|[IVXLCDM]+\.\s+",
        r"|[A-Za-z][.)]\s+",
        r")",
    ))
    .expect("static regex")
});

/// Removes numbering such as `一、` `(二)` `(二)` `3.` `2.1` `第一章` `Chapter 3` from the start of a title.
pub fn strip_numbering(text: &str) -> &str {
    let mut rest = text.trim();
    // Most titles start with none of the characters numbering starts with: skip the regex for them.
    let may_be_numbered =
        rest.starts_with(|c: char| c.is_ascii_alphanumeric() || "第(（一二三四五六七八九十百千零〇".contains(c));
    if !may_be_numbered {
        return rest;
    }
    for _ in 0..2 {
        let Some(found) = NUMBERING.find(rest) else { break };
        let after = &rest[found.end()..];
        // "3.5% growth" is a figure, not the number 3.
        if after.starts_with(|c: char| c.is_ascii_digit() || c == '%') || after.trim().is_empty() {
            break;
        }
        rest = after.trim_start();
    }
    rest
}

/// The text of the block being collected.
enum Collecting {
    Nothing,
    /// Every piece so far is a verbatim copy of the source and follows the one before: a slice of the chapter.
    Slice(Range<usize>),
    /// Copied into the owned text from `Builder::block_start` on.
    Copy,
}

struct Builder<'s, 'b> {
    source: &'s str,
    /// What the parse collects: the thread's lists, grown in place (the text of every block that is not a
    /// slice of the source goes to `lists.owned`; the block being copied starts at `block_start`).
    lists: &'b mut ParseBuffers,
    block_start: usize,
    collecting: Collecting,
    segments_start: usize,
    span: Option<Range<usize>>,
    /// The byte range (in the current block) of a bold run that opens the block.
    leading_bold: Option<Range<usize>>,
    bold_start: Option<usize>,
    code_depth: usize,
    list_depth: usize,
    /// Open list items (indices into `items`) and whether their lead-in is still to be set.
    open_items: Vec<(usize, bool)>,
    heading: Option<(u8, Option<String>, Range<usize>)>,
    pending_allow: Option<Vec<String>>,
}

impl<'s, 'b> Builder<'s, 'b> {
    /// A builder that grows the (empty) lists of `buffers`, which keep their room from an earlier chapter.
    fn new(source: &'s str, lists: &'b mut ParseBuffers) -> Self {
        Builder {
            source,
            lists,
            block_start: 0,
            collecting: Collecting::Nothing,
            segments_start: 0,
            span: None,
            leading_bold: None,
            bold_start: None,
            code_depth: 0,
            list_depth: 0,
            open_items: Vec::new(),
            heading: None,
            pending_allow: None,
        }
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        let code_or_html = matches!(
            event,
            Event::Start(Tag::CodeBlock(_) | Tag::HtmlBlock) | Event::Code(_) | Event::Html(_) | Event::InlineHtml(_)
        );
        if code_or_html {
            self.lists.code_and_html.push(range.clone());
        }
        match event {
            Event::Start(tag) => self.start(tag, range),
            Event::End(tag) => self.end(tag),
            Event::Text(text) if self.code_depth == 0 => self.push_piece(&text, range),
            Event::Code(_) | Event::InlineMath(_) | Event::DisplayMath(_) => self.push_piece(" ", range),
            Event::SoftBreak | Event::HardBreak => self.push_piece("\n", range),
            // Most HTML is not a `kpi-allow` comment: a substring search before the regex.
            Event::Html(html) | Event::InlineHtml(html) if html.contains("kpi-allow") => {
                if let Some(captures) = ALLOW_COMMENT.captures(&html) {
                    let rules = captures[1].split([',', '\u{ff0c}', ' ']).filter(|r| !r.is_empty()).map(str::to_string);
                    self.pending_allow.get_or_insert_with(Vec::new).extend(rules);
                }
            }
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>, range: Range<usize>) {
        if is_block(&tag) {
            self.flush_block();
            if let Some(rules) = self.pending_allow.take() {
                self.lists.allows.push(Allow { span: range.clone(), rules });
            }
        }
        match tag {
            Tag::Heading { level, id, .. } => {
                self.heading = Some((level as u8, id.map(|id| id.to_string()), trim_line_end(self.source, range)));
            }
            Tag::CodeBlock(_) | Tag::MetadataBlock(_) => self.code_depth += 1,
            Tag::List(_) => self.list_depth += 1,
            Tag::Item => {
                self.lists.items.push(ListItem {
                    depth: u32::try_from(self.list_depth).unwrap_or(u32::MAX),
                    title: BlockText::Source(Span32::default()),
                    title_span: Span32::new(first_line(self.source, range.clone())),
                    span: Span32::new(range),
                });
                self.open_items.push((self.lists.items.len() - 1, true));
            }
            Tag::Strong if self.current().trim().is_empty() => self.bold_start = Some(self.current().len()),
            Tag::Link { dest_url, .. } => {
                self.lists.links.push(LinkRef { dest: dest_url.to_string(), offset: range.start })
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(_) => {
                let title = strip_numbering(self.current().trim()).to_string();
                let blocks_before = self.lists.blocks.len();
                self.flush_block();
                let block = (self.lists.blocks.len() > blocks_before).then_some(blocks_before);
                if let Some((level, explicit_id, span)) = self.heading.take() {
                    self.lists.headings.push(Heading { level, title, block, explicit_id, span, section_end: 0 });
                }
            }
            TagEnd::CodeBlock | TagEnd::MetadataBlock(_) => self.code_depth = self.code_depth.saturating_sub(1),
            TagEnd::List(_) => self.list_depth = self.list_depth.saturating_sub(1),
            TagEnd::Item => {
                self.flush_block();
                self.open_items.pop();
            }
            TagEnd::Strong => {
                if let Some(start) = self.bold_start.take() {
                    self.leading_bold = Some(start..self.current().len());
                }
            }
            tag if is_block_end(&tag) => self.flush_block(),
            _ => {}
        }
    }

    /// The text of the block being collected.
    fn current(&self) -> &str {
        current_text(self.source, &self.lists.owned, self.block_start, &self.collecting)
    }

    /// Adds a piece of text (or the stand-in for a code span or line break) to the block. While the pieces are
    /// verbatim and follow each other in the source, the block stays a slice of the chapter; the first piece
    /// that is not (an entity, an escape, markup in between) copies the block into the owned text.
    fn push_piece(&mut self, piece: &str, range: Range<usize>) {
        let span = self.span.get_or_insert(range.clone());
        span.end = span.end.max(range.end);
        let verbatim = self.source.get(range.clone()) == Some(piece);
        match &mut self.collecting {
            Collecting::Nothing if verbatim => {
                self.collecting = Collecting::Slice(range);
                return;
            }
            Collecting::Slice(slice) if verbatim && range.start == slice.end => {
                slice.end = range.end;
                return;
            }
            Collecting::Slice(slice) => {
                // One segment stands for the verbatim pieces so far: they map to the source alike.
                let slice = slice.clone();
                self.lists.segments.push((0, slice.start, true));
                self.lists.owned.push_str(&self.source[slice]);
            }
            Collecting::Nothing | Collecting::Copy => {}
        }
        self.collecting = Collecting::Copy;
        self.lists.segments.push((self.lists.owned.len() - self.block_start, range.start, verbatim));
        self.lists.owned.push_str(piece);
    }

    fn flush_block(&mut self) {
        let span = self.span.take();
        let leading_bold = self.leading_bold.take();
        self.bold_start = None;
        let collecting = std::mem::replace(&mut self.collecting, Collecting::Nothing);
        let text = current_text(self.source, &self.lists.owned, self.block_start, &collecting);
        let keep = span.filter(|_| !text.trim().is_empty());
        if let Some(span) = keep {
            let directives_start = self.lists.directives.len();
            find_directives(text, &mut self.lists.directives);
            let text = match collecting {
                Collecting::Slice(slice) => BlockText::Source(Span32::new(slice)),
                Collecting::Nothing | Collecting::Copy => {
                    BlockText::Owned(Span32::new(self.block_start..self.lists.owned.len()))
                }
            };
            let owned = matches!(text, BlockText::Owned(_));
            let narrow = |offset: usize| u32::try_from(offset).unwrap_or(u32::MAX);
            let block = BlockData::new(text, narrow(directives_start), narrow(span.start));
            self.set_item_lead_in(&block, directives_start, leading_bold);
            if owned {
                self.lists.owned_blocks.push(self.lists.blocks.len());
                self.lists.owned.push('\n');
            }
            self.lists.segment_starts.push(narrow(self.segments_start));
            self.lists.blocks.push(block);
        } else {
            self.lists.owned.truncate(self.block_start);
            self.lists.segments.truncate(self.segments_start);
        }
        self.block_start = self.lists.owned.len();
        self.segments_start = self.lists.segments.len();
    }

    /// The first block of a list item gives its lead-in.
    fn set_item_lead_in(&mut self, block: &BlockData, directives_start: usize, leading_bold: Option<Range<usize>>) {
        let Some((index, pending)) = self.open_items.last_mut() else { return };
        if !*pending || self.heading.is_some() {
            return;
        }
        *pending = false;
        let index = *index;
        let segments = self.lists.segments.get(self.segments_start..).unwrap_or(&[]);
        let directives = self.lists.directives.get(directives_start..).unwrap_or(&[]);
        let view = view(self.source, &self.lists.owned, segments, directives, block);
        let range = lead_in(view.text, leading_bold);
        let raw = &view.text[range.clone()];
        let title = strip_numbering(raw.trim_matches(|c: char| c.is_whitespace() || "*_—–-\"“”‘’「」".contains(c)));
        // The title is a slice of the block's text: keep where it is rather than a copy.
        let offset = title.as_ptr() as usize - view.text.as_ptr() as usize;
        let within_block = |text: Span32| {
            let start = text.start as usize + offset;
            Span32::new(start..start + title.len())
        };
        let title = match block.text() {
            BlockText::Source(text) => BlockText::Source(within_block(text)),
            BlockText::Owned(text) => BlockText::Owned(within_block(text)),
        };
        let title_span = Span32::new(view.source_span(trim_range(view.text, range)));
        if let Some(item) = self.lists.items.get_mut(index) {
            item.title = title;
            item.title_span = title_span;
        }
    }
}

fn current_text<'t>(source: &'t str, owned: &'t str, block_start: usize, collecting: &Collecting) -> &'t str {
    match collecting {
        Collecting::Nothing => "",
        Collecting::Slice(slice) => source.get(slice.clone()).unwrap_or(""),
        Collecting::Copy => owned.get(block_start..).unwrap_or(""),
    }
}

/// The byte ranges of `<<#kpi …>>` in a text (each ends at the first `>>` on its line).
pub fn directive_ranges(text: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    find_directives(text, &mut ranges);
    ranges
}

fn find_directives(text: &str, ranges: &mut Vec<Range<usize>>) {
    const OPEN: &[u8] = b"<<#kpi";
    let bytes = text.as_bytes();
    // `<` is rare in prose: find it with memchr, then compare (cheaper than a substring search per block).
    let mut from = 0;
    while let Some(found) = memchr::memchr(b'<', &bytes[from..]) {
        let start = from + found;
        from = start + 1;
        if !bytes[start..].starts_with(OPEN) {
            continue;
        }
        let body = start + OPEN.len();
        let rest = &bytes[body..];
        if rest.first().is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            continue; // `<<#kpix` is not a directive
        }
        let line = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
        if let Some(close) = line.windows(2).position(|w| w == b">>") {
            from = body + close + 2;
            ranges.push(start..from);
        }
    }
}

/// The lead-in of a list item's first block: its opening bold run, or the text before the first `:`/`:`, or its
/// first line.
fn lead_in(text: &str, leading_bold: Option<Range<usize>>) -> Range<usize> {
    if let Some(bold) = leading_bold.filter(|b| !text[b.clone()].trim().is_empty()) {
        return bold;
    }
    let line_end = text.find('\n').unwrap_or(text.len());
    match text[..line_end].find([':', '\u{ff1a}']) {
        Some(colon) if !text[..colon].trim().is_empty() => 0..colon,
        _ => 0..line_end,
    }
}

fn trim_range(text: &str, range: Range<usize>) -> Range<usize> {
    let slice = &text[range.clone()];
    let start = range.start + (slice.len() - slice.trim_start().len());
    let end = range.end - (slice.len() - slice.trim_end().len());
    start..end.max(start)
}

fn first_line(source: &str, range: Range<usize>) -> Range<usize> {
    let slice = source.get(range.clone()).unwrap_or("");
    let end = slice.find('\n').map_or(range.end, |i| range.start + i);
    range.start..end
}

fn trim_line_end(source: &str, range: Range<usize>) -> Range<usize> {
    let slice = source.get(range.clone()).unwrap_or("");
    range.start..range.start + slice.trim_end().len()
}

fn is_block(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::Paragraph
            | Tag::Heading { .. }
            | Tag::BlockQuote(_)
            | Tag::CodeBlock(_)
            | Tag::List(_)
            | Tag::Item
            | Tag::Table(_)
            | Tag::TableHead
            | Tag::TableRow
            | Tag::TableCell
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::HtmlBlock
    )
}

fn is_block_end(tag: &TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Paragraph
            | TagEnd::BlockQuote(_)
            | TagEnd::List(_)
            | TagEnd::Table
            | TagEnd::TableHead
            | TagEnd::TableRow
            | TagEnd::TableCell
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chapter(content: &str) -> Chapter<'_> {
        Chapter { title: "T".into(), source_path: Some("src/t.md".into()), content: content.into(), depth: 0 }
    }

    #[test]
    fn numbering_is_removed() {
        for (text, expected) in [
            ("一、工作总结", "工作总结"),
            ("(二)业绩回顾", "业绩回顾"),
            ("\u{ff08}二\u{ff09}业绩回顾", "业绩回顾"),
            ("(三)问题分析", "问题分析"),
            ("3. Problems", "Problems"),
            ("2.1 市场端", "市场端"),
            ("第一章 引言", "引言"),
            ("Chapter 3: Strategy", "Strategy"),
            ("1.市场竞争", "市场竞争"),
            ("3.5% growth", "3.5% growth"),
            ("2024年作战计划", "2024年作战计划"),
        ] {
            assert_eq!(strip_numbering(text), expected, "{text}");
        }
    }

    #[test]
    fn directives_are_found() {
        let text = "a <<#kpi revenue q4>> b <<#kpix>> <<#kpi x\n>> <<#kpi y>>";
        let found: Vec<&str> = directive_ranges(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(found, ["<<#kpi revenue q4>>", "<<#kpi y>>"]);
    }

    #[test]
    fn duplicate_headings_get_suffixes() {
        let c = chapter("# A\n\n## 市场\n\n## 市场\n\n## 市场-1\n\n## 市场\n");
        let doc = parse_chapter(&c);
        let anchors: Vec<&str> = (0..doc.headings.len()).map(|i| doc.anchor(i)).collect();
        assert_eq!(anchors, ["a", "市场", "市场-1", "市场-1-1", "市场-2"]);
    }

    #[test]
    fn anchors_follow_mdbook() {
        assert_eq!(anchor_of("中文標題 CJK title"), "中文標題-cjk-title");
        assert_eq!(anchor_of("Market: Competition!"), "market-competition");
    }

    #[test]
    fn headings_items_and_blocks() {
        let c = chapter(
            "# 问题分析\n\n## 市场竞争 {#market}\n\n正文 `code 赋能` 文字\n\n```\n赋能\n```\n\n- **团队能力**:不足\n  - 子项:x\n- 流程效率:慢\n",
        );
        let doc = parse_chapter(&c);
        assert_eq!(doc.headings.len(), 2);
        assert_eq!(doc.anchor(1), "market");
        assert_eq!(doc.anchor(0), "问题分析");
        assert_eq!(doc.title_heading, Some(0));
        assert_eq!(doc.headings[1].section_end, c.content.len());
        let titles: Vec<(&str, usize)> = doc.items.iter().map(|i| (doc.item_title(i), i.depth())).collect();
        assert_eq!(titles, [("团队能力", 1), ("子项", 2), ("流程效率", 1)]);
        assert!(doc.blocks().all(|b| !b.text.contains("赋能")));
        let item = &doc.items[2];
        assert_eq!(&c.content[item.title_span()], "流程效率");
    }

    /// The code and HTML ranges are where the directive scanner, with its own parse, finds no directive: every
    /// `<<#kpi` outside them is reported by the scan, and none inside.
    #[test]
    fn code_and_html_ranges_agree_with_the_directive_scan() {
        const PIECES: [&str; 16] = [
            "<<#kpi a>>",
            "\\<<#kpi b>>",
            "`<<#kpi c>>`",
            "``x ` <<#kpi d>>``",
            "\n```\n<<#kpi e>>\n```\n",
            "\n\n",
            "\n",
            "<span><<#kpi f>></span>",
            "\n<div>\n<<#kpi g>>\n</div>\n",
            "<!-- <<#kpi h>> -->",
            "text ",
            "- ",
            "\n    <<#kpi i>>\n",
            "| a | <<#kpi j>> |\n|---|---|\n",
            "<<#kpi unterminated",
            "> ",
        ];
        let mut next = crate::testing::xorshift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..2000 {
            let text = crate::testing::random_text(&mut next, &PIECES, 30);
            let chapter = chapter(&text);
            let doc = parse_chapter(&chapter);
            let outside: Vec<usize> = text
                .match_indices("<<#kpi")
                .map(|(at, _)| at)
                .filter(|at| !doc.code_and_html().iter().any(|r| r.contains(at)))
                .collect();
            let found: Vec<usize> = crate::directive::scan::scan(&text)
                .iter()
                .map(|f| match f {
                    crate::directive::scan::Found::Escape { span } => span.start + 1,
                    other => other.span().start,
                })
                .collect();
            assert_eq!(found, outside, "{text:?}");
        }
    }

    #[test]
    fn packed_block_text() {
        let span = |range: Range<usize>| Span32::new(range);
        for text in [BlockText::Source(span(3..9)), BlockText::Owned(span(0..5)), BlockText::Owned(span(7..7))] {
            assert_eq!(BlockData::new(text, 1, 2).text(), text);
        }
        let huge = BlockData::new(BlockText::Source(span(1 << 33..1 << 34)), 0, 0);
        assert!(matches!(huge.text(), BlockText::Source(_)));
    }

    /// Children and subtrees across chapters (by SUMMARY depth) and headings (by level).
    #[test]
    fn node_tree() {
        let chapter_at = |content: &'static str, depth: usize| Chapter {
            title: "T".into(),
            source_path: Some("src/t.md".into()),
            content: content.into(),
            depth,
        };
        let chapters = [
            chapter_at("# A\n\n## A1\n\n### A1a\n\n## A2\n", 0),
            chapter_at("# B\n\n## B1\n", 1),
            chapter_at("# C\n", 2),
            chapter_at("# D\n", 1),
            chapter_at("# E\n\n### E1\n\n## E2\n", 0),
        ];
        let outline = BookOutline::new(&chapters);
        let kinds: Vec<NodeKind> = outline.nodes.iter().map(|n| n.kind).collect();
        use NodeKind::{Chapter as C, Heading as H};
        assert_eq!(kinds, [C(0), H(0, 1), H(0, 2), H(0, 3), C(1), H(1, 1), C(2), C(3), C(4), H(4, 1), H(4, 2)]);
        let children: Vec<Vec<usize>> = (0..kinds.len()).map(|n| outline.children(n).collect()).collect();
        let expected: [&[usize]; 11] = [&[1, 3, 4, 7], &[2], &[], &[], &[5, 6], &[], &[], &[], &[9, 10], &[], &[]];
        assert_eq!(children, expected);
        let ends: Vec<usize> = outline.nodes.iter().map(|n| n.subtree_end).collect();
        assert_eq!(ends, [8, 3, 3, 4, 7, 6, 7, 8, 11, 10, 11]);
    }

    #[test]
    fn allow_comment_covers_next_block() {
        let c = chapter("<!-- kpi-allow: style/jargon, narrative/bare-numbers -->\n段落一\n\n段落二\n");
        let doc = parse_chapter(&c);
        assert_eq!(doc.allows.len(), 1);
        assert_eq!(doc.allows[0].rules, ["style/jargon", "narrative/bare-numbers"]);
        assert!(doc.allows[0].span.contains(&c.content.find("段落一").unwrap_or(0)));
        assert!(!doc.allows[0].span.contains(&c.content.find("段落二").unwrap_or(0)));
    }
}

/// What a node of the book outline is: a chapter (from SUMMARY.md) or a heading inside one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Chapter(usize),
    /// (chapter, heading)
    Heading(usize, usize),
}

pub struct Node {
    pub kind: NodeKind,
    /// Nodes are in book order (pre-order); this node's descendants are `index + 1 .. subtree_end` (its children
    /// are [`BookOutline::children`]).
    pub subtree_end: usize,
}

/// Every chapter, parsed once, and the tree of chapters and headings across them.
pub struct BookOutline<'a> {
    pub docs: Vec<ChapterDoc<'a>>,
    pub nodes: Vec<Node>,
}

impl<'a> BookOutline<'a> {
    pub fn new(chapters: &'a [Chapter<'_>]) -> Self {
        Self::new_with(chapters, |_, _| ()).0
    }

    /// The outline, and `per_chapter` run on each chapter right after it is parsed (while its text is still in
    /// the cache), on the same threads; its results in chapter order.
    pub fn new_with<R: Send>(
        chapters: &'a [Chapter<'_>],
        per_chapter: impl Fn(usize, &ChapterDoc<'a>) -> R + Sync,
    ) -> (Self, Vec<R>) {
        let parsed: Vec<(ChapterDoc<'a>, R)> =
            parallel_map_with(chapters, ParseBuffers::default, |buffers, ci, chapter| {
                let mut doc = parse_chapter_with(chapter, buffers);
                let result = per_chapter(ci, &doc);
                doc.keep_for_whole_book_rules(buffers);
                (doc, result)
            });
        let (docs, results): (Vec<ChapterDoc<'a>>, Vec<R>) = parsed.into_iter().unzip();
        (Self::from_docs(docs), results)
    }

    fn from_docs(docs: Vec<ChapterDoc<'a>>) -> Self {
        let mut nodes: Vec<Node> = Vec::new();
        // The last node pushed and its ancestors: a node's subtree ends where a node that is not inside it starts.
        let mut open: Vec<usize> = Vec::new();
        let mut push_node = |nodes: &mut Vec<Node>, kind: NodeKind, parent: Option<usize>| {
            let index = nodes.len();
            while open.last().is_some_and(|&top| Some(top) != parent) {
                if let Some(top) = open.pop() {
                    nodes[top].subtree_end = index;
                }
            }
            open.push(index);
            nodes.push(Node { kind, subtree_end: index + 1 });
            index
        };
        let mut chapter_stack: Vec<(usize, usize)> = Vec::new(); // (depth, node)
        for (ci, doc) in docs.iter().enumerate() {
            while chapter_stack.last().is_some_and(|&(depth, _)| depth >= doc.depth) {
                chapter_stack.pop();
            }
            let chapter_node = push_node(&mut nodes, NodeKind::Chapter(ci), chapter_stack.last().map(|&(_, n)| n));
            chapter_stack.push((doc.depth, chapter_node));
            let mut heading_stack: Vec<(u8, usize)> = Vec::new();
            for (hi, heading) in doc.headings.iter().enumerate() {
                if doc.title_heading == Some(hi) {
                    continue;
                }
                while heading_stack.last().is_some_and(|&(level, _)| level >= heading.level) {
                    heading_stack.pop();
                }
                let parent = heading_stack.last().map_or(chapter_node, |&(_, n)| n);
                let node = push_node(&mut nodes, NodeKind::Heading(ci, hi), Some(parent));
                heading_stack.push((heading.level, node));
            }
        }
        let end = nodes.len();
        for top in open {
            nodes[top].subtree_end = end;
        }
        nodes.shrink_to_fit();
        BookOutline { docs, nodes }
    }

    /// A node's children in order: the first is the node after it, each next one starts where the one before's
    /// subtree ends.
    pub fn children(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.nodes.get(node).map_or(0, |n| n.subtree_end);
        std::iter::successors(Some(node + 1), |&child| self.nodes.get(child).map(|n| n.subtree_end))
            .take_while(move |&child| child < end)
    }

    pub fn chapter_of(&self, node: usize) -> usize {
        match self.nodes[node].kind {
            NodeKind::Chapter(ci) | NodeKind::Heading(ci, _) => ci,
        }
    }

    /// The heading that stands for a node: the heading itself, or a chapter's title heading.
    pub fn heading_of(&self, node: usize) -> Option<&Heading> {
        self.heading_index_of(node).and_then(|(ci, hi)| self.docs[ci].headings.get(hi))
    }

    /// (chapter, heading index) of the heading that stands for a node.
    pub fn heading_index_of(&self, node: usize) -> Option<(usize, usize)> {
        match self.nodes[node].kind {
            NodeKind::Heading(ci, hi) => Some((ci, hi)),
            NodeKind::Chapter(ci) => self.docs[ci].title_heading.map(|hi| (ci, hi)),
        }
    }

    /// The titles a node is known by: a heading's text; a chapter's SUMMARY title and its title heading.
    pub fn titles_of(&self, node: usize) -> Vec<&str> {
        let mut titles = Vec::with_capacity(2);
        if let NodeKind::Chapter(ci) = self.nodes[node].kind {
            titles.push(strip_numbering(self.docs[ci].title));
        }
        if let Some(heading) = self.heading_of(node) {
            titles.push(heading.title.as_str());
        }
        titles
    }

    /// Where findings about a node point: its heading, or the start of its chapter.
    pub fn position_of(&self, node: usize) -> (usize, Range<usize>) {
        let ci = self.chapter_of(node);
        match self.heading_of(node) {
            Some(heading) => (ci, heading.span.clone()),
            None => (ci, 0..0),
        }
    }

    /// The text a node spans: a heading's section; a chapter and all its sub-chapters.
    pub fn ranges_of(&self, node: usize) -> Vec<(usize, Range<usize>)> {
        match self.nodes[node].kind {
            NodeKind::Heading(ci, hi) => {
                let heading = &self.docs[ci].headings[hi];
                vec![(ci, heading.span.start..heading.section_end)]
            }
            NodeKind::Chapter(_) => (node..self.nodes[node].subtree_end)
                .filter_map(|n| match self.nodes[n].kind {
                    NodeKind::Chapter(ci) => Some((ci, 0..self.docs[ci].text.len())),
                    NodeKind::Heading(..) => None,
                })
                .collect(),
        }
    }

    /// The node's own text, without its heading line and without sub-chapters.
    pub fn own_range(&self, node: usize) -> (usize, Range<usize>) {
        match self.nodes[node].kind {
            NodeKind::Heading(ci, hi) => {
                let heading = &self.docs[ci].headings[hi];
                (ci, heading.span.end..heading.section_end)
            }
            NodeKind::Chapter(ci) => (ci, 0..self.docs[ci].text.len()),
        }
    }
}

/// A chunk of work: its offset, its items, and its thread (`None` when no thread could be started).
type Started<'scope, 't, T, R> = (usize, &'t [T], Option<std::thread::ScopedJoinHandle<'scope, Vec<R>>>);

/// `f` over every item, on all cores for a long list (chapters are independent), in the original order.
pub fn parallel_map<'t, T: Sync, R: Send>(items: &'t [T], f: impl Fn(usize, &'t T) -> R + Sync) -> Vec<R> {
    parallel_map_with(items, || (), |_, i, x| f(i, x))
}

/// [`parallel_map`], with a state each run of consecutive items shares (made by `init`, passed to `f` in turn).
pub fn parallel_map_with<'t, T: Sync, R: Send, S>(
    items: &'t [T],
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, usize, &'t T) -> R + Sync,
) -> Vec<R> {
    let threads = crate::parallel::worker_threads();
    let serial = |offset: usize, part: &'t [T]| -> Vec<R> {
        let mut state = init();
        part.iter().enumerate().map(|(i, x)| f(&mut state, offset + i, x)).collect()
    };
    if threads < 2 || items.len() < 16 {
        return serial(0, items);
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let serial = &serial;
        let started: Vec<Started<'_, 't, T, R>> = items
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                let handle = std::thread::Builder::new().spawn_scoped(scope, move || serial(c * chunk, part)).ok();
                (c * chunk, part, handle)
            })
            .collect();
        let mut results = Vec::with_capacity(items.len());
        for (offset, part, handle) in started {
            // A thread that could not start (or failed) is redone here, so the result is always complete.
            match handle.map(|h| h.join()) {
                Some(Ok(part_results)) => results.extend(part_results),
                Some(Err(panic)) => std::panic::resume_unwind(panic),
                None => results.extend(serial(offset, part)),
            }
        }
        results
    })
}

/// The items of a range of a chapter, sorted by offset: those whose start lies inside it.
pub fn within<'s, T>(sorted: &'s [T], range: &Range<usize>, start: impl Fn(&T) -> usize) -> &'s [T] {
    let from = sorted.partition_point(|x| start(x) < range.start);
    let to = sorted.partition_point(|x| start(x) < range.end);
    sorted.get(from..to.max(from)).unwrap_or(&[])
}
