//! The structure check as a whole: the templates come out clean, findings are sorted, odd input does not panic,
//! code ranges come with the findings. Each rule's own cases (a book that triggers it and one that must not, with
//! `kpi-allow` comments and configured levels) are fixtures under `tests/fixtures/rules/`, run by
//! `tests/check_fixtures.rs`.

use std::path::Path;

use mdbook_kpi::check::{self, Chapter, Schema, read_book};
use mdbook_kpi::config::Config;
use mdbook_kpi::diagnostics::{Diagnostic, Severity};

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

// ---- order, odd input, code ranges -----------------------------------------------------------------------------

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
