//! The generator's promises: deterministic output, directives that the real scanner finds and the real parser
//! accepts (and none found inside code), data whose totals add up, and stdin JSON in mdBook's two shapes.

use std::collections::BTreeMap;

use mdbook_kpi::directive::{parse, scan};

use crate::book::{self, Dialect, Options};
use crate::{data, directives, prose, rng::Rng};

fn small() -> Options {
    Options { chapters: 24, directives: 20, words: 600, seed: 5 }
}

#[test]
fn same_seed_same_book_other_seed_other_book() {
    let first = book::generate(&small());
    let again = book::generate(&small());
    let other = book::generate(&Options { seed: 6, ..small() });
    let text = |chapters: &[book::Chapter]| book::stdin_json(chapters, "/b", Dialect::V05, true);
    assert_eq!(text(&first), text(&again));
    assert_ne!(text(&first), text(&other));
    assert_eq!(data::facts_csv(5), data::facts_csv(5));
}

#[test]
fn book_has_the_requested_chapters_and_directives() {
    let chapters = book::generate(&small());
    let all = book::all_chapters(&chapters);
    assert_eq!(all.len(), 24);
    for chapter in all {
        let found = scan::scan(&chapter.content);
        let directives = found.iter().filter(|f| matches!(f, scan::Found::Directive { .. })).count();
        assert_eq!(directives, 20, "{}: {found:?}", chapter.path);
        assert!(
            !found.iter().any(|f| matches!(f, scan::Found::Unterminated { .. })),
            "{} has an unterminated directive",
            chapter.path
        );
    }
}

#[test]
fn every_generated_directive_parses_and_block_forms_stand_alone() {
    let chapters = book::generate(&small());
    for chapter in book::all_chapters(&chapters) {
        for found in scan::scan(&chapter.content) {
            let scan::Found::Directive { span, alone_on_line, .. } = found else { continue };
            let text = &chapter.content[span];
            let directive = parse::parse(text).unwrap_or_else(|e| panic!("{}: {text}: {e:?}", chapter.path));
            if let Err(error) = parse::check_placement(&directive, alone_on_line) {
                panic!("{}: {text}: {error:?}", chapter.path);
            }
        }
    }
    let mut rng = Rng::new(9);
    for _ in 0..2000 {
        for body in [directives::inline(&mut rng), directives::block(&mut rng)] {
            let text = format!("<<#kpi {body}>>");
            assert!(parse::parse(&text).is_ok(), "{text}: {:?}", parse::parse(&text));
        }
    }
}

#[test]
fn code_and_comments_hold_markers_the_scanner_skips() {
    let mut rng = Rng::new(1);
    let text = prose::chapter(&mut rng, prose::Module::Review, "T", 20_000, 0);
    assert!(text.contains("```") && text.contains("<<#kpi"), "the chapter should have code with markers");
    let directives = scan::scan(&text).into_iter().filter(|f| matches!(f, scan::Found::Directive { .. })).count();
    assert_eq!(directives, 0);
}

#[test]
fn members_add_up_to_each_monthly_total() {
    let csv = data::facts_csv(3);
    // (metric, period, dimension) -> sum of members; (metric, period) -> total
    let mut sums: BTreeMap<(String, String, usize), i64> = BTreeMap::new();
    let mut totals: BTreeMap<(String, String), i64> = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), 7, "{line}");
        if cells[2] == "target" || cells[6].contains('.') {
            continue;
        }
        let value: i64 = cells[6].parse().unwrap_or_else(|_| panic!("{line}"));
        let key = (cells[0].to_string(), cells[1].to_string());
        match (3..6).find(|&i| !cells[i].is_empty()) {
            Some(dimension) => *sums.entry((key.0, key.1, dimension)).or_default() += value,
            None => {
                totals.insert(key, value);
            }
        }
    }
    assert!(!sums.is_empty());
    for ((metric, period, dimension), sum) in sums {
        assert_eq!(
            Some(&sum),
            totals.get(&(metric.clone(), period.clone())),
            "{metric} {period} dimension {dimension}"
        );
    }
}

#[test]
fn big_csv_has_the_rows_asked_for_and_consistent_totals() {
    let mut out = Vec::new();
    let rows = data::write_big_csv(&mut out, 1000, 2, true).expect("writing to memory");
    let text = String::from_utf8(out).expect("UTF-8");
    assert_eq!(rows, 1000);
    assert_eq!(text.lines().count(), 1001);
    // The grand total of the first metric-month is the sum of its finest slices.
    let mut leaves = 0i64;
    let mut total = None;
    for line in text.lines().skip(1).take(455) {
        let cells: Vec<&str> = line.split(',').collect();
        let cents: i64 = cells[5].replace('.', "").parse().expect("a number");
        if cells[2..5].iter().all(|c| !c.is_empty()) {
            leaves += cents;
        }
        if cells[2..5].iter().all(|c| c.is_empty()) {
            total = Some(cents);
        }
    }
    assert_eq!(total, Some(leaves));
}

