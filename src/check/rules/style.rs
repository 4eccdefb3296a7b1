//! `style/jargon`: empty buzzwords, outside code. The list is compiled once into one matcher; English words
//! match whole words only.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::Finding;
use crate::check::outline::ChapterDoc;
use crate::rules::Rule;

/// The built-in jargon: corporate filler that stands in for a concrete action or result (see the guide's page on
/// the structure check on real reports for the whole list and why each is there). A book's own `jargon` list
/// replaces it.
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
    "顶层设计",
    "方法论",
    "心智",
    "势能",
    "破圈",
    "拉通",
    "全链路",
    "降本增效",
    "提质增效",
    "多措并举",
    "全方位",
    "多维度",
    "深度融合",
    "持续发力",
    "狠抓落实",
    "高度重视",
    "显著提升",
    "稳步推进",
    "leverage",
    "synergy",
    "empower",
    "move the needle",
    "low-hanging fruit",
    "best-in-class",
    "world-class",
    "game changer",
    "game-changer",
    "paradigm shift",
    "holistic",
    "circle back",
    "deep dive",
    "think outside the box",
    "win-win",
    "mission-critical",
    "cutting-edge",
    "next-level",
    "seamless",
];

pub struct JargonList {
    /// `None` for an empty list.
    search: Option<Search>,
    words: Vec<Word>,
}

