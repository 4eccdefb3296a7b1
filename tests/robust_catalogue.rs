//! docs/src/errors-and-guarantees.md: a table of bad inputs, each with the rule id (or message), file and position it
//! must be reported with. Every case runs in a book of its own in a temporary folder, and every file of that book is
//! hashed before and after: nothing the tool reads is ever modified. Library cases run the data loader and the
//! preprocessor; CLI cases run the real binary and also assert a non-zero exit.

use std::collections::BTreeMap;
use std::path::Path;

use mdbook_kpi::config::Config;
use mdbook_kpi::diagnostics::{Diagnostic, Severity};
use mdbook_kpi::preprocess::Preprocessor;

const REFERENCE: &str = include_str!("fixtures/reference/kpi.toml");

/// What a case must report: the rule, the file, the 1-based line and column (0 when the finding is about a whole
/// file), and words its message or help must contain. Columns count characters in every file, CSV too: a CSV
/// finding points at its cell's first character (the message also names the cell: "row 2, column 4 (value)").
struct Expect {
    rule: &'static str,
    file: &'static str,
    line: usize,
    column: usize,
    says: &'static [&'static str],
}

/// How a case runs: load the data files alone, or expand one chapter over them.
enum Run {
    Load(&'static [&'static str]),
    Expand {
        data: &'static [&'static str],
        chapter: &'static str,
    },
    /// Load the `structure` schema (a built-in name or a path).
    Schema(&'static str),
}

struct Case {
    name: &'static str,
    files: &'static [(&'static str, &'static [u8])],
    run: Run,
    /// `None`: the input is fine (a BOM, CRLF) and must load or expand without errors.
    expect: Option<Expect>,
}

const fn fails(
    rule: &'static str,
    file: &'static str,
    line: usize,
    column: usize,
    says: &'static [&'static str],
) -> Option<Expect> {
    Some(Expect { rule, file, line, column, says })
}

const REF: (&str, &[u8]) = ("kpi.toml", REFERENCE.as_bytes());
const LOAD_TOML: Run = Run::Load(&["kpi.toml"]);
const LOAD_JSON: Run = Run::Load(&["kpi.json"]);
const LOAD_CSV: Run = Run::Load(&["kpi.csv"]);
const LOAD_BOTH: Run = Run::Load(&["kpi.toml", "kpi.csv"]);

const fn chapter(text: &'static str) -> Run {
    Run::Expand { data: &["kpi.toml"], chapter: text }
}

