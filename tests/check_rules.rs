//! Each structure-check rule: a book that triggers it and one that must not, in Chinese and English, with
//! modules as chapters and as sections of one chapter.

use std::collections::BTreeMap;
use std::path::Path;

use mdbook_kpi::check::{self, Chapter, Schema, read_book};
use mdbook_kpi::config::{Config, Level};
use mdbook_kpi::diagnostics::{Diagnostic, Severity};
use mdbook_kpi::rules::Rule;

fn template(name: &str) -> Vec<Chapter<'static>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check").join(name);
    read_book(&root).expect("fixture book").chapters
}

fn schema() -> Schema {
    check::load_schema("year-end-sales", Path::new(".")).expect("built-in schema")
}

fn run(chapters: &[Chapter<'_>]) -> Vec<Diagnostic> {
    check::check(chapters, &schema(), &Config::default())
}

fn run_with(chapters: &[Chapter<'_>], config: &Config) -> Vec<Diagnostic> {
    check::check(chapters, &schema(), config)
}

fn with_rule(rules: &[(&str, Level)]) -> Config {
    let rules: BTreeMap<Rule, Level> = rules.iter().map(|(r, l)| (Rule::from_id(r).expect("a rule"), *l)).collect();
    Config { rules, ..Config::default() }
}

fn of<'a>(diagnostics: &'a [Diagnostic], rule: &str) -> Vec<&'a Diagnostic> {
    diagnostics.iter().filter(|d| d.rule == rule).collect()
}

fn show(diagnostics: &[Diagnostic]) -> String {
    let lines: Vec<String> = diagnostics
        .iter()
        .map(|d| format!("{} {}:{}:{} {} — {}", d.severity.as_str(), d.file, d.line, d.column, d.rule, d.message))
        .collect();
    lines.join("\n")
}

/// Replaces text in the chapter at `path`; panics when the text is not there, so a test cannot pass vacuously.
fn edit(chapters: &mut [Chapter<'_>], path: &str, from: &str, to: &str) {
    let chapter = chapters.iter_mut().find(|c| c.source_path.as_deref() == Some(path)).expect("chapter");
    assert!(chapter.content.contains(from), "{path} lacks {from:?}");
    chapter.content = chapter.content.replacen(from, to, 1).into();
}

fn remove_chapter(chapters: &mut Vec<Chapter<'static>>, path: &str) {
    let before = chapters.len();
    chapters.retain(|c| c.source_path.as_deref() != Some(path));
    assert_eq!(chapters.len(), before - 1);
}

fn chapter(path: &str, title: &str, content: &str) -> Chapter<'static> {
    Chapter { title: title.into(), source_path: Some(path.into()), content: content.to_string().into(), depth: 0 }
}

/// The Chinese template as one chapter with every module a `##` section, in full-width punctuation.
fn zh_single_chapter() -> Vec<Chapter<'static>> {
    let mut content = String::from("# 某科技公司销售部2023年年终总结\n\n");
    for c in template("zh-template").iter().skip(1) {
        content.push('#');
        content.push_str(&c.content);
        content.push('\n');
    }
    let content = content
        .replace(',', "\u{ff0c}")
        .replace(':', "\u{ff1a}")
        .replace(';', "\u{ff1b}")
        .replace('(', "\u{ff08}")
        .replace(')', "\u{ff09}");
    vec![chapter("src/report.md", "年终总结", &content)]
}

fn errors(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    diagnostics.iter().filter(|d| d.severity == Severity::Error).collect()
}

// ---- the clean books --------------------------------------------------------------------------------------

#[test]
fn single_chapter_report_in_full_width_punctuation_is_clean() {
    let diagnostics = run(&zh_single_chapter());
    assert!(errors(&diagnostics).is_empty(), "{}", show(&diagnostics));
    assert!(of(&diagnostics, "structure/module-order").is_empty(), "{}", show(&diagnostics));
    assert!(of(&diagnostics, "smart/no-deadline").is_empty(), "{}", show(&diagnostics));
    assert!(of(&diagnostics, "smart/not-quantified").is_empty(), "{}", show(&diagnostics));
}