#[test]
fn stdin_json_has_each_dialects_shape() {
    let chapters = book::generate(&small());
    let v04: serde_json::Value =
        serde_json::from_str(&book::stdin_json(&chapters, "/b", Dialect::V04, true)).expect("JSON");
    let v05: serde_json::Value =
        serde_json::from_str(&book::stdin_json(&chapters, "/b", Dialect::V05, false)).expect("JSON");
    assert!(v04[1]["sections"].is_array());
    assert!(v04[1]["__non_exhaustive"].is_null() && v04[1].get("__non_exhaustive").is_some());
    assert_eq!(v04[0]["mdbook_version"], "0.4.52");
    assert_eq!(v04[0]["config"]["preprocessor"]["kpi"]["structure"], "year-end-sales");
    assert!(v05[1]["items"].is_array());
    assert!(v05[0]["config"]["preprocessor"]["kpi"].get("structure").is_none());
    let first_sub = &v05[1]["items"][1]["Chapter"]["sub_items"][0]["Chapter"];
    assert_eq!(first_sub["number"], serde_json::json!([2, 1]));
    assert_eq!(first_sub["parent_names"], serde_json::json!(["业绩回顾 Performance review"]));
}

#[test]
fn generated_data_loads_without_findings() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("kpi.toml"), data::metadata_toml()).expect("writing kpi.toml");
    std::fs::write(dir.path().join("facts.csv"), data::facts_csv(1)).expect("writing facts.csv");
    let mut big = Vec::new();
    data::write_big_csv(&mut big, 5000, 1, true).expect("writing to memory");
    std::fs::write(dir.path().join("big.csv"), big).expect("writing big.csv");
    let files = vec!["kpi.toml".to_string(), "facts.csv".to_string()];
    let loaded = mdbook_kpi::data::load::load(dir.path(), &files).expect("the book data loads");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.metrics.len(), 20);
    assert_eq!(loaded.meta.year, Some(2024));
    let big = mdbook_kpi::data::load::load(dir.path(), &["big.csv".to_string()]).expect("the big CSV loads");
    assert_eq!(big.facts.len() + big.table.len(), 5000);
    assert!(big.warnings.is_empty(), "{:?}", big.warnings.first());
}

/// The benchmark must time the preprocessor's normal path: every generated directive expands without a finding.
#[test]
fn every_generated_directive_expands_against_the_generated_data() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("kpi.toml"), data::metadata_toml()).expect("writing kpi.toml");
    std::fs::write(dir.path().join("facts.csv"), data::facts_csv(5)).expect("writing facts.csv");
    let files = vec!["kpi.toml".to_string(), "facts.csv".to_string()];
    let loaded = mdbook_kpi::data::load::load(dir.path(), &files).expect("the book data loads");
    let config = mdbook_kpi::config::Config { data: files, ..Default::default() };
    let mut preprocessor = mdbook_kpi::preprocess::Preprocessor::with_data(
        config,
        mdbook_kpi::config::Locale::ZhCn,
        mdbook_kpi::narrate::Target::Html,
        loaded,
    );
    let chapters = book::generate(&small());
    for chapter in book::all_chapters(&chapters) {
        let expanded = preprocessor.expand_chapter(&chapter.path, &chapter.content);
        assert!(expanded.is_some(), "{} did not change", chapter.path);
    }
    let findings = preprocessor.diagnostics();
    let summary: Vec<String> =
        findings.iter().take(10).map(|d| format!("{} {}:{}: {}", d.rule, d.file, d.line, d.message)).collect();
    assert!(findings.is_empty(), "{} findings, first: {summary:#?}", findings.len());
}

/// A structure error would fail the timed builds: the generated book must pass `year-end-sales` without one.
#[test]
fn generated_book_passes_the_structure_check_without_errors() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let chapters = book::generate(&small());
    let for_check: Vec<mdbook_kpi::check::Chapter> = chapters
        .iter()
        .flat_map(|top| std::iter::once((top, 0)).chain(top.sub_chapters.iter().map(|sub| (sub, 1))))
        .map(|(chapter, depth)| mdbook_kpi::check::Chapter {
            title: chapter.name.clone(),
            source_path: Some(format!("src/{}", chapter.path)),
            content: chapter.content.clone().into(),
            depth,
        })
        .collect();
    let schema = mdbook_kpi::check::load_schema("year-end-sales", dir.path()).expect("the built-in schema");
    let findings = mdbook_kpi::check::check(&for_check, &schema, &mdbook_kpi::config::Config::default());
    let errors: Vec<String> = findings
        .iter()
        .filter(|d| d.severity == mdbook_kpi::diagnostics::Severity::Error)
        .take(10)
        .map(|d| format!("{} {}:{}: {}", d.rule, d.file, d.line, d.message))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The control: without the problem-analysis module the same check does find an error.
    let without_problems: Vec<_> =
        for_check.iter().filter(|c| !c.source_path.as_deref().unwrap_or("").contains("problems")).cloned().collect();
    let findings = mdbook_kpi::check::check(&without_problems, &schema, &mdbook_kpi::config::Config::default());
    assert!(findings.iter().any(|d| d.rule == "structure/missing-module"), "{findings:#?}");
}
