//! mdbook-kpi under real mdBook 0.5 and 0.4: mdBook's build code from its library crates (mdbook-driver 0.5.4,
//! mdbook 0.4.52) starts the built `mdbook-kpi` as the command preprocessor in book.toml, as the `mdbook` command
//! does. The `#[ignore]`d tests at the end run the same checks with the installed `mdbook` binaries' command line
//! (.ci/run installs them and runs every test); a missing binary fails them.

mod mdbook_support;
mod support;

use mdbook_support::{Mdbook, assert_same_tree, assert_success, binaries, both, copy_book, stderr};

/// A chapter without directives comes back byte-identical: the markdown renderer's output (and the HTML) of a
/// build with kpi equals that of a build without it.
#[test]
fn a_book_without_directives_comes_back_byte_identical() {
    both().iter().for_each(a_book_without_directives_comes_back_byte_identical_with);
}

fn a_book_without_directives_comes_back_byte_identical_with(mdbook: &Mdbook) {
    let with_kpi = copy_book("plain");
    with_kpi.add_kpi("");
    let without = copy_book("plain");
    let output = mdbook.build(&with_kpi.root);
    mdbook.build(&without.root);
    let log = stderr(&output);
    assert!(!log.contains("[config/") && !log.contains("mdbook-kpi"), "mdBook {}: {log}", mdbook.series);
    let what = format!("mdBook {}", mdbook.series);
    assert_same_tree(&with_kpi.tree("book/markdown"), &without.tree("book/markdown"), &what);
    assert_same_tree(&with_kpi.tree("book/html"), &without.tree("book/html"), &what);
    // The markdown renderer wrote the chapters as they were, CRLF and missing final newline included.
    assert_eq!(with_kpi.read("book/markdown/crlf.md"), with_kpi.read("src/crlf.md"));
    assert_eq!(with_kpi.read("book/markdown/part/region.md"), with_kpi.read("src/part/region.md"));
}

/// kpi really runs inside mdBook: a config finding shows up in mdBook's log, placed in book.toml. mdBook is run
/// from another folder, so the position can only come from reading book.toml under the context's root.
#[test]
fn paths_resolve_against_the_book_root_not_the_working_directory() {
    both().iter().for_each(paths_resolve_against_the_book_root_not_the_working_directory_with);
}

fn paths_resolve_against_the_book_root_not_the_working_directory_with(mdbook: &Mdbook) {
    let book = copy_book("plain");
    book.add_kpi("precison = 2");
    let elsewhere = tempfile::tempdir().unwrap();
    let root = book.root.to_str().unwrap();
    let output = mdbook.run(&["build", root], elsewhere.path());
    assert_success(&output, &format!("mdbook {} build from elsewhere", mdbook.series));
    let log = stderr(&output);
    assert!(log.contains("warning[config/unknown-key]: unknown key `precison`"), "mdBook {}: {log}", mdbook.series);
    let line = book.read("book.toml").lines().position(|l| l.starts_with("precison")).unwrap() + 1;
    assert!(log.contains(&format!("book.toml:{line}:1")), "mdBook {}: {log}", mdbook.series);
    assert!(log.contains("did you mean `precision`?"), "mdBook {}: {log}", mdbook.series);
    assert!(book.root.join("book/markdown/index.md").is_file());
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0, "nothing is written to the cwd");
}

/// An error fails the build (on-error = "fail" is the default), with the rule and where it is.
#[test]
fn errors_fail_the_build() {
    both().iter().for_each(errors_fail_the_build_with);
}

fn errors_fail_the_build_with(mdbook: &Mdbook) {
    let book = copy_book("plain");
    book.add_kpi("precision = \"two\"");
    let output = mdbook.run(&["build"], &book.root);
    assert!(!output.status.success(), "mdBook {} accepted a failing preprocessor", mdbook.series);
    let log = stderr(&output);
    assert!(log.contains("error[config/invalid]: `preprocessor.kpi.precision` must be"), "{log}");
    assert!(log.contains("--> book.toml:"), "{log}");
}

/// `mdbook test` runs the preprocessor too (renderer `test`) and still tests the book's Rust code.
#[test]
fn mdbook_test_works() {
    both().iter().for_each(mdbook_test_works_with);
}

