//! The closed loop: `loop/unanswered-problem` and `loop/orphan-countermeasure`.
//!
//! A problem is answered by a countermeasure that links to the problem's heading anchor, that shares a side with
//! it (a side's keywords in both titles: 市场竞争 ↔ 市场端), or that shares its subject (the problem title's key
//! terms — the same product, region, customer group or process — in the countermeasure); and by an answer written
//! inside the problem item itself ("Action: …", 措施:…, 对策:…). A heading that is both modules
//! (问题与挑战分析与改进措施) answers its own problems.

use std::cell::OnceCell;
use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::{Context, Finding, Item};
use crate::check::outline::within;
use crate::rules::Rule;

pub fn check(context: &Context<'_, '_>, findings: &mut Vec<Finding>) {
    let Some(spec) = &context.schema.closed_loop else { return };
    let (Some(problem_module), Some(answer_module)) =
        (context.found_module(spec.problem), context.found_module(spec.answer))
    else {
        return; // structure/missing-module already says so
    };
    if problem_module.node == answer_module.node {
        return; // one heading holds both: each problem sits with its answer
    }
    let problems = context.module_items(problem_module);
    let answers = context.module_items(answer_module);
    // The terms of every item's whole text are only needed once some item is answered by neither side nor link.
    let answer_terms = OnceCell::new();
    let answer_terms = || answer_terms.get_or_init(|| items_terms(context, &answers));
    let problem_text_terms = OnceCell::new();
    let problem_text_terms = || problem_text_terms.get_or_init(|| items_terms(context, &problems));
    let problem_sides: Vec<Vec<usize>> = problems.iter().map(|p| sides_of(p, &spec.sides)).collect();
    let answer_sides: Vec<Vec<usize>> = answers.iter().map(|a| sides_of(a, &spec.sides)).collect();
    let answer_links: Vec<Vec<(usize, String)>> = answers.iter().map(|a| link_targets(context, a)).collect();
    let problem_anchor: Vec<Option<(usize, &str)>> = problems.iter().map(|p| context.anchor(p)).collect();

    // Linear, not pairwise: which sides and anchors the other module covers at all.
    let answered_sides: HashSet<usize> = answer_sides.iter().flatten().copied().collect();
    let problem_sides_all: HashSet<usize> = problem_sides.iter().flatten().copied().collect();
    let linked: HashSet<(usize, &str)> = answer_links.iter().flatten().map(|(ci, a)| (*ci, a.as_str())).collect();
    let problem_anchors: HashSet<(usize, &str)> = problem_anchor.iter().flatten().copied().collect();
    let problem_title = context.display_title(&context.schema.modules[spec.problem].titles).to_string();
    let answer_title = context.display_title(&context.schema.modules[spec.answer].titles).to_string();
    let side_names = side_names(context, &spec.sides);

    for (p, problem) in problems.iter().enumerate() {
        if reports_a_gain(&item_titles(problem)) {
            continue; // "Win rate improving" among the observations is no problem to answer
        }
        // Cheapest tests first: the subject and the inline answer are only looked for when still unanswered.
        let by_side = || problem_sides[p].iter().any(|s| answered_sides.contains(s));
        let by_link = || problem_anchor[p].is_some_and(|anchor| linked.contains(&anchor));
        let by_subject = || {
            let title_terms = terms(&item_titles(problem));
            answer_terms().iter().any(|a| shares_subject(&title_terms, a))
        };
        let inline = || context.item_blocks(problem).any(|b| has_answer_marker(b.text));
        if by_side() || by_link() || by_subject() || inline() {
            continue;
        }
        let how = match problem_anchor[p] {
            Some((_, anchor)) => format!(", or link to it with [{}](#{anchor})", problem.label()),
            None => String::new(),
        };
        let help = if context.chinese {
            format!(
                "在“{answer_title}”中加一条针对同一方面({side_names})或同一对象的措施,或在问题条目里写明“措施:…”{how}"
            )
        } else {
            format!(
                "add a “{answer_title}” item for the same side ({side_names}) or subject, or write the answer in the item (“Action: …”){how}"
            )
        };
        findings.push(Finding::new(
            Rule::LoopUnansweredProblem,
            problem.at.clone(),
            format!("problem “{}” has no countermeasure in “{answer_title}”", problem.label()),
            help,
        ));
    }
    for (a, answer) in answers.iter().enumerate() {
        let by_side = || answer_sides[a].iter().any(|s| problem_sides_all.contains(s));
        let linked = || answer_links[a].iter().any(|(ci, anchor)| problem_anchors.contains(&(*ci, anchor.as_str())));
        let by_subject = || {
            let title_terms = terms(&item_titles(answer));
            problem_text_terms().iter().any(|p| shares_subject(&title_terms, p))
        };
        if by_side() || linked() || by_subject() {
            continue;
        }
        let help = if context.chinese {
            format!("在标题中写明它针对的方面({side_names})或问题的对象,或链接到问题的标题")
        } else {
            format!(
                "name the side ({side_names}) or the problem's subject in its title, or link to the problem's heading"
            )
        };
        findings.push(Finding::new(
            Rule::LoopOrphanCountermeasure,
            answer.at.clone(),
            format!("countermeasure “{}” answers no problem in “{problem_title}”", answer.label()),
            help,
        ));
    }
}

