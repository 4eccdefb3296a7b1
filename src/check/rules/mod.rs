//! The rules of docs/src/rules.md, one file per family, over a shared [`Context`]: the outline, the modules found in it
//! and their items, worked out once.

pub mod figures;
pub mod loop_;
pub mod modules;
pub mod narrative;
pub mod placeholder;
pub mod smart;
pub mod structure;
pub mod style;

use std::ops::Range;

use super::outline::{BookOutline, NodeKind, within};
use super::schema::Schema;
use crate::rules::Rule;

/// A finding before severities and positions are applied: a byte span in one chapter.
pub struct Finding {
    pub rule: Rule,
    pub chapter: usize,
    pub span: Range<usize>,
    pub message: String,
    pub help: Option<String>,
    /// A file the finding is about as a whole instead of a place in the chapter (SUMMARY.md for a missing module).
    pub file: Option<String>,
}

impl Finding {
    pub fn new(rule: Rule, (chapter, span): (usize, Range<usize>), message: String, help: String) -> Self {
        Finding { rule, chapter, span, message, help: Some(help), file: None }
    }

    /// The finding about a whole file.
    pub fn about_file(mut self, file: String) -> Self {
        self.file = Some(file);
        self
    }
}

/// A module of the schema found in the book.
pub struct FoundModule {
    /// Index into the schema's modules.
    pub spec: usize,
    /// The outline node (chapter or heading) that is the module.
    pub node: usize,
    /// Further sections named like the module that lost to `node` (a second "计划" chapter, "Underperforming
    /// segments" beside "Key findings"): their items and parts count for the module too, so that a weaker match
    /// never drops a real section silently.
    pub extra: Vec<usize>,
}

/// A module's item: a sub-heading or sub-chapter, or a top-level list item.
pub struct Item {
    pub title: String,
    /// Further names for matching (a chapter's SUMMARY title beside its heading).
    pub alt_title: Option<String>,
    /// Where findings about it point.
    pub at: (usize, Range<usize>),
    /// The text it spans.
    pub ranges: Vec<(usize, Range<usize>)>,
    /// (chapter, heading index) when the item is a heading a link can point to.
    pub heading: Option<(usize, usize)>,
    /// The outline node when the item is a heading, bold line or sub-chapter.
    pub node: Option<usize>,
    /// The lone bold line above the list the item is in (`**2026年目标**`), which titles it.
    pub label: Option<usize>,
}

impl Item {
    pub fn matches(&self, titles: &super::schema::Titles) -> bool {
        titles.is_match(&self.title) || self.alt_title.as_deref().is_some_and(|t| titles.is_match(t))
    }

    /// The title shortened for a message.
    pub fn label(&self) -> String {
        let title = if self.title.is_empty() { self.alt_title.as_deref().unwrap_or("") } else { &self.title };
        let mut label: String = title.chars().take(40).collect();
        if title.chars().count() > 40 {
            label.push('…');
        }
        label
    }
}

pub struct Context<'o, 'a> {
    pub outline: &'o BookOutline<'a>,
    pub schema: &'o Schema,
    /// Found modules in book order.
    pub found: Vec<FoundModule>,
    /// Whether the book is written in Chinese (for picking the title shown in messages).
    pub chinese: bool,
}

impl<'o, 'a> Context<'o, 'a> {
    pub fn new(outline: &'o BookOutline<'a>, schema: &'o Schema) -> Self {
        let found = modules::find_modules(outline, schema);
        let chinese = outline.docs.iter().any(|d| d.title.chars().any(is_cjk))
            || outline.docs.iter().flat_map(|d| d.headings.first()).any(|h| h.title.chars().any(is_cjk));
        Context { outline, schema, found, chinese }
    }

    pub fn found_module(&self, spec: usize) -> Option<&FoundModule> {
        self.found.iter().find(|m| m.spec == spec)
    }