fn mdbook_test_works_with(mdbook: &Mdbook) {
    let book = copy_book("plain");
    book.add_kpi("");
    let output = mdbook.run(&["test"], &book.root);
    assert_success(&output, &format!("mdbook {} test", mdbook.series));
    // And kpi is part of it: a config error fails `mdbook test` as well.
    let broken = copy_book("plain");
    broken.add_kpi("on-error = \"sometimes\"");
    let output = mdbook.run(&["test"], &broken.root);
    assert!(!output.status.success(), "mdBook {}: test passed with a broken kpi config", mdbook.series);
    assert!(stderr(&output).contains("config/invalid"), "{}", stderr(&output));
}

/// mdBook calls `mdbook-kpi supports <renderer>` and runs kpi for non-HTML renderers too.
#[test]
fn runs_for_every_renderer() {
    both().iter().for_each(runs_for_every_renderer_with);
}

fn runs_for_every_renderer_with(mdbook: &Mdbook) {
    let book = copy_book("plain");
    book.add_kpi("after = [\"links\"]\nunknown-for-markdown = 1");
    let output = mdbook.build(&book.root);
    // One warning per renderer run: html and markdown.
    let log = stderr(&output);
    assert_eq!(log.matches("unknown key `unknown-for-markdown`").count(), 2, "mdBook {}: {log}", mdbook.series);
}

/// A book made by `mdbook-kpi init` builds with both mdBooks, which find `mdbook-kpi` on PATH by its name.
#[test]
fn an_initialized_book_builds() {
    both().iter().for_each(an_initialized_book_builds_with);
}

fn an_initialized_book_builds_with(mdbook: &Mdbook) {
    for locale in ["zh-CN", "en"] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("report");
        let status = std::process::Command::new(mdbook_support::KPI)
            .args(["init", root.to_str().unwrap(), "--locale", locale])
            .output()
            .unwrap()
            .status;
        assert!(status.success());
        let output = mdbook.run(&["build"], &root);
        assert_success(&output, &format!("mdbook {} build of an init {locale} book", mdbook.series));
        assert!(!stderr(&output).contains("warning["), "{}", stderr(&output));
        let intro = std::fs::read_to_string(root.join("book/introduction.html")).unwrap();
        let sentence = if locale == "en" {
            "2023 revenue was RMB 120M, up 8% year over year"
        } else {
            "2023年营收1.2亿元，同比增长8%"
        };
        assert!(intro.contains(sentence), "mdBook {} {locale}", mdbook.series);
        let output = mdbook.run(&["test"], &root);
        assert_success(&output, &format!("mdbook {} test of an init {locale} book", mdbook.series));
    }
}

/// The zh-CN chapter of the report fixture: each directive and the sentence the guide gives for it.
const REVIEW_ZH: &[(&str, &str)] = &[
    ("<<#kpi revenue 2023>>", "1.2亿元"),
    ("<<#kpi revenue q4 vs q3>>", "Q4营收3600万元，环比增长16.1%"),
    ("<<#kpi revenue 2023 vs yoy>>", "2023年营收1.2亿元，同比增长8%"),
    ("<<#kpi telesales_share 2023 vs target>>", "2023年电销渠道获客占比75%，高于目标（60%）15个百分点"),
    ("<<#kpi delivery_days 2023 vs standard>>", "2023年交付周期18天，超出标准（10天）8天"),
    ("<<#kpi share revenue product=ai-qc q4 vs q3>>", "Q4 AI质检系统营收占比35.0%，较Q3的22.6%上升12.4个百分点"),
];

const REVIEW_EN: &[(&str, &str)] = &[
    ("<<#kpi revenue 2023 locale=en>>", "RMB 120M"),
    ("<<#kpi revenue q4 vs q3 locale=en>>", "Q4 revenue was RMB 36M, up 16.1% from Q3 (RMB 31M)"),
    ("<<#kpi new_customers q4 vs q3 locale=en>>", "Q4 new customers were 120, up 5.3% from Q3 (114)"),
];

mod sentences;
use sentences::REFERENCE_ROWS;

