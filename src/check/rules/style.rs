//! `style/jargon`: empty buzzwords, outside code. The list is compiled once into one matcher; English words
//! match whole words only.

use std::ops::Range;

use regex::Regex;

use super::Finding;
use crate::check::outline::ChapterDoc;

pub const BUILT_IN: &[&str] = &[
    "赋能",
    "抓手",
    "闭环",
    "打通",
    "沉淀",
    "对齐",
    "颗粒度",
    "链路",
    "赛道",
    "倒逼",
    "组合拳",
    "底层逻辑",
    "leverage",
    "synergy",
    "empower",
    "move the needle",
    "low-hanging fruit",
];

pub struct JargonList {
    /// One case-insensitive alternation of plain literals (no word-boundary assertions, which would keep the
    /// regex engine off its fast literal search); boundaries and endings are checked on each rare hit.
    matcher: Option<Regex>,
    words: Vec<Word>,
}

struct Word {
    /// Lower-cased; for a Latin word ending in `y`, its stem (`synerg`), which then takes `y`/`ies`.
    pattern: String,
    /// Latin words match whole words only.
    latin_start: bool,
    latin_end: bool,
    y_stem: bool,
}

/// English endings a Latin word may carry: empowers, leveraged, empowerment.
const ENDINGS: &[&str] = &["ments", "ment", "ing", "es", "ed", "s", "d", ""];

impl JargonList {
    /// The configured words (`jargon` in the config), or the built-in list.
    pub fn new(words: Option<&[String]>) -> Self {
        let list: Vec<String> = match words {
            Some(words) => words.iter().map(|w| w.split_whitespace().collect::<Vec<_>>().join(" ")).collect(),
            None => BUILT_IN.iter().map(|w| w.to_string()).collect(),
        };
        let mut entries: Vec<Word> = Vec::new();
        for word in list.iter().filter(|w| !w.is_empty()) {
            let word = word.to_lowercase();
            let latin_start = word.starts_with(|c: char| c.is_ascii_alphanumeric());
            let latin_end = word.ends_with(|c: char| c.is_ascii_alphanumeric());
            let y_stem = latin_end && word.len() > 3 && word.ends_with('y');
            let pattern = if y_stem { word[..word.len() - 1].to_string() } else { word };
            entries.push(Word { pattern, latin_start, latin_end, y_stem });
        }
        // Longest first, so that the alternation prefers "底层逻辑" over a shorter word it contains.
        entries.sort_by(|a, b| b.pattern.len().cmp(&a.pattern.len()).then_with(|| a.pattern.cmp(&b.pattern)));
        entries.dedup_by(|a, b| a.pattern == b.pattern);
        let alternatives: Vec<String> = entries.iter().map(|w| regex::escape(&w.pattern)).collect();
        let matcher =
            if alternatives.is_empty() { None } else { Regex::new(&format!("(?i:{})", alternatives.join("|"))).ok() };
        JargonList { matcher, words: entries }
    }

    /// The jargon words in a text, as byte ranges (with their English endings).
    pub fn find_in<'t>(&'t self, text: &'t str) -> impl Iterator<Item = Range<usize>> + 't {
        self.matches(text).filter_map(move |found| self.accept(text, found))
    }

    /// The matcher's hits in a text, before the checks of word boundaries and endings.
    fn matches<'t>(&'t self, text: &'t str) -> impl Iterator<Item = Range<usize>> + 't {
        self.matcher.iter().flat_map(move |m| m.find_iter(text)).map(|found| found.range())
    }

    /// A hit of the matcher in `text` as a jargon word (with its English ending), or `None` when it is part of a
    /// longer word.
    fn accept(&self, text: &str, found: Range<usize>) -> Option<Range<usize>> {
        let matched = text.get(found.clone())?;
        let word = self
            .words
            .iter()
            .find(|w| w.pattern.eq_ignore_ascii_case(matched))
            .or_else(|| self.words.iter().find(|w| w.pattern == matched.to_lowercase()))?;
        let bytes = text.as_bytes();
        if word.latin_start && found.start > 0 && bytes[found.start - 1].is_ascii_alphanumeric() {
            return None;
        }
        if !word.latin_end {
            return Some(found);
        }
        let rest = &text[found.end..];
        let endings: &[&str] = if word.y_stem { &["ies", "y"] } else { ENDINGS };
        let at_boundary = |s: &str| !s.starts_with(|c: char| c.is_ascii_alphanumeric());
        let ending = endings.iter().find(|e| {
            rest.get(..e.len()).is_some_and(|head| head.eq_ignore_ascii_case(e)) && at_boundary(&rest[e.len()..])
        })?;
        Some(found.start..found.end + ending.len())
    }
}

