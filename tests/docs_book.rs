//! The guide in docs/ is an mdBook built by mdbook-kpi itself: `mdbook-kpi build docs` (mdBook in-process, no
//! mdbook binary needed) builds it without a finding, `mdbook-kpi check docs` passes, and the live example in the
//! directives chapter comes out as the sentences its data file gives — while the same directives shown in a code
//! block, and an escaped one, stay as written.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use rust_decimal::prelude::*;

const KPI: &str = env!("CARGO_BIN_EXE_mdbook-kpi");

fn docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Builds the guide into a fresh temporary folder (never into docs/book) and returns it with mdBook's log.
fn build_guide() -> (tempfile::TempDir, String) {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(KPI).arg("build").arg(docs()).arg("--dest-dir").arg(out.path()).output().unwrap();
    let log = stderr(&output);
    assert!(output.status.success(), "the guide does not build:\n{log}");
    (out, log)
}

fn page(out: &Path, name: &str) -> String {
    std::fs::read_to_string(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A quarter's revenue from docs/data/lumen.toml, read with the toml crate rather than mdbook-kpi's loader.
fn lumen_revenue(period: &str) -> Decimal {
    let text = std::fs::read_to_string(docs().join("data/lumen.toml")).unwrap();
    let data: toml::Table = toml::from_str(&text).unwrap();
    let value = &data["metrics"]["revenue"]["values"][period];
    Decimal::from(value.as_integer().unwrap_or_else(|| panic!("revenue {period} is not an integer")))
}

#[test]
fn the_guide_builds_without_a_finding() {
    let (out, log) = build_guide();
    assert!(!log.contains("warning[") && !log.contains("error["), "findings while building the guide:\n{log}");
    // Every chapter the summary lists was written; the build went to the temporary folder only.
    let summary = std::fs::read_to_string(docs().join("src/SUMMARY.md")).unwrap();
    let chapters: Vec<&str> = summary.split("](").skip(1).map(|rest| rest.split(')').next().unwrap()).collect();
    assert!(chapters.len() >= 15, "{chapters:?}");
    for chapter in chapters {
        let html = chapter.replace(".md", ".html");
        assert!(out.path().join(&html).is_file(), "{chapter} was not built");
    }
    assert!(!docs().join("book").exists(), "the build wrote into docs/book");
}

#[test]
fn the_live_example_expands_from_the_guides_data() {
    let (out, _) = build_guide();
    let html = page(out.path(), "directives.html");

    // The figure from the data side: Q4 over Q3, in percent, rounded once, half to even, to one decimal.
    let (q3, q4) = (lumen_revenue("2025-Q3"), lumen_revenue("2025-Q4"));
    let change = ((q4 - q3) / q3 * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(1, RoundingStrategy::MidpointNearestEven)
        .normalize();
    assert_eq!(change.to_string(), "12.9");
    let expected = format!("Q4 revenue was $562K, up {change}% from Q3 ($498K)");
    assert!(html.contains(&format!("Lumen closed the year strongly: {expected}.")), "{expected} not in the page");
    assert!(html.contains("Q4 monthly active users were 204,500, up 12.4% from Q3 (182,000)"));
    assert!(html.contains("Q4 monthly churn was 2.9%, 0.1 percentage points within the 3.0% target"));

    // The source in the code block is not expanded; the escaped directive is shown without its backslash.
    assert!(html.contains("Lumen closed the year strongly: &lt;&lt;#kpi revenue q4 vs q3&gt;&gt;."));
    assert!(html.contains("escape it: \\&lt;&lt;#kpi revenue q4 vs q3&gt;&gt;."), "the code block keeps the backslash");
    assert!(
        html.contains("escape it: &lt;&lt;#kpi revenue q4 vs q3&gt;&gt;."),
        "the escaped directive shows literally"
    );
}

#[test]
fn the_guide_passes_its_own_check() {
    let output =
        Command::new(KPI).arg("check").arg(docs()).args(["--format", "json", "--deny-warnings"]).output().unwrap();
    assert!(output.status.success(), "mdbook-kpi check docs failed:\n{}", String::from_utf8_lossy(&output.stdout));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["diagnostics"], serde_json::json!([]), "{report:#}");
}

/// The text of the first fenced block after the line `` `label` `` in a guide page.
fn block_after(page: &str, label: &str) -> String {
    let start = page.find(&format!("\n`{label}`\n")).unwrap_or_else(|| panic!("no `{label}` in the page"));
    let rest = &page[start..];
    let open = rest.find("```").unwrap();
    let body = &rest[open..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("```").unwrap()].to_string()
}

/// Getting started's "complete pair to copy", copied into a book, gives exactly the sentences and the table the
/// page says the built chapter reads, and passes `check`.
#[test]
fn the_getting_started_pair_gives_what_the_page_shows() {
    let page = std::fs::read_to_string(docs().join("src/getting-started.md")).unwrap();
    let book = tempfile::tempdir().unwrap();
    for file in ["book.toml", "data/metrics.toml", "data/facts.csv"] {
        let path = book.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, block_after(&page, file)).unwrap();
    }
    std::fs::create_dir_all(book.path().join("src")).unwrap();
    std::fs::write(book.path().join("src/SUMMARY.md"), "# Summary\n\n- [Quarter](quarter.md)\n").unwrap();
    let chapter = &page[page.find("```markdown\n# Q4").unwrap() + "```markdown\n".len()..];
    std::fs::write(book.path().join("src/quarter.md"), &chapter[..chapter.find("```").unwrap()]).unwrap();

    let eval = |directive: &str| {
        let output = Command::new(KPI).args(["eval", "--book"]).arg(book.path()).arg(directive).output().unwrap();
        assert!(output.status.success(), "{directive}: {}", stderr(&output));
        String::from_utf8(output.stdout).unwrap()
    };
    let sentences = format!("> {}, and {}.", eval("revenue q4 vs q3").trim(), eval("orders q4 vs q3").trim());
    assert_eq!(
        sentences,
        "> Q4 revenue was €345K, up 11.3% from Q3 (€310K), and Q4 orders were 2,480, up 12.2% from Q3 (2,210)."
    );
    assert!(page.contains(&sentences), "the page does not show {sentences}");
    for row in eval("revenue q4 by region as table").lines() {
        assert!(page.contains(&format!("> {row}\n")), "the page lacks the table row {row}");
    }

    let check = Command::new(KPI).arg("check").arg(book.path()).args(["--deny-warnings"]).output().unwrap();
    assert!(check.status.success(), "{}", stderr(&check));
}