/// An answer written inside a problem item: "Action: …", "Solution: …", 措施:…, 对策:…
static ANSWER_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:\b(?:actions?|solutions?|fix|next steps?|recommendations?|mitigation|response)\s*[:\u{ff1a}]|(?:措施|对策|改进|应对|解决方案|整改|行动)\s*[:\u{ff1a}])")
        .expect("static regex")
});

/// Whether a text holds an answer marker. Every marker ends in a colon (ASCII or full-width), so a text without
/// one is passed over before the regex, whose Unicode `\b` makes it slow on CJK text.
fn has_answer_marker(text: &str) -> bool {
    (memchr::memchr(b':', text.as_bytes()).is_some() || text.contains('\u{ff1a}')) && ANSWER_MARKER.is_match(text)
}

/// Words too common in problems and answers to tell their subject.
const STOP_WORDS: &[&str] = &[
    "about",
    "across",
    "after",
    "also",
    "been",
    "better",
    "between",
    "challenge",
    "from",
    "have",
    "improve",
    "improvement",
    "increase",
    "increased",
    "into",
    "issue",
    "lack",
    "more",
    "need",
    "next",
    "over",
    "performance",
    "problem",
    "reduce",
    "review",
    "sales",
    "should",
    "strategy",
    "than",
    "that",
    "their",
    "there",
    "this",
    "through",
    "were",
    "will",
    "with",
    "year",
];
const STOP_BIGRAMS: &[&str] = &[
    "问题", "不足", "存在", "加剧", "带来", "压力", "提升", "优化", "建议", "改进", "措施", "加强", "完善", "能力",
    "工作", "销售", "方面", "情况", "实现", "推进", "建立", "开展", "重点", "全年", "年度", "目标", "进一", "一步",
    "不够", "较低", "偏低", "缺乏", "分析", "挑战",
];

static GAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:improv(?:ing|ed)|grew|growing|outpacing|record|exceeded|beat|highlights?|strengths?)\b|提升明显|大幅增长|创新高|超额完成|亮点")
        .expect("static regex")
});
/// Only ever asked whether it matches. A stem at the start of a word matches any word it begins (declines,
/// dropped): `\bdeclin` does what `\bdeclin\w*\b` says, since the longest run of word characters always ends at a
/// boundary, and without `\w*`, whose Unicode class made this the slowest pattern of the check to compile (1.5 ms).
static LOSS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:declin|drop|miss|slow|lag|stagnat)|\b(?:fell|but|however)\b|下降|下滑|不足|未达|缓慢|但")
        .expect("static regex")
});

/// Compiles the rule's patterns now (see [`super::compile_patterns`]).
pub(super) fn compile_patterns() {
    for pattern in [&ANSWER_MARKER, &GAIN, &LOSS] {
        LazyLock::force(pattern);
    }
}

/// A title that reports things getting better (and nothing getting worse): not a problem.
fn reports_a_gain(title: &str) -> bool {
    GAIN.is_match(title) && !LOSS.is_match(title)
}

/// An item's titles, for its key terms.
fn item_titles(item: &Item) -> String {
    format!("{} {}", item.title, item.alt_title.as_deref().unwrap_or(""))
}

