//! The rules of SPEC 6.2, one file per family, over a shared [`Context`]: the outline, the modules found in it
//! and their items, worked out once.

pub mod loop_;
pub mod narrative;
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
}

impl Finding {
    pub fn new(rule: Rule, (chapter, span): (usize, Range<usize>), message: String, help: String) -> Self {
        Finding { rule, chapter, span, message, help: Some(help) }
    }
}

/// A module of the schema found in the book.
pub struct FoundModule {
    /// Index into the schema's modules.
    pub spec: usize,
    /// The outline node (chapter or heading) that is the module.
    pub node: usize,
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
        let found = find_modules(outline, schema);
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

    /// A module's items: its child headings and sub-chapters, or, without those, its top-level list items.
    pub fn items(&self, node: usize) -> Vec<Item> {
        let outline = self.outline;
        if outline.children(node).next().is_some() {
            return outline.children(node).map(|child| self.node_item(child)).collect();
        }
        let (ci, range) = outline.own_range(node);
        let doc = &outline.docs[ci];
        let list_items = within(&doc.items, &range, |i| i.span().start);
        let top = list_items.iter().map(|i| i.depth()).min().unwrap_or(1);
        list_items
            .iter()
            .filter(|i| i.depth() == top)
            .map(|i| Item {
                title: doc.item_title(i).to_string(),
                alt_title: None,
                at: (ci, i.title_span()),
                ranges: vec![(ci, i.span())],
                heading: None,
            })
            .collect()
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
            heading: outline.heading_index_of(node),
        }
    }

    /// Every title inside a module where a part may be named: sub-headings and sub-chapters at any depth, and
    /// the lead-ins of list items at any depth.
    pub fn inner_titles(&self, node: usize) -> impl Iterator<Item = &'o str> + '_ {
        let outline = self.outline;
        let nodes = (node + 1..outline.nodes[node].subtree_end).flat_map(|n| outline.titles_of(n));
        let items = outline.ranges_of(node).into_iter().flat_map(|(ci, range)| {
            let doc = &outline.docs[ci];
            within(&doc.items, &range, |i| i.span().start).iter().map(|i| doc.item_title(i))
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

pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}')
}

/// Finds each schema module once, in book order. `{#id}` on a heading names a module anywhere; otherwise a
/// chapter or heading whose title contains one of the module's titles is it, unless it sits inside a module
/// already found (so that "Expected results" inside the plan is not the performance review).
fn find_modules(outline: &BookOutline<'_>, schema: &Schema) -> Vec<FoundModule> {
    let mut found: Vec<FoundModule> = Vec::new();
    let mut inside_until = 0;
    for node in 0..outline.nodes.len() {
        let taken = |spec: usize, found: &[FoundModule]| found.iter().any(|m| m.spec == spec);
        let explicit = outline
            .heading_of(node)
            .and_then(|h| h.explicit_id.as_deref())
            .and_then(|id| schema.module_index(id))
            .filter(|&spec| !taken(spec, &found));
        let by_title = || {
            let titles: Vec<String> = outline.titles_of(node).into_iter().map(super::schema::normalize).collect();
            (0..schema.modules.len()).find(|&spec| {
                !taken(spec, &found) && titles.iter().any(|t| schema.modules[spec].titles.is_match_normalized(t))
            })
        };
        let spec = match explicit {
            Some(spec) => Some(spec),
            None if node >= inside_until && found.len() < schema.modules.len() => by_title(),
            None => None,
        };
        if let Some(spec) = spec {
            found.push(FoundModule { spec, node });
            inside_until = inside_until.max(outline.nodes[node].subtree_end);
        }
    }
    found
}

/// The rules that look at one chapter at a time (jargon, bare numbers), for [`BookOutline::new_with`].
pub fn per_chapter(doc: &super::outline::ChapterDoc<'_>, chapter: usize, jargon: &style::JargonList) -> Vec<Finding> {
    let mut found = Vec::new();
    style::check(doc, chapter, jargon, &mut found);
    narrative::check(doc, chapter, &mut found);
    found
}

/// Runs the rules over the whole outline, and adds the findings of [`per_chapter`] (in chapter order).
pub fn run(outline: &BookOutline<'_>, schema: &Schema, per_chapter: Vec<Vec<Finding>>) -> Vec<Finding> {
    let context = Context::new(outline, schema);
    let mut findings = Vec::new();
    structure::check(&context, &mut findings);
    loop_::check(&context, &mut findings);
    smart::check(&context, &mut findings);
    findings.extend(per_chapter.into_iter().flatten());
    findings
}
