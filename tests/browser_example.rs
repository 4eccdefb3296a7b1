//! The example book in a real browser: `book-example` built with `mdbook-kpi build`, its pages opened in headless
//! Chromium (`$CHROMIUM`, else /usr/bin/chromium). The test is `#[ignore]`d, as it needs the browser: .ci/run
//! installs Chromium and runs it with `--include-ignored`, and a missing browser fails it, it never skips.
//!
//! The rendered DOM must carry the expanded sentences, the table and the chart (an `<svg>` with its `<title>`),
//! and the chart must take up space on the page: a copy of the page with a small script appended measures the
//! SVG with `getBoundingClientRect()` and writes the numbers into the DOM that `--dump-dom` prints.
//!
//! `UPDATE_SCREENSHOT=1 cargo test --test browser_example -- --include-ignored` also writes
//! docs/screenshot-example.png (the README shows it); without it the screenshot goes to a temp folder and is only
//! checked.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const KPI: &str = env!("CARGO_BIN_EXE_mdbook-kpi");
/// Chromium should need 2–3 s a page; this only stops a hung browser from hanging the test run.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(30);

fn example_source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("book-example")
}

/// Builds one edition of the example book with `mdbook-kpi build` into `dest`. The English edition is the same
/// book with mdBook's `MDBOOK_BOOK__*` overrides, as in book-example/build-editions.sh.
fn build_edition(dest: &Path, english: bool) {
    let mut command = Command::new(KPI);
    command.arg("build").arg(example_source()).arg("--dest-dir").arg(dest);
    if english {
        command.env("MDBOOK_BOOK__SRC", "en").env("MDBOOK_BOOK__LANGUAGE", "en");
    } else {
        command.env_remove("MDBOOK_BOOK__SRC").env_remove("MDBOOK_BOOK__LANGUAGE");
    }
    let output = command.output().expect("run mdbook-kpi build");
    assert!(
        output.status.success(),
        "mdbook-kpi build of book-example failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(
        path.is_file(),
        "no Chromium at {}: install it (`apt-get install chromium fonts-noto-cjk`) or set CHROMIUM",
        path.display()
    );
    path
}

