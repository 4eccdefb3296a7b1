//! The structure check on books shaped like the year-end and annual sales reports real teams write (their headings,
//! merged modules, cover pages, tables of actions, target-against-actual sentences, template leftovers), written in
//! our own words under tests/fixtures/real-shapes/ (the reports they follow are listed in
//! tests/fixtures/real-reports/SOURCES.md). Each book's findings are a snapshot, reviewed line by line: the comment
//! above each test says what is expected and why.

mod support;

use std::path::Path;

use mdbook_kpi::check::{self, read_book};
use mdbook_kpi::config::Config;

/// The findings of one fixture book, one per line with their help, as `mdbook-kpi check` would report them.
fn findings(name: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real-shapes").join(name);
    let book = read_book(&root).unwrap_or_else(|d| panic!("cannot read {name}: {d:?}"));
    let schema = check::load_schema("year-end-sales", &root).expect("schema");
    let diagnostics = check::check(&book.chapters, &schema, &Config::default());
    let mut out = String::new();
    for d in &diagnostics {
        out.push_str(&support::finding_line(d));
        out.push('\n');
        support::push_help(&mut out, d, "    ");
    }
    if out.is_empty() { "(no findings)\n".to_string() } else { out }
}

/// Rules found in a book, for assertions that hold whatever the snapshot says.
fn rules(name: &str) -> Vec<String> {
    findings(name)
        .lines()
        .filter(|l| !l.starts_with("    "))
        .filter_map(|l| l.split(' ').nth(2))
        .map(str::to_string)
        .collect()
}

/// A cover titled "复盘与2026战略规划" is not a module; 业绩深度分析, 核心问题诊断与归因, 目标设定 and 核心策略规划 are;
/// 华东团队 / 产品销售结构 / 新老客户 are the parts; 支撑保障与风险预案 gives the plan its resources and risks; each
/// problem is answered by a strategy on the same subject; targets before strategies is no order finding. Expected:
/// the diagnosis names no team-side problem (structure/missing-part team), and "样机只有6台…转化率仅18%" gives two
/// figures with nothing to compare them to (narrative/bare-numbers).
#[test]
fn zh_cover_strategic() {
    insta::assert_snapshot!(findings("zh-cover-strategic"));
}

/// Target against actual (计划500家,实际完成480家,达成率96%) is a comparison; 1、 markers are not figures; the actions
/// are table rows: the row whose only time is a cadence (每月1次) has no deadline; the goals are dated by the year
/// in their title. Expected: the cover's 汇报人:XXXX (content/placeholder), no team-side problem
/// (structure/missing-part), and smart/no-deadline for the third row.
#[test]
fn zh_table_actions() {
    insta::assert_snapshot!(findings("zh-table-actions"));
}

/// 问题与挑战分析与改进措施 is both the problem and the strategy module, and answers its own problems; 行业趋势与市场展望
/// after the plan is no second plan; "培训26场,人均40小时" counts activity, not results (no money or percentage), so it
/// is not bare. Expected: no team-side problem (structure/missing-part).
#[test]
fn zh_merged_module() {
    insta::assert_snapshot!(findings("zh-merged-module"));
}

/// A template half filled in: every [X], [具体区域], 20xx年, x月, XX家, XX万元, 待填 and TBD is a content/placeholder
/// error; the structure is otherwise complete.
#[test]
fn zh_template_leftovers() {
    insta::assert_snapshot!(findings("zh-template-leftovers"));
    let found = rules("zh-template-leftovers");
    assert!(found.iter().filter(|r| *r == "content/placeholder").count() >= 9, "{found:?}");
}

/// Region — category sections are the parts, "Action:" inside an underperforming segment answers it, "3 out of 5"
/// and "vs target" are not bare, "Discount strategy analysis" under Key findings is not the strategy module when
/// "Actionable recommendations" exists; "Underperforming segments" counts as a further problem section. Expected:
/// no lifecycle breakdown and no team-side problem (structure/missing-part), the Asia Pacific hiring row answers no
/// problem (it builds on a strength: loop/orphan-countermeasure), the discount row's only time is a cadence
/// (smart/no-deadline), and the risk line has no figure (smart/not-quantified).
#[test]
fn en_insights_table() {
    insta::assert_snapshot!(findings("en-insights-table"));
}

