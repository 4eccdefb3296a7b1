//! `smart/not-quantified` and `smart/no-deadline`: every item of a `smart` module (strategy, plan) needs a figure
//! (a number with a unit, a percentage, or a `<<#kpi>>` directive) and a time node (Q1, 1月前, 2024年, by March…).

use std::sync::LazyLock;

use regex::Regex;

use super::narrative::numbers;
use super::{Context, Finding, Item};
use crate::rules::Rule;

static TIME_NODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:^|[^a-z0-9])(?:q[1-4]|h[12]|fy[0-9]{2,4})(?:[^0-9]|$)",
        r"|(?:^|[^0-9])(?:19|20)[0-9]{2}(?:[^0-9]|$)",
        r"|[0-9]{4}[-/.][0-9]{1,2}(?:[-/.][0-9]{1,2})?",
        r"|[0-9]{1,2}\s*月|[0-9]+\s*个?\s*(?:月|周|星期|天|日|工作日|季度|年)\s*(?:内|前|后|底|末|之内)|[0-9]{1,2}\s*[日号]",
        r"|上半年|下半年|年底|年末|年初|年中|年内|月底|月末|月初|月中|季度末|季末|季初|本月|下月|本周|下周|本季度|下季度|明年|今年|下一年度|下年度|来年|次年",
        r"|第[一二三四1-4]季度|[一二三四]季度|(?:周|星期|礼拜)[一二三四五六日天]",
        r"|(?-u:\b)(?-i:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)(?-u:\b)",
        r"|(?-u:\b)(?:by|before|until|within|in|over|after|for)\s+(?:the\s+)?(?:end\s+of|next|[0-9]+\s+(?:days?|weeks?|months?|quarters?|years?))",
        r"|(?-u:\b)end\s+of\s+(?:the\s+)?(?:year|quarter|month|q[1-4]|h[12]|[0-9]{4})(?-u:\b)",
        r"|(?-u:\b)(?:this|next)\s+(?:week|month|quarter|year)(?-u:\b)",
        r"|(?-u:\b)(?-i:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?-u:\b)",
        r"|(?-u:\b)(?:year|quarter|month)[-\s]end(?-u:\b)",
    ))
    .expect("static regex")
});

static YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?:^|[^0-9])(?:fy\s?)?20[0-9]{2}(?:[^0-9]|$)").expect("static regex"));

/// Compiles the rule's patterns now (see [`super::compile_patterns`]).
pub(super) fn compile_patterns() {
    for pattern in [&TIME_NODE, &YEAR] {
        LazyLock::force(pattern);
    }
}

pub fn check(context: &Context<'_, '_>, findings: &mut Vec<Finding>) {
    let problem_module = context.schema.closed_loop.as_ref().map(|l| l.problem);
    for found in &context.found {
        let module = &context.schema.modules[found.spec];
        // A heading that is both the problems and their countermeasures (问题与挑战分析与改进措施) lists problems.
        let also_problems = context.found.iter().any(|m| m.node == found.node && Some(m.spec) == problem_module);
        if !module.smart || also_problems {
            continue;
        }
        let module_title = context.display_title(&module.titles);
        // A year in a plan's own title (2026年销售目标设定, Goals for 2025) dates its targets to that year; the
        // countermeasures (the loop's answers) need their own time nodes.
        let answers = context.schema.closed_loop.as_ref().is_some_and(|l| l.answer == found.spec);
        let module_dated = !answers && context.outline.titles_of(found.node).iter().any(|t| YEAR.is_match(t));
        for item in context.module_items(found) {
            let (quantified, dated) = assess(context, &item);
            // So does a year in the title of the lone bold line above the item's list (**2026年目标**).
            let label_dated =
                !answers && item.label.is_some_and(|n| context.outline.titles_of(n).iter().any(|t| YEAR.is_match(t)));
            let dated = dated || module_dated || label_dated;
            if !quantified {
                findings.push(Finding::new(
                    Rule::SmartNotQuantified,
                    item.at.clone(),
                    format!("“{module_title}” item “{}” has no figure", item.label()),
                    if context.chinese {
                        "给出数字:带单位的数(3场、2名顾问)、百分比(提升至35%)或 <<#kpi …>> 指令".to_string()
                    } else {
                        "quantify it: a number with a unit (3 events, 2 consultants), a percentage (to 35%), or a <<#kpi …>> directive"
                            .to_string()
                    },
                ));
            }
            if !dated {
                findings.push(Finding::new(
                    Rule::SmartNoDeadline,
                    item.at.clone(),
                    format!("“{module_title}” item “{}” has no time node", item.label()),
                    if context.chinese {
                        "写明时间节点:Q1、3月底前、2024年上半年、3个月内、2024-03-31(“每月1次”是频率,不是期限)".to_string()
                    } else {
                        "say when: Q1, by March, within 3 months, by end of 2024, 2024-03-31 (\"weekly\" is a cadence, not a deadline)"
                            .to_string()
                    },
                ));
            }
        }
    }
}

/// Whether an item's text has a figure and a time node.
fn assess(context: &Context<'_, '_>, item: &Item) -> (bool, bool) {
    let mut quantified = false;
    let mut dated = TIME_NODE.is_match(&item.title);
    for block in context.item_blocks(item) {
        if !quantified {
            quantified = !block.directives.is_empty()
                || numbers(block.text).any(|n| n.with_unit && !block.in_directive(n.range.start));
        }
        if !dated {
            dated = TIME_NODE.is_match(block.text);
        }
        if quantified && dated {
            break;
        }
    }
    (quantified, dated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_nodes() {
        for text in [
            "Q1启动",
            "1月前完成",
            "3月底",
            "12月前",
            "2024年",
            "上半年",
            "年底前",
            "by March",
            "before Q2",
            "within 3 months",
            "by end of 2024",
            "2024-03-31",
            "3个月内",
        ] {
            assert!(TIME_NODE.is_match(text), "{text}");
        }
        // A cadence says how often, not by when (changed on purpose: 每周复盘 used to count as a time node).
        for text in [
            "提升转化率",
            "grow sales",
            "3家客户",
            "may improve",
            "Quality",
            "每周复盘",
            "每月1次",
            "weekly",
            "monthly reviews",
        ] {
            assert!(!TIME_NODE.is_match(text), "{text}");
        }
    }
}