    /// The schema title to show for a module or part: the first in the book's script.
    pub fn display_title<'t>(&self, titles: &'t super::schema::Titles) -> &'t str {
        titles.list.iter().find(|t| t.chars().any(is_cjk) == self.chinese).map_or(titles.first(), String::as_str)
    }

    /// The items of a found module: those of its node and of its further sections.
    /// A section titled with the module's own name (暗点 in 暗点与亮点, "Key challenges" in a review) only labels
    /// its contents: its own items stand in for it.
    pub fn module_items(&self, found: &FoundModule) -> Vec<Item> {
        let titles = &self.schema.modules[found.spec].titles;
        let mut items = Vec::new();
        for node in std::iter::once(found.node).chain(found.extra.iter().copied()) {
            for item in self.items(node) {
                let inner = item.node.filter(|_| titles.names_only(&item.title)).map(|n| self.items(n));
                match inner {
                    Some(inner) if !inner.is_empty() => items.extend(inner),
                    _ => items.push(item),
                }
            }
        }
        items
    }

    /// A module's items: its child headings and sub-chapters, or, without those, its top-level list items, the
    /// rows of its tables, and else its paragraphs that start with a number (1、…, (2)…, 三、…). Bold lines
    /// (`**华东区**`) are items like headings, except a lone one above a list or table (`**主要问题:**`): that
    /// labels the list, whose items and rows are the module's items.
    pub fn items(&self, node: usize) -> Vec<Item> {
        let outline = self.outline;
        // A module found inside another (改进措施 in 下一步工作) is not one of its items.
        let own_children = || outline.children(node).filter(|child| !self.found.iter().any(|m| m.node == *child));
        let mut children = own_children();
        let one_label = match (children.next(), children.next()) {
            (None, _) => None,
            (Some(only), None) if outline.is_bold_line(only) => Some(only),
            _ => return own_children().map(|child| self.node_item(child)).collect(),
        };
        let mut items = self.list_and_table_items(node);
        match one_label {
            Some(label) if items.is_empty() => vec![self.node_item(label)],
            Some(label) => {
                for item in &mut items {
                    item.label = Some(label);
                }
                items
            }
            None if items.is_empty() => {
                let (ci, range) = outline.own_range(node);
                numbered_paragraphs(&outline.docs[ci], ci, &range)
            }
            _ => items,
        }
    }

    /// The top-level list items and table rows of a node's own text.
    fn list_and_table_items(&self, node: usize) -> Vec<Item> {
        let outline = self.outline;
        let (ci, range) = outline.own_range(node);
        let doc = &outline.docs[ci];
        // The lists of a module found inside this node (改进措施 in 下一步工作) are that module's.
        let nested: Vec<Range<usize>> = (node + 1..outline.nodes[node].subtree_end)
            .filter(|n| self.found.iter().any(|m| m.node == *n))
            .flat_map(|n| outline.ranges_of(n))
            .filter(|(c, _)| *c == ci)
            .map(|(_, r)| r)
            .collect();
        let own = |at: usize| !nested.iter().any(|r| r.contains(&at));
        let list_items = within(&doc.items, &range, |i| i.span().start);
        let list_items: Vec<&super::outline::ListItem> = list_items.iter().filter(|i| own(i.span().start)).collect();
        let top = list_items.iter().map(|i| i.depth()).min().unwrap_or(1);
        let mut items: Vec<Item> = list_items
            .iter()
            .filter(|i| i.depth() == top)
            .map(|i| Item {
                title: doc.item_title(i).to_string(),
                alt_title: None,
                at: (ci, i.title_span()),
                ranges: vec![(ci, i.span())],
                heading: None,
                node: None,
                label: None,
            })
            .collect();
        items.extend(table_rows(doc, &range).into_iter().filter(|row| own(row.span.start)).map(|row| Item {
            title: row.title,
            alt_title: None,
            at: (ci, row.title_span),
            ranges: vec![(ci, row.span)],
            heading: None,
            node: None,
            label: None,
        }));
        items
    }

    fn node_item(&self, node: usize) -> Item {
        let outline = self.outline;
        let heading = outline.heading_of(node);
        let ci = outline.chapter_of(node);
        let summary_title = match outline.nodes[node].kind {
            NodeKind::Chapter(_) => Some(super::outline::strip_numbering(outline.docs[ci].title).to_string()),
            NodeKind::Heading(..) => None,
        };
        let (title, alt_title) = match (heading, summary_title) {
            (Some(h), alt) => (h.title.clone(), alt),
            (None, Some(t)) => (t, None),
            (None, None) => (String::new(), None),
        };
        Item {
            title,
            alt_title,
            at: outline.position_of(node),
            ranges: outline.ranges_of(node),
            // A bold line has no anchor to link to.
            heading: outline.heading_index_of(node).filter(|_| !outline.is_bold_line(node)),
            node: Some(node),
            label: None,
        }
    }

    /// Every title inside a module where a part may be named: sub-headings and sub-chapters at any depth, and
    /// the lead-ins of list items at any depth.
    pub fn inner_titles(&self, node: usize) -> impl Iterator<Item = &'o str> + '_ {
        let outline = self.outline;
        // The module's own title names a part too ("Regional performance").
        let nodes = (node..outline.nodes[node].subtree_end).flat_map(|n| outline.titles_of(n));
        // A list item names a part by a short lead-in ("区域:", "**Category performance**"), not by a passing
        // mention in a sentence ("launched 3 new product lines").
        let items = outline.ranges_of(node).into_iter().flat_map(|(ci, range)| {
            let doc = &outline.docs[ci];
            within(&doc.items, &range, |i| i.span().start)
                .iter()
                .map(|i| doc.item_title(i))
                .filter(|t| is_short_title(t))
        });
        nodes.chain(items)
    }

    /// (chapter, anchor) of an item that is a heading a link can point to.
    pub fn anchor(&self, item: &Item) -> Option<(usize, &'o str)> {
        item.heading.map(|(ci, hi)| (ci, self.outline.docs[ci].anchor(hi)))
    }

    /// The prose blocks inside an item, in order.
    pub fn item_blocks<'s>(&'s self, item: &'s Item) -> impl Iterator<Item = super::outline::TextBlock<'s>> + 's {
        item.ranges.iter().flat_map(move |(ci, range)| self.outline.docs[*ci].blocks_within(range))
    }
}

