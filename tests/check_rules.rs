//! The structure check as a whole: the templates come out clean, `kpi-allow` comments and configured levels
//! apply, findings are sorted, odd input does not panic. Each rule's own cases (a book that triggers it and one
//! that must not) are fixtures under `tests/fixtures/rules/`, run by `tests/check_fixtures.rs`.

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
