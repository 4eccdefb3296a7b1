//! `mdbook-kpi build`: mdBook's build in-process (mdbook-driver 0.5) with kpi registered by name.

mod mdbook_support;
mod support;

use assert_cmd::Command;
use mdbook_support::{KPI, assert_same_tree, copy_book, mdbook_05, stderr, toml_string};

fn kpi() -> Command {
    Command::new(KPI)
}

/// The in-process build writes what `mdbook build` (0.5, mdbook-driver with kpi as its command preprocessor)
/// writes for a book without directives.
#[test]
fn builds_like_mdbook_itself() {
    let ours = copy_book("plain");
    ours.add_kpi("");
    kpi().arg("build").arg(&ours.root).assert().code(0);
    let theirs = copy_book("plain");
    mdbook_05().build(&theirs.root);
    assert_same_tree(&ours.tree("book/markdown"), &theirs.tree("book/markdown"), "markdown");
    assert!(ours.root.join("book/html/index.html").is_file());
}

/// With `[preprocessor.kpi] command = …` in book.toml, the in-process kpi replaces the command (mdBook keys
/// preprocessors by name), so kpi runs once per renderer, the command never runs, and kpi still reads its table.
#[test]
fn replaces_the_configured_command_and_keeps_its_table() {
    let book = copy_book("plain");
    let marker = book.root.join("command-ran");
    let script = book.root.join("fake-kpi.sh");
    std::fs::write(&script, format!("#!/bin/sh\necho \"$@\" >> '{}'\ncat\n", marker.display())).unwrap();
    let path = book.root.join("book.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(&format!(
        "\n[preprocessor.kpi]\ncommand = {}\nprecison = 1\n",
        toml_string(&format!("sh {}", script.display()))
    ));
    std::fs::write(&path, text).unwrap();

    let output = kpi().arg("build").arg(&book.root).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!marker.exists(), "the book.toml command ran: {}", std::fs::read_to_string(&marker).unwrap_or_default());
    let log = stderr(&output);
    assert_eq!(log.matches("unknown key `precison`").count(), 2, "once per renderer: {log}");
    assert!(log.contains("book.toml:"), "{log}");
}

#[test]
fn dest_dir_is_relative_to_the_book_root_or_absolute() {
    let book = copy_book("plain");
    book.add_kpi("");
    kpi().arg("build").arg(&book.root).args(["--dest-dir", "out"]).assert().code(0);
    assert!(book.root.join("out/markdown/index.md").is_file());
    assert!(!book.root.join("book").exists());

    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("site");
    kpi().arg("build").arg(&book.root).arg("-d").arg(&target).assert().code(0);
    assert!(target.join("html/index.html").is_file());
}

#[test]
fn errors_fail_the_build() {
    let book = copy_book("plain");
    book.add_kpi("year = \"2023\"");
    kpi()
        .arg("build")
        .arg(&book.root)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("error[config/invalid]: `preprocessor.kpi.year`"));
    let nothing = tempfile::tempdir().unwrap();
    kpi().arg("build").arg(nothing.path()).assert().code(2).stderr(predicates::str::contains("cannot load the book"));
}

#[test]
fn expands_directives_in_process() {
    let book = copy_book("report");
    book.add_kpi("after = [\"links\"]");
    kpi().arg("build").arg(&book.root).assert().code(0);
    let page = book.read("book/markdown/review-en.md");
    assert!(page.contains("Q4 revenue was RMB 36M, up 16.1% from Q3 (RMB 31M)."), "{page}");
    assert!(page.contains("Included: RMB 1.5M."), "{page}");
    assert!(book.read("book/html/review.html").contains("2023年营收1.2亿元，同比增长8%"));
}
