//! Which chapters and headings are the schema's modules.
//!
//! Real reports name their modules in many ways (年度销售工作回顾, 问题与不足, Actionable Recommendations), so a
//! chapter or heading is a candidate for every module one of whose titles it contains, scored by how much of its
//! title the module's title covers. Then, shallowest first and best covered first (not first in the book), each
//! module takes one candidate:
//!
//! - `{#id}` on a heading names a module outright;
//! - a heading that names two modules in separate words (问题与挑战分析与改进措施) is both; a title inside a longer
//!   title of another module (措施 in 保障措施) does not count;
//! - the book's cover (a first chapter titled like the whole report: 2025年度销售述职报告:复盘与2026战略规划) and any
//!   chapter or heading holding candidates of two other modules is a container, never a module;
//! - a candidate inside a module already taken is part of that module, not another one.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::FoundModule;
use crate::check::outline::BookOutline;
use crate::check::schema::{Schema, normalize};

/// A first chapter titled like the whole report (with a year or 年度/annual), in a book of several chapters.
static COVER_TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:报告|述职|汇报|年报|年终总结|年度总结|工作总结|\breport\b|\breview\b|\bsummary\b)")
        .expect("static regex")
});
static YEARLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:(?:19|20)\d{2}|年度|年终|\bannual\b|\byear\b|\bfy\s?\d{2})").expect("static regex")
});
/// A year, fiscal year or 年度 in front of a title (2026年度重点工作策略): not part of what names the module.
static LEADING_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:fy\s?)?(?:(?:19|20)\d{2}\s*(?:年度|年)?|年度)\s*(?:销售)?(?:部)?\s*").expect("static regex")
});

/// Compiles the module finder's patterns now (see [`super::compile_patterns`]).
pub(super) fn compile_patterns() {
    for pattern in [&COVER_TITLE, &YEARLY, &LEADING_YEAR] {
        LazyLock::force(pattern);
    }
}

/// How well a section must be named to count as a further section of a module found elsewhere: 支撑保障与风险预案
/// (0.44) and 经验教训总结与持续改进 (0.36) do, 行业趋势与市场展望 (0.22) does not.
const FURTHER_SECTION_COVERAGE: f32 = 0.35;

/// How well a section inside another module must be named to be a module of its own (when none is found elsewhere):
/// 改进措施 (1.0) and "Recommendations" (1.0) are; 区域市场表现差异与策略调整 (0.17) is not.
const NESTED_MODULE_COVERAGE: f32 = 0.6;

struct Candidate {
    node: usize,
    spec: usize,
    level: usize,
    /// How much of the title (of its part that holds the match) the module's title covers, 0..=1.
    coverage: f32,
}