pub fn check(doc: &ChapterDoc<'_>, chapter: usize, jargon: &JargonList, findings: &mut Vec<Finding>) {
    let mut hits = verbatim_hits(doc, jargon);
    // The other blocks' text is copied into one buffer, searched once.
    let owned = doc.owned_text();
    for found in jargon.matches(owned) {
        if let Some((index, base, _)) = doc.owned_block_at(found.start) {
            hits.push((index, found.start - base..found.end - base));
        }
    }
    hits.sort_by_key(|(index, range)| (*index, range.start));
    for (index, hit) in hits {
        let Some(block) = doc.block(index) else { continue };
        let Some(local) = jargon.accept(block.text, hit) else { continue };
        if block.in_directive(local.start) {
            continue;
        }
        let word = &block.text[local.clone()];
        findings.push(Finding::new(
            "style/jargon",
            (chapter, block.source_span(local)),
            format!("“{word}” is an empty word"),
            "describe the concrete action, who does it and what changes (e.g. a real sales scene) instead".to_string(),
        ));
    }
}

/// The matcher's hits in the blocks that are slices of the chapter, as (block index, range in the block's text).
///
/// One search of the whole chapter instead of one per block. A hit inside a block is the hit a search of that
/// block alone finds: the matcher is a plain alternation of literals, so a hit depends only on the text from its
/// start to its end. The exception is a hit that runs over a block's edge (which a search of the block would not
/// find, and which may hide hits inside it): such blocks are searched on their own.
fn verbatim_hits(doc: &ChapterDoc<'_>, jargon: &JargonList) -> Vec<(usize, Range<usize>)> {
    let mut hits = Vec::new();
    let mut found = jargon.matches(doc.text).peekable();
    if found.peek().is_none() {
        return hits;
    }
    let blocks: Vec<(usize, Range<usize>)> = doc.verbatim_blocks().collect();
    let mut alone: Vec<usize> = Vec::new();
    let mut first = 0;
    for hit in found {
        while blocks.get(first).is_some_and(|(_, range)| range.end <= hit.start) {
            first += 1;
        }
        for (index, range) in blocks[first..].iter().take_while(|(_, range)| range.start < hit.end) {
            if range.start <= hit.start && hit.end <= range.end {
                hits.push((*index, hit.start - range.start..hit.end - range.start));
            } else {
                alone.push(*index);
            }
        }
    }
    if !alone.is_empty() {
        alone.sort_unstable();
        alone.dedup();
        hits.retain(|(index, _)| alone.binary_search(index).is_err());
        for index in alone {
            let Some(block) = doc.block(index) else { continue };
            hits.extend(jargon.matches(block.text).map(|range| (index, range)));
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &JargonList, text: &str) -> Vec<String> {
        list.find_in(text).map(|r| text[r].to_string()).collect()
    }

    #[test]
    fn built_in_words() {
        let list = JargonList::new(None);
        assert_eq!(words(&list, "通过赋能团队打通链路"), ["赋能", "打通", "链路"]);
        assert_eq!(
            words(&list, "We leveraged synergies to move the needle"),
            ["leveraged", "synergies", "move the needle"]
        );
        assert!(words(&list, "empowerment? no: disempowered, leverages").len() == 2);
        assert!(words(&list, "the synergistic reaction").is_empty());
    }

    #[test]
    fn configured_words_replace_the_list() {
        let list = JargonList::new(Some(&["抓手".to_string(), "best practice".to_string()]));
        assert_eq!(words(&list, "赋能 抓手 best practices"), ["抓手", "best practices"]);
        assert!(JargonList::new(Some(&[])).matcher.is_none());
    }
}