/// The chapter as written with its directives replaced by the expected sentences: every other byte unchanged.
fn expected(source: &str, expansions: &[(&str, &str)]) -> String {
    let mut text = source.to_string();
    for (directive, sentence) in expansions {
        assert!(text.contains(directive), "fixture lacks {directive}");
        text = text.replacen(directive, sentence, 1);
    }
    text
}

/// Directives expand to the guide's sentences under both mdBooks, in paragraphs, list items, table cells, quotes
/// and headings, and not in code; `{{#include}}`d files expand too with `after = ["links"]`.
#[test]
fn directives_expand_in_both_mdbooks() {
    both().iter().for_each(directives_expand_in_both_mdbooks_with);
}

fn directives_expand_in_both_mdbooks_with(mdbook: &Mdbook) {
    let book = copy_book("report");
    // The pages list the guide's sentences one by one, each naming its year (the default names it once a
    // chapter: tests/narrate_reference.rs).
    book.add_kpi("after = [\"links\"]\nreport-year = \"every\"");
    let output = mdbook.build(&book.root);
    let log = stderr(&output);
    assert!(!log.contains("error[") && !log.contains("warning["), "mdBook {}: {log}", mdbook.series);
    assert_eq!(book.read("book/markdown/review.md"), expected(&book.read("src/review.md"), REVIEW_ZH));
    assert!(book.read("book/markdown/review.md").contains("`<<#kpi revenue 2023>>` stays as code."));
    let en =
        expected(&book.read("src/review-en.md"), REVIEW_EN).replace("{{#include included.md}}", "Included: RMB 1.5M.");
    assert_eq!(book.read("book/markdown/review-en.md"), en, "mdBook {}", mdbook.series);
    let rows: Vec<(String, &str)> = REFERENCE_ROWS
        .iter()
        .flat_map(|(body, zh, en)| [(format!("<<#kpi {body}>>"), *zh), (format!("<<#kpi {body} locale=en>>"), *en)])
        .collect();
    let rows: Vec<(&str, &str)> = rows.iter().map(|(d, s)| (d.as_str(), *s)).collect();
    let reference_page = book.read("book/markdown/reference-sentences.md");
    assert_eq!(reference_page, expected(&book.read("src/reference-sentences.md"), &rows), "mdBook {}", mdbook.series);
    let html = book.read("book/html/review.html");
    assert!(html.contains("Q4营收3600万元，环比增长16.1%"), "mdBook {}", mdbook.series);
}

/// Data paths resolve against the book root that mdBook passes in, also when mdBook runs from elsewhere.
#[test]
fn data_resolves_against_the_book_root() {
    both().iter().for_each(data_resolves_against_the_book_root_with);
}

fn data_resolves_against_the_book_root_with(mdbook: &Mdbook) {
    let book = copy_book("report");
    book.add_kpi("data = \"kpi.toml\"");
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("kpi.toml"), "this is not the data").unwrap();
    let output = mdbook.run(&["build", book.root.to_str().unwrap()], elsewhere.path());
    assert_success(&output, &format!("mdbook {} build from elsewhere", mdbook.series));
    assert!(book.read("book/markdown/review.md").contains("全年营收1.2亿元。"), "mdBook {}", mdbook.series);
}

/// A bad directive fails the build with its place; under `on-error = "warn"` the page shows a marker instead.
#[test]
fn a_bad_directive_fails_or_leaves_a_marker() {
    both().iter().for_each(a_bad_directive_fails_or_leaves_a_marker_with);
}

fn a_bad_directive_fails_or_leaves_a_marker_with(mdbook: &Mdbook) {
    let book = copy_book("report");
    book.add_kpi("");
    let chapter = book.root.join("src/review.md");
    let text = format!("{}\n营收:<<#kpi revnue 2023>>\n", book.read("src/review.md"));
    std::fs::write(&chapter, &text).unwrap();
    let line = text.lines().count();
    let output = mdbook.run(&["build"], &book.root);
    assert!(!output.status.success(), "mdBook {}", mdbook.series);
    let log = stderr(&output);
    assert!(log.contains("error[kpi/unknown-metric]"), "{log}");
    assert!(log.contains(&format!("src/review.md:{line}:")), "{log}");
    assert!(log.contains("did you mean `revenue`?"), "{log}");

    let lenient = copy_book("report");
    lenient.add_kpi("on-error = \"warn\"");
    std::fs::write(lenient.root.join("src/review.md"), &text).unwrap();
    let output = mdbook.build(&lenient.root);
    assert!(stderr(&output).contains("error[kpi/unknown-metric]"));
    let page = lenient.read("book/markdown/review.md");
    assert!(page.contains("kpi/unknown-metric") && !page.contains("<<#kpi revnue"), "{page}");
    assert!(page.contains("全年营收1.2亿元。"));
}

