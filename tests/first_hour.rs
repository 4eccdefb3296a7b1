//! The messages a newcomer meets in the first hour, as they see them (issue 18): each mistake gives one
//! message that leads to the fix, in a Chinese and an English book.

use std::path::Path;

use mdbook_kpi::config::Config;
use mdbook_kpi::diagnostics::{self, Format};
use mdbook_kpi::preprocess::Preprocessor;

/// A book on disk: `book.toml` with `[preprocessor.kpi]` settings, and data files.
fn book(language: &str, kpi: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let toml = format!("[book]\ntitle = \"T\"\nlanguage = \"{language}\"\n\n[preprocessor.kpi]\n{kpi}\n");
    std::fs::write(dir.path().join("book.toml"), toml).expect("book.toml");
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

/// The chapter as expanded, then the findings as `mdbook build` prints them.
fn expand(root: &Path, language: &str, chapter: &str) -> String {
    let text = std::fs::read_to_string(root.join("book.toml")).expect("book.toml");
    let (config, found) = Config::from_book_toml(&text);
    assert!(found.is_empty(), "{found:?}");
    let mut preprocessor = Preprocessor::new(root, config, Some(language), "markdown");
    let expanded = preprocessor.expand_chapter("src/chapter.md", chapter).unwrap_or_else(|| chapter.to_string());
    let findings = preprocessor.diagnostics();
    let rendered = diagnostics::render(Format::Human, &findings, &preprocessor.sources());
    format!("{expanded}\n----- findings -----\n{rendered}")
}

const METRICS_TOML: &str = r#"[metrics.customers]
label = { zh-CN = "客户数", en = "customers" }
unit = "count"
values = { "2025-Q3" = 40, "2025-Q4" = 46 }
"#;

/// Revenue by region: one cell (row 5, the value) is not a number.
const SALES_CSV: &str = "metric,period,region,value\n\
revenue,2025-Q3,east,100\n\
revenue,2025-Q3,west,80\n\
revenue,2025-Q4,east,120\n\
revenue,2025-Q4,west,9O\n";

fn one_bad_cell(language: &str, chapter: &str) -> String {
    let dir = book(
        language,
        "data = [\"data/metrics.toml\", \"data/sales.csv\"]\nyear = 2025",
        &[("data/metrics.toml", METRICS_TOML), ("data/sales.csv", SALES_CSV)],
    );
    expand(dir.path(), language, chapter)
}

#[test]
fn one_bad_cell_is_one_error_and_the_intact_file_still_expands_zh() {
    let chapter = "# 回顾\n\n<<#kpi customers q4 vs q3>>\n\n<<#kpi revenue q4 vs q3>>；<<#kpi revenue region=east q4>>；\
                   <<#kpi revenue q3>>\n";
    let out = one_bad_cell("zh-CN", chapter);
    assert_eq!(out.matches("error[").count(), 2, "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn one_bad_cell_is_one_error_and_the_intact_file_still_expands_en() {
    let chapter = "# Review\n\n<<#kpi customers q4 vs q3>>\n\n<<#kpi revenue q4 vs q3>>; <<#kpi revenue q3>>\n";
    let out = one_bad_cell("en", chapter);
    assert_eq!(out.matches("error[").count(), 2, "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn a_formula_over_a_failed_metric_waits_too() {
    let toml = format!("{METRICS_TOML}\n[metrics.revenue_per_customer]\nformula = \"revenue / customers\"\n");
    let dir = book(
        "en",
        "data = [\"data/metrics.toml\", \"data/sales.csv\"]\nyear = 2025",
        &[("data/metrics.toml", &toml), ("data/sales.csv", SALES_CSV)],
    );
    let out = expand(dir.path(), "en", "<<#kpi revenue_per_customer q4>> and <<#kpi customers q4>>\n");
    assert!(out.starts_with("<<#kpi revenue_per_customer q4>> and 46"), "{out}");
    assert!(out.contains("this directive needs the data that failed to load"), "{out}");
}

#[test]
fn a_file_that_cannot_be_parsed_makes_every_directive_wait() {
    let dir = book(
        "en",
        "data = [\"data/metrics.toml\", \"data/sales.csv\"]\nyear = 2025",
        &[("data/metrics.toml", METRICS_TOML), ("data/sales.csv", "metric,period,value\nrevenue,2025-Q4\n")],
    );
    let out = expand(dir.path(), "en", "<<#kpi customers q4>>\n");
    assert!(out.starts_with("<<#kpi customers q4>>\n"), "{out}");
    assert!(out.contains("this directive needs the data that failed to load"), "{out}");
}

const REGIONAL_CSV: &str = "metric,period,region,value\n\
revenue,2024-Q4,east,90\n\
revenue,2024-Q4,west,70\n\
revenue,2025-Q3,east,100\n\
revenue,2025-Q3,west,80\n\
revenue,2025-Q4,east,120\n\
revenue,2025-Q4,west,95\n";

fn missing_period(language: &str, chapter: &str) -> String {
    let toml = "[meta]\ncurrency = \"CNY\"\n\n[metrics.revenue]\nlabel = { zh-CN = \"营收\", en = \"revenue\" }\nunit = \"currency\"\n";
    let dir = book(
        language,
        "data = [\"metrics.toml\", \"sales.csv\"]\nyear = 2025",
        &[("metrics.toml", toml), ("sales.csv", REGIONAL_CSV)],
    );
    expand(dir.path(), language, chapter)
}

/// Totals over the regions derive fine: the period is what is wrong, so the hint lists the periods that work.
#[test]
fn a_missing_period_lists_the_periods_that_exist_zh() {
    let out = missing_period("zh-CN", "<<#kpi revenue 2022>>；<<#kpi revenue q4>>\n");
    assert!(out.contains("；215元\n"), "the total over the regions for 2025-Q4 is 120 + 95: {out}");
    assert!(!out.contains("name a member"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn a_missing_period_lists_the_periods_that_exist_en() {
    let out = missing_period("en", "<<#kpi revenue 2022>>; <<#kpi revenue region=east 2023>>\n");
    assert!(!out.contains("name a member"), "{out}");
    insta::assert_snapshot!(out);
}

/// Every hint of a figure the data cannot give, in the book's language: a target the data lacks, a formula whose
/// operand lacks the period, a period that is not a period, and a sub-period missing from a roll-up.
fn hints_of_missing_figures(language: &str) -> String {
    let toml = "[meta]\ncurrency = \"CNY\"\n\n[metrics.revenue]\nunit = \"currency\"\n\n\
                [metrics.visits]\nunit = \"count\"\nvalues = { \"2025-Q3\" = 40, \"2025-Q4\" = 46 }\n\n\
                [metrics.revenue_per_visit]\nformula = \"revenue / visits\"\n";
    let dir = book(
        language,
        "data = [\"metrics.toml\", \"sales.csv\"]\nyear = 2025",
        &[("metrics.toml", toml), ("sales.csv", REGIONAL_CSV)],
    );
    let chapter = "<<#kpi revenue q4 vs target>>\n\n<<#kpi revenue_per_visit 2024-q4>>\n\n<<#kpi revenue 2025-q5>>\n\n\
                   <<#kpi revenue 2025>>\n";
    expand(dir.path(), language, chapter)
}

#[test]
fn hints_of_missing_figures_zh() {
    let out = hints_of_missing_figures("zh-CN");
    for hint in ["数据中没有revenue的目标", "由`revenue / visits`算出", "期间写作", "补上缺少的期间"]
    {
        assert!(out.contains(hint), "{hint}: {out}");
    }
    insta::assert_snapshot!(out);
}

#[test]
fn hints_of_missing_figures_en() {
    let out = hints_of_missing_figures("en");
    for hint in ["the data has no targets for revenue", "is computed as `revenue / visits`", "write a period as"] {
        assert!(out.contains(hint), "{hint}: {out}");
    }
    assert!(
        !out.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) && !"年月季度上下半全第四".contains(c)),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

const LABELLED_TOML: &str = r#"[dimensions.region]
label = { zh-CN = "区域", en = "region" }
members.east = { zh-CN = "华东", en = "East" }
members.west = { zh-CN = "华西", en = "West" }

[metrics.revenue]
label = { zh-CN = "营收", en = "revenue" }
unit = "currency"

[metrics.orders]
label = { zh-CN = "订单", en = "orders" }
unit = "count"

[metrics.bookings]
label = { zh-CN = "订单", en = "bookings" }
unit = "count"
"#;

fn labelled(language: &str, chapter: &str) -> String {
    let dir = book(
        language,
        "data = [\"metrics.toml\", \"sales.csv\"]\nyear = 2025",
        &[("metrics.toml", LABELLED_TOML), ("sales.csv", REGIONAL_CSV)],
    );
    expand(dir.path(), language, chapter)
}

/// A metric, dimension and member may be named by a label in any locale; a shared label names its ids.
#[test]
fn labels_name_metrics_and_members_zh() {
    let out = labelled(
        "zh-CN",
        "<<#kpi 营收 区域=华东 q4 vs q3>>\n\n<<#kpi revenue region=east q4 vs q3>>\n\n<<#kpi 订单 q4>>\n",
    );
    let (first, rest) = out.split_once("\n\n").expect("paragraphs");
    assert!(rest.starts_with(first), "by label and by id give the same sentence: {out}");
    assert!(first.contains("120"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn labels_name_metrics_and_members_en() {
    let out = labelled("en", "<<#kpi revenue region=East q4 vs q3>> <<#kpi 营收 region=west q4>>\n");
    assert!(out.contains("120") && out.contains("95"), "{out}");
    insta::assert_snapshot!(out);
}

/// A member id with a space (as a quoted CSV cell gives it) is named in quotes; unquoted, the error says how.
#[test]
fn a_name_with_a_space_is_quoted() {
    for language in ["zh-CN", "en"] {
        let csv = "metric,period,region,value\nrevenue,2025-Q4,North East,10\nrevenue,2025-Q4,west,20\n";
        let dir = book(language, "data = [\"sales.csv\"]\nyear = 2025", &[("sales.csv", csv)]);
        let out = expand(
            dir.path(),
            language,
            "<<#kpi revenue region=\"North East\" q4>>\n\n<<#kpi revenue region=North East q4>>\n",
        );
        assert!(out.starts_with("10\n"), "{out}");
        insta::assert_snapshot!(format!("name_with_space_{language}"), out);
    }
}

/// A book whose `period` sentence template (in `language`) is `template`, with two directives that use it.
fn with_template(language: &str, template: &str) -> String {
    let locale_dir = if language == "en" { "en" } else { "zh-CN" };
    let path = format!("kpi-templates/{locale_dir}/period.hbs");
    let dir = book(
        language,
        "data = [\"metrics.toml\"]\nyear = 2025\ntemplates = \"kpi-templates\"",
        &[("metrics.toml", METRICS_TOML), (&path, template)],
    );
    expand(dir.path(), language, "<<#kpi customers q4 vs q3>>\n\n<<#kpi customers q4 vs q3>> <<#kpi customers q3>>\n")
}

#[test]
fn an_unclosed_block_is_named_once_at_the_template() {
    for language in ["zh-CN", "en"] {
        let out = with_template(language, "{{subject}}\n{{#if change}}up\n{{value.text}}\n");
        assert_eq!(out.matches("error[").count(), 1, "{out}");
        assert!(out.contains("opened at line 2 is never closed"), "{out}");
        insta::assert_snapshot!(format!("unclosed_block_{language}"), out);
    }
}

#[test]
fn a_misspelled_field_or_helper_gets_did_you_mean() {
    for language in ["zh-CN", "en"] {
        let out = with_template(language, "{{subject}} was {{value.txt}}\n");
        assert_eq!(out.matches("error[").count(), 1, "{out}");
        assert!(!out.contains("Some("), "{out}");
        insta::assert_snapshot!(format!("misspelled_field_{language}"), out);
    }
    let out = with_template("en", "{{jion subject value.text}}\n");
    assert!(out.contains("did you mean `join`?"), "{out}");
    insta::assert_snapshot!("misspelled_helper_en", out);
}

/// A CSV as Excel on Chinese Windows saves it: GB18030 (GBK) bytes.
fn gbk_book(language: &str, data: &str) -> tempfile::TempDir {
    let csv = "metric,period,region,value\n营收,2025-Q3,华东,100\n营收,2025-Q4,华东,120\n";
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(csv);
    assert!(!unmappable);
    let dir = book(language, &format!("data = {data}\nyear = 2025"), &[]);
    std::fs::write(dir.path().join("sales.csv"), &bytes).expect("write");
    dir
}

/// A file that is not UTF-8 is one error that says which encoding it looks like and how to fix it.
#[test]
fn a_gbk_file_is_one_error_with_the_fix() {
    for language in ["zh-CN", "en"] {
        let dir = gbk_book(language, "[\"sales.csv\"]");
        let out = expand(dir.path(), language, "<<#kpi 营收 q4>>\n");
        assert_eq!(out.matches("error[").count(), 2, "{out}");
        assert!(out.contains("it reads as GB18030 (GBK)"), "{out}");
        insta::assert_snapshot!(format!("gbk_file_{language}"), out);
    }
}

/// `encoding = "gb18030"` reads it.
#[test]
fn a_gbk_file_with_its_encoding_loads() {
    let dir = gbk_book("zh-CN", "[{ path = \"sales.csv\", encoding = \"gb18030\" }]");
    let out = expand(dir.path(), "zh-CN", "<<#kpi 营收 region=华东 q4 vs q3>>\n");
    assert!(out.starts_with("Q4华东营收120，环比增长20%\n"), "{out}");
    assert!(out.ends_with("----- findings -----\n"), "{out}");
}

/// `mdbook-kpi check BOOK` run from `dir` in `format`: its exit code and stdout.
fn check_from(dir: &Path, book_arg: &str, format: &str) -> (i32, String) {
    let output = assert_cmd::Command::cargo_bin("mdbook-kpi")
        .expect("binary")
        .current_dir(dir)
        .args(["check", book_arg, "--format", format])
        .env_remove("MDBOOK_BOOK")
        .env_remove("MDBOOK_PREPROCESSOR")
        .output()
        .expect("run");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned())
}

/// One rule in every format: paths relative to the working directory (the repository root in CI).
#[test]
fn every_format_gives_paths_from_the_working_directory() {
    let repo = tempfile::tempdir().expect("tempdir");
    let root = repo.path().join("docs/report");
    std::fs::create_dir_all(root.join("src")).expect("mkdir");
    std::fs::write(
        root.join("book.toml"),
        "[book]\ntitle = \"T\"\nlanguage = \"en\"\n\n[preprocessor.kpi]\nlocal = \"en\"\n",
    )
    .expect("book.toml");
    std::fs::write(root.join("src/SUMMARY.md"), "# Summary\n\n- [A](a.md)\n").expect("summary");
    std::fs::write(root.join("src/a.md"), "# A\n").expect("chapter");
    let (code, human) = check_from(repo.path(), "docs/report", "human");
    assert_eq!(code, 0);
    insta::assert_snapshot!("paths_human", human);
    let (_, github) = check_from(repo.path(), "docs/report", "github");
    assert!(github.contains("::warning file=docs/report/book.toml,line=6"), "{github}");
    let (_, json) = check_from(repo.path(), "./docs/report/", "json");
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(json["diagnostics"][0]["file"], "docs/report/book.toml");
    let (_, sarif) = check_from(repo.path(), "docs/report", "sarif");
    let sarif: serde_json::Value = serde_json::from_str(&sarif).expect("sarif");
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(location["uri"], "docs/report/book.toml");
    // From the book's own folder, the same finding is book-relative.
    let (_, json) = check_from(&root, ".", "json");
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(json["diagnostics"][0]["file"], "book.toml");
}

/// When all is well, `check` says what it checked, in one line.
#[test]
fn quiet_success_is_one_line_with_the_counts() {
    for language in ["zh-CN", "en"] {
        let dir = book(language, "data = [\"metrics.toml\"]\nyear = 2025", &[("metrics.toml", METRICS_TOML)]);
        std::fs::create_dir_all(dir.path().join("src")).expect("mkdir");
        std::fs::write(dir.path().join("src/SUMMARY.md"), "# Summary\n\n- [A](a.md)\n- [B](b.md)\n").expect("summary");
        std::fs::write(dir.path().join("src/a.md"), "# A\n\n<<#kpi customers q4 vs q3>>\n").expect("a");
        std::fs::write(dir.path().join("src/b.md"), "# B\n\n<<#kpi customers q4>> <<#kpi customers q3>>\n").expect("b");
        let (code, out) = check_from(dir.path(), ".", "human");
        assert_eq!((code, out.as_str()), (0, "ok: 2 chapters, 3 directives, 0 errors, 0 warnings\n"), "{language}");
    }
}

/// Attribute text: a title is not expanded; in warn mode a failed directive leaves a URL and a heading id
/// whole; a definition's label whose uses keep the directive as code keeps it too, so the link still resolves.
#[test]
fn attribute_text_and_definition_labels() {
    for language in ["zh-CN", "en"] {
        attribute_text_in(language);
    }
}

fn attribute_text_in(language: &str) {
    let config = "data = [\"metrics.toml\"]\nyear = 2025\non-error = \"warn\"";
    let dir = book(language, config, &[("metrics.toml", METRICS_TOML)]);
    let chapter = "# Q4 {#q4-<<#kpi customers q5>>}\n\n\
                   [report](https://example.com/<<#kpi customerz q4>> \"Q4: <<#kpi customers q4>>\")\n\n\
                   [`<<#kpi customers q4>>`] and <<#kpi customers q4>>\n\n\
                   [`<<#kpi customers q4>>`]: https://example.com/c\n";
    let out = expand(dir.path(), language, chapter);
    assert!(out.starts_with("# Q4 {#q4-}\n"), "{out}");
    assert!(out.contains("[report](https://example.com/ \"Q4: <<#kpi customers q4>>\")"), "{out}");
    assert!(out.contains("[`<<#kpi customers q4>>`]: https://example.com/c\n"), "{out}");
    insta::assert_snapshot!(format!("attribute_text_{language}"), out);
}

/// A book with the built-in schema whose performance review has no product-line part.
fn one_product_book(language: &str, csv: &str) -> tempfile::TempDir {
    let review = if language == "en" {
        "# Performance review\n\n## Region\n\nEast led.\n\n## Lifecycle\n\nRetention held.\n"
    } else {
        "# 业绩回顾\n\n## 区域\n\n华东领先。\n\n## 客户生命周期\n\n留存稳定。\n"
    };
    book(
        language,
        "data = [\"sales.csv\"]\nyear = 2025\nstructure = \"year-end-sales\"\n\n[preprocessor.kpi.rules]\n\
         \"structure/missing-module\" = \"off\"\n\"loop/unanswered-problem\" = \"off\"",
        &[("sales.csv", csv), ("src/SUMMARY.md", "# Summary\n\n- [R](review.md)\n"), ("src/review.md", review)],
    )
}

/// A company with one product is not asked for a product-line analysis; one with two is.
#[test]
fn a_single_product_needs_no_product_part() {
    for language in ["zh-CN", "en"] {
        let one = "metric,period,product,region,value\nrevenue,2025,solo,east,1\nrevenue,2025,solo,west,2\n";
        let (code, out) = check_from(one_product_book(language, one).path(), ".", "human");
        assert!(!out.contains("missing-part"), "{language}: {out}");
        assert_eq!(code, 0, "{language}: {out}");
        let two = "metric,period,product,region,value\nrevenue,2025,a,east,1\nrevenue,2025,b,west,2\n";
        let (code, out) = check_from(one_product_book(language, two).path(), ".", "human");
        assert!(out.contains("error[structure/missing-part]"), "{language}: {out}");
        assert_eq!(code, 1, "{language}: {out}");
        insta::assert_snapshot!(format!("product_part_{language}"), out);
    }
}