/// Runs headless Chromium with a fresh profile and `args`; returns what it printed on stdout.
fn run_chromium(args: &[String]) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let logs = tempfile::tempdir().expect("log dir");
    let (stdout_path, stderr_path) = (logs.path().join("stdout"), logs.path().join("stderr"));
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path).unwrap())
        .stderr(File::create(&stderr_path).unwrap())
        .spawn()
        .expect("start Chromium");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for Chromium") {
            break status;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("Chromium took more than {BROWSER_TIMEOUT:?} for {args:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(status.success(), "Chromium failed ({status}) for {args:?}:\n{stderr}");
    std::fs::read_to_string(&stdout_path).expect("Chromium's output")
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// Appended to a copy of the page: measures the chart after layout and writes the result into the DOM.
const PROBE_SCRIPT: &str = r#"<script>
(function () {
  function size(element) {
    if (!element) { return "missing"; }
    var rect = element.getBoundingClientRect();
    return Math.round(rect.width) + "x" + Math.round(rect.height);
  }
  var svg = document.querySelector("main figure.kpi-chart svg");
  var probe = document.createElement("pre");
  probe.id = "kpi-probe";
  probe.textContent = "chart=" + size(svg) + " line=" + size(svg && svg.querySelector("polyline"));
  document.body.appendChild(probe);
})();
</script>
"#;

/// The `WxH` after `name=` in the probe's output.
fn probed_size(dom: &str, name: &str) -> (u32, u32) {
    let pattern = regex::Regex::new(&format!(r#"{name}=(\d+)x(\d+)"#)).unwrap();
    let captures = pattern.captures(dom).unwrap_or_else(|| panic!("no `{name}=WxH` in the probe: {}", probe_text(dom)));
    (captures[1].parse().unwrap(), captures[2].parse().unwrap())
}

fn probe_text(dom: &str) -> &str {
    dom.find("id=\"kpi-probe\"").map_or("<no probe element>", |start| &dom[start..(start + 200).min(dom.len())])
}

/// The `<main>` element of a dumped page.
fn main_of(dom: &str) -> &str {
    let start = dom.find("<main").expect("a <main> element");
    let end = dom[start..].find("</main>").expect("</main>") + start;
    &dom[start..end]
}

#[test]
#[ignore = "needs Chromium (CHROMIUM, else /usr/bin/chromium); .ci/run runs it"]
fn the_example_renders_sentences_a_table_and_a_sized_chart_in_chromium() {
    let out = tempfile::tempdir().unwrap();
    let (zh, en) = (out.path().join("zh"), out.path().join("en"));
    build_edition(&zh, false);
    build_edition(&en, true);

    // The Chinese page, with the probe appended (a copy in the same folder, so the book's CSS applies).
    let page = std::fs::read_to_string(zh.join("performance-review.html")).unwrap();
    let body_end = page.rfind("</body>").expect("</body>");
    let probe_page = zh.join("performance-review-probe.html");
    std::fs::write(&probe_page, format!("{}{PROBE_SCRIPT}{}", &page[..body_end], &page[body_end..])).unwrap();
    let dom = run_chromium(&["--window-size=1280,1600".into(), "--dump-dom".into(), file_url(&probe_page)]);
    let main = main_of(&dom);
    for sentence in [
        "Q4营收3600万元，环比增长16.1%",
        "Q4 AI质检系统营收占比35.0%，较Q3的22.6%上升12.4个百分点",
        "营收Q1至Q4连续3个季度增长，从2500万元增至3600万元",
    ] {
        assert!(main.contains(sentence), "`{sentence}` is not on the rendered page");
    }
    assert!(!main.contains("&lt;&lt;#kpi") && !main.contains("<<#kpi"), "a directive was left unexpanded");
    // The region table: a header row and one row per region with its figures.
    let table =
        regex::Regex::new(r"(?s)<table>.*?<th[^>]*>区域</th>.*?<td[^>]*>华东</td><td[^>]*>3600万元</td>").unwrap();
    assert!(table.is_match(main), "the region table is missing from the rendered page");
    // The chart: an inline SVG with an accessible title, drawn at a real size.
    let chart = regex::Regex::new(
        r#"(?s)<figure class="kpi-chart"[^>]*>\s*<svg[^>]*role="img"[^>]*>\s*<title[^>]*>营收（1月至12月）</title>"#,
    )
    .unwrap();
    assert!(chart.is_match(main), "no chart SVG with its <title> on the rendered page");
    let (width, height) = probed_size(&dom, "chart");
    assert!(width >= 300 && height >= 150, "the chart is drawn at {width}x{height} px");
    assert_eq!(width, height * 2, "the chart keeps its 640x320 aspect ratio: {width}x{height}");
    let (line_width, line_height) = probed_size(&dom, "line");
    assert!(line_width > width / 2 && line_height > 0, "the revenue line is {line_width}x{line_height} px");

    // The English edition: the same data, English sentences and chart title.
    let dom = run_chromium(&["--dump-dom".into(), file_url(&en.join("performance-review.html"))]);
    let main = main_of(&dom);
    assert!(main.contains("Q4 revenue was RMB 36M, up 16.1% from Q3 (RMB 31M)"), "the English sentence is missing");
    assert!(main.contains(">Revenue, January–December</title>"), "the English chart title is missing");

    // The screenshot for the README: the page with the chart, CJK text and all.
    let screenshot = match std::env::var_os("UPDATE_SCREENSHOT") {
        Some(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshot-example.png"),
        None => out.path().join("screenshot-example.png"),
    };
    std::fs::create_dir_all(screenshot.parent().unwrap()).unwrap();
    run_chromium(&[
        format!("--screenshot={}", screenshot.display()),
        "--window-size=1280,1600".into(),
        file_url(&zh.join("performance-review.html")),
    ]);
    assert_png_with_content(&screenshot, 1280, 1600);
}

/// The file is a PNG of the given size, and not a blank page: a blank 1280x1600 PNG compresses to a few KB,
/// a page of text and a chart to a few hundred.
fn assert_png_with_content(path: &Path, width: u32, height: u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", path.display()));
    assert!(bytes.len() > 33 && bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG: {}", path.display());
    let dimension = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!((dimension(16), dimension(20)), (width, height), "screenshot size");
    assert!(bytes.len() > 60_000, "the screenshot looks blank ({} bytes)", bytes.len());
}
