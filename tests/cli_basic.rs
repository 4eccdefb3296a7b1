//! The command line as a user and mdBook meet it: exit codes, malformed stdin, output formats.

use assert_cmd::Command;
use predicates::prelude::*;

fn kpi() -> Command {
    let mut command = Command::cargo_bin("mdbook-kpi").unwrap();
    // MDBOOK_* variables would override book.toml keys inside mdbook-driver.
    command.env_remove("MDBOOK_BOOK").env_remove("MDBOOK_PREPROCESSOR");
    command
}

const V05: &str = r##"[{"root":"/nonexistent/book","config":{"book":{"title":"T","authors":[],"description":null,"language":"zh-CN","text-direction":null},"preprocessor":{"kpi":{"command":"mdbook-kpi"}}},"renderer":"html","mdbook_version":"0.5.4"},{"items":[{"Chapter":{"name":"Intro","content":"# Intro\n\n营收 1.2亿元\r\n","number":null,"sub_items":[],"path":"README.md","source_path":"README.md","parent_names":[]}},{"PartTitle":"Part"},{"Chapter":{"name":"A","content":"a","number":[1],"sub_items":[{"Chapter":{"name":"B","content":"b","number":[1,1],"sub_items":[],"path":"b.md","source_path":"b.md","parent_names":["A"]}}],"path":"a.md","source_path":"a.md","parent_names":[]}},"Separator"]}]"##;

const V04: &str = r##"[{"root":"/nonexistent/book","config":{"book":{"authors":[],"language":"en","src":"src","title":"T"},"preprocessor":{"kpi":{"command":"mdbook-kpi"}}},"renderer":"markdown","mdbook_version":"0.4.52"},{"sections":[{"Chapter":{"name":"A","content":"a\u0000 \"quoted\"","number":[1],"sub_items":[],"path":"a.md","source_path":"a.md","parent_names":[]}},"Separator"],"__non_exhaustive":null}]"##;

/// Element 1 of a request, as compact JSON.
fn book_of(request: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(request).unwrap();
    serde_json::to_string(&value[1]).unwrap()
}

#[test]
fn supports_every_renderer() {
    for renderer in ["html", "markdown", "epub", "latex", "test", "some-custom-thing"] {
        kpi().args(["supports", renderer]).assert().code(0).stdout("");
    }
}

#[test]
fn passes_both_dialects_through_unchanged() {
    for request in [V05, V04] {
        kpi().write_stdin(request).assert().code(0).stdout(book_of(request)).stderr("");
    }
}

#[test]
fn a_byte_order_mark_is_fine() {
    kpi().write_stdin(format!("\u{feff}{V05}")).assert().code(0).stdout(book_of(V05));
}

#[test]
fn malformed_stdin_is_a_clear_error() {
    let context = r#"{"root":"/","renderer":"html","mdbook_version":"0.5.4","config":{}}"#;
    let cases = [
        (String::new(), "stdin is empty"),
        ("[".to_string(), "stdin is not valid JSON"),
        ("{}".to_string(), "expected a JSON array"),
        ("[1, 2, 3]".to_string(), "found 3 elements"),
        (format!("[{context}, {{\"chapters\": []}}]"), "unknown book format"),
        (format!("[{context}, {{\"items\": [{{\"Chapter\": 1}}]}}]"), "items[0].Chapter must be an object"),
    ];
    for (input, message) in cases {
        kpi()
            .write_stdin(input.clone())
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(message).and(predicate::str::contains("help:")));
    }
    kpi().write_stdin(vec![0xff, 0xfe, 0x00]).assert().code(2).stderr(predicate::str::contains("not valid JSON"));
}

#[test]
fn warns_once_outside_the_supported_range_and_carries_on() {
    let request = V05.replace("\"0.5.4\"", "\"0.6.1\"");
    let assert = kpi().write_stdin(request.clone()).assert().code(0).stdout(book_of(&request));
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.matches("warning:").count(), 1, "{stderr}");
    assert!(stderr.contains("0.6.1"), "{stderr}");
}

#[test]
fn a_config_error_fails_without_output() {
    let request = V04.replace(r#"{"command":"mdbook-kpi"}"#, r#"{"command":"mdbook-kpi","locale":"fr"}"#);
    kpi()
        .write_stdin(request)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("error[config/invalid]: `preprocessor.kpi.locale`"));
}

#[test]
fn a_config_warning_does_not_fail() {
    let request = V04.replace(r#"{"command":"mdbook-kpi"}"#, r#"{"command":"mdbook-kpi","local":"en"}"#);
    kpi()
        .write_stdin(request.clone())
        .assert()
        .code(0)
        .stdout(book_of(&request))
        .stderr(predicate::str::contains("warning[config/unknown-key]").and(predicate::str::contains("`locale`")));
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    kpi().arg("frobnicate").assert().code(2).stderr(predicate::str::contains("frobnicate"));
    kpi().args(["check", "--format", "xml"]).assert().code(2);
    kpi().arg("supports").assert().code(2);
    kpi().arg("--help").assert().code(0).stdout(predicate::str::contains("check"));
    kpi().arg("--version").assert().code(0).stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
}

/// A temp book with a chapter and the given book.toml.
fn temp_book(book_toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("book.toml"), book_toml).unwrap();
    std::fs::write(dir.path().join("src/SUMMARY.md"), "# Summary\n\n- [One](one.md)\n").unwrap();
    std::fs::write(dir.path().join("src/one.md"), "# One\n\nText.\n").unwrap();
    dir
}

