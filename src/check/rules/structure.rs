//! `structure/missing-module`, `structure/module-order`, `structure/missing-part`.

use super::{Context, Finding};
use crate::rules::Rule;
use std::borrow::Cow;

pub fn check(context: &Context<'_, '_>, findings: &mut Vec<Finding>) {
    missing_modules(context, findings);
    module_order(context, findings);
    missing_parts(context, findings);
}

fn missing_modules(context: &Context<'_, '_>, findings: &mut Vec<Finding>) {
    if context.outline.docs.is_empty() {
        return;
    }
    // The first chapter that has a file, so that the finding has somewhere to point when the book has no file.
    let chapter = context.outline.docs.iter().position(|d| !d.file.is_empty()).unwrap_or(0);
    let summary = summary_file(context);
    for (spec, module) in context.schema.modules.iter().enumerate() {
        if !module.required || context.found_module(spec).is_some() {
            continue;
        }
        let titles = titles_in_language(context, &module.titles);
        let help = if context.chinese {
            format!("添加一章或一个标题,名为其中之一:{titles};或给标题加上 {{#{}}}", module.id)
        } else {
            format!("add a chapter or heading titled one of: {titles}; or mark a heading with {{#{}}}", module.id)
        };
        let finding = Finding::new(
            Rule::StructureMissingModule,
            (chapter, 0..0),
            format!("the report has no “{}” module ({})", context.display_title(&module.titles), module.id),
            help,
        );
        findings.push(match &summary {
            Some(file) => finding.about_file(file.clone()),
            None => finding,
        });
    }
}

/// SUMMARY.md: beside the chapter file nearest the book's source folder (the one with the fewest folders in its
/// path; mdBook lists chapters relative to that folder). `None` for a book without chapter files.
fn summary_file(context: &Context<'_, '_>) -> Option<String> {
    let nearest =
        context.outline.docs.iter().map(|d| d.file).filter(|f| !f.is_empty()).min_by_key(|f| f.matches('/').count())?;
    Some(match nearest.rsplit_once('/') {
        Some((folder, _)) => format!("{folder}/SUMMARY.md"),
        None => "SUMMARY.md".to_string(),
    })
}

/// A module's or part's titles in the book's language, for a help text (all of them when none is).
fn titles_in_language(context: &Context<'_, '_>, titles: &crate::check::schema::Titles) -> String {
    let chosen: Vec<&str> = titles
        .list
        .iter()
        .filter(|t| t.chars().any(super::is_cjk) == context.chinese)
        .map(String::as_str)
        .take(8)
        .collect();
    if chosen.is_empty() { titles.list.join(", ") } else { chosen.join(if context.chinese { "、" } else { ", " }) }
}

/// A found module's own title: its chapter's or heading's, as the writer wrote it.
fn own_title(context: &Context<'_, '_>, node: usize) -> String {
    let titles = context.outline.titles_of(node);
    titles.last().map_or_else(String::new, |t| t.to_string())
}

fn module_order(context: &Context<'_, '_>, findings: &mut Vec<Finding>) {
    let modules = &context.schema.modules;
    // (spec, node) of the module furthest along the schema's order so far.
    let mut latest: Option<(usize, usize)> = None;
    for found in &context.found {
        match latest {
            Some((before, before_node))
                if found.spec < before
                    && found.node != before_node
                    && !modules[before].may_precede.contains(&modules[found.spec].id) =>
            {
                let this = &modules[found.spec];
                let other = &modules[before];
                let (this_title, other_title) = (own_title(context, found.node), own_title(context, before_node));
                findings.push(Finding::new(
                    Rule::StructureModuleOrder,
                    context.outline.position_of(found.node),
                    format!(
                        "“{this_title}” ({}) comes after “{other_title}” ({}), but the report should present {} first",
                        context.display_title(&this.titles),
                        context.display_title(&other.titles),
                        context.display_title(&this.titles),
                    ),
                    if context.chinese {
                        format!("把“{this_title}”移到“{other_title}”之前;模块顺序:{}", order(context))
                    } else {
                        format!("move “{this_title}” before “{other_title}”; the order is: {}", order(context))
                    },
                ));
            }
            Some((before, _)) if found.spec < before => {}
            _ => latest = Some((found.spec, found.node)),
        }
    }
}

fn order(context: &Context<'_, '_>) -> String {
    let titles: Vec<&str> = context.schema.modules.iter().map(|m| context.display_title(&m.titles)).collect();
    titles.join(" → ")
}

/// A module's node and the sections after it at its level up to the next module: real reports often give a
/// module's parts chapters of their own (2026年销售目标设定, then 支撑保障与风险预案).
fn module_and_followers(context: &Context<'_, '_>, levels: &[usize], node: usize) -> Vec<usize> {
    let nodes = &context.outline.nodes;
    let mut spans = vec![node];
    let mut next = nodes[node].subtree_end;
    while next < nodes.len() && levels[next] == levels[node] && !context.found.iter().any(|m| m.node == next) {
        spans.push(next);
        next = nodes[next].subtree_end;
    }
    spans
}

fn missing_parts(context: &Context<'_, '_>, findings: &mut Vec<Finding>) {
    let mut normalized = String::new();
    let levels = super::modules::node_levels(context.outline);
    for found in &context.found {
        let module = &context.schema.modules[found.spec];
        if module.parts.is_empty() {
            continue;
        }
        // Titles are looked at until every part is found: usually the first few sub-headings name them all.
        let mut missing = vec![true; module.parts.len()];
        let mut left = missing.len();
        let sections: Vec<usize> = std::iter::once(found.node)
            .chain(found.extra.iter().copied())
            .flat_map(|node| module_and_followers(context, &levels, node))
            .collect();
        // The problem module's parts may also be named in what its items say.
        let is_problem = context.schema.closed_loop.as_ref().is_some_and(|l| l.problem == found.spec);
        // Each item's text is joined only when the titles have not named every part, and dropped after: a
        // long report's problem items, all joined at once, were the largest block of memory the check held.
        let items = if is_problem { context.module_items(found) } else { Vec::new() };
        let item_texts = items
            .iter()
            .map(|item| Cow::Owned(context.item_blocks(item).map(|b| b.text).collect::<Vec<_>>().join(" ")));
        let titles = sections.iter().flat_map(|&node| context.inner_titles(node)).map(Cow::Borrowed).chain(item_texts);
        for title in titles {
            crate::check::schema::normalize_into(&title, &mut normalized);
            for (part, missing) in module.parts.iter().zip(missing.iter_mut()) {
                if *missing && part.titles.is_match_normalized(&normalized) {
                    *missing = false;
                    left -= 1;
                }
            }
            if left == 0 {
                break;
            }
        }
        for (part, _) in module.parts.iter().zip(&missing).filter(|(_, missing)| **missing) {
            findings.push(Finding::new(
                Rule::StructureMissingPart,
                context.outline.position_of(found.node),
                format!(
                    "module “{}” has no “{}” part ({})",
                    context.display_title(&module.titles),
                    context.display_title(&part.titles),
                    part.id
                ),
                if context.chinese {
                    format!("添加一个小标题或列表条目,名为其中之一:{}", titles_in_language(context, &part.titles))
                } else {
                    format!(
                        "add a sub-heading or list item titled one of: {}",
                        titles_in_language(context, &part.titles)
                    )
                },
            ));
        }
    }
}