static CASES: &[Case] = &[
    // --- TOML ---------------------------------------------------------------------------------------------------
    Case {
        name: "toml: unclosed table header",
        files: &[("kpi.toml", b"[meta\nyear = 2023\n")],
        run: LOAD_TOML,
        expect: fails("data/syntax", "kpi.toml", 1, 6, &["invalid TOML"]),
    },
    Case {
        name: "toml: value without a key",
        files: &[("kpi.toml", b"[meta]\nyear = 2023\n= 5\n")],
        run: LOAD_TOML,
        expect: fails("data/syntax", "kpi.toml", 3, 1, &["invalid TOML"]),
    },
    Case {
        name: "toml: unit of the wrong type",
        files: &[("kpi.toml", b"[metrics.revenue]\nunit = 5\nvalues = { \"2023\" = 1 }\n")],
        run: LOAD_TOML,
        expect: fails("data/invalid", "kpi.toml", 2, 8, &["unit"]),
    },
    Case {
        name: "toml: unknown unit",
        files: &[("kpi.toml", b"[metrics.revenue]\nunit = \"dollars\"\nvalues = { \"2023\" = 1 }\n")],
        run: LOAD_TOML,
        expect: fails("data/invalid", "kpi.toml", 2, 8, &["dollars"]),
    },
    Case {
        name: "toml: malformed period",
        files: &[("kpi.toml", b"[metrics.revenue]\nvalues = { \"2023-Q5\" = 1 }\n")],
        run: LOAD_TOML,
        expect: fails("data/bad-period", "kpi.toml", 2, 12, &["2023-Q5"]),
    },
    Case {
        name: "toml: a number as text",
        files: &[("kpi.toml", b"[metrics.revenue]\nvalues = { \"2023\" = \"36,000,000\" }\n")],
        run: LOAD_TOML,
        expect: fails("data/invalid", "kpi.toml", 2, 21, &["must be a number"]),
    },
    Case {
        name: "toml: the same fact twice (periods differ only in case)",
        files: &[("kpi.toml", b"[metrics.revenue]\nvalues = { \"2023-q4\" = 1, \"2023-Q4\" = 2 }\n")],
        run: LOAD_TOML,
        expect: fails("data/duplicate-fact", "kpi.toml", 2, 39, &["kpi.toml:2"]),
    },
    Case {
        name: "toml: formula naming an unknown metric",
        files: &[("kpi.toml", b"[metrics.a]\nvalues = { \"2023\" = 1 }\n[metrics.b]\nformula = \"a / revnue\"\n")],
        run: LOAD_TOML,
        expect: fails("data/formula", "kpi.toml", 3, 10, &["revnue"]),
    },
    Case {
        name: "toml: formulas in a cycle",
        files: &[("kpi.toml", b"[metrics.a]\nformula = \"b + 1\"\n[metrics.b]\nformula = \"a * 2\"\n")],
        run: LOAD_TOML,
        expect: fails("data/formula", "kpi.toml", 1, 10, &["a → b → a"]),
    },
    Case {
        name: "toml: malformed formula",
        files: &[("kpi.toml", b"[metrics.a]\nvalues = { \"2023\" = 1 }\n[metrics.b]\nformula = \"a / (a\"\n")],
        run: LOAD_TOML,
        expect: fails("data/formula", "kpi.toml", 4, 18, &[]),
    },
    Case {
        name: "toml: not UTF-8",
        files: &[("kpi.toml", b"[meta]\nyear = 2023\n[metrics.r]\nlabel = \"\xff\xfe\"\n")],
        run: LOAD_TOML,
        expect: fails("data/syntax", "kpi.toml", 4, 10, &["UTF-8"]),
    },
    Case {
        name: "toml: a number beyond any decimal",
        files: &[("kpi.toml", b"[metrics.r]\nvalues = { \"2023\" = 1e400 }\n")],
        run: LOAD_TOML,
        expect: fails("data/bad-value", "kpi.toml", 2, 21, &[]),
    },
    Case {
        name: "toml: infinity",
        files: &[("kpi.toml", b"[metrics.r]\nvalues = { \"2023\" = inf }\n")],
        run: LOAD_TOML,
        expect: fails("data/bad-value", "kpi.toml", 2, 21, &[]),
    },
    Case {
        name: "toml: NaN",
        files: &[("kpi.toml", b"[metrics.r]\nvalues = { \"2023\" = nan }\n")],
        run: LOAD_TOML,
        expect: fails("data/bad-value", "kpi.toml", 2, 21, &[]),
    },
    Case {
        name: "toml: a BOM and CRLF line ends are fine",
        files: &[("kpi.toml", b"\xef\xbb\xbf[meta]\r\nyear = 2023\r\n[metrics.r]\r\nvalues = { \"2023\" = 1 }\r\n")],
        run: LOAD_TOML,
        expect: None,
    },
    // --- JSON ---------------------------------------------------------------------------------------------------
    Case {
        name: "json: trailing comma",
        files: &[("kpi.json", b"{\"meta\": {\"year\": 2023,}}\n")],
        run: LOAD_JSON,
        expect: fails("data/syntax", "kpi.json", 1, 24, &["invalid JSON"]),
    },
    Case {
        name: "json: an array at the top",
        files: &[("kpi.json", b"[1, 2, 3]\n")],
        run: LOAD_JSON,
        expect: fails("data/invalid", "kpi.json", 1, 1, &["the top level must be a table"]),
    },
    Case {
        name: "json: unknown key in a metric, did you mean",
        files: &[("kpi.json", b"{\"metrics\": {\"r\": {\"unti\": \"count\"}}}\n")],
        run: LOAD_JSON,
        expect: fails("data/invalid", "kpi.json", 1, 20, &["unti", "did you mean `unit`"]),
    },
    Case {
        name: "json: NaN is not JSON",
        files: &[("kpi.json", b"{\"metrics\": {\"r\": {\"values\": {\"2023\": NaN}}}}\n")],
        run: LOAD_JSON,
        expect: fails("data/syntax", "kpi.json", 1, 39, &["invalid JSON"]),
    },
    Case {
        name: "json: a huge number",
        files: &[("kpi.json", b"{\"metrics\": {\"r\": {\"values\": {\"2023\": 1e999}}}}\n")],
        run: LOAD_JSON,
        expect: fails("data/bad-value", "kpi.json", 1, 39, &[]),
    },
    Case {
        name: "json: a BOM is fine",
        files: &[("kpi.json", b"\xef\xbb\xbf{\"metrics\": {\"r\": {\"values\": {\"2023\": 1}}}}\r\n")],
        run: LOAD_JSON,
        expect: None,
    },
    // --- CSV ----------------------------------------------------------------------------------------------------
    Case {
        name: "csv: a ragged row",
        files: &[("kpi.csv", b"metric,period,region,value\nrevenue,2023,east,1,extra\n")],
        run: LOAD_CSV,
        expect: fails("data/syntax", "kpi.csv", 2, 1, &[]),
    },
    Case {
        name: "csv: a short row",
        files: &[("kpi.csv", b"metric,period,region,value\nrevenue,2023\n")],
        run: LOAD_CSV,
        expect: fails("data/syntax", "kpi.csv", 2, 1, &[]),
    },
    Case {
        name: "csv: thousands separators",
        files: &[("kpi.csv", b"metric,period,region,value\nrevenue,2023,east,\"36,000,000\"\n")],
        run: LOAD_CSV,
        expect: fails("data/bad-value", "kpi.csv", 2, 19, &["36,000,000", "column 4 (value)"]),
    },
    Case {
        name: "csv: a currency sign",
        files: &[("kpi.csv", b"metric,period,region,value\nrevenue,2023,east,\xc2\xa53600\n")],
        run: LOAD_CSV,
        expect: fails("data/bad-value", "kpi.csv", 2, 19, &[]),
    },
    Case {
        name: "csv: a percent sign",
        files: &[("kpi.csv", b"metric,period,region,value\nshare,2023,east,75%\n")],
        run: LOAD_CSV,
        expect: fails("data/bad-value", "kpi.csv", 2, 17, &["75%"]),
    },
    Case {
        name: "csv: NaN",
        files: &[("kpi.csv", b"metric,period,region,value\nrevenue,2023,east,NaN\n")],
        run: LOAD_CSV,
        expect: fails("data/bad-value", "kpi.csv", 2, 19, &[]),
    },
    Case {
        name: "csv: infinity",
        files: &[("kpi.csv", b"metric,period,region,value\nrevenue,2023,east,-inf\n")],
        run: LOAD_CSV,
        expect: fails("data/bad-value", "kpi.csv", 2, 19, &[]),
    },
    Case {
        name: "csv: an empty value",
        files: &[("kpi.csv", b"metric,period,region,value\nrevenue,2023,east,\n")],
        run: LOAD_CSV,
        expect: fails("data/bad-value", "kpi.csv", 2, 19, &[]),
    },
    Case {
        name: "csv: a number beyond any decimal",
        files: &[("kpi.csv", b"metric,period,region,value\nrevenue,2023,east,1e300\n")],
        run: LOAD_CSV,
        expect: fails("data/bad-value", "kpi.csv", 2, 19, &[]),
    },
    Case {
        name: "csv: a malformed period",
        files: &[("kpi.csv", b"metric,period,region,value\nrevenue,2023Q4,east,1\n")],
        run: LOAD_CSV,
        expect: fails("data/bad-period", "kpi.csv", 2, 9, &["2023Q4"]),
    },
    Case {
        name: "csv: no value column",
        files: &[("kpi.csv", b"metric,period,region\nrevenue,2023,east\n")],
        run: LOAD_CSV,
        expect: fails("data/invalid", "kpi.csv", 1, 1, &["value"]),
    },
    Case {
        name: "csv: an unknown kind",
        files: &[("kpi.csv", b"metric,period,kind,value\nrevenue,2023,forecast,1\n")],
        run: LOAD_CSV,
        expect: fails("data/invalid", "kpi.csv", 2, 14, &["forecast"]),
    },
    Case {
        name: "csv: the same fact twice",
        files: &[("kpi.csv", b"metric,period,region,value\nrevenue,2023,east,1\nrevenue,2023,east,2\n")],
        run: LOAD_CSV,
        expect: fails("data/duplicate-fact", "kpi.csv", 3, 19, &["kpi.csv:2:19"]),
    },
    Case {
        name: "csv: not UTF-8",
        files: &[("kpi.csv", b"metric,period,region,value\nrevenue,2023,\xff\xfe,1\n")],
        run: LOAD_CSV,
        expect: fails("data/syntax", "kpi.csv", 2, 14, &["UTF-8"]),
    },
    Case {
        name: "csv: a BOM and CRLF line ends are fine",
        files: &[("kpi.csv", b"\xef\xbb\xbfmetric,period,region,value\r\nrevenue,2023,east,1\r\nrevenue,2023,,1\r\n")],
        run: LOAD_CSV,
        expect: None,
    },
    // --- across files -------------------------------------------------------------------------------------------
    Case {
        name: "toml and csv: the same fact in both",
        files: &[REF, ("kpi.csv", b"metric,period,value\nrevenue,2023-Q4,36000000\n")],
        run: LOAD_BOTH,
        expect: fails("data/duplicate-fact", "kpi.csv", 2, 17, &["kpi.toml"]),
    },
    Case {
        name: "csv: a member its dimension does not declare, did you mean",
        files: &[REF, ("kpi.csv", b"metric,period,product,value\nrevenue,2021,ai-qa,1\n")],
        run: LOAD_BOTH,
        expect: fails("data/invalid", "kpi.csv", 2, 14, &["ai-qa", "did you mean `ai-qc`"]),
    },
    Case {
        name: "csv: a metric without metadata is a plain number (not an error)",
        files: &[REF, ("kpi.csv", b"metric,period,value\nprofit,2023,1\n")],
        run: LOAD_BOTH,
        expect: None,
    },
    Case {
        name: "a missing data file",
        files: &[],
        run: LOAD_TOML,
        expect: fails("data/missing-file", "kpi.toml", 0, 0, &["kpi.toml"]),
    },
    Case {
        name: "a data file of another format",
        files: &[("kpi.yaml", b"meta: {year: 2023}\n")],
        run: Run::Load(&["kpi.yaml"]),
        expect: fails("data/invalid", "kpi.yaml", 0, 0, &[".toml, .json or .csv"]),
    },
    // --- data questions directives ask --------------------------------------------------------------------------
    Case {
        name: "a partial roll-up names the missing quarter",
        files: &[("kpi.toml", b"[meta]\nyear = 2023\n[metrics.r]\nunit = \"count\"\nvalues = { \"2023-Q1\" = 1, \"2023-Q2\" = 1, \"2023-Q3\" = 1 }\n")],
        run: chapter("Total: <<#kpi r fy>>\n"),
        expect: fails("kpi/no-data", "src/chapter.md", 1, 17, &["missing 2023-Q4"]),
    },
    Case {
        name: "a formula dividing by zero",
        files: &[("kpi.toml", b"[meta]\nyear = 2023\n[metrics.a]\nvalues = { \"2023\" = 1 }\n[metrics.b]\nvalues = { \"2023\" = 0 }\n[metrics.c]\nformula = \"a / b\"\n")],
        run: chapter("<<#kpi c 2023>>\n"),
        expect: fails("kpi/no-data", "src/chapter.md", 1, 10, &["division by zero"]),
    },
    // --- schemas ------------------------------------------------------------------------------------------------
    Case {
        name: "schema: a misspelt built-in name",
        files: &[],
        run: Run::Schema("year-end-sale"),
        expect: fails("schema/invalid", "book.toml", 0, 0, &["did you mean `year-end-sales`"]),
    },
    Case {
        name: "schema: a missing file",
        files: &[],
        run: Run::Schema("schemas/report.toml"),
        expect: fails("schema/invalid", "book.toml", 0, 0, &["schemas/report.toml"]),
    },
    Case {
        name: "schema: malformed TOML",
        files: &[("report.toml", b"[[modules]]\nid = \"a\"\ntitles = [\"A\"\n")],
        run: Run::Schema("report.toml"),
        expect: fails("schema/invalid", "report.toml", 3, 0, &["malformed schema"]),
    },
    Case {
        name: "schema: an unknown key",
        files: &[("report.toml", b"[[modules]]\nid = \"a\"\ntitles = [\"A\"]\nsmrt = true\n")],
        run: Run::Schema("report.toml"),
        expect: fails("schema/invalid", "report.toml", 4, 1, &["smrt"]),
    },
    Case {
        name: "schema: no modules",
        files: &[("report.toml", b"name = \"empty\"\nmodules = []\n")],
        run: Run::Schema("report.toml"),
        expect: fails("schema/invalid", "report.toml", 0, 0, &["no modules"]),
    },
    Case {
        name: "schema: a path outside the book",
        files: &[],
        run: Run::Schema("../../../../../../../../etc/hostname"),
        expect: fails("data/path", "book.toml", 0, 0, &["outside the book root"]),
    },
    Case {
        name: "schema: not UTF-8",
        files: &[("report.toml", b"[[modules]]\nid = \"\xff\"\n")],
        run: Run::Schema("report.toml"),
        expect: fails("schema/invalid", "report.toml", 0, 0, &["UTF-8"]),
    },
    Case {
        name: "a change beyond exact decimal arithmetic is an error, not \"unchanged\"",
        files: &[(
            "kpi.toml",
            b"[meta]\nyear = 2023\n[metrics.b]\nunit = \"percent\"\nvalues = { \"2023\" = 70000000000000000000000000000, \"2022\" = -70000000000000000000000000000 }\n",
        )],
        run: chapter("<<#kpi b 2023 vs yoy>>\n"),
        expect: fails("kpi/no-data", "src/chapter.md", 1, 18, &["too large to compare"]),
    },
    Case {
        name: "a roll-up beyond exact decimal arithmetic says so",
        files: &[(
            "kpi.toml",
            b"[meta]\nyear = 2023\n[metrics.a]\nunit = \"count\"\nvalues = { \"2023-H1\" = 70000000000000000000000000000, \"2023-H2\" = 70000000000000000000000000000 }\n",
        )],
        run: chapter("<<#kpi a fy>>\n"),
        expect: fails("kpi/no-data", "src/chapter.md", 1, 10, &["exact value of a for 2023", "too large"]),
    },
    Case {
        name: "a ratio too large to state in percent",
        files: &[(
            "kpi.toml",
            b"[meta]\nyear = 2023\n[metrics.r]\nunit = \"ratio\"\nvalues = { \"2023\" = 1000000000000000000000000000 }\n",
        )],
        run: chapter("<<#kpi r 2023>>\n"),
        expect: fails("kpi/no-data", "src/chapter.md", 1, 10, &["too large"]),
    },
    Case {
        name: "a value beyond a percentage of its target",
        files: &[(
            "kpi.toml",
            b"[meta]\nyear = 2023\n[metrics.a]\nvalues = { \"2023\" = 7000000000000000000000000000 }\ntargets = { \"2023\" = 0.1 }\n",
        )],
        run: chapter("<<#kpi a 2023 vs target>>\n"),
        expect: fails("kpi/no-data", "src/chapter.md", 1, 18, &["too large"]),
    },
    // --- directives ---------------------------------------------------------------------------------------------
    Case {
        name: "directive: unterminated",
        files: &[REF],
        run: chapter("Revenue: <<#kpi revenue q4\n"),
        expect: fails("kpi/syntax", "src/chapter.md", 1, 10, &[">>"]),
    },
    Case {
        name: "directive: empty",
        files: &[REF],
        run: chapter("<<#kpi>>\n"),
        expect: fails("kpi/syntax", "src/chapter.md", 1, 1, &[]),
    },
    Case {
        name: "directive: unknown comparand",
        files: &[REF],
        run: chapter("x <<#kpi revenue q4 vs lastyear>>\n"),
        expect: fails("kpi/syntax", "src/chapter.md", 1, 24, &["lastyear"]),
    },
    Case {
        name: "directive: unknown option, with a suggestion",
        files: &[REF],
        run: chapter("x <<#kpi revenue q4 precison=0>>\n"),
        expect: fails("kpi/syntax", "src/chapter.md", 1, 21, &["precision"]),
    },
    Case {
        name: "directive: an option value of the wrong kind",
        files: &[REF],
        run: chapter("x <<#kpi revenue q4 precision=many>>\n"),
        expect: fails("kpi/syntax", "src/chapter.md", 1, 31, &["many"]),
    },
    Case {
        name: "directive: a chart option on a sentence",
        files: &[REF],
        run: chapter("x <<#kpi revenue q4 height=200>>\n"),
        expect: fails("kpi/syntax", "src/chapter.md", 1, 21, &["as chart"]),
    },
    Case {
        name: "directive: a table inside a line",
        files: &[REF],
        run: chapter("See <<#kpi revenue 2023 by product as table>> here.\n"),
        expect: fails("kpi/syntax", "src/chapter.md", 1, 39, &["alone"]),
    },
    Case {
        name: "directive: unknown metric, did you mean",
        files: &[REF],
        run: chapter("营收:<<#kpi revnue q4>>\n"),
        expect: fails("kpi/unknown-metric", "src/chapter.md", 1, 11, &["did you mean `revenue`"]),
    },
    Case {
        name: "directive: unknown dimension, did you mean",
        files: &[REF],
        run: chapter("<<#kpi revenue prodcut=ai-qc 2023>>\n"),
        expect: fails("kpi/unknown-dimension", "src/chapter.md", 1, 16, &["did you mean `product`"]),
    },
    Case {
        name: "directive: unknown member, did you mean",
        files: &[REF],
        run: chapter("<<#kpi revenue product=ai-qa 2023>>\n"),
        expect: fails("kpi/unknown-member", "src/chapter.md", 1, 24, &["did you mean `ai-qc`"]),
    },
    Case {
        name: "directive: unknown dimension in by",
        files: &[REF],
        run: chapter("<<#kpi revenue 2023 by region>>\n"),
        expect: fails("kpi/unknown-dimension", "src/chapter.md", 1, 24, &["region"]),
    },
    Case {
        name: "directive: a quarter that does not exist",
        files: &[REF],
        run: chapter("<<#kpi revenue q5>>\n"),
        expect: fails("kpi/bad-period", "src/chapter.md", 1, 16, &["q5"]),
    },
    Case {
        name: "directive: a period with no data",
        files: &[REF],
        run: chapter("<<#kpi revenue 2019>>\n"),
        expect: fails("kpi/no-data", "src/chapter.md", 1, 16, &["2019"]),
    },
    Case {
        name: "directive: CRLF and a BOM in the chapter are fine",
        files: &[REF],
        run: chapter("\u{feff}# T\r\n\r\n<<#kpi revenue q4 vs q3>>\r\n"),
        expect: None,
    },
];

