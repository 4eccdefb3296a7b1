//! The whole book's outline: every chapter parsed once (on all cores), and the tree of chapters and headings
//! across them.

use std::ops::Range;

use super::Chapter;
use super::chapter::{ChapterDoc, Heading};
use super::numbering::strip_numbering;
use super::parallel_map_with;
use super::parse::{ParseBuffers, parse_chapter_with};
use crate::figures::extract::Collector;

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
        Self::new_with(chapters, false, |_, _, _| ()).0
    }

    /// The outline, and `per_chapter` run on each chapter right after it is parsed (while its text is still in
    /// the cache), on the same threads; its results in chapter order. With `figures`, the parse also gathers the
    /// chapter's hand-typed figure segments, handed to `per_chapter` as a finished [`Collector`].
    pub fn new_with<R: Send>(
        chapters: &'a [Chapter<'_>],
        figures: bool,
        per_chapter: impl Fn(usize, &ChapterDoc<'a>, Option<Collector<'a>>) -> R + Sync,
    ) -> (Self, Vec<R>) {
        let parsed: Vec<(ChapterDoc<'a>, R)> =
            parallel_map_with(chapters, ParseBuffers::default, |buffers, ci, chapter| {
                let mut collector = figures.then(|| Collector::new(&chapter.content));
                let mut doc = parse_chapter_with(chapter, buffers, collector.as_mut());
                let result = per_chapter(ci, &doc, collector);
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

    /// Whether a node is a bold line standing for a heading ([`Heading::bold_line`]).
    pub fn is_bold_line(&self, node: usize) -> bool {
        matches!(self.nodes[node].kind, NodeKind::Heading(..)) && self.heading_of(node).is_some_and(|h| h.bold_line)
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
