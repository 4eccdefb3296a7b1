//! Hand-typed figures (`data/stale-figure`, `data/conflicting-figures`, `mdbook-kpi fix`) over two reports typed
//! by hand (tests/fixtures/typed/zh and /en) with stale figures put in on purpose.
//!
//! The expected stale figures are not copied from the output: each typed figure the reports state is listed
//! here with the fact it states, the data is asked for that fact and the test decides, with its own arithmetic,
//! whether the figure rounds to it at the precision it was typed.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use mdbook_kpi::data::query::Query;
use mdbook_kpi::data::{DataSet, Kind, Period, Slice};
use rust_decimal::Decimal;

fn kpi() -> Command {
    Command::cargo_bin("mdbook-kpi").unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/typed").join(name)
}

/// A copy of a fixture book in a temporary folder.
fn copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(name);
    support::copy_tree(&fixture(name), &root);
    (dir, root)
}

fn data(name: &str) -> DataSet {
    mdbook_kpi::data::load(&fixture(name), &["kpi.toml".to_string()]).unwrap()
}

/// What a typed figure states.
enum States {
    Value(&'static str, &'static str, Option<(&'static str, &'static str)>),
    /// A change in percent of the base: metric, period, base period, member.
    Percent(&'static str, &'static str, &'static str, Option<(&'static str, &'static str)>),
    /// A change in the metric's unit (percentage points for rates, days): metric, period, base period.
    Difference(&'static str, &'static str, &'static str),
    Completion(&'static str, &'static str),
    Share(&'static str, &'static str, (&'static str, &'static str)),
}

/// A typed figure: its file, its text as typed, its number, the magnitude of its unit, the sign its words give
/// (0: none), and what it states.
struct Figure {
    file: &'static str,
    text: &'static str,
    number: &'static str,
    magnitude: i64,
    sign: i64,
    states: States,
}

const fn figure(
    file: &'static str,
    text: &'static str,
    number: &'static str,
    magnitude: i64,
    sign: i64,
    states: States,
) -> Figure {
    Figure { file, text, number, magnitude, sign, states }
}

fn ask(data: &DataSet, metric: &str, period: &str, member: Option<(&str, &str)>, kind: Kind) -> Decimal {
    let period = Period::parse(period).unwrap();
    let slice: Slice = member.map(|(d, m)| (d.to_string(), m.to_string())).into_iter().collect();
    data.value(Query { metric, period, slice: &slice, kind }).unwrap()
}

/// The data's figure for what a typed figure states, computed here from the data's facts.
fn expected(data: &DataSet, states: &States) -> Decimal {
    let hundred = Decimal::ONE_HUNDRED;
    match *states {
        States::Value(metric, period, member) => ask(data, metric, period, member, Kind::Actual),
        States::Percent(metric, period, base, member) => {
            let now = ask(data, metric, period, member, Kind::Actual);
            let then = ask(data, metric, base, member, Kind::Actual);
            (now - then) / then * hundred
        }
        States::Difference(metric, period, base) => {
            ask(data, metric, period, None, Kind::Actual) - ask(data, metric, base, None, Kind::Actual)
        }
        States::Completion(metric, period) => {
            ask(data, metric, period, None, Kind::Actual) / ask(data, metric, period, None, Kind::Target) * hundred
        }
        States::Share(metric, period, member) => {
            ask(data, metric, period, Some(member), Kind::Actual) / ask(data, metric, period, None, Kind::Actual)
                * hundred
        }
    }
}

/// Whether the typed figure rounds to the data's at the precision it was typed.
fn is_stale(data: &DataSet, figure: &Figure) -> bool {
    let number: Decimal = figure.number.replace(',', "").parse().unwrap();
    let decimals = figure.number.split_once('.').map_or(0, |(_, d)| d.len() as u32);
    let magnitude = Decimal::from(figure.magnitude);
    let tolerance = Decimal::new(5, decimals + 1) * magnitude;
    let typed = number * magnitude;
    let value = expected(data, &figure.states);
    let off =
        if figure.sign == 0 { (value.abs() - typed).abs() } else { (value - typed * Decimal::from(figure.sign)).abs() };
    off > tolerance
}

const WAN: i64 = 10_000;
const MILLION: i64 = 1_000_000;

fn zh_figures() -> Vec<Figure> {
    use States::*;
    let (o, r) = ("src/overview.md", "src/regions.md");
    vec![
        figure(o, "8369万元", "8369", WAN, 0, Value("sales", "2025", None)),
        figure(o, "12.9%", "12.9", 1, 1, Percent("sales", "2025", "2024", None)),
        figure(o, "104.6%", "104.6", 1, 0, Completion("sales", "2025")),
        figure(o, "2480万元", "2480", WAN, 0, Value("sales", "2025-Q4", None)),
        figure(o, "17.9%", "17.9", 1, 1, Percent("sales", "2025-Q4", "2025-Q3", None)),
        figure(o, "13.2%", "13.2", 1, 1, Percent("sales", "2025-Q4", "2024-Q4", None)),
        figure(o, "33.2%", "33.2", 1, 0, Value("margin", "2025", None)),
        figure(o, "1.8个百分点", "1.8", 1, 1, Difference("margin", "2025", "2024")),
        figure(o, "56", "56", 1, 0, Value("dealers", "2025", None)),
        figure(o, "19天", "19", 1, 0, Value("lead_time", "2025", None)),
        figure(o, "4天", "4", 1, -1, Difference("lead_time", "2025", "2024")),
        figure(o, "8412万元", "8412", WAN, 0, Value("sales", "2025", None)),
        figure(o, "33.8%", "33.8", 1, 0, Value("margin", "2025", None)),
        figure(o, "58", "58", 1, 0, Value("dealers", "2025", None)),
        figure(o, "5天", "5", 1, -1, Difference("lead_time", "2025", "2024")),
        figure(o, "19.2%", "19.2", 1, 1, Percent("sales", "2025-Q4", "2025-Q3", None)),
        figure(r, "5130万元", "5130", WAN, 0, Value("sales", "2025", Some(("region", "north")))),
        figure(r, "14.0%", "14.0", 1, 1, Percent("sales", "2025", "2024", Some(("region", "north")))),
        figure(r, "3239万元", "3239", WAN, 0, Value("sales", "2025", Some(("region", "south")))),
        figure(r, "11.2%", "11.2", 1, 1, Percent("sales", "2025", "2024", Some(("region", "south")))),
        figure(r, "61.3%", "61.3", 1, 0, Share("sales", "2025", ("region", "north"))),
        figure(r, "3300万元", "3300", WAN, 0, Value("sales", "2025", Some(("region", "south")))),
        figure(r, "13.0%", "13.0", 1, 1, Percent("sales", "2025", "2024", Some(("region", "south")))),
        figure(r, "2104万元", "2104", WAN, 0, Value("sales", "2025-Q3", None)),
        figure(r, "32.6%", "32.6", 1, 0, Value("margin", "2025-Q3", None)),
        figure(r, "2480万元", "2480", WAN, 0, Value("sales", "2025-Q4", None)),
        figure(r, "34.9%", "34.9", 1, 0, Value("margin", "2025-Q4", None)),
        figure(r, "8369万元", "8369", WAN, 0, Value("sales", "2025", None)),
        figure(r, "5310万元", "5310", WAN, 0, Value("sales", "2025", Some(("region", "north")))),
        // `2025年销售额前三大客户贡献3200万元` is about the customers, not the year's sales: no figure listed.
    ]
}

fn en_figures() -> Vec<Figure> {
    use States::*;
    let (o, r) = ("src/overview.md", "src/regions.md");
    vec![
        figure(o, "¥83.7M", "83.7", MILLION, 0, Value("sales", "2025", None)),
        figure(o, "12.9%", "12.9", 1, 1, Percent("sales", "2025", "2024", None)),
        figure(o, "104.6%", "104.6", 1, 0, Completion("sales", "2025")),
        figure(o, "33.2%", "33.2", 1, 0, Value("margin", "2025", None)),
        figure(o, "1.8 pp", "1.8", 1, 1, Difference("margin", "2025", "2024")),
        figure(o, "¥24.8M", "24.8", MILLION, 0, Value("sales", "2025-Q4", None)),
        figure(o, "17.9%", "17.9", 1, 1, Percent("sales", "2025-Q4", "2025-Q3", None)),
        figure(o, "56", "56", 1, 0, Value("dealers", "2025", None)),
        figure(o, "19 days", "19", 1, 0, Value("lead_time", "2025", None)),
        figure(o, "4 days", "4", 1, -1, Difference("lead_time", "2025", "2024")),
        figure(o, "¥84.1M", "84.1", MILLION, 0, Value("sales", "2025", None)),
        figure(o, "32.9%", "32.9", 1, 0, Value("margin", "2025", None)),
        figure(o, "15.2%", "15.2", 1, 1, Percent("sales", "2025-Q4", "2025-Q3", None)),
        figure(o, "2.4 percentage points", "2.4", 1, 1, Difference("margin", "2025", "2024")),
        figure(r, "¥51.3M", "51.3", MILLION, 0, Value("sales", "2025", Some(("region", "north")))),
        figure(r, "14.0%", "14.0", 1, 1, Percent("sales", "2025", "2024", Some(("region", "north")))),
        figure(r, "¥33.0M", "33.0", MILLION, 0, Value("sales", "2025", Some(("region", "south")))),
        figure(r, "¥21.0M", "21.0", MILLION, 0, Value("sales", "2025-Q3", None)),
        figure(r, "32.6%", "32.6", 1, 0, Value("margin", "2025-Q3", None)),
        figure(r, "¥24.8M", "24.8", MILLION, 0, Value("sales", "2025-Q4", None)),
        figure(r, "34.9%", "34.9", 1, 0, Value("margin", "2025-Q4", None)),
        // `¥32.0M of 2025 sales` is a part of the sales: no figure listed.
    ]
}

/// `check --format json`: the findings of one rule, as (file, the figure's text from the message).
fn findings(root: &Path, rule: &str) -> Vec<(String, String)> {
    let output = kpi().args(["check", "--format", "json"]).arg(root).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == rule)
        .map(|d| {
            let message = d["message"].as_str().unwrap();
            let text = message.split('`').nth(1).unwrap().to_string();
            (d["file"].as_str().unwrap().to_string(), text)
        })
        .collect()
}

/// The figure text as the finding quotes it: a count's suffix is not part of it (`58`, not `58家`).
fn finding_texts(figures: &[Figure], data: &DataSet) -> BTreeSet<(String, String)> {
    figures.iter().filter(|f| is_stale(data, f)).map(|f| (f.file.to_string(), f.text.to_string())).collect()
}

fn assert_stale_found(name: &str, figures: &[Figure], expected_count: usize) {
    let data = data(name);
    let expected = finding_texts(figures, &data);
    assert_eq!(expected.len(), expected_count, "{name}: the fixture's stale figures, by the data");
    let found = findings(&fixture(name), "data/stale-figure");
    let found_set: BTreeSet<(String, String)> = found.iter().cloned().collect();
    assert_eq!(found.len(), found_set.len(), "{name}: each stale figure once");
    assert_eq!(found_set, expected, "{name}: every stale figure found, none of the correct ones");
}

#[test]
fn every_stale_figure_of_the_chinese_report_is_found_and_no_correct_one() {
    assert_stale_found("zh", &zh_figures(), 9);
}

#[test]
fn every_stale_figure_of_the_english_report_is_found_and_no_correct_one() {
    assert_stale_found("en", &en_figures(), 6);
}

#[test]
fn the_same_fact_typed_twice_with_two_values_is_a_conflict_without_any_data() {
    for (name, text) in [("zh", "1420"), ("en", "1,420")] {
        let found = findings(&fixture(name), "data/conflicting-figures");
        assert_eq!(
            found,
            [(if name == "zh" { "src/appendix.md" } else { "src/regions.md" }.to_string(), text.to_string())]
        );
    }
    // No data file at all: the typed figures are held against each other only, and the stale ones now show as
    // the second typing of a fact.
    let (_dir, root) = copy("zh");
    std::fs::remove_file(root.join("kpi.toml")).unwrap();
    let found: BTreeSet<(String, String)> = findings(&root, "data/conflicting-figures").into_iter().collect();
    let expected: BTreeSet<(String, String)> =
        [("src/overview.md", "8412万元"), ("src/regions.md", "3300万元"), ("src/appendix.md", "1420")]
            .into_iter()
            .map(|(file, text)| (file.to_string(), text.to_string()))
            .collect();
    assert_eq!(found, expected);
    assert!(findings(&root, "data/stale-figure").is_empty());
}

#[test]
fn rule_levels_apply() {
    let (_dir, root) = copy("zh");
    let toml = root.join("book.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{text}\n[preprocessor.kpi.rules]\n\"data/stale-figure\" = \"off\"\n\"data/conflicting-figures\" = \"error\"\n")).unwrap();
    assert!(findings(&root, "data/stale-figure").is_empty());
    let output = kpi().args(["check", "--format", "json"]).arg(&root).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let conflict =
        json["diagnostics"].as_array().unwrap().iter().find(|d| d["rule"] == "data/conflicting-figures").unwrap();
    assert_eq!(conflict["severity"], "error");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn the_preprocessor_reports_stale_figures_as_build_errors() {
    let (_dir, root) = copy("en");
    let output = kpi().arg("build").arg(&root).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("error[data/stale-figure]").count(), 6, "{stderr}");
    assert_ne!(output.status.code(), Some(0));
}

