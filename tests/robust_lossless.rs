//! docs/src/errors-and-guarantees.md: a chapter without directives comes back byte-identical; with directives, every
//! byte outside them is unchanged; the same input gives the same output, byte for byte.

#[path = "../fuzz/src/invariants.rs"]
#[allow(dead_code)]
mod invariants;

use invariants::{Setup, assert_outside_unchanged, reference_data};
use mdbook_kpi::config::{Config, Locale, ReportYear};
use mdbook_kpi::directive::scan::{Found, MARKER};
use mdbook_kpi::narrate::Target;
use mdbook_kpi::preprocess::Preprocessor;
use proptest::prelude::*;

/// Markdown that has tripped up text processors: line ends, a BOM, tabs, wide and combining characters, emoji
/// (also with joiners), nested lists and quotes, fences of both kinds, tables, HTML, escapes and near-markers.
const PIECES: &[&str] = &[
    "\r\n",
    "\n",
    "\n\n",
    "\u{feff}",
    "\t",
    "    ",
    "营收同比增长16.1%,",
    "「引号」、《书名》",
    "👩‍👩‍👧‍👦",
    "🇨🇳",
    "e\u{301}",
    "\u{200b}",
    "- ",
    "  - ",
    "    1. ",
    "> ",
    "> > ",
    ">> ",
    "```rust\nlet x = 1;\n```\n",
    "~~~\n<<kpi not a marker\n~~~\n",
    "`code`",
    "<div>\n\n",
    "</div>",
    "<!-- comment -->",
    "| a | b |\n|---|---|\n| 1 | 2 |\n",
    "# Heading {#id}\n",
    "**bold** _em_ ~~strike~~",
    "[link](http://example.com)",
    "<<",
    "<<#",
    "<<#kp",
    "#kpi",
    "\\",
    "{{revenue}}",
    "$x$",
    "\u{0}",
];

fn markdown_without_directives() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(PIECES).prop_map(str::to_string),
        1 => "\\PC{0,12}",
    ];
    proptest::collection::vec(piece, 0..40)
        .prop_map(|pieces| pieces.concat())
        .prop_filter("no marker", |text| !text.contains(MARKER))
}

/// Directives that expand over the reference data, inline (sentence, value, delta, ratio).
const INLINE_DIRECTIVES: &[&str] = &[
    "<<#kpi revenue q4 vs q3>>",
    "<<#kpi revenue 2023>>",
    "<<#kpi revenue 2023 vs yoy>>",
    "<<#kpi revenue 2023 vs target>>",
    "<<#kpi telesales_share 2023 vs target>>",
    "<<#kpi delivery_days 2023 vs standard>>",
    "<<#kpi deal_cycle_days tenure=new 2023 vs tenure=veteran>>",
    "<<#kpi share revenue product=ai-qc q4 vs q3>>",
    "<<#kpi revenue q1..q4>>",
    "<<#kpi revenue 2023 by product>>",
    "<<#kpi revenue q4 vs q3 as delta>>",
    "<<#kpi revenue 2023 vs target as ratio locale=en>>",
];

/// Directives that fail (unknown names, bad periods, block forms inline) or are escaped or unterminated.
const OTHER_DIRECTIVES: &[&str] = &[
    "<<#kpi revenu q4>>",
    "<<#kpi revenue q5>>",
    "<<#kpi revenue 2023 by product as table>>",
    "\\<<#kpi revenue q4>>",
    "<<#kpi revenue q4",
    "<<#kpi>>",
];

fn text_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(PIECES).prop_map(str::to_string),
        1 => "[^<\\\\]{0,10}",
    ]
}

/// A chapter of Markdown pieces with directives among them.
fn markdown_with_directives(directives: &'static [&'static str]) -> impl Strategy<Value = Vec<(String, &'static str)>> {
    proptest::collection::vec(
        (proptest::collection::vec(text_piece(), 0..4), proptest::sample::select(directives)),
        1..8,
    )
    .prop_map(|parts| parts.into_iter().map(|(text, directive)| (text.concat(), directive)).collect())
}

fn setup() -> impl Strategy<Value = Setup> {
    any::<u8>().prop_map(Setup::from_byte)
}

fn preprocessor(setup: Setup) -> Preprocessor {
    // Each directive is compared with its expansion alone, so a sentence's wording must not depend on the ones
    // before it in the chapter: every sentence names the report year (the default names it once a chapter).
    let style = mdbook_kpi::config::Style { report_year: ReportYear::Every, ..Default::default() };
    let config = Config { on_error: setup.on_error, style, ..Config::default() };
    Preprocessor::with_data(config, setup.locale, setup.target, reference_data().clone())
}