/// Key achievements / Challenges / Strategic priorities for 2025, with no strategy module: its absence is a real
/// finding, and the priorities have no figures or dates. "Launched 2 new product lines" is a passing mention, not
/// the product part. Expected: missing strategy module (at SUMMARY.md), no region or lifecycle breakdown, plan
/// without targets, resources or risks, and three priorities without figures (dated by "for 2025").
#[test]
fn en_annual_review() {
    insta::assert_snapshot!(findings("en-annual-review"));
}

/// Results / Key findings / Recommendations / Goals: all recognised; "Pricing strategy lagged competitors" in the
/// findings does not take the strategy module; "$2.2M against $2.2M" is a comparison. Expected: only [Company Name]
/// on the cover (content/placeholder).
#[test]
fn en_findings_first() {
    insta::assert_snapshot!(findings("en-findings-first"));
}

/// One chapter titled like the whole report is a container, not a module: its numbered sections are the modules.
/// Expected: no market-side problem (structure/missing-part) and the jargon 打通 in the process countermeasure.
#[test]
fn zh_single_chapter() {
    insta::assert_snapshot!(findings("zh-single-chapter"));
}

/// A one-chapter report whose modules are bold lines (**一、年度业绩概述**, **二、不足与改进**, **四、下步打算**): each
/// is found like a heading; the bold lines inside the review (**区域表现**, **产品结构**, **新老客户**) are its parts;
/// "600-1200马力" is one range, not bare figures. Expected: the process countermeasure's only time is a cadence
/// (每月1次: smart/no-deadline).
#[test]
fn zh_bold_modules() {
    insta::assert_snapshot!(findings("zh-bold-modules"));
    assert!(!rules("zh-bold-modules").contains(&"structure/missing-module".to_string()));
}

/// A 述职 in the 暗点与亮点 shape: 暗点 is a problem section whose numbered items are the problems (a section named
/// like its module only labels them), the 亮点 beside them need no answer; 经验教训 with a lone bold label above its
/// list is a further problem section; 下一步工作 is the plan, and the bold （一）改进措施 inside it the strategy, each
/// countermeasure answering the problem on its subject; the targets under **（二）2026年目标** are dated by that
/// title. Expected: the KPI table breaks nothing down by product, region or customer (structure/missing-part ×3),
/// and the risk line has no figure (smart/not-quantified).
#[test]
fn zh_dark_bright() {
    insta::assert_snapshot!(findings("zh-dark-bright"));
}

/// Insights each followed by a bold "Business Impact:" line, and the recommendations under a bold line in Next
/// Steps: Key Insights is the problem analysis, Next Steps the strategy, every insight answered by the
/// recommendation on its subject. Expected: no performance review or plan (structure/missing-module).
#[test]
fn en_impact_recommendation() {
    insta::assert_snapshot!(findings("en-impact-recommendation"));
}

/// A one-chapter review written with bold lines for headings (**Highlights:**, **Challenges:**, **Lessons Learned:**,
/// **Next Steps:**, **Looking Ahead**): every module is found; the Europe problem carries its own "Solution:";
/// "22% of bookings" is a share, not a bare figure; a longer sales cycle is the process side. Expected: no team-side
/// problem (structure/missing-part) and the resources line without a date (smart/no-deadline). One finding is wrong
/// and kept as the measured miss it is: the risk line's threshold "below 1.00" has no unit, so it is not taken for
/// a figure (smart/not-quantified).
#[test]
fn en_bold_review() {
    insta::assert_snapshot!(findings("en-bold-review"));
    assert!(!rules("en-bold-review").contains(&"structure/missing-module".to_string()));
}