pub fn find_modules(outline: &BookOutline<'_>, schema: &Schema) -> Vec<FoundModule> {
    let levels = node_levels(outline);
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut explicit: Vec<FoundModule> = Vec::new();
    // Every node's title against every module's titles: the bulk of the work, node by node on all cores.
    let matches: Vec<Vec<(usize, f32)>> = {
        use rayon::prelude::*;
        (0..levels.len()).into_par_iter().map(|node| matches_of(outline, schema, node)).collect()
    };
    for ((node, &level), matches) in levels.iter().enumerate().zip(matches) {
        let named = outline
            .heading_of(node)
            .and_then(|h| h.explicit_id.as_deref())
            .and_then(|id| schema.module_index(id))
            .filter(|spec| !explicit.iter().any(|m| m.spec == *spec));
        if let Some(spec) = named {
            explicit.push(FoundModule { spec, node, extra: Vec::new() });
            continue;
        }
        for (spec, coverage) in matches {
            candidates.push(Candidate { node, spec, level, coverage });
        }
    }
    let containers = containers(outline, &candidates);
    let covers: Vec<usize> =
        candidates.iter().map(|c| c.node).filter(|&node| is_cover(outline, node, &candidates)).collect();
    candidates.retain(|c| containers.binary_search(&c.node).is_err() && !covers.contains(&c.node));
    candidates.sort_by(|a, b| a.level.cmp(&b.level).then(b.coverage.total_cmp(&a.coverage)).then(a.node.cmp(&b.node)));
    let mut found = explicit;
    let mut left = Vec::new();
    for candidate in candidates {
        let taken = found.iter().any(|m| m.spec == candidate.spec);
        let inside = found.iter().any(|m| {
            m.node != candidate.node
                && (inside_of(outline, candidate.node, m.node) || inside_of(outline, m.node, candidate.node))
        });
        // A section named all but exactly like a module found nowhere else (（一）改进措施 in 下一步工作) is that
        // module, even inside another one: a weaker match never hides it.
        let nested_module = inside && candidate.coverage >= NESTED_MODULE_COVERAGE;
        // A namesake of a module found inside another, in that same module: a further section of it (below).
        let nested_namesake = taken
            && found.iter().any(|outer| {
                inside_of(outline, candidate.node, outer.node)
                    && found.iter().any(|t| t.spec == candidate.spec && inside_of(outline, t.node, outer.node))
            });
        if !taken && (!inside || nested_module) {
            found.push(FoundModule { spec: candidate.spec, node: candidate.node, extra: Vec::new() });
        } else if !inside || nested_namesake {
            left.push(candidate);
        }
    }
    // A section named like a module already found, outside every module: a further section of it.
    for candidate in left {
        let is_module = found.iter().any(|m| m.node == candidate.node);
        // A module found inside another (the first "Recommendation" under each insight) gathers its namesakes
        // inside that same module: the outer one does not keep them out.
        let nested_in = |outer: usize| {
            found.iter().any(|t| t.spec == candidate.spec && inside_of(outline, t.node, outer))
                && inside_of(outline, candidate.node, outer)
        };
        let overlaps = found.iter().any(|m| {
            std::iter::once(m.node).chain(m.extra.iter().copied()).any(|n| {
                inside_of(outline, candidate.node, n) && !nested_in(n) || inside_of(outline, n, candidate.node)
            })
        });
        // A weakly named section (行业趋势与市场展望 after the plan) stays outside.
        let named_well = candidate.coverage >= FURTHER_SECTION_COVERAGE;
        if !is_module
            && !overlaps
            && named_well
            && let Some(module) = found.iter_mut().find(|m| m.spec == candidate.spec)
            && !module.extra.contains(&candidate.node)
        {
            module.extra.push(candidate.node);
            module.extra.sort_unstable();
        }
    }
    found.sort_by_key(|m| (m.node, m.spec));
    found
}

/// Whether `node` lies in the subtree of `ancestor` (and is not it).
fn inside_of(outline: &BookOutline<'_>, node: usize, ancestor: usize) -> bool {
    node > ancestor && node < outline.nodes[ancestor].subtree_end
}

/// Each node's number of ancestors in the outline.
pub(crate) fn node_levels(outline: &BookOutline<'_>) -> Vec<usize> {
    let mut levels = vec![0; outline.nodes.len()];
    let mut open: Vec<usize> = Vec::new();
    for (node, level) in levels.iter_mut().enumerate() {
        while open.last().is_some_and(|&top| outline.nodes[top].subtree_end <= node) {
            open.pop();
        }
        *level = open.len();
        open.push(node);
    }
    levels
}

/// The modules a node's titles name, with their coverage. Where one module's title lies inside a longer title of
/// another in the same text (措施 in 保障措施, Plan in Action plan), only the longer one counts.
fn matches_of(outline: &BookOutline<'_>, schema: &Schema, node: usize) -> Vec<(usize, f32)> {
    let mut best: Vec<(usize, f32)> = Vec::new();
    for title in outline.titles_of(node) {
        let text = normalize(title);
        if !schema.may_name_a_module(&text) {
            continue;
        }
        // Every place a module's title is found; each module's longest (then first) is its match.
        let every: Vec<(usize, Range<usize>)> = schema
            .modules
            .iter()
            .enumerate()
            .flat_map(|(spec, module)| {
                module.titles.find_all_normalized(&text).into_iter().map(move |span| (spec, span))
            })
            .collect();
        let mut spans: Vec<(usize, Range<usize>)> = Vec::new();
        for (spec, span) in &every {
            match spans.iter_mut().find(|(s, _)| s == spec) {
                Some((_, best))
                    if (span.len(), std::cmp::Reverse(span.start)) > (best.len(), std::cmp::Reverse(best.start)) =>
                {
                    *best = span.clone();
                }
                Some(_) => {}
                None => spans.push((*spec, span.clone())),
            }
        }
        for (spec, span) in &spans {
            let covered = every.iter().any(|(other, wider)| {
                other != spec && wider.len() > span.len() && wider.start <= span.start && span.end <= wider.end
            });
            if covered {
                continue;
            }
            let coverage = coverage(&text, span.clone());
            match best.iter_mut().find(|(s, _)| s == spec) {
                Some((_, c)) => *c = c.max(coverage),
                None => best.push((*spec, coverage)),
            }
        }
    }
    best
}

