//! Chapters expanded on several threads come out exactly as one after another, findings included.

use std::path::Path;

use mdbook_kpi::config::Config;
use mdbook_kpi::preprocess::Preprocessor;

fn example_chapters() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("book-example/zh");
    let mut chapters = Vec::new();
    for copy in 0..4 {
        for entry in std::fs::read_dir(&src).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") && !path.ends_with("SUMMARY.md") {
                let mut content = std::fs::read_to_string(&path).unwrap();
                // One broken directive per copy, so that findings are compared too.
                content.push_str(&format!("\n\n<<#kpi revnue q{} vs q3>>\n", copy + 1));
                chapters.push((format!("zh/{copy}-{}", path.file_name().unwrap().to_string_lossy()), content));
            }
        }
    }
    chapters.sort();
    chapters
}

fn preprocessor() -> Preprocessor {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("book-example");
    Preprocessor::new(&root, preprocessor_config(), Some("zh-CN"), "html")
}

#[test]
fn parallel_expansion_equals_sequential_expansion() {
    let chapters = example_chapters();
    assert!(chapters.len() >= 16, "enough chapters to split across threads");

    let mut sequential = preprocessor();
    let one_by_one: Vec<String> = chapters
        .iter()
        .map(|(file, content)| sequential.expand_chapter(file, content).unwrap_or_else(|| content.clone()))
        .collect();

    let mut parallel = preprocessor();
    let mut contents: Vec<(String, String)> = chapters.clone();
    parallel.expand_chapters(contents.iter_mut().map(|(file, content)| (file.clone(), content, None)).collect());

    for ((file, expanded), expected) in contents.iter().zip(&one_by_one) {
        assert_eq!(expanded, expected, "{file}");
    }
    let changed = contents.iter().zip(&chapters).filter(|((_, after), (_, before))| after != before).count();
    assert_eq!(changed, chapters.len(), "every chapter has a directive to expand");
    assert_eq!(parallel.diagnostics(), sequential.diagnostics());
    assert_eq!(parallel.diagnostics().len(), chapters.len(), "one unknown-metric finding per chapter");
    assert_eq!(parallel.sources(), sequential.sources());
}

/// With the structure check on, the scanner takes the code and HTML ranges from the check's parse instead of
/// parsing each chapter again: the expansions and findings must be the same as with its own parse.
#[test]
fn ranges_from_the_structure_check_expand_like_the_scanners_own_parse() {
    let mut chapters = example_chapters();
    // Code and HTML the scanner must leave alone, and a BOM (which the check reports no ranges for).
    chapters[0].1.push_str("\n`<<#kpi revenue q4>>` <b><<#kpi revenue q4></b>\n\n```\n<<#kpi revenue q4>>\n```\n");
    chapters[1].1.insert(0, '\u{feff}');
    let check_chapters: Vec<mdbook_kpi::check::Chapter> = chapters
        .iter()
        .map(|(file, content)| mdbook_kpi::check::Chapter {
            title: file.clone(),
            source_path: Some(file.clone()),
            content: content.as_str().into(),
            depth: 0,
        })
        .collect();
    let schema = mdbook_kpi::check::load_schema("year-end-sales", Path::new(".")).unwrap();
    let (_, ranges) = mdbook_kpi::check::check_with_code_ranges(&check_chapters, &schema, &Config::default());
    assert_eq!(ranges.len(), chapters.len());
    assert!(ranges[0].is_some() && ranges[1].is_none(), "ranges for every chapter but the one with a BOM");

    let mut own_parse = preprocessor();
    let mut expected = chapters.clone();
    own_parse.expand_chapters(expected.iter_mut().map(|(file, content)| (file.clone(), content, None)).collect());

    let mut given = preprocessor();
    let mut contents = chapters.clone();
    given.expand_chapters(
        contents.iter_mut().zip(ranges).map(|((file, content), ranges)| (file.clone(), content, ranges)).collect(),
    );
    assert_eq!(contents, expected);
    assert!(contents[0].1.contains("`<<#kpi revenue q4>>`") && contents[0].1.contains("```\n<<#kpi revenue q4>>\n```"));
    assert_eq!(given.diagnostics(), own_parse.diagnostics());
}