/// The key terms of each item's titles and text.
fn items_terms(context: &Context<'_, '_>, items: &[Item]) -> Vec<Terms> {
    items.iter().map(|item| terms(&full_text(context, item))).collect()
}

/// An item's titles and text.
fn full_text(context: &Context<'_, '_>, item: &Item) -> String {
    let mut text = item_titles(item);
    for block in context.item_blocks(item) {
        text.push(' ');
        text.push_str(block.text);
    }
    text
}

/// The key terms of a text, each kind sorted and without repeats for binary search.
#[derive(Debug, Default)]
struct Terms {
    /// Latin words of four or more letters (lower case, a plural `s` dropped) and three-capital acronyms.
    latin: Vec<String>,
    /// Pairs of adjacent CJK characters.
    cjk: Vec<[char; 2]>,
}

/// The key terms of a text: its Latin words of four or more letters (lower case, a plural `s` dropped) and the
/// pairs of adjacent CJK characters, without the common words of problems and answers.
fn terms(text: &str) -> Terms {
    let mut found = Terms::default();
    // Acronyms of three capitals (AOV, CRM) name a subject too.
    let acronym = |w: &str| w.len() == 3 && w.bytes().all(|b| b.is_ascii_uppercase());
    let mut lower = String::new();
    for word in text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| w.len() >= 4 || acronym(w)) {
        lower.clear();
        lower.push_str(word);
        lower.make_ascii_lowercase();
        let stem = lower.strip_suffix('s').filter(|s| s.len() >= 3).unwrap_or(&lower);
        if !is_stop_word(stem) && !is_stop_word(&lower) {
            found.latin.push(stem.to_string());
        }
    }
    let mut previous = None;
    for c in text.chars() {
        let cjk = super::is_cjk(c);
        if let Some(first) = previous.filter(|_| cjk)
            && STOP_PAIRS.binary_search(&[first, c]).is_err()
        {
            found.cjk.push([first, c]);
        }
        previous = cjk.then_some(c);
    }
    found.latin.sort_unstable();
    found.latin.dedup();
    found.cjk.sort_unstable();
    found.cjk.dedup();
    found
}

/// [`STOP_WORDS`] is kept in alphabetical order for this binary search (a test holds it so).
fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// [`STOP_BIGRAMS`] as sorted character pairs, to look up without building a string per pair.
static STOP_PAIRS: LazyLock<Vec<[char; 2]>> = LazyLock::new(|| {
    let mut pairs: Vec<[char; 2]> = STOP_BIGRAMS
        .iter()
        .map(|bigram| {
            let mut chars = bigram.chars();
            [chars.next().unwrap_or_default(), chars.next().unwrap_or_default()]
        })
        .collect();
    pairs.sort_unstable();
    pairs
});

/// A shared subject: a Latin key term (or two of five letters or more where one begins the other: Europe and
/// European, supply and supplier), or two CJK character pairs.
fn shares_subject(title: &Terms, other: &Terms) -> bool {
    let has = |word: &str| other.latin.binary_search_by(|o| o.as_str().cmp(word)).is_ok();
    let related = |t: &str| {
        if has(t) {
            return true;
        }
        if t.len() < 5 {
            return false;
        }
        // A longer term that begins with this one sorts right after where this one would stand.
        let at = other.latin.partition_point(|o| o.as_str() < t);
        if other.latin.get(at).is_some_and(|o| o.starts_with(t)) {
            return true;
        }
        // A shorter term (five letters or more) that begins this one: one of its prefixes.
        (5..t.len()).any(|len| has(&t[..len]))
    };
    let latin = title.latin.iter().any(|t| related(t));
    latin || title.cjk.iter().filter(|pair| other.cjk.binary_search(pair).is_ok()).count() >= 2
}

fn sides_of(item: &Item, sides: &[crate::check::schema::PartSpec]) -> Vec<usize> {
    sides.iter().enumerate().filter(|(_, side)| item.matches(&side.titles)).map(|(i, _)| i).collect()
}

fn side_names(context: &Context<'_, '_>, sides: &[crate::check::schema::PartSpec]) -> String {
    let names: Vec<&str> = sides.iter().map(|s| context.display_title(&s.titles)).collect();
    names.join("/")
}

