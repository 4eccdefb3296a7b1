//! The one pass over a chapter's Markdown that builds its [`ChapterDoc`]: pulldown-cmark events into headings,
//! list items, prose blocks, links and `kpi-allow` comments.

use std::ops::Range;
use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use regex::Regex;

use super::Chapter;
use super::chapter::{Allow, BlockData, BlockText, ChapterDoc, Heading, LinkRef, ListItem, Segment, Span32, view};
use super::numbering::strip_numbering;
use crate::directive::scan::{self, Found};
use crate::figures::extract::Collector;

static ALLOW_COMMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<!--\s*kpi-allow\s*:\s*([^>]*?)\s*-->").expect("static regex"));

/// The Markdown extensions mdBook turns on, so that the outline sees what mdBook renders: the same options the
/// directive scanner uses.
fn options() -> Options {
    crate::directive::scan::markdown_options()
}

pub fn parse_chapter<'a>(chapter: &'a Chapter<'_>) -> ChapterDoc<'a> {
    parse_chapter_with(chapter, &mut ParseBuffers::default(), None)
}

/// The lists a chapter's parse grows, handed from chapter to chapter on a thread: the parse grows them, and the
/// outline keeps copies of exactly their length. So the book's outline is not left with spare room, nor memory
/// with the holes of lists that grew and were let go.
#[derive(Default)]
pub struct ParseBuffers {
    pub(super) headings: Vec<Heading>,
    pub(super) items: Vec<ListItem>,
    pub(super) blocks: Vec<BlockData>,
    pub(super) links: Vec<LinkRef>,
    pub(super) allows: Vec<Allow>,
    pub(super) code_and_html: Vec<Range<usize>>,
    pub(super) owned: String,
    pub(super) owned_blocks: Vec<usize>,
    pub(super) segment_starts: Vec<u32>,
    pub(super) segments: Vec<Segment>,
    pub(super) directives: Vec<Range<usize>>,
}

/// The items of a list, moved into a list of exactly their number; the list keeps its room, empty.
fn exact<T>(list: &mut Vec<T>) -> Vec<T> {
    let mut exact = Vec::with_capacity(list.len());
    exact.append(list);
    exact
}