#[test]
fn check_exit_codes() {
    let clean = temp_book("[book]\ntitle = \"x\"\n\n[preprocessor.kpi]\n");
    kpi().arg("check").arg(clean.path()).assert().code(0);
    kpi().arg("check").arg(clean.path()).arg("--deny-warnings").assert().code(0);

    let warning = temp_book("[book]\ntitle = \"x\"\n\n[preprocessor.kpi]\nlocal = \"en\"\n");
    kpi().arg("check").arg(warning.path()).assert().code(0).stdout(predicate::str::contains("book.toml:5:1"));
    kpi().arg("check").arg(warning.path()).arg("--deny-warnings").assert().code(1);

    let config_error = temp_book("[preprocessor.kpi]\nprecision = -3\n");
    kpi().arg("check").arg(config_error.path()).assert().code(2).stdout(predicate::str::contains("config/invalid"));
    let bad_toml = temp_book("[book\n");
    kpi().arg("check").arg(bad_toml.path()).assert().code(2).stdout(predicate::str::contains("not valid TOML"));

    kpi().args(["check", "/nonexistent/book/folder"]).assert().code(2).stderr(predicate::str::contains("cannot open"));
    let no_summary = tempfile::tempdir().unwrap();
    kpi()
        .arg("check")
        .arg(no_summary.path())
        .assert()
        .code(2)
        .stdout(predicate::str::contains("error[book/missing-file]").and(predicate::str::contains("src/SUMMARY.md")));
}

#[test]
fn check_never_writes_into_the_book() {
    // mdBook would create a missing chapter file; check must not.
    let book = temp_book("[book]\ntitle = \"x\"\n");
    std::fs::write(book.path().join("src/SUMMARY.md"), "# Summary\n\n- [Missing](missing.md)\n").unwrap();
    kpi()
        .arg("check")
        .arg(book.path())
        .assert()
        .code(2)
        .stdout(predicate::str::contains("book/missing-file").and(predicate::str::contains("src/SUMMARY.md:3:")));
    assert!(!book.path().join("src/missing.md").exists());
}

#[test]
fn check_formats() {
    let book = temp_book("[book]\ntitle = \"x\"\n\n[preprocessor.kpi]\nlocal = \"en\"\n");
    let output = kpi().arg("check").arg(book.path()).args(["--format", "json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["diagnostics"][0]["rule"], "config/unknown-key");
    assert_eq!(json["diagnostics"][0]["file"], "book.toml");
    assert_eq!(json["diagnostics"][0]["line"], 5);
    assert_eq!(json["summary"]["warnings"], 1);

    kpi()
        .arg("check")
        .arg(book.path())
        .args(["--format", "github"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("::warning file=book.toml,line=5"));

    let output = kpi().arg("check").arg(book.path()).args(["--format", "sarif"]).output().unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "config/unknown-key");
    assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "book.toml");

    kpi().arg("check").arg(book.path()).assert().code(0).stdout(
        predicate::str::contains("warning[config/unknown-key]").and(predicate::str::contains("local = \"en\"")),
    );
}

#[test]
fn install_adds_the_table_once() {
    let book = temp_book("# my book\n[book]\ntitle = \"x\" # keep\n");
    kpi().arg("install").arg(book.path()).assert().code(0);
    let once = std::fs::read_to_string(book.path().join("book.toml")).unwrap();
    assert!(once.starts_with("# my book\n[book]\ntitle = \"x\" # keep\n"), "{once}");
    assert!(once.contains("[preprocessor.kpi]"), "{once}");
    kpi().arg("install").arg(book.path()).assert().code(0).stderr(predicate::str::contains("nothing to do"));
    assert_eq!(std::fs::read_to_string(book.path().join("book.toml")).unwrap(), once);
    kpi().arg("check").arg(book.path()).arg("--deny-warnings").assert().code(0);

    let no_book = tempfile::tempdir().unwrap();
    kpi().arg("install").arg(no_book.path()).assert().code(2).stderr(predicate::str::contains("mdbook-kpi init"));
}

#[test]
fn init_creates_a_book_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("report");
    kpi().arg("init").arg(&root).args(["--locale", "en"]).assert().code(0);
    for file in ["book.toml", "data/kpi.toml", "src/SUMMARY.md", "src/strategy.md", ".gitignore"] {
        assert!(root.join(file).is_file(), "{file}");
    }
    assert!(std::fs::read_to_string(root.join("src/plan.md")).unwrap().starts_with("# Plan"));
    kpi().arg("check").arg(&root).arg("--deny-warnings").assert().code(0).stdout(quiet_success());

    // A second run refuses and changes nothing; --force overwrites.
    std::fs::write(root.join("src/plan.md"), "# My own plan\n").unwrap();
    kpi()
        .arg("init")
        .arg(&root)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not overwriting").and(predicate::str::contains("--force")));
    assert_eq!(std::fs::read_to_string(root.join("src/plan.md")).unwrap(), "# My own plan\n");
    kpi().arg("init").arg(&root).args(["--locale", "zh-CN", "--force"]).assert().code(0);
    assert!(std::fs::read_to_string(root.join("src/plan.md")).unwrap().starts_with("# 四、未来规划"));
    // The Chinese book passes the year-end-sales structure check without a warning too.
    kpi().arg("check").arg(&root).arg("--deny-warnings").assert().code(0).stdout(quiet_success());
}