/// Every file under `root` with a hash of its bytes and its modification time.
fn snapshot(root: &Path) -> BTreeMap<String, (u64, Option<std::time::SystemTime>)> {
    use std::hash::{Hash, Hasher};
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("a readable folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap_or_default();
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                bytes.hash(&mut hasher);
                let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
                files.insert(
                    path.strip_prefix(root).unwrap().to_string_lossy().into_owned(),
                    (hasher.finish(), modified),
                );
            }
        }
    }
    files
}

fn book(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (path, bytes) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}

fn findings(root: &Path, run: &Run) -> Vec<Diagnostic> {
    let strings = |files: &[&str]| files.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match run {
        Run::Load(files) => match mdbook_kpi::data::load(root, &strings(files)) {
            Ok(data) => data.warnings,
            Err(errors) => errors,
        },
        Run::Expand { data, chapter } => {
            let config = Config { data: strings(data), ..Config::default() };
            let mut preprocessor = Preprocessor::new(root, config, Some("en"), "html");
            preprocessor.expand_chapter("src/chapter.md", chapter);
            preprocessor.diagnostics()
        }
        Run::Schema(spec) => mdbook_kpi::check::load_schema(spec, root).err().into_iter().collect(),
    }
}

fn check_case(case: &Case) -> Result<(), String> {
    let dir = book(case.files);
    let before = snapshot(dir.path());
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| findings(dir.path(), &case.run)));
    let found = result.map_err(|_| "panicked".to_string())?;
    if snapshot(dir.path()) != before {
        return Err("a file of the book changed".into());
    }
    let errors: Vec<&Diagnostic> = found.iter().filter(|d| d.severity == Severity::Error).collect();
    let Some(expect) = &case.expect else {
        return if errors.is_empty() { Ok(()) } else { Err(format!("expected no errors, got {errors:#?}")) };
    };
    let matching = found.iter().find(|d| {
        d.rule == expect.rule
            && d.file == expect.file
            && (expect.line == 0 || d.line == expect.line)
            && (expect.column == 0 || d.column == expect.column)
    });
    let Some(finding) = matching else {
        return Err(format!(
            "expected {} at {}:{}:{}, got {found:#?}",
            expect.rule, expect.file, expect.line, expect.column
        ));
    };
    if finding.severity != Severity::Error {
        return Err(format!("{} is not an error", finding.rule));
    }
    let text = format!("{} {}", finding.message, finding.help.as_deref().unwrap_or(""));
    for words in expect.says {
        if !text.contains(words) {
            return Err(format!("the finding does not say {words:?}: {finding:#?}"));
        }
    }
    if finding.help.is_none() {
        return Err(format!("a finding without a help line: {finding:#?}"));
    }
    Ok(())
}