/// The paragraphs of a range that start with a number (1、华东区域…, (2) …, 三、…): items written without Markdown
/// list syntax, as many Chinese reports do. The title is the text up to the first comma, colon or full stop.
fn numbered_paragraphs(doc: &super::outline::ChapterDoc<'_>, ci: usize, range: &Range<usize>) -> Vec<Item> {
    let mut items = Vec::new();
    for block in doc.blocks_within(range) {
        let text = block.text.trim_start();
        let rest = super::outline::strip_numbering(text);
        if rest.len() == text.trim().len() || rest.is_empty() {
            continue;
        }
        let title_end = rest.find(['，', '。', ':', '：', ',', ';', '；']).unwrap_or(rest.len());
        let title = rest[..title_end].trim();
        let offset = block.text.len() - rest.len();
        let start = block.source_offset(offset);
        let end = block.source_span(0..block.text.len()).end;
        items.push(Item {
            title: title.to_string(),
            alt_title: None,
            at: (ci, start..block.source_offset(offset + title.len().max(1) - 1) + 1),
            ranges: vec![(ci, block.source_span(0..0).start..end)],
            heading: None,
            node: None,
            label: None,
        });
    }
    items
}

/// A body row of a Markdown table: an action written as a row ("| P1 | Expand the APAC team | Sales VP | Q2 |").
struct TableRow {
    /// The cell under a header that names the action (Action, 措施, 举措…), else the row's longest cell.
    title: String,
    title_span: Range<usize>,
    span: Range<usize>,
}