/// One alternation of the words as plain literals (no word-boundary assertions, which would keep the regex
/// engine off its fast literal search); boundaries and endings are checked on each rare hit.
enum Search {
    /// Case-sensitive, for a text with its ASCII letters lower-cased: the hits of case-insensitive matching,
    /// found several times faster (see [`JargonList::matches`]). For words of ASCII and CJK characters only.
    Folded(Regex),
    /// Case-insensitive, for a list with a word in another script, whose case folding the lower-cased text
    /// would not reproduce. Compiled only then: it takes as long to compile as the folded one.
    CaseInsensitive(Regex),
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
        let case_insensitive = || {
            let alternatives: Vec<String> = entries.iter().map(|w| regex::escape(&w.pattern)).collect();
            Regex::new(&format!("(?i:{})", alternatives.join("|"))).ok().map(Search::CaseInsensitive)
        };
        let folded = || {
            let alternatives: Vec<String> = entries.iter().map(|w| folded_pattern(&w.pattern)).collect();
            Regex::new(&alternatives.join("|")).ok().map(Search::Folded)
        };
        let search = if entries.is_empty() {
            None
        } else if entries.iter().all(|w| w.pattern.chars().all(is_ascii_or_cjk)) {
            folded().or_else(case_insensitive)
        } else {
            case_insensitive()
        };
        JargonList { search, words: entries }
    }

    /// The built-in list, compiled once.
    pub fn built_in() -> &'static JargonList {
        static BUILT_IN_LIST: LazyLock<JargonList> = LazyLock::new(|| JargonList::new(None));
        &BUILT_IN_LIST
    }

    /// The jargon words in a text, as byte ranges (with their English endings).
    pub fn find_in<'t>(&'t self, text: &'t str) -> impl Iterator<Item = Range<usize>> + 't {
        self.matches(text).into_iter().filter_map(move |found| self.accept(text, found))
    }

    /// The matcher's hits in a text, before the checks of word boundaries and endings.
    ///
    /// Case-insensitive matching of the (lower-case) words accepts, for an ASCII letter, its two cases and, for
    /// `k` and `s`, also the Kelvin sign and the long s; a CJK character has no other case. So the words match
    /// the text at the same places as the folded alternation (`k` as `[kK]`, `s` as `[sſ]`) matches,
    /// case-sensitively, the text with its ASCII letters lower-cased (which keeps every byte offset); the
    /// leftmost-first hits are the same.
    fn matches(&self, text: &str) -> Vec<Range<usize>> {
        match &self.search {
            None => Vec::new(),
            Some(Search::Folded(folded)) => {
                let lower = text.to_ascii_lowercase();
                folded.find_iter(&lower).map(|found| found.range()).collect()
            }
            Some(Search::CaseInsensitive(matcher)) => matcher.find_iter(text).map(|found| found.range()).collect(),
        }
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

/// A lower-case word as a case-sensitive pattern for lower-cased text: `k` and `s` also match the Kelvin sign
/// and the long s, which case-insensitive matching takes for them and lower-casing ASCII leaves alone.
fn folded_pattern(word: &str) -> String {
    let mut pattern = String::with_capacity(word.len());
    for c in word.chars() {
        match c {
            'k' => pattern.push_str("[k\\x{212a}]"),
            's' => pattern.push_str("[s\\x{17f}]"),
            c => pattern.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    pattern
}

/// ASCII, or a CJK character (ideographs and CJK punctuation): the characters without other cases but ASCII.
fn is_ascii_or_cjk(c: char) -> bool {
    c.is_ascii()
        || matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}')
}

pub fn check(doc: &ChapterDoc<'_>, chapter: usize, jargon: &JargonList, chinese: bool, findings: &mut Vec<Finding>) {
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
        let (message, help) = if chinese {
            (format!("“{word}”是空话"), "改写成具体的动作:谁做、做什么、改变了什么(例如一个真实的销售场景)".to_string())
        } else {
            (
                format!("“{word}” is an empty word"),
                "describe the concrete action, who does it and what changes (e.g. a real sales scene) instead"
                    .to_string(),
            )
        };
        findings.push(Finding::new(Rule::StyleJargon, (chapter, block.source_span(local)), message, help));
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
    let found = jargon.matches(doc.text);
    if found.is_empty() {
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
            hits.extend(jargon.matches(block.text).into_iter().map(|range| (index, range)));
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

    /// Every built-in entry is found in a sentence of its language, whole, and not inside a longer English word.
    #[test]
    fn every_built_in_entry_is_found() {
        let list = JargonList::new(None);
        for word in BUILT_IN {
            let sentence =
                if word.is_ascii() { format!("We will {word} next year.") } else { format!("明年要{word}。") };
            assert_eq!(words(&list, &sentence), [*word], "{word}");
            if word.is_ascii() {
                assert!(words(&list, &format!("un{word}x")).is_empty(), "{word} inside a word");
            }
        }
    }

    #[test]
    fn configured_words_replace_the_list() {
        let list = JargonList::new(Some(&["抓手".to_string(), "best practice".to_string()]));
        assert_eq!(words(&list, "赋能 抓手 best practices"), ["抓手", "best practices"]);
        assert!(JargonList::new(Some(&[])).search.is_none());
    }

    /// The fast search of lower-cased text finds what case-insensitive matching finds, also the Kelvin sign and
    /// the long s that case-insensitive matching takes for `k` and `s`; a word with other letters uses the slow
    /// search.
    #[test]
    fn folded_search_matches_case_insensitive_search() {
        let list = JargonList::new(Some(&["kpi".to_string(), "synergy".to_string(), "赋能".to_string()]));
        assert!(matches!(list.search, Some(Search::Folded(_))));
        let text = "KPI, \u{212a}PI, kpi赋能; \u{17f}YNERGY and SYNERGIES";
        // The long s is matched, then not taken as "synergy" (it is not an ASCII case of it), as before.
        assert_eq!(words(&list, text), ["KPI", "\u{212a}PI", "kpi", "赋能", "SYNERGIES"]);
        let other = JargonList::new(Some(&["übung".to_string()]));
        assert!(matches!(other.search, Some(Search::CaseInsensitive(_))));
        assert_eq!(words(&other, "Übung ÜBUNG"), ["Übung", "ÜBUNG"]);
    }

    fn chapter_words(list: &JargonList, text: &str) -> Vec<(String, Range<usize>)> {
        let chapter = crate::check::Chapter { title: "T".into(), source_path: None, content: text.into(), depth: 0 };
        let doc = crate::check::outline::parse_chapter(&chapter);
        let mut findings = Vec::new();
        check(&doc, 0, list, false, &mut findings);
        findings.into_iter().map(|f| (text[f.span.clone()].to_string(), f.span)).collect()
    }

    /// One search of the chapter covers the blocks that are slices of it; a hit that runs over a block's edge
    /// (through Markdown syntax) does not count and does not hide the words inside the block.
    #[test]
    fn hits_over_block_edges() {
        let list = JargonList::new(Some(&["| 赋".to_string(), "赋能".to_string(), "> note".to_string()]));
        let found = chapter_words(&list, "| a | b |\n|---|---|\n| 赋能 | x |\n\n> note this\n");
        assert_eq!(found.iter().map(|(w, _)| w.as_str()).collect::<Vec<_>>(), ["赋能"]);
        // Blocks with markup inside are copied and searched as text: 赋**能** is 赋能.
        let found = chapter_words(&JargonList::new(None), "先赋**能**, then `赋能` in code, then 链路.\n");
        assert_eq!(found.iter().map(|(w, _)| w.as_str()).collect::<Vec<_>>(), ["赋**能", "链路"]);
    }
}
