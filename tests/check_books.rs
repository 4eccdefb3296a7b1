//! The structure check on whole books read from disk: the seed's worked template (Chinese and English) comes
//! out clean of errors; book reading errors name the file; custom schemas load from the book.

mod support;

use std::path::{Path, PathBuf};

use mdbook_kpi::check::{self, read_book};
use mdbook_kpi::config::Config;
use mdbook_kpi::diagnostics::{Diagnostic, Severity};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check").join(name)
}

fn check_book(root: &Path) -> Vec<Diagnostic> {
    let book = read_book(root).unwrap_or_else(|d| panic!("cannot read {}: {d:?}", root.display()));
    let schema = check::load_schema("year-end-sales", root).expect("schema");
    check::check(&book.chapters, &schema, &Config::default())
}

fn show(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(support::finding_line).collect::<Vec<_>>().join("\n")
}

#[test]
fn chinese_template_book_has_no_errors() {
    let diagnostics = check_book(&fixture("zh-template"));
    eprintln!("{}", show(&diagnostics));
    assert!(diagnostics.iter().all(|d| d.severity != Severity::Error), "{}", show(&diagnostics));
}

#[test]
fn english_template_book_has_no_errors() {
    let diagnostics = check_book(&fixture("en-template"));
    eprintln!("{}", show(&diagnostics));
    assert!(diagnostics.iter().all(|d| d.severity != Severity::Error), "{}", show(&diagnostics));
}

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

fn listing(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() { dirs.push(path) } else { files.push(path) }
        }
    }
    files.sort();
    files
}

#[test]
fn read_book_follows_summary_order_depth_and_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        &[
            (
                "book.toml",
                "[book]\nsrc = \"content\"\nlanguage = \"zh-CN\"\n\n[preprocessor.kpi]\nstructure = \"year-end-sales\"\n",
            ),
            (
                "content/SUMMARY.md",
                "# Summary\n\n[前言](intro.md)\n\n# 正文\n\n- [业绩回顾](review/index.md)\n  - [产品线](review/product.md)\n- [草稿]()\n\n---\n\n[附录](appendix.md)\n",
            ),
            ("content/intro.md", "\u{feff}# 前言\r\n"),
            ("content/review/index.md", "# 业绩回顾\n"),
            ("content/review/product.md", "# 产品线\n"),
            ("content/appendix.md", "# 附录\n"),
        ],
    );
    let before = listing(root);
    let book = read_book(root).expect("book");
    assert_eq!(listing(root), before, "read_book must not create files");
    let seen: Vec<(&str, Option<&str>, usize)> =
        book.chapters.iter().map(|c| (c.title.as_str(), c.source_path.as_deref(), c.depth)).collect();
    assert_eq!(
        seen,
        [
            ("前言", Some("content/intro.md"), 0),
            ("业绩回顾", Some("content/review/index.md"), 0),
            ("产品线", Some("content/review/product.md"), 1),
            ("草稿", None, 0),
            ("附录", Some("content/appendix.md"), 0),
        ]
    );
    assert_eq!(book.chapters[0].content, "# 前言\r\n", "the BOM is dropped");
    assert_eq!(book.src, "content");
    assert_eq!(book.summary_path, "content/SUMMARY.md");
    assert_eq!(book.language.as_deref(), Some("zh-CN"));
    let kpi = book.kpi_config.clone().expect("kpi table");
    assert_eq!(kpi.get("structure").and_then(|v| v.as_str()), Some("year-end-sales"));
    let sources = book.sources();
    assert!(sources.contains_key("content/review/product.md") && sources.contains_key("content/SUMMARY.md"));
}

#[test]
fn read_book_without_book_toml_uses_src() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), &[("src/SUMMARY.md", "# Summary\n\n- [A](a.md)\n"), ("src/a.md", "# A\n")]);
    let book = read_book(dir.path()).expect("book");
    assert_eq!(book.chapters.len(), 1);
    assert!(book.kpi_config.is_none() && book.language.is_none());
}