/// The body rows of the tables in a range of a chapter (outside code blocks).
fn table_rows(doc: &super::outline::ChapterDoc<'_>, range: &Range<usize>) -> Vec<TableRow> {
    const ACTION_HEADERS: &[&str] = &[
        "action",
        "措施",
        "举措",
        "行动",
        "对策",
        "改进",
        "initiative",
        "measure",
        "recommendation",
        "事项",
        "内容",
        "策略",
    ];
    let text = &doc.text[range.clone()];
    let mut rows = Vec::new();
    let mut header: Option<Vec<String>> = None;
    let mut in_table = false;
    let mut offset = range.start;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        let in_code = doc.code_and_html().iter().any(|r| r.contains(&start));
        if !trimmed.starts_with('|') || in_code {
            (in_table, header) = (false, None);
            continue;
        }
        let cells = split_cells(line, start);
        if !in_table {
            in_table = true;
            header = Some(cells.iter().map(|(c, _)| c.to_lowercase()).collect());
            continue;
        }
        if cells.iter().all(|(c, _)| c.chars().all(|ch| matches!(ch, '-' | ':' | ' '))) {
            continue;
        }
        let by_header =
            header.as_ref().and_then(|h| h.iter().position(|c| ACTION_HEADERS.iter().any(|a| c.contains(a))));
        let longest = (0..cells.len()).max_by_key(|&i| (cells[i].0.chars().count(), usize::MAX - i));
        let Some(pick) = by_header.filter(|&i| i < cells.len()).or(longest) else { continue };
        let (title, title_span) = cells[pick].clone();
        let line_end = start + line.trim_end().len();
        rows.push(TableRow { title, title_span, span: start..line_end });
    }
    rows
}

/// A table row's cells with their source spans (trimmed), without the outer pipes.
fn split_cells(line: &str, start: usize) -> Vec<(String, Range<usize>)> {
    let body = line.trim_end();
    let lead = body.len() - body.trim_start().len();
    let mut inner = &body[lead..];
    let mut base = start + lead;
    if let Some(rest) = inner.strip_prefix('|') {
        inner = rest;
        base += 1;
    }
    if inner.ends_with('|') && !inner.ends_with("\\|") {
        inner = &inner[..inner.len() - 1];
    }
    let bytes = inner.as_bytes();
    let mut cells = Vec::new();
    let mut from = 0;
    for i in 0..=bytes.len() {
        let boundary = i == bytes.len() || (bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\'));
        if boundary {
            let cell = &inner[from..i];
            let lead = cell.len() - cell.trim_start().len();
            let trimmed = cell.trim();
            cells.push((trimmed.to_string(), base + from + lead..base + from + lead + trimmed.len()));
            from = i + 1;
        }
    }
    cells
}

/// A title rather than a sentence: at most four Latin words, or twelve other characters.
fn is_short_title(title: &str) -> bool {
    let latin_words = title.split_whitespace().filter(|w| w.chars().any(|c| c.is_ascii_alphabetic())).count();
    let other = title.chars().filter(|c| !c.is_ascii() && !c.is_whitespace()).count();
    latin_words <= 4 && other <= 12
}

pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}')
}

/// The rules that look at one chapter at a time (jargon, bare numbers), for [`BookOutline::new_with`].
pub fn per_chapter(
    doc: &super::outline::ChapterDoc<'_>,
    chapter: usize,
    jargon: &style::JargonList,
    chinese: bool,
) -> Vec<Finding> {
    let mut found = Vec::new();
    style::check(doc, chapter, jargon, chinese, &mut found);
    narrative::check(doc, chapter, chinese, &mut found);
    placeholder::check(doc, chapter, chinese, &mut found);
    found
}

/// Whether a book is written in Chinese: a chapter title with a CJK character.
pub fn is_chinese_book(titles: impl IntoIterator<Item = impl AsRef<str>>) -> bool {
    titles.into_iter().any(|t| t.as_ref().chars().any(is_cjk))
}

/// Compiles the whole-book rules' patterns. They would otherwise be compiled when the rules first run, with the
/// book's outline held, at the run's peak memory: called before the outline is built, the memory a
/// compilation uses for a while is taken and given back while little else is held. The per-chapter rules'
/// patterns are compiled on the parsing threads, as before.
pub fn compile_patterns() {
    modules::compile_patterns();
    loop_::compile_patterns();
    smart::compile_patterns();
}

/// Compiles the per-chapter rules' patterns and the built-in jargon list now, rather than on first use on the
/// parsing threads (see [`crate::engine::warm_up`]).
pub fn compile_chapter_patterns() {
    narrative::compile_patterns();
    placeholder::compile_patterns();
    style::JargonList::built_in();
}