#[test]
fn template_chapters_have_no_structure_or_smart_findings() {
    for book in ["zh-template", "en-template"] {
        let diagnostics = run(&template(book));
        let structural: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.rule.family() != "narrative").collect();
        assert!(structural.is_empty(), "{book}:\n{}", show(&diagnostics));
    }
}

// ---- narrative/bare-numbers -------------------------------------------------------------------------------

#[test]
fn bare_numbers_are_found_with_exact_cjk_columns() {
    let mut chapters = template("zh-template");
    edit(&mut chapters, "src/introduction.md", "“2023年", "本年签约客户120家,营收1500万。\n\n“2023年");
    let diagnostics = run(&chapters);
    let found = of(&diagnostics, "narrative/bare-numbers");
    let found: Vec<&&Diagnostic> = found.iter().filter(|d| d.file == "src/introduction.md").collect();
    assert_eq!(found.len(), 1, "{}", show(&diagnostics));
    let d = found[0];
    assert_eq!((d.line, d.column, d.end_line, d.end_column), (3, 1, 3, 20));
    assert_eq!(d.severity, Severity::Warning);
    assert!(d.message.contains("120家") && d.message.contains("1500万"), "{}", d.message);
    assert!(d.help.is_some());
}

#[test]
fn compared_numbers_and_years_are_not_bare() {
    let text = "# 引言\n\nQ4签约客户120家(环比Q3+5%),其中A类客户占比从Q3的18%提升至25%。\n\n\
                2023年Q4与2024年Q1的安排见下。\n\n营收 <<#kpi revenue q4 vs q3>>,客户120家。\n\n\
                `120家 1500万` 是代码。\n\n```\n签约客户120家,营收1500万\n```\n";
    let diagnostics = run(&[chapter("src/a.md", "引言", text)]);
    assert!(of(&diagnostics, "narrative/bare-numbers").is_empty(), "{}", show(&diagnostics));
}

#[test]
fn english_bare_numbers() {
    let text = "# Introduction\n\nWe signed 120 customers and revenue was ¥15M.\n\n\
                We signed 120 customers, up from 114 in Q3.\n";
    let diagnostics = run(&[chapter("src/a.md", "Introduction", text)]);
    let found = of(&diagnostics, "narrative/bare-numbers");
    assert_eq!(found.len(), 1, "{}", show(&diagnostics));
    assert_eq!((found[0].line, found[0].column), (3, 1));
}

// ---- style/jargon -----------------------------------------------------------------------------------------

#[test]
fn jargon_is_found_at_its_characters() {
    let text = "# 引言\n\n我们通过赋能团队,打通链路。\n\n- 抓手:`赋能` 不算\n\n```\n赋能\n```\n<!-- 赋能 -->\n";
    let diagnostics = run(&[chapter("src/a.md", "引言", text)]);
    let found = of(&diagnostics, "style/jargon");
    let places: Vec<(usize, usize, usize)> = found.iter().map(|d| (d.line, d.column, d.end_column)).collect();
    assert_eq!(places, [(3, 5, 7), (3, 10, 12), (3, 12, 14), (5, 3, 5)], "{}", show(&diagnostics));
    assert!(found[0].message.contains("赋能"));
}

#[test]
fn english_jargon_whole_words() {
    let text = "# Overview\n\nWe will leverage synergy to move the needle; the leverage ratio of `synergy` code.\n\n\
                Empowered teams pick low-hanging fruit. Synergistic effects are fine.\n";
    let diagnostics = run(&[chapter("src/a.md", "Overview", text)]);
    let words: Vec<String> = of(&diagnostics, "style/jargon").iter().map(|d| d.message.clone()).collect();
    assert_eq!(words.len(), 6, "{words:?}");
    assert!(words.iter().all(|w| !w.contains("Synergistic")));
}