/// mdBook's JSON through the engine (chapters unescaped per thread and changed by splices inside their JSON
/// literals; with the structure check, unescaped in place): each chapter comes out as `expand_chapter` makes it
/// one after another, with the same findings, in the preprocessor's answer read back as JSON.
#[test]
fn the_request_path_expands_like_one_chapter_after_another() {
    let mut chapters = example_chapters();
    // Escapes serde_json writes (quotes, backslashes, control characters, CRLF) and one it does not (`\/`).
    chapters[2].1.push_str("\r\n\"quoted\" \\ back\u{1}slash\t<<#kpi revenue q4 vs q3>> / end\n");
    let mut sequential = preprocessor();
    let expected: Vec<String> = chapters
        .iter()
        .map(|(file, content)| {
            sequential.expand_chapter(&format!("src/{file}"), content).unwrap_or_else(|| content.clone())
        })
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("book-example");
    let items: Vec<serde_json::Value> = chapters
        .iter()
        .map(|(file, content)| {
            serde_json::json!({"Chapter": {"name": file, "content": content, "number": null, "sub_items": [],
                "path": file, "source_path": file, "parent_names": []}})
        })
        .collect();
    let context = serde_json::json!({"root": root, "config": {"book": {"language": "zh-CN"}}, "renderer": "html",
        "mdbook_version": "0.5.4"});
    let mut json = serde_json::to_string(&(context, serde_json::json!({"items": items}))).unwrap();
    // The third chapter's `/` written as `\/`, as serde_json would not: kept as written outside directives.
    let slash = json.find(" / end").unwrap();
    json.replace_range(slash + 1..slash + 2, "\\/");
    for structure in [None, Some("year-end-sales".to_string())] {
        let config = Config { structure: structure.clone(), ..preprocessor_config() };
        let mut request = mdbook_kpi::protocol::Request::parse(json.as_bytes()).unwrap();
        let found = mdbook_kpi::engine::expand_request(&mut request, &config, None).diagnostics;
        let output: serde_json::Value = serde_json::from_slice(&request.into_output()).unwrap();
        for (index, expected) in expected.iter().enumerate() {
            assert_eq!(output["items"][index]["Chapter"]["content"], *expected, "{structure:?}: {}", chapters[index].0);
        }
        let kpi_findings: Vec<_> = found.into_iter().filter(|d| d.rule.family() == "kpi").collect();
        assert_eq!(kpi_findings, sequential.diagnostics(), "{structure:?}");
    }
    assert!(
        String::from_utf8_lossy(&{
            let mut request = mdbook_kpi::protocol::Request::parse(json.as_bytes()).unwrap();
            mdbook_kpi::engine::expand_request(&mut request, &preprocessor_config(), None);
            request.into_output()
        })
        .contains("\\/ end")
    );
}

fn preprocessor_config() -> Config {
    Config {
        data: vec!["data/metrics.toml".into(), "data/facts.csv".into()],
        on_error: mdbook_kpi::config::OnError::Warn,
        ..Config::default()
    }
}

/// `check` expands for findings only: the same findings as a full expansion, for directives that work and for
/// every kind that fails (syntax, data, a change without a base, a measure without a percentage, chart options
/// on a sentence, a table not alone on its line).
#[test]
fn findings_only_finds_what_expanding_finds() {
    let mut chapters = example_chapters();
    chapters.push((
        "zh/failing.md".to_string(),
        [
            "<<#kpi revenue q4 as size>>",
            "<<#kpi revenue q4 vs q3 as delta measure=percent>>",
            "<<#kpi revenue q4 height=200>>",
            "文字 <<#kpi revenue q1..q4 as table>>",
            "<<#kpi revenue 1999>>",
            "<<#kpi revenue q4 vs q3 as chart height=5>>",
            "<<#kpi share revenue product=nope q4>>",
            "<<#kpi revenue q4 vs q3 with=amount as table>>",
        ]
        .join("\n\n"),
    ));
    let findings = |expander: &mut Preprocessor| {
        let mut texts: Vec<String> = chapters.iter().map(|(_, content)| content.clone()).collect();
        let batch = chapters.iter().zip(texts.iter_mut()).map(|((file, _), text)| (file.clone(), text, None)).collect();
        expander.expand_chapters(batch);
        let mut found: Vec<String> = expander
            .diagnostics()
            .iter()
            .map(|d| format!("{} {}:{}:{} {}", d.rule, d.file, d.line, d.column, d.message))
            .collect();
        found.sort();
        found
    };
    let full = findings(&mut preprocessor());
    let only = findings(&mut preprocessor().for_findings_only());
    assert!(full.len() >= 9, "every failing directive found: {full:#?}");
    assert_eq!(only, full);
}