#[test]
fn every_bad_input_is_reported_where_it_is() {
    assert!(CASES.len() >= 40, "the catalogue has {} cases", CASES.len());
    let failures: Vec<String> =
        CASES.iter().filter_map(|case| check_case(case).err().map(|why| format!("{}: {why}", case.name))).collect();
    assert!(failures.is_empty(), "{} of {} cases fail:\n{}", failures.len(), CASES.len(), failures.join("\n\n"));
}

#[test]
fn a_data_file_over_the_size_limit_is_refused_before_it_is_read() {
    // A sparse file: 513 MiB on paper, no blocks on disk.
    let dir = book(&[]);
    let file = std::fs::File::create(dir.path().join("kpi.csv")).unwrap();
    file.set_len(mdbook_kpi::data::load::MAX_FILE_BYTES + (1 << 20)).unwrap();
    let before = snapshot(dir.path());
    let errors = mdbook_kpi::data::load(dir.path(), &["kpi.csv".to_string()]).expect_err("a huge file fails");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].rule, "data/invalid");
    assert_eq!(errors[0].file, "kpi.csv");
    assert!(errors[0].message.contains("513 MiB") && errors[0].message.contains("512 MiB"), "{}", errors[0].message);
    assert!(errors[0].help.is_some());
    assert_eq!(snapshot(dir.path()), before);
}