/// What a lone inline directive expands to, in a chapter of its own.
/// A directive's expansion where it stands in `chapter`: a capital first letter where it begins a sentence there
/// (see the guide's Wording page), else as it reads inside a sentence.
fn in_place(setup: Setup, chapter: &str, start: usize, directive: &str) -> String {
    let inside =
        preprocessor(setup).expand_chapter("src/x.md", &format!("x, {directive}")).expect("the directive expands");
    let inside = inside.strip_prefix("x, ").expect("the text before the directive stays").to_string();
    if mdbook_kpi::preprocess::starts_sentence(chapter, start) {
        mdbook_kpi::narrate::templates::capitalize(&inside)
    } else {
        inside
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn chapters_without_directives_come_back_untouched(setup in setup(), chapter in markdown_without_directives()) {
        let mut preprocessor = preprocessor(setup);
        prop_assert_eq!(preprocessor.expand_chapter("src/x.md", &chapter), None);
        prop_assert!(preprocessor.diagnostics().is_empty());
    }

    #[test]
    fn inline_directives_change_only_their_own_bytes(setup in setup(), parts in markdown_with_directives(INLINE_DIRECTIVES), tail in text_piece()) {
        // Text before a directive may open a code span, a comment or HTML that swallows it; what must hold is
        // that every directive the scanner finds is replaced by exactly its own expansion, and nothing else moves.
        let chapter: String = parts.iter().map(|(text, directive)| format!("{text}{directive}")).collect::<String>() + &tail;
        let found = invariants::scan(&chapter);
        let mut expected = String::new();
        let mut copied = 0;
        for item in &found {
            match item {
                Found::Directive { span, .. } => {
                    expected.push_str(&chapter[copied..span.start]);
                    expected.push_str(&in_place(setup, &chapter, span.start, &chapter[span.clone()]));
                    copied = span.end;
                }
                Found::Escape { span } => {
                    expected.push_str(&chapter[copied..span.start]);
                    copied = span.end;
                }
                Found::Unterminated { .. } => {}
            }
        }
        expected.push_str(&chapter[copied..]);
        let out = preprocessor(setup).expand_chapter("src/x.md", &chapter);
        prop_assert_eq!(out.as_deref().unwrap_or(&chapter), expected.as_str());
    }

    #[test]
    fn any_directives_leave_the_bytes_outside_them_alone(setup in setup(), parts in markdown_with_directives(OTHER_DIRECTIVES), extra in markdown_with_directives(INLINE_DIRECTIVES)) {
        let mut chapter = String::new();
        for ((text, bad), (more, good)) in parts.iter().zip(extra.iter().cycle()) {
            chapter.push_str(text);
            chapter.push_str(bad);
            chapter.push_str(more);
            chapter.push_str(good);
        }
        let found = invariants::scan(&chapter);
        let out = preprocessor(setup).expand_chapter("src/x.md", &chapter);
        assert_outside_unchanged(&chapter, &found, out.as_deref().unwrap_or(&chapter));
    }

    #[test]
    fn expansion_is_deterministic(setup in setup(), parts in markdown_with_directives(INLINE_DIRECTIVES), block in proptest::bool::ANY) {
        let mut chapter: String = parts.iter().map(|(text, directive)| format!("{text}{directive}")).collect();
        if block {
            chapter.push_str("\n\n<<#kpi revenue 2023 by product as chart>>\n\n> <<#kpi revenue q1..q4 as chart type=line>>\n");
        }
        // `invariants::expand` runs twice with fresh preprocessors and compares output and findings.
        invariants::expand(setup, &chapter);
    }
}

#[test]
fn crlf_bom_tabs_and_cjk_around_directives_survive() {
    let chapter =
        "\u{feff}# 业绩回顾\r\n\r\n营收\t:<<#kpi revenue q4 vs q3>>。👍\r\n\r\n> - 新签:<<#kpi new_customers q4>>\r\n";
    let setup = Setup::from_byte(0);
    let out = preprocessor(setup).expand_chapter("src/x.md", chapter).unwrap();
    assert_eq!(out, "\u{feff}# 业绩回顾\r\n\r\n营收\t:Q4营收3600万元，环比增长16.1%。👍\r\n\r\n> - 新签:120家\r\n");
}

#[test]
fn a_block_directive_in_a_crlf_quote_keeps_the_text_around_it() {
    let chapter = "before\r\n\r\n> <<#kpi revenue 2023 by product as table>>\r\n\r\nafter\r\n";
    let setup = Setup { locale: Locale::En, target: Target::Other, on_error: mdbook_kpi::config::OnError::Fail };
    let out = preprocessor(setup).expand_chapter("src/x.md", chapter).unwrap();
    assert!(out.starts_with("before\r\n\r\n> |"), "{out:?}");
    assert!(out.ends_with("\r\n\r\nafter\r\n"), "{out:?}");
    assert!(out.contains("\n> |"), "every table line keeps the quote prefix: {out:?}");
}

#[test]
fn escaped_directives_lose_only_the_backslash() {
    let setup = Setup::from_byte(0);
    let out = preprocessor(setup).expand_chapter("src/x.md", "a \\<<#kpi revenue q4>> b\r\n").unwrap();
    assert_eq!(out, "a <<#kpi revenue q4>> b\r\n");
}

// --- the mdBook protocol ----------------------------------------------------------------------------------------

use serde_json::{Map, Value, json};

/// Any JSON a field of mdBook's request may hold: every scalar kind (integers of both signs and beyond i64,
/// floats that need their round-trip digits, any Unicode text) and nested arrays and objects.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        "\\PC{0,12}".prop_map(Value::String),
        proptest::sample::select(&["\r\n", "\u{feff}", "<<#kpi revenue q4>>", "\u{0}", "\\\"", "💡"][..])
            .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(("[a-z_]{1,6}", inner), 0..4)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

/// Extra fields, named so they cannot clash with the ones the protocol gives a meaning.
fn extras() -> impl Strategy<Value = Map<String, Value>> {
    proptest::collection::vec(("x_[a-z]{1,5}", any_json()), 0..3).prop_map(|pairs| pairs.into_iter().collect())
}

fn chapter(name: &str, content: String, extra: Map<String, Value>, sub_items: Vec<Value>) -> Value {
    let mut fields = Map::new();
    fields.insert("name".into(), json!(name));
    fields.insert("content".into(), json!(content));
    fields.insert("number".into(), json!([1, 2]));
    fields.insert("sub_items".into(), Value::Array(sub_items));
    fields.insert("path".into(), json!(format!("{name}.md")));
    fields.insert("source_path".into(), json!(format!("{name}.md")));
    fields.insert("parent_names".into(), json!([]));
    fields.extend(extra);
    json!({ "Chapter": fields })
}

/// A request in either dialect: chapters (one nested), a part title and a separator, extra fields everywhere.
fn request(with_directives: bool) -> impl Strategy<Value = (Value, Value)> {
    let content = if with_directives {
        markdown_with_directives(INLINE_DIRECTIVES)
            .prop_map(|parts| parts.iter().map(|(text, directive)| format!("{text}{directive}")).collect())
            .boxed()
    } else {
        markdown_without_directives().boxed()
    };
    (any::<bool>(), content.clone(), content, extras(), extras(), extras(), extras(), any_json(), "\\PC{0,8}").prop_map(
        |(old, first, second, context_extra, book_extra, chapter_extra, config_extra, part, title)| {
            let mut config = json!({
                "book": { "title": title, "authors": [], "language": "zh-CN", "src": "src" },
                "preprocessor": { "kpi": { "command": "mdbook-kpi" } },
                "output": { "html": { "anything": part } },
            });
            config.as_object_mut().unwrap().extend(config_extra);
            let mut context = json!({
                "root": "/placeholder",
                "config": config,
                "renderer": "html",
                "mdbook_version": if old { "0.4.52" } else { "0.5.4" },
            });
            context.as_object_mut().unwrap().extend(context_extra);
            let nested = chapter("b", second, Map::new(), Vec::new());
            let items = vec![
                chapter("a", first, chapter_extra, vec![nested]),
                json!({ "PartTitle": title }),
                json!("Separator"),
            ];
            let mut book = Map::new();
            if old {
                book.insert("sections".into(), Value::Array(items));
                book.insert("__non_exhaustive".into(), Value::Null);
            } else {
                book.insert("items".into(), Value::Array(items));
            }
            book.extend(book_extra);
            (context, Value::Object(book))
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_book_without_directives_comes_back_byte_for_byte((context, book) in request(false)) {
        let input = serde_json::to_vec(&book).unwrap();
        let (output, findings) = invariants::run_preprocessor(&context, &book).expect("the config is fine");
        prop_assert!(findings.is_empty(), "{findings:?}");
        prop_assert_eq!(String::from_utf8(output).unwrap(), String::from_utf8(input).unwrap());
    }

    #[test]
    fn only_chapter_contents_change((context, book) in request(true)) {
        let (output, _) = invariants::run_preprocessor(&context, &book).expect("the config is fine");
        let out: Value = serde_json::from_slice(&output).unwrap();
        prop_assert_eq!(invariants::without_contents(&out), invariants::without_contents(&book));
        // Field order is kept too: the blanked books serialize to the same bytes.
        prop_assert_eq!(
            serde_json::to_string(&invariants::without_contents(&out)).unwrap(),
            serde_json::to_string(&invariants::without_contents(&book)).unwrap()
        );
        let (again, _) = invariants::run_preprocessor(&context, &book).unwrap();
        prop_assert_eq!(again, output);
    }
}

/// Through the real binary, as mdBook runs it: a request whose other fields hold numbers that serializers like
/// to rewrite (1.0, -0.0, 1e-7, u64::MAX, 0.1 + 0.2), escapes and non-ASCII text comes back with those fields
/// byte-identical, and the chapter with a directive expanded.
#[test]
fn the_binary_keeps_every_other_field_byte_for_byte() {
    let root = invariants::fuzz_book_root().to_string_lossy().into_owned();
    for (dialect, tail) in [("items", ""), ("sections", r#","__non_exhaustive":null"#)] {
        let book = format!(
            r#"{{"{dialect}":[{{"Chapter":{{"name":"营收 \"A\"","content":"Q4: <<#kpi revenue q4 vs q3>>\r\n","number":[1],"sub_items":[],"path":"a.md","source_path":"a.md","parent_names":[],"x_float":1.0,"x_neg_zero":-0.0,"x_tiny":1e-7,"x_big":18446744073709551615,"x_sum":0.30000000000000004,"x_text":"\u0000\ud83d\udca1 \\ \/"}}}},"Separator",{{"PartTitle":"部分"}}]{tail}}}"#
        );
        let context = format!(
            r#"{{"root":{},"config":{{"book":{{"title":"T","language":"zh-CN"}},"preprocessor":{{"kpi":{{}}}}}},"renderer":"html","mdbook_version":"0.5.4"}}"#,
            serde_json::to_string(&root).unwrap()
        );
        let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_mdbook-kpi"))
            .write_stdin(format!("[{context},{book}]"))
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let out = String::from_utf8(output.stdout).unwrap();
        // The book's own bytes (escapes as they were written, too), only the directive replaced.
        let expected = book.replace("<<#kpi revenue q4 vs q3>>", "Q4营收3600万元，环比增长16.1%");
        assert_eq!(out, expected);
        for field in [
            r#""x_float":1.0"#,
            r#""x_neg_zero":-0.0"#,
            r#""x_tiny":1e-7"#,
            r#""x_big":18446744073709551615"#,
            r#""x_sum":0.30000000000000004"#,
            r#""x_text":"\u0000\ud83d\udca1 \\ \/""#,
        ] {
            assert!(out.contains(field), "{field} in {out}");
        }
    }
}

/// Runs the binary as mdBook does, over the fuzz book root; returns stdout, stderr and the exit code.
fn run_binary(stdin: Vec<u8>) -> (String, String, Option<i32>) {
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_mdbook-kpi")).write_stdin(stdin).output().unwrap();
    (String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap(), output.status.code())
}

fn fuzz_context(version: &str) -> String {
    let root = serde_json::to_string(&invariants::fuzz_book_root().to_string_lossy()).unwrap();
    format!(
        r#"{{"root":{root},"config":{{"book":{{"title":"T","language":"zh-CN"}},"preprocessor":{{"kpi":{{}}}}}},"renderer":"markdown","mdbook_version":"{version}"}}"#
    )
}

/// Both dialects through the binary: changed and unchanged chapters, a parent whose content comes after its
/// sub-items, a draft, separators and part titles, a marker spelled with `\u003c`, `\/` and other escapes, and
/// whitespace between the tokens. Everything but the directives comes back as the bytes that came in: a changed
/// content keeps its own escapes (`\/`) around them.
#[test]
fn the_binary_changes_only_the_contents_with_directives() {
    const Q4: &str = "Q4营收3600万元，环比增长16.1%";
    for (dialect, tail, version) in [("items", "", "0.5.4"), ("sections", r#", "__non_exhaustive": null"#, "0.4.52")] {
        let book = format!(
            r#"{{ "{dialect}": [
  {{"Chapter":{{"name":"Plain \/ 文","content":"no directive \/ here \u00e9 \\<<kpi\n","number":[1],"sub_items":[],"path":"a.md","source_path":"a.md","parent_names":[]}}}},
  {{"PartTitle":"第一部分 \"one\""}},
  {{"Chapter":{{"name":"Parent","number":[2],"sub_items":[
      {{"Chapter":{{"name":"Child","content":"- <<#kpi revenue q4 vs q3>>\r\n- ok\n","number":[2,1],"sub_items":[],"path":"b/c.md","source_path":"b/c.md","parent_names":["Parent"]}}}},
      {{"Chapter":{{"name":"Draft","content":"","number":[2,2],"sub_items":[],"path":null,"source_path":null,"parent_names":["Parent"]}}}}
    ],"content":"\u003c<#kpi revenue q4 vs q3>> \/ \\<<#kpi revenue fy>>","path":"b.md","source_path":"b.md","parent_names":[]}}}},
  "Separator",
  {{"Chapter":{{"name":"Code","content":"```\n\u003c<kpi not a directive\n```\n","sub_items":[],"path":"d.md","source_path":"d.md"}}}}
]{tail} }}"#
        );
        let (out, err, code) = run_binary(format!("[{},\n{book}\n]\n", fuzz_context(version)).into_bytes());
        assert_eq!(code, Some(0), "{err}");
        let expected =
            book.replace(r#""- <<#kpi revenue q4 vs q3>>\r\n- ok\n""#, &format!(r#""- {Q4}\r\n- ok\n""#)).replace(
                r#""\u003c<#kpi revenue q4 vs q3>> \/ \\<<#kpi revenue fy>>""#,
                &format!(r#""{Q4} \/ <<#kpi revenue fy>>""#),
            );
        assert_ne!(expected, book, "both directives are in the book");
        assert_eq!(out, expected);
        // mdBook reads it back as the same book with two contents changed.
        let read: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            invariants::without_contents(&read),
            invariants::without_contents(&serde_json::from_str(&book).unwrap())
        );
    }
}

/// Malformed stdin that the locating reader must still refuse as the `Value` reader did, with its message.
#[test]
fn the_binary_refuses_what_serde_json_refuses() {
    let context = fuzz_context("0.5.4");
    let cases = [
        (
            format!(r#"[{context},{{"items":[{{"Chapter":{{"name":"a","content":"\ud800 <<#kpi revenue fy>>"}}}}]}}]"#),
            "unexpected end of hex escape",
        ),
        (
            format!(r#"[{context},{{"items":[{{"Chapter":{{"name":"a","content":"b","number":[1e400]}}}}]}}]"#),
            "number out of range",
        ),
        (
            format!(r#"[{context},{{"items":[{{"Chapter":{{"name":"a","content":"b"}}}},{{"PartTitle":null}}]}}]"#),
            "book.items[1] is not a book item",
        ),
        (format!(r#"[{context},{{"items":[]}}] []"#), "trailing characters"),
    ];
    for (input, says) in cases {
        let (out, err, code) = run_binary(input.into_bytes());
        assert_eq!(code, Some(2), "{err}");
        assert!(out.is_empty());
        assert!(err.contains("malformed mdBook input") && err.contains(says), "{says}: {err}");
    }
    // Duplicate keys are valid JSON: the last one counts, as it did; the answer is then the normal form.
    let input = format!(
        r#"[{context},{{"items":[{{"Chapter":{{"name":"a","content":"x","content":"<<#kpi revenue q4 vs q3>>"}}}}]}}]"#
    );
    let (out, err, code) = run_binary(input.into_bytes());
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, r#"{"items":[{"Chapter":{"name":"a","content":"Q4营收3600万元，环比增长16.1%"}}]}"#);
}

/// A book larger than one batch of the preprocessor's JSON reading (it unescapes and expands a few hundred KB at a
/// time, from the end): every chapter comes back in its place, expanded or untouched.
#[test]
fn the_binary_expands_a_book_of_many_batches() {
    const Q4: &str = "Q4营收3600万元，环比增长16.1%";
    let chapters: Vec<Value> = (0..120)
        .map(|i| {
            let body = format!("# 第{i}章\n\n{}\n", "营收与\"毛利\"\t".repeat(400 + i));
            let content = if i % 3 == 0 { body } else { format!("{body}<<#kpi revenue q4 vs q3>> ({i})\n") };
            json!({"Chapter": {"name": format!("c{i}"), "content": content, "number": [i], "sub_items": [],
                "path": format!("c{i}.md"), "source_path": format!("c{i}.md"), "parent_names": []}})
        })
        .collect();
    let book = json!({ "items": chapters });
    let book_text = serde_json::to_string(&book).unwrap();
    assert!(book_text.len() > 1_000_000, "several batches: {}", book_text.len());
    let (out, err, code) = run_binary(format!("[{},{book_text}]", fuzz_context("0.5.4")).into_bytes());
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, book_text.replace("<<#kpi revenue q4 vs q3>>", Q4));
}
