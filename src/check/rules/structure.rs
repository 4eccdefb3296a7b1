//! `structure/missing-module`, `structure/module-order`, `structure/missing-part`.

use super::{Context, Finding};
use crate::rules::Rule;

pub fn check(context: &Context<'_, '_>, findings: &mut Vec<Finding>) {
    missing_modules(context, findings);
    module_order(context, findings);
    missing_parts(context, findings);
}

fn missing_modules(context: &Context<'_, '_>, findings: &mut Vec<Finding>) {
    if context.outline.docs.is_empty() {
        return;
    }
    // The first chapter that has a file, so that the finding has somewhere to point.
    let chapter = context.outline.docs.iter().position(|d| !d.file.is_empty()).unwrap_or(0);
    for (spec, module) in context.schema.modules.iter().enumerate() {
        if !module.required || context.found_module(spec).is_some() {
            continue;
        }
        findings.push(Finding::new(
            Rule::StructureMissingModule,
            (chapter, 0..0),
            format!("the report has no “{}” module ({})", context.display_title(&module.titles), module.id),
            format!(
                "add a chapter or heading titled one of: {}; or mark a heading with {{#{}}}",
                module.titles.list.join(", "),
                module.id
            ),
        ));
    }
}

fn module_order(context: &Context<'_, '_>, findings: &mut Vec<Finding>) {
    let modules = &context.schema.modules;
    let mut latest: Option<usize> = None;
    for found in &context.found {
        match latest {
            Some(before) if found.spec < before => {
                let this = &modules[found.spec];
                let other = &modules[before];
                findings.push(Finding::new(
                    Rule::StructureModuleOrder,
                    context.outline.position_of(found.node),
                    format!(
                        "module “{}” comes after “{}”, but the schema puts it before “{}”",
                        context.display_title(&this.titles),
                        context.display_title(&other.titles),
                        context.display_title(&other.titles)
                    ),
                    format!(
                        "move it before “{}”; the order is: {}",
                        context.display_title(&other.titles),
                        order(context)
                    ),
                ));
            }
            _ => latest = Some(latest.map_or(found.spec, |l| l.max(found.spec))),
        }
    }
}

fn order(context: &Context<'_, '_>) -> String {
    let titles: Vec<&str> = context.schema.modules.iter().map(|m| context.display_title(&m.titles)).collect();
    titles.join(" → ")
}

fn missing_parts(context: &Context<'_, '_>, findings: &mut Vec<Finding>) {
    let mut normalized = String::new();
    for found in &context.found {
        let module = &context.schema.modules[found.spec];
        if module.parts.is_empty() {
            continue;
        }
        // Titles are looked at until every part is found: usually the first few sub-headings name them all.
        let mut missing = vec![true; module.parts.len()];
        let mut left = missing.len();
        for title in context.inner_titles(found.node) {
            crate::check::schema::normalize_into(title, &mut normalized);
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
                format!("add a sub-heading or list item titled one of: {}", part.titles.list.join(", ")),
            ));
        }
    }
}