/// The share of the title's part around the match (parts split at colons and dashes, a leading year dropped) that
/// the match covers: 1 for "Strategy", 0.3 for "Discount strategy analysis".
fn coverage(text: &str, span: Range<usize>) -> f32 {
    let separators = |c: char| matches!(c, ':' | '\u{ff1a}' | '—' | '–' | '|' | '(' | '\u{ff08}');
    let start =
        text[..span.start].rfind(separators).map_or(0, |at| at + text[at..].chars().next().map_or(1, char::len_utf8));
    let end = text[span.end..].find(separators).map_or(text.len(), |at| span.end + at);
    let part = text[start..end].trim();
    let part = match LEADING_YEAR.find(part) {
        Some(year) if year.end() <= span.start.saturating_sub(start) => &part[year.end()..],
        _ => part,
    };
    let matched = text[span].chars().count() as f32;
    let whole = part.chars().filter(|c| !c.is_whitespace()).count().max(1) as f32;
    (matched / whole).min(1.0)
}

/// The first chapter of a book of several, titled like the whole report, or the only chapter of a book when a module
/// is found among its sections: never a module.
fn is_cover(outline: &BookOutline<'_>, node: usize, candidates: &[Candidate]) -> bool {
    let crate::check::outline::NodeKind::Chapter(0) = outline.nodes[node].kind else { return false };
    if outline.docs.len() < 2 {
        return candidates.iter().any(|c| inside_of(outline, c.node, node));
    }
    outline.titles_of(node).iter().any(|t| COVER_TITLE.is_match(t) && YEARLY.is_match(t))
}