/// Builds the book (mdBook in-process) into `dest` and returns its markdown-free output: every html page.
fn built(root: &Path, dest: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let output = kpi().arg("build").arg(root).arg("--dest-dir").arg(dest).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    support::read_tree(dest)
}

/// Turns the stale figures off (they stay as typed) so the book builds.
fn allow_stale(root: &Path) {
    let toml = root.join("book.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{text}\n[preprocessor.kpi.rules]\n\"data/stale-figure\" = \"warn\"\n")).unwrap();
}

#[test]
fn fix_keeps_the_built_book_byte_for_byte_and_a_second_run_changes_nothing() {
    for name in ["zh", "en"] {
        let (dir, root) = copy(name);
        allow_stale(&root);
        let before_sources = support::read_tree(&root.join("src"));
        let before = built(&root, &dir.path().join("before"));

        let dry = kpi().args(["fix", "--dry-run"]).arg(&root).output().unwrap();
        let diff = String::from_utf8_lossy(&dry.stdout).into_owned();
        assert!(diff.contains("+++ b/src/overview.md") && diff.contains("<<#kpi sales fy>>"), "{name}: {diff}");
        assert_eq!(support::read_tree(&root.join("src")), before_sources, "{name}: --dry-run writes nothing");

        let fixed = kpi().arg("fix").arg(&root).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&fixed.stdout), diff, "{name}: the run prints what the dry run did");
        let after_sources = support::read_tree(&root.join("src"));
        assert_ne!(after_sources, before_sources, "{name}: figures were rewritten");
        let overview = String::from_utf8(after_sources[Path::new("overview.md")].clone()).unwrap();
        // Code, comments and the disagreeing figures stay as typed.
        for kept in ["9000万元", "9100万元", "9200万元", "8412万元", "¥90M", "¥91M", "¥84.1M"] {
            assert_eq!(
                overview.contains(kept),
                String::from_utf8_lossy(&before_sources[Path::new("overview.md")]).contains(kept),
                "{name}: {kept}"
            );
        }
        let after = built(&root, &dir.path().join("after"));
        assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>());
        for (file, bytes) in &before {
            assert!(after[file] == *bytes, "{name}: {} differs after fix", file.display());
        }

        let again = kpi().arg("fix").arg(&root).output().unwrap();
        assert!(again.stdout.is_empty(), "{name}: {}", String::from_utf8_lossy(&again.stdout));
        assert_eq!(support::read_tree(&root.join("src")), after_sources, "{name}: a second run changes nothing");
    }
}

