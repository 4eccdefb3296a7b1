//! mdbook-kpi under the real mdBook 0.5 and 0.4 binaries (SPEC 8). A missing binary fails these tests.

mod mdbook_support;

use mdbook_support::{assert_same_tree, assert_success, both, copy_book, stderr};

/// A chapter without directives comes back byte-identical: the markdown renderer's output (and the HTML) of a
/// build with kpi equals that of a build without it.
#[test]
fn a_book_without_directives_comes_back_byte_identical() {
    for mdbook in both() {
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
}

/// kpi really runs inside mdBook: a config finding shows up in mdBook's log, placed in book.toml. mdBook is run
/// from another folder, so the position can only come from reading book.toml under the context's root.
#[test]
fn paths_resolve_against_the_book_root_not_the_working_directory() {
    for mdbook in both() {
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
}

/// An error fails the build (on-error = "fail" is the default), with the rule and where it is.
#[test]
fn errors_fail_the_build() {
    for mdbook in both() {
        let book = copy_book("plain");
        book.add_kpi("precision = \"two\"");
        let output = mdbook.run(&["build"], &book.root);
        assert!(!output.status.success(), "mdBook {} accepted a failing preprocessor", mdbook.series);
        let log = stderr(&output);
        assert!(log.contains("error[config/invalid]: `preprocessor.kpi.precision` must be"), "{log}");
        assert!(log.contains("--> book.toml:"), "{log}");
    }
}

/// `mdbook test` runs the preprocessor too (renderer `test`) and still tests the book's Rust code.
#[test]
fn mdbook_test_works() {
    for mdbook in both() {
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
}

/// mdBook calls `mdbook-kpi supports <renderer>` and runs kpi for non-HTML renderers too.
#[test]
fn runs_for_every_renderer() {
    for mdbook in both() {
        let book = copy_book("plain");
        book.add_kpi("after = [\"links\"]\nunknown-for-markdown = 1");
        let output = mdbook.build(&book.root);
        // One warning per renderer run: html and markdown.
        let log = stderr(&output);
        assert_eq!(log.matches("unknown key `unknown-for-markdown`").count(), 2, "mdBook {}: {log}", mdbook.series);
    }
}

/// A book made by `mdbook-kpi init` builds with both mdBooks, which find `mdbook-kpi` on PATH by its name.
#[test]
fn an_initialized_book_builds() {
    for mdbook in both() {
        for locale in ["zh-CN", "en"] {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().join("report");
            let status = std::process::Command::new(mdbook_support::KPI)
                .args(["init", root.to_str().unwrap(), "--locale", locale])
                .status()
                .unwrap();
            assert!(status.success());
            let output = mdbook.run(&["build"], &root);
            assert_success(&output, &format!("mdbook {} build of an init {locale} book", mdbook.series));
            assert!(root.join("book/index.html").is_file(), "mdBook {} {locale}", mdbook.series);
            let output = mdbook.run(&["test"], &root);
            assert_success(&output, &format!("mdbook {} test of an init {locale} book", mdbook.series));
        }
    }
}