/// The nodes whose subtree (below them) holds well-named candidates of two or more other modules: a cover or a whole
/// report in one chapter, not a module. (A review whose sub-section says 策略调整 in passing stays the review.)
fn containers(outline: &BookOutline<'_>, candidates: &[Candidate]) -> Vec<usize> {
    // Candidates are pushed in node order, so those inside a node are one run after its own: a node's test reads
    // only its subtree's candidates and stops at the second other module.
    let mut containers = Vec::new();
    let mut at = 0;
    while at < candidates.len() {
        let node = candidates[at].node;
        let own_end = at + candidates[at..].iter().take_while(|c| c.node == node).count();
        let own = &candidates[at..own_end];
        let end = outline.nodes[node].subtree_end;
        let mut first_other: Option<usize> = None;
        let two = candidates[own_end..]
            .iter()
            .take_while(|c| c.node < end)
            .filter(|c| c.coverage >= FURTHER_SECTION_COVERAGE && !own.iter().any(|o| o.spec == c.spec))
            .any(|c| match first_other {
                None => {
                    first_other = Some(c.spec);
                    false
                }
                Some(spec) => spec != c.spec,
            });
        if two {
            containers.push(node);
        }
        at = own_end;
    }
    containers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(chapters: &[(&str, &str)]) -> Vec<(String, String)> {
        let chapters = crate::check::test_chapters(chapters);
        let outline = BookOutline::new(&chapters);
        let schema = crate::check::load_schema("year-end-sales", std::path::Path::new(".")).expect("schema");
        find_modules(&outline, &schema)
            .into_iter()
            .map(|m| {
                (
                    schema.modules[m.spec].id.clone(),
                    outline.titles_of(m.node).last().map_or(String::new(), |t| t.to_string()),
                )
            })
            .collect()
    }

    #[test]
    fn a_heading_naming_two_modules_is_both() {
        let modules = found(&[("问题与挑战分析与改进措施", "# 问题与挑战分析与改进措施\n\n## 市场竞争\n")]);
        let ids: Vec<&str> = modules.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["problem-analysis", "strategy"]);
        // 措施 inside 保障措施 is the plan's title, not the strategy's.
        let modules = found(&[("保障措施", "# 保障措施\n")]);
        assert_eq!(modules, [("plan".to_string(), "保障措施".to_string())]);
    }

    #[test]
    fn the_best_named_candidate_wins() {
        let modules = found(&[
            ("Key findings", "# Key findings\n\n## Discount strategy analysis\n\nDeep discounts.\n"),
            ("Actionable recommendations", "# Actionable recommendations\n\n- Cap discounts by Q2.\n"),
        ]);
        assert!(modules.contains(&("strategy".to_string(), "Actionable recommendations".to_string())), "{modules:?}");
        assert!(modules.contains(&("problem-analysis".to_string(), "Key findings".to_string())), "{modules:?}");
    }

    #[test]
    fn the_cover_is_no_module() {
        let modules = found(&[
            ("2025年度销售述职报告:复盘与2026战略规划", "# 2025年度销售述职报告:复盘与2026战略规划\n"),
            ("2026年核心策略规划", "# 2026年核心策略规划\n"),
        ]);
        assert_eq!(modules, [("strategy".to_string(), "2026年核心策略规划".to_string())]);
    }

    /// A module written as a bold line is found like a heading; "Business implications" is the strategy's.
    #[test]
    fn bold_lines_name_modules() {
        let modules = found(&[(
            "年度销售总结",
            "# 年度销售总结\n\n**业绩回顾**\n\n全年完成。\n\n**不足与改进**\n\n- 华东回款慢\n\n**下步打算**\n\n- 2026年Q1前完成\n",
        )]);
        let expected = [("performance-review", "业绩回顾"), ("problem-analysis", "不足与改进"), ("plan", "下步打算")];
        assert_eq!(modules, expected.map(|(id, title)| (id.to_string(), title.to_string())));
        let modules = found(&[
            ("Key findings", "# Key findings\n\n- Margins fell\n"),
            ("Business implications", "# Business implications\n\n- Cut discounts\n"),
        ]);
        assert!(modules.contains(&("strategy".to_string(), "Business implications".to_string())), "{modules:?}");
    }

    /// The English and Chinese closing headings real reports use, each taken for the module a reader would name.
    #[test]
    fn closing_headings_name_their_modules() {
        let cases = [
            ("Business Implications", "strategy"),
            ("Implications for 2026", "strategy"),
            ("Lessons Learned", "problem-analysis"),
            ("经验教训", "problem-analysis"),
            ("Next Steps", "strategy"),
            ("Action Plan", "strategy"),
            ("Looking Ahead", "plan"),
            ("The Way Forward", "plan"),
            ("下一步工作", "plan"),
            ("下步打算", "plan"),
            ("明年努力方向", "plan"),
        ];
        for (title, module) in cases {
            let modules = found(&[(title, &format!("# {title}\n\n- 一项\n"))]);
            let ids: Vec<&str> = modules.iter().map(|(id, _)| id.as_str()).collect();
            assert_eq!(ids, [module], "{title}");
        }
    }

    /// A module named exactly inside another, where no chapter is that module, is found; its namesakes in the
    /// same outer module are further sections of it.
    #[test]
    fn modules_inside_other_modules() {
        let modules = found(&[
            ("业绩回顾", "# 业绩回顾\n\n全年完成。\n"),
            ("下一步工作", "# 下一步工作\n\n## （一）改进措施\n\n- 回款\n\n## （二）2026年目标\n\n- 收入1亿元\n"),
        ]);
        let ids: Vec<&str> = modules.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["performance-review", "plan", "strategy"], "{modules:?}");
        let chapters = [
            ("Results", "# Results\n\nRevenue rose.\n"),
            (
                "Key insights",
                "# Key insights\n\n## Margins fell\n\n### Recommendation\n\n- Cap discounts\n\n\
                 ## Central lags\n\n### Recommendation\n\n- Bundle offer\n",
            ),
        ];
        let chapters = crate::check::test_chapters(&chapters);
        let outline = BookOutline::new(&chapters);
        let schema = crate::check::load_schema("year-end-sales", std::path::Path::new(".")).expect("schema");
        let modules = find_modules(&outline, &schema);
        let spec_of = |id: &str| schema.modules.iter().position(|m| m.id == id);
        let problems = modules.iter().find(|m| Some(m.spec) == spec_of("problem-analysis")).expect("problems");
        let strategy = modules.iter().find(|m| Some(m.spec) == spec_of("strategy")).expect("strategy");
        assert!(inside_of(&outline, strategy.node, problems.node), "the first Recommendation, inside the insights");
        assert_eq!(strategy.extra.len(), 1, "the second Recommendation is a further section");
    }

    #[test]
    fn coverage_of_titles() {
        let text = normalize("discount strategy analysis");
        let at = text.find("strategy").unwrap_or(0);
        assert!(coverage(&text, at..at + 8) < 0.34);
        let text = "策略优化:2024年改进动作";
        assert!((coverage(text, 0.."策略优化".len()) - 1.0).abs() < f32::EPSILON);
        let text = "2026年度重点工作策略";
        let at = text.find("重点工作策略").unwrap_or(0);
        assert!((coverage(text, at..text.len()) - 1.0).abs() < f32::EPSILON);
    }
}