#[test]
fn jargon_list_is_configurable() {
    let text = "# 引言\n\n赋能之外,我们要避免说最佳实践。\n";
    let config = Config { jargon: Some(vec!["最佳实践".into()]), ..Config::default() };
    let diagnostics = run_with(&[chapter("src/a.md", "引言", text)], &config);
    let found = of(&diagnostics, "style/jargon");
    assert_eq!(found.len(), 1, "{}", show(&diagnostics));
    assert!(found[0].message.contains("最佳实践"));
}

// ---- smart/* ----------------------------------------------------------------------------------------------

#[test]
fn countermeasure_without_a_date() {
    let mut chapters = template("zh-template");
    edit(
        &mut chapters,
        "src/strategy.md",
        "3. 流程端:1月上线“客户交付进度看板”,销售、运营、客服可实时查看进度,将交付周期压缩至12天内。2月前明确“跨部门协作权责清单”,针对“合同审批-项目排期”环节设置“超时预警”机制。",
        "3. 流程端:上线“客户交付进度看板”,将交付周期压缩至12天。",
    );
    let diagnostics = run(&chapters);
    let found = of(&diagnostics, "smart/no-deadline");
    assert_eq!(found.len(), 1, "{}", show(&diagnostics));
    assert_eq!((found[0].file.as_str(), found[0].line, found[0].column), ("src/strategy.md", 5, 4));
    assert!(found[0].message.contains("流程端"), "{}", found[0].message);
    assert!(of(&diagnostics, "smart/not-quantified").is_empty());
}

#[test]
fn unquantified_plan_item() {
    let mut chapters = template("zh-template");
    edit(
        &mut chapters,
        "src/plan.md",
        "3. 风险预案:针对竞品可能的“价格战”,Q1前储备“老客户续约增值包”(含免费升级服务),Q2前完成30家老客户的意向续约调研;若Q2新签客户环比下降超过10%,启动区域定价审批绿色通道。",
        "3. 风险预案:Q1前针对竞品可能的价格战准备预案。",
    );
    let diagnostics = run(&chapters);
    let found = of(&diagnostics, "smart/not-quantified");
    assert_eq!(found.len(), 1, "{}", show(&diagnostics));
    assert!(found[0].message.contains("风险预案"));
    assert!(of(&diagnostics, "smart/no-deadline").is_empty());
}

#[test]
fn english_smart_items() {
    let mut chapters = template("en-template");
    edit(
        &mut chapters,
        "src/strategy.md",
        "bring the delivery cycle within 12 days; responsibility list\n  before February.",
        "speed things up.",
    );
    edit(&mut chapters, "src/strategy.md", "delivery board in January to", "a delivery board to");
    let diagnostics = run(&chapters);
    assert_eq!(of(&diagnostics, "smart/no-deadline").len(), 1, "{}", show(&diagnostics));
    assert_eq!(of(&diagnostics, "smart/not-quantified").len(), 1, "{}", show(&diagnostics));
    assert!(of(&diagnostics, "smart/no-deadline")[0].message.contains("Process end"));
}

#[test]
fn a_directive_is_a_figure() {
    let mut chapters = template("zh-template");
    edit(
        &mut chapters,
        "src/plan.md",
        "1. 业绩目标:总营收1.5亿(+25%),其中新品占比30%(4500万);Q1完成3300万(占22%),Q2通过“行业深耕”实现教育、金融行业营收各增长35%。",
        "1. 业绩目标:2024年营收达到 <<#kpi revenue 2024 vs target>>。",
    );
    let diagnostics = run(&chapters);
    assert!(of(&diagnostics, "smart/not-quantified").is_empty(), "{}", show(&diagnostics));
}

// ---- loop/* -----------------------------------------------------------------------------------------------