/// Runs the rules over the whole outline, and adds the findings of [`per_chapter`] (in chapter order).
pub fn run(outline: &BookOutline<'_>, schema: &Schema, per_chapter: Vec<Vec<Finding>>) -> Vec<Finding> {
    let context = Context::new(outline, schema);
    let mut findings = Vec::new();
    structure::check(&context, &mut findings);
    loop_::check(&context, &mut findings);
    smart::check(&context, &mut findings);
    // Figures in the strategy and plan modules are targets and resources, which need no comparison.
    let smart_ranges: Vec<(usize, Range<usize>)> = context
        .found
        .iter()
        .filter(|m| context.schema.modules[m.spec].smart)
        .flat_map(|m| std::iter::once(m.node).chain(m.extra.iter().copied()))
        .flat_map(|node| context.outline.ranges_of(node))
        .collect();
    findings.extend(per_chapter.into_iter().flatten().filter(|f| {
        f.rule != Rule::NarrativeBareNumbers
            || !smart_ranges.iter().any(|(ci, range)| *ci == f.chapter && range.contains(&f.span.start))
    }));
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The titles of each found module's items, by module id, for a book of (title, text) chapters.
    fn items_of(chapters: &[(&str, &str)]) -> Vec<(String, Vec<String>)> {
        let chapters = crate::check::test_chapters(chapters);
        let outline = BookOutline::new(&chapters);
        let schema = crate::check::load_schema("year-end-sales", std::path::Path::new(".")).expect("schema");
        let context = Context::new(&outline, &schema);
        context
            .found
            .iter()
            .map(|m| {
                (schema.modules[m.spec].id.clone(), context.module_items(m).into_iter().map(|i| i.title).collect())
            })
            .collect()
    }

    /// A section that names a problem with one of the module's words in it (梯队储备不足) is an item; its list
    /// gives the problem's details, not more problems.
    #[test]
    fn a_problem_named_with_a_module_word_is_one_item() {
        let items = items_of(&[
            ("引言", "# 引言\n\n本报告。\n"),
            ("业绩回顾", "# 业绩回顾\n\n全年完成。\n"),
            (
                "问题分析",
                "# 问题分析\n\n## 团队端:梯队储备不足\n\n- **方案**:细节一\n- **周期**:细节二\n\n## 流程端:回款慢\n\n- 细节三\n",
            ),
        ]);
        let problems = items.iter().find(|(m, _)| m == "problem-analysis").map(|(_, t)| t.clone()).unwrap_or_default();
        assert_eq!(problems, ["团队端:梯队储备不足", "流程端:回款慢"]);
    }

    /// Bold lines are items like headings; a lone one above a list labels it; a section named like its module
    /// labels its contents; a module found inside another is not one of its items.
    #[test]
    fn items_under_bold_lines_and_labels() {
        let items = items_of(&[
            ("业绩回顾", "# 业绩回顾\n\n**华东**\n\n增长12%。\n\n**华南**\n\n增长8%。\n"),
            ("经验教训", "# 经验教训\n\n**主要教训：**\n\n- 价格：让利过多\n- 人员：骨干流失\n"),
            (
                "暗点与亮点",
                "# 暗点与亮点\n\n**暗点**\n\n1. 回款：周转慢\n2. 新品：占比低\n\n**亮点**\n\n1. 续约率95%\n",
            ),
            (
                "下一步工作",
                "# 下一步工作\n\n**（一）改进措施**\n\n1. 回款：3月底前签还款协议\n\n**（二）2026年目标**\n\n1. 收入1亿元\n",
            ),
        ]);
        let of = |id: &str| items.iter().find(|(m, _)| m == id).map(|(_, titles)| titles.clone()).unwrap_or_default();
        // 暗点与亮点 names the highlights too: a further section of the review as well as of the problems.
        assert_eq!(of("performance-review"), ["华东", "华南", "暗点", "续约率95%"]);
        assert_eq!(of("problem-analysis"), ["价格", "人员", "回款", "新品", "亮点"]);
        assert_eq!(of("strategy"), ["回款"]);
        assert_eq!(of("plan"), ["收入1亿元"]);
    }
}
