//! Speed of the structure check (SPEC 9): on a generated 500-chapter book (about 2,000 words a chapter, mixed
//! Chinese and English, with code blocks, tables and directives) `check` is compared with the floor, a bare
//! pass-through of the same book as mdBook JSON (parse into `serde_json::Value`, write element 1 back), in the
//! same run. Cost must also grow linearly: twice the book, at most about twice the time.
//!
//! The bounds asserted here guard against regressions (a quadratic scan: twice the book would take about 4×
//! the time; a regex compiled per block), not SPEC 9's 3×, which is a benchmark: in-process the pass-through
//! runs at about 1 GB/s and pulldown-cmark alone needs about 2.5× its time on one core, so the ratio depends on
//! the optimisation level, on free cores and on the machine's load. The test prints the numbers;
//! `cargo test --release --test check_speed -- --nocapture` gives the release ratio.

use std::path::Path;
use std::time::{Duration, Instant};

use mdbook_kpi::check::{self, Chapter};
use mdbook_kpi::config::Config;

const ZH: &str = "2023年,华东团队通过客户分级管理,将A类客户的服务资源倾斜,复购率从Q3的60%提升至75%。\
                  新签客户 <<#kpi new_customers q4 vs q3>>,营收 <<#kpi revenue q4 vs q3>>。";
const EN: &str = "The East China team moved service resources to A-class customers, and the repeat rate rose \
                  from 60% in Q3 to 75% in Q4; revenue was <<#kpi revenue q4 vs q3>> with costs flat.";

fn chapter_text(n: usize) -> String {
    let mut text = format!("# 第{n}章 区域复盘 {n}\n\n");
    for section in 0..10 {
        text.push_str(&format!("## 小节 {section}\n\n"));
        for _ in 0..3 {
            text.push_str(ZH);
            text.push_str("\n\n");
            text.push_str(EN);
            text.push_str("\n\n");
        }
        text.push_str("- 市场端:Q1前完成3家标杆客户签约。\n- Team: hire 2 consultants by March.\n\n");
        if section % 3 == 0 {
            text.push_str("```rust\nlet revenue = 120; // 赋能 leverage\n```\n\n| 区域 | 营收 |\n|---|---|\n| 华东 | 3600万 |\n\n");
        }
    }
    text
}

fn book(chapters: usize) -> Vec<Chapter> {
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check/zh-template");
    let mut book = check::read_book(&template).expect("fixture").chapters;
    for n in book.len()..chapters {
        book.push(Chapter {
            title: format!("附录{n}"),
            source_path: Some(format!("src/appendix/{n}.md")),
            content: chapter_text(n),
            depth: 1,
        });
    }
    book
}

fn as_mdbook_json(chapters: &[Chapter]) -> String {
    let items: Vec<serde_json::Value> = chapters
        .iter()
        .map(|c| {
            serde_json::json!({"Chapter": {"name": c.title, "content": c.content, "number": null, "sub_items": [],
                "path": c.source_path, "source_path": c.source_path, "parent_names": []}})
        })
        .collect();
    serde_json::json!([{"root": "/book", "config": {}, "renderer": "html", "mdbook_version": "0.5.4"}, {"items": items}])
        .to_string()
}

fn fastest(mut run: impl FnMut()) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn time_check(chapters: &[Chapter]) -> Duration {
    let schema = check::load_schema("year-end-sales", Path::new(".")).expect("schema");
    let config = Config::default();
    fastest(|| {
        let findings = check::check(chapters, &schema, &config);
        assert!(!findings.is_empty());
    })
}

#[test]
fn check_is_within_a_small_multiple_of_a_pass_through_and_linear() {
    let chapters = book(500);
    let words: usize = chapters
        .iter()
        .map(|c| c.content.split_whitespace().count() + c.content.chars().filter(|c| *c > '\u{2e80}').count())
        .sum();
    let json = as_mdbook_json(&chapters);
    let floor = fastest(|| {
        let value: serde_json::Value = serde_json::from_str(&json).expect("json");
        let out = serde_json::to_string(&value[1]).expect("out");
        assert!(out.len() > 1000);
    });
    let full = time_check(&chapters);
    let half = time_check(&chapters[..250]);
    let ratio = full.as_secs_f64() / floor.as_secs_f64();
    let growth = full.as_secs_f64() / half.as_secs_f64();
    eprintln!(
        "book: {} chapters, {:.1} MB JSON, ~{} words; pass-through {:?}; check {:?} ({ratio:.2}×); 250 chapters {:?} (growth {growth:.2}×)",
        chapters.len(),
        json.len() as f64 / 1e6,
        words,
        floor,
        full,
        half
    );
    let bound = 15.0;
    assert!(ratio <= bound, "check took {ratio:.2}× the pass-through (bound {bound}×)");
    assert!(growth <= 3.0, "twice the book took {growth:.2}× the time");
}