#[test]
fn problem_without_countermeasure() {
    let mut chapters = template("zh-template");
    let strategy = chapters.iter_mut().find(|c| c.source_path.as_deref() == Some("src/strategy.md")).expect("ch");
    let cut = strategy.content.find("3. 流程端").expect("item");
    strategy.content.to_mut().truncate(cut);
    let diagnostics = run(&chapters);
    let found = of(&diagnostics, "loop/unanswered-problem");
    assert_eq!(found.len(), 1, "{}", show(&diagnostics));
    let d = found[0];
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.contains("流程效率"), "{}", d.message);
    assert_eq!((d.file.as_str(), d.line, d.column, d.end_column), ("src/problems.md", 5, 4, 8));
}

#[test]
fn orphan_countermeasure() {
    let mut chapters = template("zh-template");
    let strategy = chapters.iter_mut().find(|c| c.source_path.as_deref() == Some("src/strategy.md")).expect("ch");
    strategy.content.to_mut().push_str("4. 品牌建设:Q1前完成官网改版,发布10篇客户案例。\n");
    let diagnostics = run(&chapters);
    let found = of(&diagnostics, "loop/orphan-countermeasure");
    assert_eq!(found.len(), 1, "{}", show(&diagnostics));
    assert!(found[0].message.contains("品牌建设"));
    assert_eq!(found[0].severity, Severity::Warning);
    assert!(of(&diagnostics, "loop/unanswered-problem").is_empty());
}

#[test]
fn english_loop() {
    let mut chapters = template("en-template");
    edit(&mut chapters, "src/strategy.md", "**Team end**", "**Brand work**");
    let diagnostics = run(&chapters);
    let unanswered = of(&diagnostics, "loop/unanswered-problem");
    assert_eq!(unanswered.len(), 1, "{}", show(&diagnostics));
    assert!(unanswered[0].message.contains("Team capability"));
    let orphans = of(&diagnostics, "loop/orphan-countermeasure");
    assert_eq!(orphans.len(), 1, "{}", show(&diagnostics));
    assert!(orphans[0].message.contains("Brand work"));
}

#[test]
fn countermeasures_answer_by_link_to_the_problem_heading() {
    let problems = "# 问题分析\n\n## 获客渠道单一\n\n80%依赖电销。\n\n## 客单价偏低 {#low-price}\n\n均价仅8万。\n\n\
                    ## 市场竞争\n\n竞品降价。\n\n## 团队能力\n\n新人慢。\n\n## 流程效率\n\n交付慢。\n";
    let strategy = "# 策略优化\n\n## 渠道矩阵\n\n回应[获客渠道单一](problems.md#获客渠道单一):Q1新增3场展会。\n\n\
                    ## 价格策略\n\n回应[客单价](./problems.html#low-price):Q2前推出5万元套餐。\n\n\
                    ## 市场端\n\nQ1落地3家客户。\n\n## 团队端\n\nQ2成单周期缩短至40天。\n\n## 流程端\n\n1月起交付压缩至12天。\n";
    let mut chapters = template("zh-template");
    let (old_problems, old_strategy) = (chapters[3].content.clone(), chapters[4].content.clone());
    edit(&mut chapters, "src/problems.md", &old_problems, problems);
    edit(&mut chapters, "src/strategy.md", &old_strategy, strategy);
    let diagnostics = run(&chapters);
    assert!(of(&diagnostics, "loop/unanswered-problem").is_empty(), "{}", show(&diagnostics));
    assert!(of(&diagnostics, "loop/orphan-countermeasure").is_empty(), "{}", show(&diagnostics));

    // The same without the links: both new problems are unanswered and both countermeasures orphaned.
    let unlinked = strategy.replace("problems.md#获客渠道单一", "x.md").replace("./problems.html#low-price", "y.md");
    edit(&mut chapters, "src/strategy.md", strategy, &unlinked);
    let diagnostics = run(&chapters);
    assert_eq!(of(&diagnostics, "loop/unanswered-problem").len(), 2, "{}", show(&diagnostics));
    assert_eq!(of(&diagnostics, "loop/orphan-countermeasure").len(), 2, "{}", show(&diagnostics));
}