/// The (chapter, anchor) pairs an item's links point to.
fn link_targets(context: &Context<'_, '_>, item: &Item) -> Vec<(usize, String)> {
    let docs = &context.outline.docs;
    let mut targets = Vec::new();
    for (ci, range) in &item.ranges {
        for link in within(&docs[*ci].links, range, |l| l.offset) {
            let Some((path, fragment)) = link.dest.split_once('#') else { continue };
            let fragment = percent_decode(fragment);
            if path.is_empty() {
                targets.push((*ci, fragment));
                continue;
            }
            let resolved = resolve(docs[*ci].file, path);
            for (target, doc) in docs.iter().enumerate() {
                if same_file(doc.file, &resolved) {
                    targets.push((target, fragment.clone()));
                }
            }
        }
    }
    targets
}

/// Resolves a link path against the linking chapter's folder; `.html` links mean the `.md` source.
fn resolve(from_file: &str, path: &str) -> String {
    let mut parts: Vec<&str> = from_file.split('/').collect();
    parts.pop();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match joined.strip_suffix(".html") {
        Some(stem) => format!("{stem}.md"),
        None => joined,
    }
}

fn same_file(file: &str, resolved: &str) -> bool {
    !file.is_empty()
        && (file == resolved || file.rsplit('/').next() == resolved.rsplit('/').next() && !resolved.contains('/'))
}

/// `%E5%B8%82` → 市 (links to CJK anchors are often percent-encoded).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(value)) => {
                out.push(value);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The loss pattern matches where the pattern it replaced, with `\w*` after each stem, matched.
        #[test]
        fn a_loss_is_found_as_with_word_tails(
            pieces in prop::collection::vec(
                prop::sample::select(&[
                    "declin", "Drop", "MISS", "slow", "lag", "stagnat", "fell", "but", "However", "e", "ed", "ing",
                    "s", "x", " ", "-", "_", "1", "é", "ſ", "\u{212a}", "下降", "但", "销售", "。",
                ][..]),
                0..8,
            ),
        ) {
            let with_tails = Regex::new(
                r"(?i)\b(?:declin\w*|drop\w*|fell|miss\w*|slow\w*|lag\w*|stagnat\w*|but|however)\b|下降|下滑|不足|未达|缓慢|但",
            )
            .unwrap();
            let title = pieces.concat();
            prop_assert_eq!(LOSS.is_match(&title), with_tails.is_match(&title), "{}", title);
        }
    }

    #[test]
    fn stop_lists_are_ready_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(STOP_BIGRAMS.iter().all(|b| b.chars().count() == 2));
        let found = terms("销售问题 华东区域 review reviews Reviewing");
        assert!(found.cjk.contains(&['华', '东']) && !found.cjk.contains(&['问', '题']));
        assert_eq!(found.latin, vec!["reviewing".to_string()]);
    }

    #[test]
    fn subjects_are_shared_terms() {
        let problem = terms("华东区域受竞品低价冲击");
        assert!(shares_subject(&problem, &terms("华东区域:Q2前推出低价套餐")));
        assert!(!shares_subject(&problem, &terms("新品推广:Q1举办3场发布会")));
        let problem = terms("Latin America apparel stockouts");
        assert!(shares_subject(&problem, &terms("LATAM Apparel pricing review")));
        assert!(!shares_subject(&problem, &terms("Expand the sales team in Asia")));
        assert!(has_answer_marker("Action: audit supplier contracts"));
        assert!(ANSWER_MARKER.is_match("对策:每月复盘"));
        assert!(!ANSWER_MARKER.is_match("the actions we took"));
        assert!(reports_a_gain("Win Rate improving") && !reports_a_gain("AOV declining slightly"));
        assert!(!reports_a_gain("Growth improving but margins slipping"));
        // A list of highlights set among the problems (暗点与亮点) reports gains.
        assert!(reports_a_gain("亮点") && reports_a_gain("Highlights") && !reports_a_gain("暗点"));
    }

    #[test]
    fn link_paths_resolve_like_mdbook() {
        assert_eq!(resolve("src/strategy.md", "analysis.md"), "src/analysis.md");
        assert_eq!(resolve("src/a/b.md", "../analysis.html"), "src/analysis.md");
        assert_eq!(percent_decode("%E5%B8%82%E5%9C%BA"), "市场");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