#[test]
fn fix_rewrites_the_agreeing_figures_into_directives() {
    let (_dir, root) = copy("zh");
    kpi().arg("fix").arg(&root).output().unwrap();
    let overview = std::fs::read_to_string(root.join("src/overview.md")).unwrap();
    assert!(
        overview.contains("2025年销售额<<#kpi sales fy>>，同比增长<<#kpi sales fy vs yoy as size>>。"),
        "{overview}"
    );
    assert!(overview.contains("全年新增经销商<<#kpi dealers fy>>"), "{overview}");
    assert!(overview.contains("2025年新增经销商58家"), "a stale figure stays: {overview}");
}

#[test]
fn fix_loses_nothing_on_bad_input_or_an_unwritable_folder() {
    // A book.toml that does not parse: nothing is written, exit 2.
    let (_dir, root) = copy("zh");
    let before = support::read_tree(&root);
    std::fs::write(root.join("book.toml"), "[book\n").unwrap();
    let output = kpi().arg("fix").arg(&root).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let mut expected = before.clone();
    expected.insert("book.toml".into(), b"[book\n".to_vec());
    assert_eq!(support::read_tree(&root), expected);

    // A chapter whose folder is a file's place: the rename cannot happen, the file stays whole, no temp left.
    let (_dir, root) = copy("zh");
    let chapter = root.join("src/overview.md");
    let text = std::fs::read(&chapter).unwrap();
    let error = mdbook_kpi::cli::fix::write_atomically(&root.join("src/missing-folder/overview.md"), "x");
    assert!(error.is_err());
    assert_eq!(std::fs::read(&chapter).unwrap(), text);
    let leftovers: Vec<_> = std::fs::read_dir(root.join("src"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    // A chapter that is a folder: writing over it fails and nothing else changes.
    let folder = root.join("src/not-a-file.md");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("keep"), "kept").unwrap();
    assert!(mdbook_kpi::cli::fix::write_atomically(&folder, "x").is_err());
    assert_eq!(std::fs::read_to_string(folder.join("keep")).unwrap(), "kept");
}