// ---- structure/* ------------------------------------------------------------------------------------------

#[test]
fn missing_lifecycle_breakdown() {
    let mut chapters = template("zh-template");
    let performance = chapters.iter_mut().find(|c| c.source_path.as_deref() == Some("src/performance.md")).expect("ch");
    let cut = performance.content.find("3. 客户生命周期").expect("part");
    performance.content.to_mut().truncate(cut);
    let diagnostics = run(&chapters);
    let found = of(&diagnostics, "structure/missing-part");
    assert_eq!(found.len(), 1, "{}", show(&diagnostics));
    let d = found[0];
    assert!(d.message.contains("客户生命周期") && d.message.contains("by-lifecycle"), "{}", d.message);
    assert_eq!((d.file.as_str(), d.line, d.column), ("src/performance.md", 1, 1));
    assert_eq!(d.severity, Severity::Error);
}

#[test]
fn english_missing_part() {
    let mut chapters = template("en-template");
    edit(&mut chapters, "src/plan.md", "**Risks**", "**Contingencies**");
    let diagnostics = run(&chapters);
    let found = of(&diagnostics, "structure/missing-part");
    assert_eq!(found.len(), 1, "{}", show(&diagnostics));
    assert!(found[0].message.contains("Risks"), "{}", found[0].message);
}

#[test]
fn missing_module_points_at_the_first_chapter() {
    for (book, path, title) in [("zh-template", "src/plan.md", "未来规划"), ("en-template", "src/plan.md", "Plan")]
    {
        let mut chapters = template(book);
        remove_chapter(&mut chapters, path);
        let diagnostics = run(&chapters);
        let found = of(&diagnostics, "structure/missing-module");
        assert_eq!(found.len(), 1, "{}", show(&diagnostics));
        let first = chapters[0].source_path.clone().unwrap_or_default();
        assert_eq!((found[0].file.clone(), found[0].line, found[0].column), (first, 1, 1));
        assert!(found[0].message.contains(title), "{}", found[0].message);
    }
}

#[test]
fn optional_introduction_may_be_missing() {
    let mut chapters = template("zh-template");
    remove_chapter(&mut chapters, "src/introduction.md");
    let diagnostics = run(&chapters);
    assert!(of(&diagnostics, "structure/missing-module").is_empty(), "{}", show(&diagnostics));
}

#[test]
fn modules_out_of_order() {
    let mut chapters = template("zh-template");
    chapters.swap(3, 4); // strategy before problem analysis
    let diagnostics = run(&chapters);
    let found = of(&diagnostics, "structure/module-order");
    assert_eq!(found.len(), 1, "{}", show(&diagnostics));
    assert_eq!(found[0].file, "src/problems.md");
    assert!(found[0].message.contains("问题分析") && found[0].message.contains("策略优化"), "{}", found[0].message);
    assert_eq!(found[0].severity, Severity::Warning);

    let mut chapters = template("en-template");
    chapters.swap(1, 4);
    let diagnostics = run(&chapters);
    assert!(!of(&diagnostics, "structure/module-order").is_empty(), "{}", show(&diagnostics));
}

#[test]
fn modules_as_sections_of_one_chapter_are_checked() {
    let mut chapters = zh_single_chapter();
    let content = chapters[0].content.clone();
    let cut = content.find("3. 客户生命周期").expect("part");
    let end = content.find("## \u{ff08}三\u{ff09}").expect("next module");
    chapters[0].content = format!("{}{}", &content[..cut], &content[end..]).into();
    let diagnostics = run(&chapters);
    let found = of(&diagnostics, "structure/missing-part");
    assert_eq!(found.len(), 1, "{}", show(&diagnostics));
    assert_eq!(found[0].file, "src/report.md");
    let heading_line = chapters[0].content[..chapters[0].content.find("## \u{ff08}二").expect("h")].lines().count() + 1;
    assert_eq!(found[0].line, heading_line);
}