// --- the command line -------------------------------------------------------------------------------------------

/// A CLI case: a book (book.toml's `[preprocessor.kpi]` body, a chapter, extra files), the arguments, stdin, the
/// exit code, and texts the output (stdout and stderr together) must contain.
struct CliCase {
    name: &'static str,
    kpi_table: &'static str,
    chapter: &'static str,
    files: &'static [(&'static str, &'static [u8])],
    args: &'static [&'static str],
    /// `Some`: run in preprocessor mode with this stdin (`{ROOT}` is replaced by the book root).
    stdin: Option<&'static str>,
    exit: i32,
    says: &'static [&'static str],
}

const CHAPTER_OK: &str = "# 业绩回顾\n\n营收<<#kpi revenue q4 vs q3>>。\n";

const fn check_cli(name: &'static str, kpi_table: &'static str, exit: i32, says: &'static [&'static str]) -> CliCase {
    CliCase { name, kpi_table, chapter: CHAPTER_OK, files: &[], args: &["check", "."], stdin: None, exit, says }
}

const fn stdin_case(name: &'static str, stdin: &'static str, exit: i32, says: &'static [&'static str]) -> CliCase {
    CliCase { name, kpi_table: "", chapter: CHAPTER_OK, files: &[], args: &[], stdin: Some(stdin), exit, says }
}