/// `mdbook test` of a book with directives.
#[test]
fn mdbook_test_works_with_directives() {
    both().iter().for_each(mdbook_test_works_with_directives_with);
}

fn mdbook_test_works_with_directives_with(mdbook: &Mdbook) {
    let book = copy_book("report");
    book.add_kpi("");
    let output = mdbook.run(&["test"], &book.root);
    assert_success(&output, &format!("mdbook {} test", mdbook.series));
}

/// The structure check runs inside both mdBooks: errors fail the build, `[preprocessor.kpi.rules]` levels apply,
/// and the chapters still come back unchanged.
#[test]
fn the_structure_check_runs_inside_mdbook() {
    both().iter().for_each(the_structure_check_runs_inside_mdbook_with);
}

fn the_structure_check_runs_inside_mdbook_with(mdbook: &Mdbook) {
    let book = copy_book("plain");
    book.add_kpi("structure = \"year-end-sales\"");
    let output = mdbook.run(&["build"], &book.root);
    assert!(!output.status.success(), "mdBook {}", mdbook.series);
    let log = stderr(&output);
    assert!(log.contains("error[structure/missing-module]") && log.contains("(strategy)"), "{log}");

    let relaxed = copy_book("plain");
    relaxed.add_kpi(
        "structure = \"year-end-sales\"\n[preprocessor.kpi.rules]\n\"structure/missing-module\" = \"warn\"\n\
         \"structure/missing-part\" = \"off\"",
    );
    let output = mdbook.build(&relaxed.root);
    let log = stderr(&output);
    assert!(log.contains("warning[structure/missing-module]"), "mdBook {}: {log}", mdbook.series);
    assert!(!log.contains("missing-part") && !log.contains("error["), "mdBook {}: {log}", mdbook.series);
    assert_eq!(relaxed.read("book/markdown/review.md"), relaxed.read("src/review.md"));
}

// --- the installed binaries' command line ------------------------------------------------------------------------

/// `mdbook build` run as a command: from the book root and from another folder with the root as DIR, a failing
/// preprocessor failing the build, and the directives expanded.
#[test]
#[ignore = "needs the mdbook 0.5.4 and 0.4.52 binaries (MDBOOK_05, MDBOOK_04); .ci/run runs it"]
fn the_mdbook_binaries_build_with_kpi() {
    for mdbook in binaries() {
        a_book_without_directives_comes_back_byte_identical_with(&mdbook);
        paths_resolve_against_the_book_root_not_the_working_directory_with(&mdbook);
        errors_fail_the_build_with(&mdbook);
        directives_expand_in_both_mdbooks_with(&mdbook);
    }
}

/// `mdbook test` run as a command, on a plain book and on one with directives.
#[test]
#[ignore = "needs the mdbook 0.5.4 and 0.4.52 binaries (MDBOOK_05, MDBOOK_04); .ci/run runs it"]
fn the_mdbook_binaries_test_with_kpi() {
    for mdbook in binaries() {
        mdbook_test_works_with(&mdbook);
        mdbook_test_works_with_directives_with(&mdbook);
    }
}

/// A book from `mdbook-kpi init` names the preprocessor only by its name: the `mdbook` commands find it on PATH.
#[test]
#[ignore = "needs the mdbook 0.5.4 and 0.4.52 binaries (MDBOOK_05, MDBOOK_04); .ci/run runs it"]
fn the_mdbook_binaries_find_kpi_on_path() {
    for mdbook in binaries() {
        an_initialized_book_builds_with(&mdbook);
    }
}