#[test]
fn numbering_styles_and_explicit_ids_find_modules() {
    let report = "# 年终总结\n\n## 一、引言\n\n概述。\n\n## 2. 业绩回顾\n\n### 2.1 产品线\n\n稳定。\n\n### 2.2 区域\n\n稳定。\n\n\
                  ### 2.3 客户生命周期\n\n稳定。\n\n## 第三章 问题分析\n\n### (1) 市场竞争\n\n降价。\n\n### (2) 团队能力\n\n新人慢。\n\n\
                  ### (3) 流程效率\n\n交付慢。\n\n## 第四部分 {#strategy}\n\n- 市场端:Q1落地3家客户。\n- 团队端:Q2成单周期缩短至40天。\n\
                  - 流程端:1月起交付压缩至12天。\n\n## Chapter 5 Outlook\n\n- 业绩目标:2024年营收增长25%。\n\
                  - 资源需求:Q1增配2名顾问。\n- 风险预案:Q2前完成30家客户调研。\n";
    let diagnostics = run(&[chapter("src/report.md", "年终总结", report)]);
    assert!(errors(&diagnostics).is_empty(), "{}", show(&diagnostics));
    assert!(diagnostics.iter().all(|d| d.rule.family() != "structure"), "{}", show(&diagnostics));

    // Without the explicit id, the strategy module is missing (its heading names no title).
    let unnamed = report.replace(" {#strategy}", "");
    let diagnostics = run(&[chapter("src/report.md", "年终总结", &unnamed)]);
    let missing = of(&diagnostics, "structure/missing-module");
    assert_eq!(missing.len(), 1, "{}", show(&diagnostics));
    assert!(missing[0].message.contains("strategy"));
}

#[test]
fn nested_sub_chapters_are_items() {
    let chapters = vec![
        chapter("src/review.md", "业绩回顾", "# 业绩回顾\n\n按产品线、区域、客户生命周期三个维度。\n"),
        Chapter { depth: 1, ..chapter("src/review/product.md", "产品线", "# 产品线\n\n稳定。\n") },
        Chapter { depth: 1, ..chapter("src/review/region.md", "区域", "# 区域\n\n稳定。\n") },
        chapter("src/problems.md", "问题分析", "# 问题分析\n\n- 市场竞争:降价。\n- 团队能力:慢。\n- 流程效率:慢。\n"),
        chapter(
            "src/strategy.md",
            "策略优化",
            "# 策略优化\n\n- 市场端:Q1落地3家。\n- 团队端:Q2降至40天。\n- 流程端:1月起12天内。\n",
        ),
        chapter(
            "src/plan.md",
            "未来规划",
            "# 未来规划\n\n- 业绩目标:2024年增长25%。\n- 资源需求:Q1增配2名。\n- 风险预案:Q2前调研30家。\n",
        ),
    ];
    let diagnostics = run(&chapters);
    let parts = of(&diagnostics, "structure/missing-part");
    assert_eq!(parts.len(), 1, "{}", show(&diagnostics));
    assert!(parts[0].message.contains("by-lifecycle"));
    assert_eq!(parts.len(), errors(&diagnostics).len(), "{}", show(&diagnostics));
}

// ---- kpi-allow and severities -----------------------------------------------------------------------------

#[test]
fn kpi_allow_suppresses_the_next_block_only() {
    let text = "# 引言\n\n<!-- kpi-allow: style/jargon -->\n赋能一次。\n\n赋能两次。\n\n\
                <!-- kpi-allow: narrative/bare-numbers, style/jargon -->\n签约客户120家,营收1500万,赋能。\n";
    let diagnostics = run(&[chapter("src/a.md", "引言", text)]);
    let jargon = of(&diagnostics, "style/jargon");
    assert_eq!(jargon.len(), 1, "{}", show(&diagnostics));
    assert_eq!(jargon[0].line, 6);
    assert!(of(&diagnostics, "narrative/bare-numbers").is_empty(), "{}", show(&diagnostics));
}

