//! The closed loop: `loop/unanswered-problem` and `loop/orphan-countermeasure`.
//!
//! A problem is answered by a countermeasure that links to the problem's heading anchor, or that shares a side
//! with it (a side's keywords in both titles: 市场竞争 ↔ 市场端).

use std::collections::HashSet;

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
    let problems = context.items(problem_module.node);
    let answers = context.items(answer_module.node);
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
        let by_side = problem_sides[p].iter().any(|s| answered_sides.contains(s));
        if by_side || problem_anchor[p].is_some_and(|anchor| linked.contains(&anchor)) {
            continue;
        }
        let how = match problem_anchor[p] {
            Some((_, anchor)) => format!(", or link to it with [{}](#{anchor})", problem.label()),
            None => String::new(),
        };
        findings.push(Finding::new(
            Rule::LoopUnansweredProblem,
            problem.at.clone(),
            format!("problem “{}” has no countermeasure in “{answer_title}”", problem.label()),
            format!("add a “{answer_title}” item for the same side ({side_names}){how}"),
        ));
    }
    for (a, answer) in answers.iter().enumerate() {
        let by_side = answer_sides[a].iter().any(|s| problem_sides_all.contains(s));
        if by_side || answer_links[a].iter().any(|(ci, anchor)| problem_anchors.contains(&(*ci, anchor.as_str()))) {
            continue;
        }
        findings.push(Finding::new(
            Rule::LoopOrphanCountermeasure,
            answer.at.clone(),
            format!("countermeasure “{}” answers no problem in “{problem_title}”", answer.label()),
            format!("name the side it addresses ({side_names}) in its title, or link to the problem's heading"),
        ));
    }
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
    use super::*;

    #[test]
    fn link_paths_resolve_like_mdbook() {
        assert_eq!(resolve("src/strategy.md", "analysis.md"), "src/analysis.md");
        assert_eq!(resolve("src/a/b.md", "../analysis.html"), "src/analysis.md");
        assert_eq!(percent_decode("%E5%B8%82%E5%9C%BA"), "市场");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