/// `check`'s one line when all is well (issue 18: quiet success still says what was checked).
fn quiet_success() -> impl predicates::Predicate<str> {
    predicate::str::is_match(r"\Aok: \d+ chapters?, \d+ directives?, 0 errors, 0 warnings\n\z").unwrap()
}

fn report_fixture() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/books/report")
}

#[test]
fn expands_directives_from_stdin_in_both_dialects() {
    let root = serde_json::Value::String(report_fixture().to_string_lossy().into_owned()).to_string();
    for request in [V05, V04] {
        let request = request
            .replace("\"/nonexistent/book\"", &root)
            .replace(r#""content":"a""#, r#""content":"营收<<#kpi revenue 2023 locale=zh-CN>>;\n`<<#kpi x>>`""#);
        let expected = book_of(&request).replace("营收<<#kpi revenue 2023 locale=zh-CN>>", "营收1.2亿元");
        kpi().write_stdin(request.clone()).assert().code(0).stdout(expected).stderr("");
    }
}

#[test]
fn eval_prints_the_sentence_or_the_context() {
    let book = report_fixture();
    kpi().arg("eval").arg("--book").arg(&book).arg("revenue 2023").assert().code(0).stdout("1.2亿元\n");
    kpi()
        .arg("eval")
        .arg("--book")
        .arg(&book)
        .arg("<<#kpi revenue 2023 vs target locale=en>>")
        .assert()
        .code(0)
        .stdout("2023 revenue was RMB 120M, 105% of the RMB 114M target\n");
    let output = kpi().arg("eval").arg("--book").arg(&book).args(["--json", "revenue q4 vs q3"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let context: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(context["metric"]["id"], "revenue");
    assert_eq!(context["change"]["direction"], "up");
    kpi()
        .arg("eval")
        .arg("--book")
        .arg(&book)
        .arg("revnue 2023")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("error[kpi/unknown-metric]").and(predicate::str::contains("`revenue`")));
}

#[test]
fn check_reports_directive_errors_with_their_place() {
    kpi().arg("check").arg(report_fixture()).arg("--deny-warnings").assert().code(0).stdout(quiet_success());
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::copy(report_fixture().join("kpi.toml"), root.join("kpi.toml")).unwrap();
    std::fs::write(root.join("book.toml"), "[book]\nlanguage = \"zh-CN\"\n[preprocessor.kpi]\n").unwrap();
    std::fs::write(root.join("src/SUMMARY.md"), "# Summary\n\n- [一](one.md)\n").unwrap();
    std::fs::write(root.join("src/one.md"), "# 一\n\n营收:<<#kpi revenue 2023 vs tagret>>\n").unwrap();
    let output = kpi().arg("check").arg(root).args(["--format", "json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let finding = &json["diagnostics"][0];
    assert_eq!(finding["file"], "src/one.md");
    assert_eq!(finding["line"], 3);
    assert!(finding["rule"].as_str().unwrap().starts_with("kpi/"), "{finding}");
    assert_eq!(json["summary"]["errors"], 1);
    // check never changes the chapter.
    assert_eq!(
        std::fs::read_to_string(root.join("src/one.md")).unwrap(),
        "# 一\n\n营收:<<#kpi revenue 2023 vs tagret>>\n"
    );
}

#[test]
fn check_runs_the_structure_check() {
    let book = temp_book("[book]\nlanguage = \"zh-CN\"\n[preprocessor.kpi]\nstructure = \"year-end-sales\"\n");
    std::fs::write(book.path().join("src/one.md"), "# 业绩回顾\n\n我们要赋能团队。\n").unwrap();
    let output = kpi().arg("check").arg(book.path()).args(["--format", "json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rules: Vec<&str> =
        json["diagnostics"].as_array().unwrap().iter().map(|d| d["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"structure/missing-module"), "{rules:?}");
    let jargon = json["diagnostics"].as_array().unwrap().iter().find(|d| d["rule"] == "style/jargon").unwrap();
    assert_eq!(
        (jargon["file"].as_str(), jargon["line"].as_u64(), jargon["column"].as_u64()),
        (Some("src/one.md"), Some(3), Some(4))
    );

    let unknown_schema = temp_book("[preprocessor.kpi]\nstructure = \"year-end-sale\"\n");
    kpi().arg("check").arg(unknown_schema.path()).assert().code(2).stdout(predicate::str::contains("year-end-sales"));
}