#[test]
fn kpi_allow_before_a_module_heading() {
    let mut chapters = template("zh-template");
    let performance = chapters.iter_mut().find(|c| c.source_path.as_deref() == Some("src/performance.md")).expect("ch");
    let cut = performance.content.find("3. 客户生命周期").expect("part");
    performance.content.to_mut().truncate(cut);
    performance.content.to_mut().insert_str(0, "<!-- kpi-allow: structure/missing-part -->\n");
    let diagnostics = run(&chapters);
    assert!(of(&diagnostics, "structure/missing-part").is_empty(), "{}", show(&diagnostics));
}

#[test]
fn severity_overrides_and_off() {
    let text = "# 引言\n\n赋能。签约客户120家,营收1500万。\n";
    let chapters = [chapter("src/a.md", "引言", text)];
    let config = with_rule(&[("style/jargon", Level::Error), ("narrative/bare-numbers", Level::Off)]);
    let diagnostics = run_with(&chapters, &config);
    assert_eq!(of(&diagnostics, "style/jargon")[0].severity, Severity::Error);
    assert!(of(&diagnostics, "narrative/bare-numbers").is_empty());
    let config = with_rule(&[("structure/missing-module", Level::Warn)]);
    let diagnostics = run_with(&chapters, &config);
    let missing = of(&diagnostics, "structure/missing-module");
    assert_eq!(missing.len(), 4, "{}", show(&diagnostics));
    assert!(missing.iter().all(|d| d.severity == Severity::Warning));
    assert!(!of(&diagnostics, "narrative/bare-numbers").is_empty());
}

#[test]
fn findings_are_sorted_and_deterministic() {
    let mut chapters = template("zh-template");
    chapters.swap(3, 4);
    let first = run(&chapters);
    let second = run(&chapters);
    assert_eq!(first, second);
    let keys: Vec<(String, usize, usize)> = first.iter().map(|d| (d.file.clone(), d.line, d.column)).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn odd_input_does_not_panic() {
    for text in ["", "#", "- ", "1.\n   -", "<<#kpi", "**:**", "# {#strategy}", "> - 市场端:\n>   - x", "|a|\n|-|\n|1|"]
    {
        let _ = run(&[chapter("src/a.md", "策略优化", text)]);
    }
    let draft = Chapter { title: "规划".into(), source_path: None, content: String::new().into(), depth: 0 };
    let diagnostics = run(&[draft]);
    assert!(diagnostics.iter().all(|d| d.file.is_empty() && d.line == 0), "{}", show(&diagnostics));
}

/// `check_with_code_ranges` finds what `check` finds, and gives each chapter the ranges of its code and HTML
/// (none for a chapter that starts with a byte order mark).
#[test]
fn code_ranges_come_with_the_findings() {
    let mut chapters = template("zh-template");
    let code = "引言 `<<#kpi a>>` 与代码:\n\n```\n<<#kpi b>>\n```\n\n<div>x</div>\n";
    chapters.push(Chapter {
        title: "附录".into(),
        source_path: Some("src/code.md".into()),
        content: code.into(),
        depth: 0,
    });
    chapters.push(Chapter {
        title: "BOM".into(),
        source_path: Some("src/bom.md".into()),
        content: "\u{feff}# BOM\n".into(),
        depth: 0,
    });
    let (diagnostics, ranges) = check::check_with_code_ranges(&chapters, &schema(), &Config::default());
    assert_eq!(show(&diagnostics), show(&run(&chapters)));
    assert_eq!(ranges.len(), chapters.len());
    let code_ranges = ranges[chapters.len() - 2].as_ref().expect("ranges for a chapter without a BOM");
    let texts: Vec<&str> = code_ranges.iter().map(|r| &code[r.clone()]).collect();
    assert_eq!(texts, ["`<<#kpi a>>`", "```\n<<#kpi b>>\n```", "<div>x</div>\n"]);
    assert!(ranges[chapters.len() - 1].is_none());
}
