//! `style/jargon`: empty buzzwords, outside code. The list is compiled once into one matcher; English words
//! match whole words only.

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
    matcher: Option<Regex>,
}

impl JargonList {
    /// The configured words (`jargon` in the config), or the built-in list.
    pub fn new(words: Option<&[String]>) -> Self {
        let patterns: Vec<String> = match words {
            Some(words) => words.iter().map(|w| word_pattern(w)).filter(|p| !p.is_empty()).collect(),
            None => BUILT_IN.iter().map(|w| word_pattern(w)).collect(),
        };
        let matcher =
            if patterns.is_empty() { None } else { Regex::new(&format!("(?i)(?:{})", patterns.join("|"))).ok() };
        JargonList { matcher }
    }
}

/// A Latin word matches whole words (with English endings: empowers, leveraged, synergies).
fn word_pattern(word: &str) -> String {
    let word = word.trim();
    if word.is_empty() {
        return String::new();
    }
    let joined = word.split_whitespace().map(regex::escape).collect::<Vec<_>>().join(r"[\s-]+");
    let latin_start = word.starts_with(|c: char| c.is_ascii_alphanumeric());
    let latin_end = word.ends_with(|c: char| c.is_ascii_alphanumeric());
    let start = if latin_start { r"\b" } else { "" };
    match (latin_end, word.strip_suffix('y')) {
        (true, Some(stem)) if stem.len() > 2 => format!(r"{start}(?:{}(?:y|ies)){}", regex::escape(stem), r"\b"),
        (true, _) => format!(r"{start}{joined}(?:s|es|d|ed|ing|ment|ments)?\b"),
        (false, _) => format!("{start}{joined}"),
    }
}

pub fn check(doc: &ChapterDoc<'_>, chapter: usize, jargon: &JargonList, findings: &mut Vec<Finding>) {
    let Some(matcher) = &jargon.matcher else { return };
    for block in &doc.blocks {
        for found in matcher.find_iter(&block.text) {
            if block.in_directive(found.start()) {
                continue;
            }
            let word = found.as_str();
            findings.push(Finding::new(
                "style/jargon",
                (chapter, block.source_span(found.range())),
                format!("“{word}” is an empty word"),
                "describe the concrete action, who does it and what changes (e.g. a real sales scene) instead"
                    .to_string(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &JargonList, text: &str) -> Vec<String> {
        list.matcher.as_ref().map_or(vec![], |m| m.find_iter(text).map(|f| f.as_str().to_string()).collect())
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