/// [`parse_chapter`], growing the lists of `buffers` (left empty; the per-chapter ones come back with
/// [`ChapterDoc::keep_for_whole_book_rules`]). `figures`, when given, is fed the same events: the hand-typed
/// figure check reads the chapter from this parse instead of a second one.
pub(super) fn parse_chapter_with<'a>(
    chapter: &'a Chapter<'_>,
    buffers: &mut ParseBuffers,
    mut figures: Option<&mut Collector<'_>>,
) -> ChapterDoc<'a> {
    let text: &str = &chapter.content;
    let mut builder = Builder::new(text, buffers);
    figures = figures.filter(|collector| collector.is_active());
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        if let Some(collector) = figures.as_deref_mut() {
            collector.event(&event, range.clone());
        }
        builder.event(event, range);
    }
    builder.flush_block();
    scan::merge_ranges(&mut buffers.code_and_html);
    assign_directives(text, buffers);
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
    let real = || doc.headings.iter().enumerate().filter(|(_, h)| !h.bold_line);
    if let Some(top) = real().map(|(_, h)| h.level).min() {
        let mut at_top = real().filter(|(_, h)| h.level == top);
        if let (Some((first, _)), None) = (at_top.next(), at_top.next()) {
            doc.title_heading = Some(first);
        }
    }
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
    quote_depth: usize,
    /// The source range of a paragraph outside lists and quotes whose first line may still be a bold line
    /// standing for a heading ([`Heading::bold_line`]); taken once that line is looked at.
    bold_line_paragraph: Option<Range<usize>>,
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
            quote_depth: 0,
            bold_line_paragraph: None,
        }
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        let code_or_html = scan::is_code_or_html(&event);
        if code_or_html {
            self.lists.code_and_html.push(range.clone());
        }
        match event {
            Event::Start(tag) => self.start(tag, range),
            Event::End(tag) => self.end(tag),
            Event::Text(text) if self.code_depth == 0 => self.push_piece(&text, range),
            Event::Code(_) | Event::InlineMath(_) | Event::DisplayMath(_) => self.push_piece(" ", range),
            Event::SoftBreak | Event::HardBreak => {
                if let Some(paragraph) = self.bold_line_paragraph.take() {
                    self.push_bold_line(paragraph.start..range.start);
                }
                self.push_piece("\n", range)
            }
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
            Tag::BlockQuote(_) => self.quote_depth += 1,
            Tag::Paragraph if self.list_depth == 0 && self.quote_depth == 0 => {
                self.bold_line_paragraph = Some(range);
            }
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
                    let heading = Heading { level, title, block, explicit_id, span, section_end: 0, bold_line: false };
                    self.lists.headings.push(heading);
                }
            }
            TagEnd::CodeBlock | TagEnd::MetadataBlock(_) => self.code_depth = self.code_depth.saturating_sub(1),
            TagEnd::List(_) => self.list_depth = self.list_depth.saturating_sub(1),
            TagEnd::BlockQuote(_) => {
                self.quote_depth = self.quote_depth.saturating_sub(1);
                self.flush_block();
            }
            TagEnd::Paragraph => {
                if let Some(paragraph) = self.bold_line_paragraph.take() {
                    self.push_bold_line(paragraph);
                }
                self.flush_block();
            }
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

    /// Records the first line of the paragraph being collected (`line`, in the source) as a heading when it is all
    /// bold and reads like a title: `**不足与改进**`, `**Challenges:**`, `**三、改进措施**:`.
    fn push_bold_line(&mut self, line: Range<usize>) {
        let text = self.current();
        let Some(bold) = self.leading_bold.clone() else { return };
        let after = text.get(bold.end..).unwrap_or("").trim();
        if !matches!(after, "" | ":" | "\u{ff1a}") {
            return;
        }
        let bold_text = text.get(bold).unwrap_or("").trim().trim_end_matches([':', '\u{ff1a}']).trim_end();
        let title = strip_numbering(bold_text);
        if !reads_like_a_title(title) {
            return;
        }
        let title = title.to_string();
        // One level below the heading it sits under: the last one before it that is not itself a bold line.
        let under = self.lists.headings.iter().rev().find(|h| !h.bold_line).map_or(1, |h| h.level);
        let span = trim_line_end(self.source, line);
        let level = under.saturating_add(1);
        let heading = Heading { level, title, block: None, explicit_id: None, span, section_end: 0, bold_line: true };
        self.lists.headings.push(heading);
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
            let text = match collecting {
                Collecting::Slice(slice) => BlockText::Source(Span32::new(slice)),
                Collecting::Nothing | Collecting::Copy => {
                    BlockText::Owned(Span32::new(self.block_start..self.lists.owned.len()))
                }
            };
            let owned = matches!(text, BlockText::Owned(_));
            let narrow = |offset: usize| u32::try_from(offset).unwrap_or(u32::MAX);
            // Its directives are given to it once the whole chapter is parsed ([`assign_directives`]).
            let block = BlockData::new(text, 0, narrow(span.start));
            self.set_item_lead_in(&block, leading_bold);
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
    fn set_item_lead_in(&mut self, block: &BlockData, leading_bold: Option<Range<usize>>) {
        let Some((index, pending)) = self.open_items.last_mut() else { return };
        if !*pending || self.heading.is_some() {
            return;
        }
        *pending = false;
        let index = *index;
        let segments = self.lists.segments.get(self.segments_start..).unwrap_or(&[]);
        let view = view(self.source, &self.lists.owned, segments, &[], block);
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

/// A bold line that names a section, not a sentence set in bold: a few words (at most eight Latin words or
/// twenty other characters), with a letter in them, not ending like a sentence, holding no directive.
fn reads_like_a_title(title: &str) -> bool {
    let latin_words = title.split_whitespace().filter(|w| w.chars().any(|c| c.is_ascii_alphabetic())).count();
    let other = title.chars().filter(|c| !c.is_ascii() && !c.is_whitespace()).count();
    let sentence_end = title.ends_with(['.', '!', '?', '\u{3002}', '\u{ff01}', '\u{ff1f}', ';', '\u{ff1b}']);
    title.chars().any(char::is_alphabetic)
        && latin_words <= 8
        && other <= 20
        && !sentence_end
        && !title.contains("<<#kpi")
}

fn current_text<'t>(source: &'t str, owned: &'t str, block_start: usize, collecting: &Collecting) -> &'t str {
    match collecting {
        Collecting::Nothing => "",
        Collecting::Slice(slice) => source.get(slice.clone()).unwrap_or(""),
        Collecting::Copy => owned.get(block_start..).unwrap_or(""),
    }
}

/// The byte ranges of the `<<#kpi …>>` directives in a text without code or HTML, as the directive scanner
/// decides them.
pub fn directive_ranges(text: &str) -> Vec<Range<usize>> {
    directive_spans(text, &[]).collect()
}

/// The spans of the directives the directive scanner finds in `text`, given its code and HTML ranges.
fn directive_spans(text: &str, code_and_html: &[Range<usize>]) -> impl Iterator<Item = Range<usize>> {
    scan::scan_with_excluded(text, code_and_html).into_iter().filter_map(|found| match found {
        Found::Directive { span, .. } => Some(span),
        Found::Escape { .. } | Found::Unterminated { .. } => None,
    })
}

/// Gives each block the chapter's directives its text holds, as ranges of that text. The directives are
/// those the directive scanner finds in the chapter's source, with the code and HTML ranges this parse found:
/// the check and the preprocessor agree on what a directive is. Blocks and directives are both in source
/// order; a directive that is not within one block's text (in a link's address, say) is given to none.
fn assign_directives(source: &str, lists: &mut ParseBuffers) {
    let mut block = 0;
    for span in directive_spans(source, &lists.code_and_html) {
        while lists.blocks.get(block + 1).is_some_and(|next| next.span_start as usize <= span.start) {
            block += 1;
            lists.blocks[block].directives_start = narrow(lists.directives.len());
        }
        if let Some(range) = block_range(lists, block, span) {
            lists.directives.push(range);
        }
    }
    let assigned = narrow(lists.directives.len());
    for later in lists.blocks.iter_mut().skip(block + 1) {
        later.directives_start = assigned;
    }
}

/// Where a range of the chapter's source is in the text of block `index`, if it is all there.
fn block_range(lists: &ParseBuffers, index: usize, source: Range<usize>) -> Option<Range<usize>> {
    let block = lists.blocks.get(index)?;
    match block.text() {
        BlockText::Source(text) => {
            let text = text.range();
            (text.start <= source.start && source.end <= text.end)
                .then(|| source.start - text.start..source.end - text.start)
        }
        BlockText::Owned(text) => {
            let from = *lists.segment_starts.get(index)? as usize;
            let to = lists.segment_starts.get(index + 1).map_or(lists.segments.len(), |&to| to as usize);
            let segments = lists.segments.get(from..to)?;
            let text_len = text.range().len();
            let start = text_offset(segments, text_len, source.start)?;
            let last = text_offset(segments, text_len, source.end.checked_sub(1)?)?;
            (start <= last).then_some(start..last + 1)
        }
    }
}

/// The offset in a copied block's text of a source offset, when a verbatim piece of the block holds it.
fn text_offset(segments: &[Segment], text_len: usize, source: usize) -> Option<usize> {
    let at = segments.partition_point(|&(_, from, _)| from <= source).checked_sub(1)?;
    let (start, from, verbatim) = segments[at];
    let end = segments.get(at + 1).map_or(text_len, |next| next.0);
    let offset = start + (source - from);
    (verbatim && offset < end).then_some(offset)
}

fn narrow(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
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

/// Compiles the allow-comment pattern now (see [`crate::engine::warm_up`]).
pub(super) fn compile_patterns() {
    LazyLock::force(&ALLOW_COMMENT);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chapter(content: &str) -> Chapter<'_> {
        Chapter { title: "T".into(), source_path: Some("src/t.md".into()), content: content.into(), depth: 0 }
    }

    #[test]
    fn directives_are_found() {
        let text = "a <<#kpi revenue q4>> b <<#kpix>> <<#kpi x\n>> <<#kpi y>>";
        let found: Vec<&str> = directive_ranges(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(found, ["<<#kpi revenue q4>>", "<<#kpi y>>"]);
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

    /// The outline's directives are the directive scanner's, each in the block that holds it: the same texts at
    /// the same places of the chapter, escapes and unterminated markers left out.
    #[test]
    fn directives_are_the_scanners() {
        const PIECES: [&str; 18] = [
            "<<#kpi a>>",
            "\\<<#kpi b>>",
            "\\\\<<#kpi c>>",
            "`<<#kpi d>>`",
            "<<#kpi e &amp; f>>",
            "<<#kpi g *h* i>>",
            "<<#kpi. j>>",
            "<<#kpi k <<#kpi l>>",
            "\n\n",
            "\n",
            "<span><<#kpi m></span>",
            "text ",
            "- ",
            "| a | <<#kpi n>> |\n|---|---|\n",
            "<<#kpi unterminated",
            "> ",
            "# ",
            "**",
        ];
        let mut next = crate::testing::xorshift(0x2545_f491_4f6c_dd1d);
        for _ in 0..2000 {
            let text = crate::testing::random_text(&mut next, &PIECES, 30);
            let chapter = chapter(&text);
            let doc = parse_chapter(&chapter);
            let outline: Vec<Range<usize>> = doc
                .blocks()
                .flat_map(|block| block.directives.iter().map(move |d| block.source_span(d.clone())))
                .collect();
            let scanned: Vec<Range<usize>> = directive_spans(&text, doc.code_and_html()).collect();
            // Every directive in a block's text is in the outline; the others are in text Markdown drops (a
            // table row's cells past the header's count).
            let in_a_block = |at: usize| {
                doc.blocks().any(|block| (0..block.text.len()).any(|offset| block.source_offset(offset) == at))
            };
            let expected: Vec<Range<usize>> = scanned.into_iter().filter(|span| in_a_block(span.start)).collect();
            assert_eq!(outline, expected, "{text:?}");
        }
    }

    /// A paragraph line that is all bold stands for a heading one level below the one it sits under; a bold
    /// sentence, a bold run followed by text, and bold lines in lists and quotes do not.
    #[test]
    fn bold_lines_are_headings() {
        let c = chapter(concat!(
            "# 年度总结\n\n**不足与改进**\n\n正文\n\n**Challenges:**\n\n- a\n- **Item** in a list\n\n",
            "**Revenue** rose in Q4.\n\n**This whole sentence is set in bold.**\n\n> **Quoted**\n\n",
            "## 三、计划\n\n**二、下步打算**:\n第一行\n\n**<<#kpi revenue 2025>>**\n",
        ));
        let doc = parse_chapter(&c);
        let headings: Vec<(&str, u8, bool)> =
            doc.headings.iter().map(|h| (h.title.as_str(), h.level, h.bold_line)).collect();
        assert_eq!(
            headings,
            [
                ("年度总结", 1, false),
                ("不足与改进", 2, true),
                ("Challenges", 2, true),
                ("计划", 2, false),
                ("下步打算", 3, true)
            ]
        );
        assert_eq!(doc.title_heading, Some(0));
        assert_eq!(&c.content[doc.headings[4].span.clone()], "**二、下步打算**:");
        // A bold line's section ends at the next heading of its level or above.
        assert_eq!(doc.headings[1].section_end, doc.headings[2].span.start);
        assert_eq!(doc.headings[2].section_end, doc.headings[3].span.start);
        // No anchor of its own, and no suffix taken from the headings that have one.
        let anchors: Vec<&str> = (0..doc.headings.len()).map(|i| doc.anchor(i)).collect();
        assert_eq!(anchors, ["年度总结", "", "", "三计划", ""]);
    }

    /// Only bold lines: none is the chapter's title.
    #[test]
    fn a_bold_line_is_never_the_title() {
        let c = chapter("**Challenges**\n\n- Late deliveries\n");
        let doc = parse_chapter(&c);
        assert_eq!(doc.headings.len(), 1);
        assert_eq!(doc.title_heading, None);
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