#[test]
fn read_book_errors_name_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, &[("book.toml", "[book]\ntitle = \"x\n")]);
    let error = read_book(root).expect_err("bad toml");
    assert_eq!((error.rule.as_str(), error.file.as_str(), error.line), ("book/invalid", "book.toml", 2));
    assert!(error.help.is_some());

    write(root, &[("book.toml", "[book]\n")]);
    let error = read_book(root).expect_err("no summary");
    assert_eq!((error.rule.as_str(), error.file.as_str()), ("book/missing-file", "src/SUMMARY.md"));

    write(root, &[("src/SUMMARY.md", "# Summary\n\n- [A](a.md)\n- [B](b.md)\n"), ("src/a.md", "# A\n")]);
    let before = listing(root);
    let error = read_book(root).expect_err("missing chapter");
    assert_eq!(listing(root), before, "a missing chapter is not created");
    assert_eq!(
        (error.rule.as_str(), error.file.as_str(), error.line, error.column),
        ("book/missing-file", "src/SUMMARY.md", 4, 7)
    );
    assert!(error.message.contains("src/b.md"), "{}", error.message);

    write(root, &[("src/SUMMARY.md", "# Summary\n\n- [A](a.md)\n\n[Suffix](s.md)\n\n- [B](b.md)\n")]);
    let error = read_book(root).expect_err("bad summary");
    assert_eq!((error.rule.as_str(), error.file.as_str()), ("book/invalid", "src/SUMMARY.md"));
    assert!(error.line > 0, "{error:?}");

    write(root, &[("src/SUMMARY.md", "# Summary\n\n- [A](a.md)\n")]);
    std::fs::write(root.join("src/a.md"), b"# A\n\xff\n").expect("write");
    let error = read_book(root).expect_err("not utf-8");
    assert_eq!((error.rule.as_str(), error.file.as_str(), error.line), ("book/invalid", "src/a.md", 2));

    let error = read_book(&root.join("nowhere")).expect_err("no folder");
    assert_eq!(error.rule, "book/missing-file");
}

const CUSTOM_SCHEMA: &str = r#"
name = "weekly"

[[modules]]
id = "wins"
titles = ["本周成果", "Wins"]
parts = [{ id = "numbers", titles = ["数据", "Numbers"] }]

[[modules]]
id = "blockers"
titles = ["阻碍", "Blockers"]

[[modules]]
id = "next"
titles = ["下周计划", "Next week"]
smart = true

[[modules]]
id = "notes"
titles = ["备注"]
required = false

[loop]
problem = "blockers"
answer = "next"
sides = [{ id = "sales", keywords = ["销售", "Sales"] }, { id = "hiring", keywords = ["招聘", "Hiring"] }]
"#;

#[test]
fn custom_schema_from_the_book() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        &[
            ("schemas/weekly.toml", CUSTOM_SCHEMA),
            ("src/SUMMARY.md", "# Summary\n\n- [周报](week.md)\n"),
            (
                "src/week.md",
                "# 周报\n\n## 本周成果\n\n- 数据:签约5家,环比增长25%。\n\n## 阻碍\n\n- 销售线索不足\n- 招聘慢\n\n\
                 ## 下周计划\n\n- 销售:尽快新增20条线索。\n",
            ),
        ],
    );
    let schema = check::load_schema("schemas/weekly.toml", root).expect("schema");
    assert_eq!(schema.name, "weekly");
    let book = read_book(root).expect("book");
    let diagnostics = check::check(&book.chapters, &schema, &Config::default());
    let rules: Vec<&str> = diagnostics.iter().map(|d| d.rule.as_str()).collect();
    assert_eq!(rules, ["loop/unanswered-problem", "smart/no-deadline"], "{}", show(&diagnostics));
    assert!(diagnostics[0].message.contains("招聘慢"));
    assert_eq!((diagnostics[0].line, diagnostics[0].column), (10, 3));
}

#[test]
fn schema_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, &[("bad.toml", "[[modules]]\nid = \"a\"\ntitles = \"x\"\n"), ("empty.toml", "modules = []\n")]);
    let error = check::load_schema("bad.toml", root).expect_err("malformed");
    assert_eq!(
        (error.rule.as_str(), error.file.as_str(), error.line, error.column),
        ("schema/invalid", "bad.toml", 3, 10)
    );
    let error = check::load_schema("empty.toml", root).expect_err("no modules");
    assert_eq!(error.rule, "schema/invalid");
    let error = check::load_schema("year-end-sale", root).expect_err("typo");
    assert_eq!(error.rule, "schema/invalid");
    assert!(error.help.as_deref().unwrap_or("").contains("year-end-sales"), "{error:?}");
    let error = check::load_schema("missing.toml", root).expect_err("missing");
    assert_eq!(error.rule, "schema/invalid");

    let outside = tempfile::tempdir().expect("tempdir");
    write(outside.path(), &[("s.toml", CUSTOM_SCHEMA)]);
    let book = root.join("book");
    std::fs::create_dir_all(&book).expect("mkdir");
    let escape = format!("../{}/s.toml", outside.path().file_name().and_then(|n| n.to_str()).expect("name"));
    std::fs::write(root.join("s.toml"), CUSTOM_SCHEMA).expect("write");
    let error = check::load_schema("../s.toml", &book).expect_err("outside the root");
    assert_eq!(error.rule, "data/path");
    assert!(check::load_schema(&escape, &book).is_err());
}