/// A well-formed mdBook 0.5 request for the book at `{ROOT}` with one chapter.
const REQUEST_05: &str = r#"[{"root":"{ROOT}","config":{"book":{"title":"T","language":"zh-CN"},"preprocessor":{"kpi":{}}},"renderer":"html","mdbook_version":"0.5.4"},{"items":[{"Chapter":{"name":"A","content":"营收<<#kpi revenue q4 vs q3>>","number":null,"sub_items":[],"path":"chapter.md","source_path":"chapter.md","parent_names":[]}}]}]"#;

static CLI_CASES: &[CliCase] = &[
    // --- config (docs/src/configuration.md) ----------------------------------------------------------------------
    check_cli("config: locale of the wrong type", "locale = 5\n", 2, &["config/invalid", "book.toml:6:10", "locale"]),
    check_cli(
        "config: precision as text",
        "precision = \"one\"\n",
        2,
        &["config/invalid", "book.toml:6:13", "precision"],
    ),
    check_cli("config: data as a number", "data = 3\n", 2, &["config/invalid", "book.toml:6:8", "data"]),
    check_cli(
        "config: unknown on-error",
        "on-error = \"explode\"\n",
        2,
        &["config/invalid", "book.toml:6:12", "on-error"],
    ),
    check_cli(
        "config: a rule level that does not exist",
        "[preprocessor.kpi.rules]\n\"style/jargon\" = \"loud\"\n",
        2,
        &["config/invalid", "book.toml:7", "style/jargon"],
    ),
    check_cli(
        "config: an unknown key warns with did-you-mean",
        "precison = 0\n",
        0,
        &["config/unknown-key", "book.toml:6:1", "did you mean `precision`?"],
    ),
    check_cli(
        "config: mdBook's own keys are fine",
        "command = \"mdbook-kpi\"\nbefore = [\"links\"]\nafter = []\nrenderers = [\"html\"]\noptional = true\n",
        0,
        &[],
    ),
    CliCase {
        name: "config: book.toml that is not TOML",
        kpi_table: "data = [\"kpi.toml\"\n",
        ..check_cli("", "", 2, &["book/invalid", "book.toml:6:19"])
    },
    check_cli(
        "config: a missing schema",
        "structure = \"year-end-sale\"\n",
        2,
        &["schema/invalid", "did you mean `year-end-sales`"],
    ),
    check_cli("config: a schema outside the book", "structure = \"../schema.toml\"\n", 2, &["outside the book root"]),
    check_cli("config: a data file outside the book", "data = [\"../kpi.toml\"]\n", 1, &["data/path"]),
    check_cli("config: a templates folder outside the book", "templates = \"..\"\n", 2, &["data/path"]),
    // --- findings in chapters and data ----------------------------------------------------------------------------
    CliCase {
        name: "check: a directive error fails with its place",
        chapter: "# 业绩回顾\n\n营收<<#kpi revnue q4>>。\n",
        ..check_cli("", "", 1, &["kpi/unknown-metric", "src/chapter.md:3:10", "did you mean `revenue`?"])
    },
    CliCase {
        name: "check: a data error fails with its place",
        files: &[("kpi.toml", b"[metrics.revenue]\nvalues = { \"2023\" = \"1\" }\n")],
        ..check_cli("", "", 1, &["data/invalid", "kpi.toml:2:21"])
    },
    CliCase {
        name: "check: deny warnings",
        args: &["check", ".", "--deny-warnings"],
        ..check_cli("", "precison = 0\n", 1, &["config/unknown-key"])
    },
    CliCase {
        name: "check: a folder that does not exist",
        args: &["check", "no-such-book"],
        ..check_cli("", "", 2, &["no-such-book"])
    },
    CliCase {
        name: "eval: an unknown metric",
        args: &["eval", "--book", ".", "revnue q4"],
        ..check_cli("", "", 1, &["kpi/unknown-metric", "did you mean `revenue`?"])
    },
    CliCase { name: "supports: any renderer", args: &["supports", "no-such-renderer"], ..check_cli("", "", 0, &[]) },
    CliCase {
        name: "usage: an unknown format",
        args: &["check", ".", "--format", "xml"],
        ..check_cli("", "", 2, &["xml"])
    },
    // --- stdin (preprocessor mode) -------------------------------------------------------------------------------
    stdin_case("stdin: empty", "", 2, &["stdin is empty"]),
    stdin_case("stdin: only whitespace", " \n\t", 2, &["stdin is empty"]),
    stdin_case("stdin: not JSON", "<html>", 2, &["not valid JSON", "line 1 column 1"]),
    stdin_case("stdin: cut off", r#"[{"root":"/x"},{"items":["#, 2, &["not valid JSON"]),
    stdin_case("stdin: an object, not [context, book]", r#"{"root":"/x"}"#, 2, &["expected a JSON array"]),
    stdin_case("stdin: three elements", r#"[{}, {}, {}]"#, 2, &["2 elements", "3"]),
    stdin_case(
        "stdin: an unknown dialect",
        r#"[{"root":"{ROOT}","config":{},"renderer":"html","mdbook_version":"0.5.4"},{"chapters":[]}]"#,
        2,
        &["items", "sections"],
    ),
    stdin_case(
        "stdin: a chapter of the wrong shape",
        r#"[{"root":"{ROOT}","config":{},"renderer":"html","mdbook_version":"0.5.4"},{"items":[{"Chapter":{"name":1}}]}]"#,
        2,
        &["Chapter"],
    ),
    stdin_case("stdin: a BOM before the JSON is fine", "\u{feff}{REQUEST}", 0, &[]),
    // The data files start loading while the book is read; only a directive that needs them reports their errors.
    stdin_case(
        "stdin: a missing data file fails the directive that needs it",
        r#"[{"root":"{ROOT}","config":{"book":{"title":"T"},"preprocessor":{"kpi":{"data":["gone.toml"]}}},"renderer":"html","mdbook_version":"0.5.4"},{"items":[{"Chapter":{"name":"A","content":"<<#kpi revenue fy>>","number":null,"sub_items":[],"path":"chapter.md","source_path":"chapter.md","parent_names":[]}}]}]"#,
        1,
        &["data/missing-file", "gone.toml", "kpi/no-data"],
    ),
    stdin_case(
        "stdin: a missing data file no directive needs is not an error",
        r#"[{"root":"{ROOT}","config":{"book":{"title":"T"},"preprocessor":{"kpi":{"data":["gone.toml"]}}},"renderer":"html","mdbook_version":"0.5.4"},{"items":[{"Chapter":{"name":"A","content":"no directive","number":null,"sub_items":[],"path":"chapter.md","source_path":"chapter.md","parent_names":[]}}]}]"#,
        0,
        &[],
    ),
    stdin_case(
        "stdin: a directive error fails the build",
        "{BAD_REQUEST}",
        1,
        &["kpi/unknown-metric", "src/chapter.md:1:"],
    ),
];

fn cli_book(case: &CliCase) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    // The book lives one folder down, so that `..` names a folder that exists (the temporary folder) and holds
    // a copy of the data and a schema: paths that lead there must be refused for leaving the book, not for
    // being missing.
    let root = dir.path().join("book");
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(dir.path().join("kpi.toml"), REFERENCE).unwrap();
    std::fs::write(dir.path().join("schema.toml"), "[[modules]]\nid = \"a\"\ntitles = [\"A\"]\n").unwrap();
    let book_toml = format!("[book]\ntitle = \"T\"\nlanguage = \"zh-CN\"\n\n[preprocessor.kpi]\n{}", case.kpi_table);
    std::fs::write(root.join("book.toml"), book_toml).unwrap();
    std::fs::write(root.join("src/SUMMARY.md"), "# Summary\n\n- [业绩回顾](chapter.md)\n").unwrap();
    std::fs::write(root.join("src/chapter.md"), case.chapter).unwrap();
    std::fs::write(root.join("kpi.toml"), REFERENCE).unwrap();
    for (path, bytes) in case.files {
        std::fs::write(root.join(path), bytes).unwrap();
    }
    dir
}

fn run_cli_case(case: &CliCase) -> Result<(), String> {
    let dir = cli_book(case);
    let root = dir.path().join("book");
    let before = snapshot(dir.path());
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_mdbook-kpi"));
    command.current_dir(&root).args(case.args).env_remove("MDBOOK_BOOK").env_remove("MDBOOK_PREPROCESSOR");
    let root_json = serde_json::to_string(&root.to_string_lossy()).unwrap();
    let root_json = &root_json[1..root_json.len() - 1];
    let request = REQUEST_05.replace("{ROOT}", root_json);
    let stdin = case.stdin.map(|text| {
        text.replace("{REQUEST}", &request)
            .replace("{BAD_REQUEST}", &request.replace("revenue q4", "revnue q4"))
            .replace("{ROOT}", root_json)
    });
    command.write_stdin(stdin.unwrap_or_default());
    let output = command.timeout(std::time::Duration::from_secs(60)).output().map_err(|e| e.to_string())?;
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    if snapshot(dir.path()) != before {
        return Err("a file of the book changed".into());
    }
    if text.contains("panicked") {
        return Err(format!("panicked:\n{text}"));
    }
    if output.status.code() != Some(case.exit) {
        return Err(format!("exit {:?}, expected {}:\n{text}", output.status.code(), case.exit));
    }
    for words in case.says {
        if !text.contains(words) {
            return Err(format!("the output does not say {words:?}:\n{text}"));
        }
    }
    // (`check`'s closing `ok: …, 0 errors, 0 warnings` line is the clean run's.)
    let warns = text.lines().any(|line| line.contains("warning") && !line.starts_with("ok: "));
    if case.exit == 0 && case.says.is_empty() && warns {
        return Err(format!("expected a clean run:\n{text}"));
    }
    if case.exit != 0 && !text.contains("help") && !case.name.starts_with("usage") {
        return Err(format!("a failure without a help line:\n{text}"));
    }
    Ok(())
}

#[test]
fn every_bad_cli_input_fails_cleanly() {
    let failures: Vec<String> = CLI_CASES
        .iter()
        .filter_map(|case| run_cli_case(case).err().map(|why| format!("{}: {why}", case.name)))
        .collect();
    assert!(failures.is_empty(), "{} of {} cases fail:\n{}", failures.len(), CLI_CASES.len(), failures.join("\n\n"));
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_folder_as_data_is_refused_without_waiting() {
    let dir = book(&[]);
    std::fs::create_dir(dir.path().join("folder.toml")).unwrap();
    let fifo = std::process::Command::new("mkfifo").arg(dir.path().join("pipe.csv")).status().expect("mkfifo");
    assert!(fifo.success());
    let before = snapshot_names(dir.path());
    for file in ["pipe.csv", "folder.toml"] {
        // Reading a FIFO nobody writes to would block forever; the loader must not try.
        let errors = mdbook_kpi::data::load(dir.path(), &[file.to_string()]).expect_err("not a data file");
        assert_eq!(errors[0].file, file);
        assert!(errors[0].message.contains("not a regular file"), "{errors:#?}");
        assert!(errors[0].help.is_some());
    }
    assert_eq!(snapshot_names(dir.path()), before);
}

/// The names of a folder's entries (a FIFO cannot be hashed without blocking).
fn snapshot_names(root: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(root).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// Edge figures that are not errors must still read right: a change that displays as zero reads as flat, also
/// where a zero base leaves no percentage (¥0.004 over ¥0 is not "up").
#[test]
fn a_change_that_displays_as_zero_reads_as_flat() {
    let toml =
        "[meta]\nyear = 2023\n[metrics.a]\nunit = \"currency\"\nvalues = { \"2023-Q3\" = 0, \"2023-Q4\" = 0.004 }\n";
    let data = mdbook_kpi::data::load_sources(&[("kpi.toml".into(), toml.as_bytes().to_vec())]).unwrap();
    for (locale, expected) in [
        (mdbook_kpi::config::Locale::En, "Q4 a was RMB 0, unchanged from Q3"),
        (mdbook_kpi::config::Locale::ZhCn, "Q4 a 0元，与Q3持平"),
    ] {
        let mut preprocessor =
            Preprocessor::with_data(Config::default(), locale, mdbook_kpi::narrate::Target::Other, data.clone());
        let out = preprocessor.expand_chapter("src/x.md", "<<#kpi a q4 vs q3>>").unwrap();
        assert_eq!(out, expected);
    }
}
