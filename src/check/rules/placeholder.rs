//! `content/placeholder`: what a template leaves for the writer to fill in — [X], XX万元, 20xx年, ××, XXXX, TBD,
//! 待填, [Company Name] — left in the report's prose (code, HTML and directives are not prose).

use std::sync::LazyLock;

use regex::Regex;

use super::Finding;
use crate::check::outline::ChapterDoc;
use crate::rules::Rule;

/// Each alternative captures the placeholder in a group; the characters around it that mark a word boundary are
/// outside the group.
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        // [X], [XX], [N], [TBD], [具体原因], [Company Name], 【公司名称】
        r"([\[【](?:[Xx]+|N|TBD|TBC|\.\.\.|…+|[^\[\]【】\n]{0,24}?(?:具体|填写|名称|姓名|日期|公司|Name|Date|Company|Amount|Number|Insert|Placeholder|Your )[^\[\]【】\n]{0,24}?)[\]】])",
        // XX万元, XX%, 20xx年, x月 (an x standing for a figure, before a unit or after digits)
        r"|(?-u:\b)((?:[0-9]+[xX]{1,2}|[xX]{1,4})\s?(?:万元|万|亿|元|%|家|个|人|年|月|日|号|天|件|台|名|次|倍))",
        r"|([$¥€£][xX]{1,4}[KMB]?)(?:[^A-Za-z]|$)",
        // XXXX, XXX (three or more capital X as a word), ××, ○○
        r"|(?-u:\b)(X{3,})(?-u:\b)|(×{2,}|○{2,}|□{2,})",
        r"|\b(TBD|TBC|TODO|Lorem ipsum)\b",
        r"|(待填|待补充|待完善|此处填写|请填写|在此填写)",
    ))
    .expect("static regex")
});

pub fn check(doc: &ChapterDoc<'_>, chapter: usize, chinese: bool, findings: &mut Vec<Finding>) {
    // Every block's text is a piece of the chapter's source or of its owned text: a mark in neither is in no
    // block, and the chapter is searched once for all of them rather than block by block.
    let marked = has_mark(doc.text) || has_mark(doc.owned_text());
    for block in doc.blocks().filter(|block| marked || may_hold_unmarked(block.text)) {
        for captures in PLACEHOLDER.captures_iter(block.text) {
            let Some(found) = captures.iter().skip(1).flatten().next() else { continue };
            let range = found.range();
            if block.in_directive(range.start) {
                continue;
            }
            let word = found.as_str();
            let (message, help) = if chinese {
                (format!("“{word}”是模板留下的占位符"), "填入真实的数字、名称或日期,或删去这一句".to_string())
            } else {
                (
                    format!("“{word}” is a template placeholder"),
                    "fill in the real figure, name or date, or delete the sentence".to_string(),
                )
            };
            findings.push(Finding::new(Rule::ContentPlaceholder, (chapter, block.source_span(range)), message, help));
        }
    }
}

/// Whether [`PLACEHOLDER`] can match in `text`, by a few SIMD searches instead of the regex's search for its
/// many one-byte starts (every digit, every `x`), which cost more than the rest of the per-chapter rules on a
/// big book. `false` means the regex finds nothing there (held by a property test).
#[cfg(test)]
fn may_hold_placeholder(text: &str) -> bool {
    has_mark(text) || may_hold_unmarked(text)
}

/// The searchers for [`has_mark`], built once: building one costs more than a search through a chapter.
static MARKS: LazyLock<Vec<memchr::memmem::Finder<'static>>> = LazyLock::new(|| {
    ["【", "××", "○○", "□□", "TBD", "TBC", "TODO", "Lorem ipsum", "待填", "待补充", "待完善", "填写", "XXX"]
        .into_iter()
        .map(|mark| memchr::memmem::Finder::new(mark.as_bytes()))
        .collect()
});

/// Compiles the rule's pattern and searchers now (see [`super::compile_chapter_patterns`]).
pub(super) fn compile_patterns() {
    LazyLock::force(&PLACEHOLDER);
    LazyLock::force(&MARKS);
}

/// The marks a placeholder holds that are rare in prose, searched once per chapter.
fn has_mark(text: &str) -> bool {
    MARKS.iter().any(|mark| mark.find(text.as_bytes()).is_some())
}

/// The starts of a placeholder that are common in prose, looked at block by block: a `[` (links have them), and
/// an `x` whose run is followed by a unit (not ASCII, `%`, `K`/`M`/`B`) or preceded by a currency sign.
fn may_hold_unmarked(text: &str) -> bool {
    let bytes = text.as_bytes();
    if memchr::memchr(b'[', bytes).is_some() {
        return true;
    }
    memchr::memchr2_iter(b'x', b'X', bytes).any(|at| {
        let before = bytes[..at].last().copied();
        let currency = matches!(before, Some(b'$' | 0xA5 | 0xA3 | 0xAC));
        let after = bytes[at..].iter().position(|b| !matches!(b, b'x' | b'X')).map(|run| at + run);
        let mut next = after.map(|i| bytes[i]);
        if next.is_some_and(|b| b.is_ascii_whitespace()) {
            next = after.and_then(|i| bytes.get(i + 1).copied());
        }
        currency || matches!(next, Some(b'%' | b'K' | b'M' | b'B' | 0x80..))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<String> {
        let chapter = crate::check::Chapter { title: "T".into(), source_path: None, content: text.into(), depth: 0 };
        let doc = crate::check::outline::parse_chapter(&chapter);
        let mut findings = Vec::new();
        check(&doc, 0, true, &mut findings);
        findings.into_iter().map(|f| text[f.span].to_string()).collect()
    }

    #[test]
    fn template_leftovers() {
        assert_eq!(found("本年度实现销售总额[X]元,较去年增长[X]%。"), ["[X]", "[X]"]);
        assert_eq!(found("覆盖[具体区域],汇报人:XXXX。"), ["[具体区域]", "XXXX"]);
        assert_eq!(found("完成XX万元,20xx年x月启动。"), ["XX万元", "20xx年", "x月"]);
        assert_eq!(found("负责人××,日期待填。"), ["××", "待填"]);
        assert_eq!(found("Prepared for [Company Name]; launch date TBD."), ["[Company Name]", "TBD"]);
        assert_eq!(found("Revenue reached $XM in Q4."), ["$XM"]);
    }

    proptest::proptest! {
        /// The gate never hides a placeholder the regex would find.
        #[test]
        fn the_gate_lets_every_placeholder_through(
            text in "([xX0-9 \\t\\n$¥€£%KMB万元年个\\[\\]【】×○□待填写TBDCO a-z]|TBD|XXX|Lorem ipsum|待填|待补充|请填写|20xx年|x月|\\$XM|¥xx|XX万元|5x %){0,12}"
        ) {
            if PLACEHOLDER.is_match(&text) {
                proptest::prop_assert!(may_hold_placeholder(&text), "{:?}", text);
            }
        }
    }

    #[test]
    fn real_text_is_not_a_placeholder() {
        for text in [
            "营收8500万(+8%),3×4的矩阵。",
            "Xbox sales, the X5 model, 2x growth, TBDs are not us, max 5 per box.",
            "- [x] done\n- [ ] open\n",
            "See [the plan](plan.md) and `[X]` in code.\n\n```\nXXXX 待填\n```\n",
            "<<#kpi revenue 2024>> rose; x-axis shows months.",
        ] {
            assert!(found(text).is_empty(), "{text}: {:?}", found(text));
        }
    }
}
