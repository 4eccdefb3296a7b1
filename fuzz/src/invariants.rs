//! What must hold for any input, asserted by the fuzz targets and by `tests/robust_corpus.rs` (which replays the
//! saved inputs through these same functions). "No panic" is the least of it: spans stay in bounds and on
//! character boundaries, bytes outside directives come back unchanged, output is deterministic.

use std::sync::OnceLock;

use mdbook_kpi::config::{Config, Locale, OnError};
use mdbook_kpi::data::DataSet;
use mdbook_kpi::diagnostics::{self, Diagnostic, Format, Sources};
use mdbook_kpi::directive::scan::{Found, MARKER};
use mdbook_kpi::directive::{parse, scan};
use mdbook_kpi::narrate::Target;
use mdbook_kpi::preprocess::Preprocessor;

/// The reference data set of docs/src/data-files.md, loaded once.
pub fn reference_data() -> &'static DataSet {
    static DATA: OnceLock<DataSet> = OnceLock::new();
    DATA.get_or_init(|| {
        let toml = include_bytes!("../../tests/fixtures/reference/kpi.toml").to_vec();
        mdbook_kpi::data::load_sources(&[("kpi.toml".to_string(), toml)]).expect("the reference data loads")
    })
}

fn assert_span_in(text: &str, span: &std::ops::Range<usize>, what: &str) {
    assert!(span.start <= span.end, "{what}: span {span:?} runs backwards");
    assert!(span.end <= text.len(), "{what}: span {span:?} past the end ({})", text.len());
    assert!(text.is_char_boundary(span.start), "{what}: span start {} splits a character", span.start);
    assert!(text.is_char_boundary(span.end), "{what}: span end {} splits a character", span.end);
}

/// Scanner: findings are in order, disjoint, in bounds, on character boundaries, and each covers what its kind
/// says; no marker means no findings.
pub fn scan(text: &str) -> Vec<Found> {
    let found = scan::scan(text);
    if !text.contains(MARKER) {
        assert!(found.is_empty(), "findings without a marker: {found:?}");
    }
    let mut previous_end = 0;
    for item in &found {
        let span = item.span();
        assert_span_in(text, &span, "scan");
        assert!(span.start >= previous_end, "findings overlap or are out of order: {found:?}");
        previous_end = span.end;
        match item {
            Found::Directive { span, alone_on_line, line_prefix } => {
                let directive = &text[span.clone()];
                assert!(directive.starts_with(MARKER) && directive.ends_with(">>"), "directive span {directive:?}");
                assert!(!directive.contains('\n'), "a directive spans lines: {directive:?}");
                if !alone_on_line {
                    assert!(line_prefix.is_empty(), "a prefix for a directive inside a line");
                }
                assert!(!line_prefix.contains('\n'), "a prefix with a line break: {line_prefix:?}");
            }
            Found::Escape { span } => {
                assert_eq!(&text[span.clone()], "\\", "an escape covers its backslash");
                assert!(text[span.end..].starts_with(MARKER), "an escape precedes a marker");
            }
            Found::Unterminated { span } => assert_eq!(&text[span.clone()], MARKER, "unterminated covers the marker"),
        }
    }
    found
}

/// Parser: spans of a parsed directive or of its error lie inside the directive text.
pub fn parse(text: &str) {
    match parse::parse(text) {
        Ok(directive) => {
            let mut spans = vec![directive.metric.span.clone(), directive.period.span.clone()];
            for filter in &directive.filters {
                spans.push(filter.dimension.span.clone());
                spans.push(filter.member.span.clone());
            }
            if let Some(comparand) = &directive.comparand {
                spans.push(comparand.span.clone());
            }
            if let Some(by) = &directive.by {
                spans.push(by.dimension.span.clone());
            }
            if let Some(form) = &directive.form {
                spans.push(form.span.clone());
            }
            for option in &directive.options {
                spans.push(option.name.span.clone());
                spans.push(option.value.span.clone());
            }
            for span in &spans {
                assert_span_in(text, span, "parsed directive");
            }
            assert!(text.starts_with(MARKER), "parsed a directive that does not open with the marker: {text:?}");
        }
        Err(error) => {
            assert_span_in(text, &error.span, "parse error");
            assert_eq!(error.rule.family(), "kpi", "rule {}", error.rule);
            assert!(!error.message.is_empty());
        }
    }
}

/// Findings carry the given file (or none), positions that exist, and render in every format.
pub fn check_diagnostics(diagnostics: &[Diagnostic], file: &str, text: &str) {
    let lines = text.split('\n').count();
    for d in diagnostics {
        assert!(d.file == file || d.file.is_empty(), "finding in {:?}, expected {file:?}", d.file);
        assert!(d.line <= lines, "line {} of a {lines}-line text", d.line);
        assert!(!d.message.is_empty(), "a finding without a message");
    }
    let mut sources = Sources::new();
    sources.insert(file.to_string(), text.to_string());
    // Rendering is most of the cost of a run: a dozen findings exercise the renderers as well as a hundred.
    let diagnostics = &diagnostics[..diagnostics.len().min(12)];
    for format in [Format::Human, Format::Json, Format::Github, Format::Sarif] {
        let out = diagnostics::render(format, diagnostics, &sources);
        if !diagnostics.is_empty() {
            assert!(!out.is_empty(), "{format:?} rendered nothing");
        }
    }
    let json: serde_json::Value =
        serde_json::from_str(&diagnostics::json::render(diagnostics)).expect("the JSON report is JSON");
    let listed = json["diagnostics"].as_array().map_or(0, Vec::len);
    assert_eq!(listed, diagnostics.len(), "the JSON report lists every finding");
}

/// A loader over one file: no panic; errors name the file; the report renders.
pub fn load(name: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    match mdbook_kpi::data::load_sources(&[(name.to_string(), bytes.to_vec())]) {
        Ok(data) => check_diagnostics(&data.warnings, name, &text),
        Err(errors) => {
            assert!(!errors.is_empty(), "a failed load without an error");
            assert!(
                errors
                    .iter()
                    .all(|e| e.severity == diagnostics::Severity::Error || e.rule.as_str().contains("inconsistent"))
            );
            check_diagnostics(&errors, name, &text);
        }
    }
}

/// How an expansion run is set up, from the first byte of a fuzz input.
#[derive(Clone, Copy, Debug)]
pub struct Setup {
    pub locale: Locale,
    pub target: Target,
    pub on_error: OnError,
}

impl Setup {
    pub fn from_byte(byte: u8) -> Setup {
        Setup {
            locale: if byte & 1 == 0 { Locale::ZhCn } else { Locale::En },
            target: if byte & 2 == 0 { Target::Html } else { Target::Other },
            on_error: if byte & 4 == 0 { OnError::Fail } else { OnError::Warn },
        }
    }
}

fn expand_once(setup: Setup, chapter: &str) -> (Option<String>, Vec<Diagnostic>) {
    let config = Config { on_error: setup.on_error, ..Config::default() };
    let mut preprocessor = Preprocessor::with_data(config, setup.locale, setup.target, reference_data().clone());
    let out = preprocessor.expand_chapter("src/chapter.md", chapter);
    (out, preprocessor.diagnostics())
}

/// Chapter expansion over the reference data: text without a marker comes back untouched, every byte outside
/// directive and escape spans survives in order, findings point into the chapter, and two runs agree.
pub fn expand(setup: Setup, chapter: &str) {
    let (out, findings) = expand_once(setup, chapter);
    if !chapter.contains(MARKER) {
        assert!(out.is_none(), "a chapter without directives changed");
    }
    let found = scan(chapter);
    let result = out.as_deref().unwrap_or(chapter);
    assert_outside_unchanged(chapter, &found, result);
    check_diagnostics(&findings, "src/chapter.md", chapter);
    let again = expand_once(setup, chapter);
    assert_eq!((out, findings), again, "two runs over the same chapter differ");
}

/// The bytes between replaced spans (directives, escapes) must appear in `result` in order: the first piece as a
/// prefix, the last as a suffix, the others in between; an escape is replaced by nothing.
pub fn assert_outside_unchanged(chapter: &str, found: &[Found], result: &str) {
    // Pieces of kept text; `true` between two pieces means a replacement of any text may sit there.
    let mut pieces: Vec<String> = vec![String::new()];
    let mut copied = 0;
    for item in found {
        match item {
            Found::Directive { span, .. } => {
                pieces.last_mut().unwrap().push_str(&chapter[copied..span.start]);
                pieces.push(String::new());
                copied = span.end;
            }
            Found::Escape { span } => {
                pieces.last_mut().unwrap().push_str(&chapter[copied..span.start]);
                copied = span.end;
            }
            Found::Unterminated { .. } => {}
        }
    }
    pieces.last_mut().unwrap().push_str(&chapter[copied..]);
    let first = &pieces[0];
    assert!(result.starts_with(first.as_str()), "the text before the first directive changed");
    if pieces.len() == 1 {
        assert_eq!(result, first, "a chapter with only escapes must lose only the backslashes");
        return;
    }
    let last = pieces.last().unwrap();
    assert!(result.ends_with(last.as_str()), "the text after the last directive changed");
    let mut at = first.len();
    let end = result.len() - last.len();
    assert!(at <= end, "the first and last pieces overlap in the output");
    for piece in &pieces[1..pieces.len() - 1] {
        match result[at..end].find(piece.as_str()) {
            Some(offset) => at += offset + piece.len(),
            None => panic!("text between directives was lost or changed: {piece:?}"),
        }
    }
}

/// Chapters from one fuzz input: NUL separates chapters; a chapter's first byte sets its depth (0–2) and its
/// first line is its title.
pub fn chapters_from(data: &[u8]) -> Vec<mdbook_kpi::check::Chapter<'static>> {
    data.split(|&b| b == 0)
        .enumerate()
        .map(|(i, part)| {
            let (depth, body) = match part.split_first() {
                Some((&first, rest)) => (usize::from(first % 3), rest),
                None => (0, part),
            };
            let content = String::from_utf8_lossy(body).into_owned();
            let title = content.lines().next().unwrap_or("").trim_start_matches('#').trim().to_string();
            let source_path = (i % 5 != 4).then(|| format!("src/chapter-{i}.md"));
            mdbook_kpi::check::Chapter {
                title,
                source_path,
                content: if i % 5 == 4 { String::new().into() } else { content.into() },
                depth,
            }
        })
        .collect()
}

fn year_end_sales() -> &'static mdbook_kpi::check::Schema {
    static SCHEMA: OnceLock<mdbook_kpi::check::Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        mdbook_kpi::check::load_schema("year-end-sales", std::path::Path::new(".")).expect("the built-in schema")
    })
}

/// The structure check over any chapters: findings point into a chapter that exists (or nowhere), at a line it
/// has; two runs agree.
pub fn check_chapters(chapters: &[mdbook_kpi::check::Chapter], schema: &mdbook_kpi::check::Schema) {
    let config = Config::default();
    let findings = mdbook_kpi::check::check(chapters, schema, &config);
    let mut sources = Sources::new();
    for d in &findings {
        if d.file.is_empty() {
            continue;
        }
        // A missing module points at SUMMARY.md as a whole (no line): where a chapter is added.
        if d.file.ends_with("SUMMARY.md") && d.line == 0 && d.rule == mdbook_kpi::rules::Rule::StructureMissingModule {
            continue;
        }
        let chapter = chapters
            .iter()
            .find(|c| c.source_path.as_deref() == Some(d.file.as_str()))
            .unwrap_or_else(|| panic!("a finding in {:?}, which is no chapter", d.file));
        let lines = chapter.content.split('\n').count();
        assert!(d.line >= 1 && d.line <= lines, "{}: line {} of {lines}", d.rule, d.line);
        assert!((d.end_line, d.end_column) >= (d.line, d.column), "{}: the span ends before it starts", d.rule);
        sources.insert(d.file.clone(), chapter.content.to_string());
    }
    for format in [Format::Human, Format::Json, Format::Github, Format::Sarif] {
        diagnostics::render(format, &findings, &sources);
    }
    assert_eq!(findings, mdbook_kpi::check::check(chapters, schema, &config), "two checks of one book differ");
}

/// `check` over chapters made from fuzz bytes, with the built-in schema.
pub fn check(data: &[u8]) {
    check_chapters(&chapters_from(data), year_end_sales());
}

/// A schema file of any text: parsed or refused with `schema/invalid` in that file; a schema that parses is
/// used for a check of a small fixed book.
pub fn schema(text: &str) {
    match mdbook_kpi::check::schema::parse_schema(text, "fuzz", "schema.toml") {
        Ok(schema) => {
            let book = chapters_from(
                "\0# 业绩回顾\n\n## 产品线\n\n营收<<#kpi revenue q4 vs q3>>\n\0\u{1}# 问题分析\n\n- 市场:竞争加剧\n\0# 策略优化\n\n1. 市场端:Q1前上线新版本,提升20%\n"
                    .as_bytes(),
            );
            check_chapters(&book, &schema);
        }
        Err(d) => {
            assert_eq!(d.rule, "schema/invalid");
            assert_eq!(d.file, "schema.toml");
            assert!(d.help.is_some(), "a schema error without help: {d:?}");
        }
    }
}

/// A book folder with the reference data, made once per process, that preprocessor runs resolve paths against
/// (whatever root the input names), so that fuzzing never reads the machine's files.
pub fn fuzz_book_root() -> &'static std::path::Path {
    static ROOT: OnceLock<std::path::PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("mdbook-kpi-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary book folder");
        std::fs::write(dir.join("kpi.toml"), include_bytes!("../../tests/fixtures/reference/kpi.toml"))
            .expect("the reference data");
        dir
    })
}

/// The book with every chapter's `content` blanked: what must come back unchanged.
pub fn without_contents(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| {
                    let item = match (key.as_str(), item) {
                        ("Chapter", Value::Object(chapter)) => {
                            let mut chapter = chapter.clone();
                            if chapter.get("content").is_some_and(Value::is_string) {
                                chapter.insert("content".into(), Value::String(String::new()));
                            }
                            without_contents(&Value::Object(chapter))
                        }
                        _ => without_contents(item),
                    };
                    (key.clone(), item)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_contents).collect()),
        other => other.clone(),
    }
}

/// One preprocessor run as the CLI does it (config from the context, then the engine), over the fuzz book root.
/// `None` when the config has errors (the CLI stops there).
pub fn run_preprocessor(context: &serde_json::Value, book: &serde_json::Value) -> Option<(Vec<u8>, Vec<Diagnostic>)> {
    use mdbook_kpi::protocol::Request;
    let mut context = context.clone();
    if let Some(object) = context.as_object_mut() {
        object.insert("root".into(), serde_json::Value::String(fuzz_book_root().to_string_lossy().into_owned()));
    }
    let mut request = Request::from_parts(context, book.clone()).ok()?;
    let (config, config_findings) = Config::from_table(request.kpi_table(), request.book_language());
    if config_findings.iter().any(|d| d.severity == diagnostics::Severity::Error) {
        return None;
    }
    let findings = mdbook_kpi::engine::expand_request(&mut request, &config, None).diagnostics;
    Some((request.into_output(), findings))
}

/// The preprocessor over any stdin: malformed input is refused with a message; a request that parses comes back
/// as JSON with only chapter contents changed, unchanged where a chapter has no marker, the same on a second run.
pub fn preprocess(input: &[u8]) {
    use mdbook_kpi::protocol::Request;
    let request = match Request::parse(input) {
        Ok(request) => request,
        Err(error) => {
            assert!(!error.message.is_empty(), "a protocol error without a message");
            return;
        }
    };
    let (context, book) = (request.context().clone(), request.book().clone());
    let Some((output, _findings)) = run_preprocessor(&context, &book) else { return };
    let out: serde_json::Value = serde_json::from_slice(&output).expect("the output is JSON");
    assert_eq!(without_contents(&out), without_contents(&book), "a field other than a chapter's content changed");
    if !serde_json::to_string(&book).unwrap_or_default().contains(MARKER) {
        assert_eq!(out, book, "a book without directives changed");
    }
    let again = run_preprocessor(&context, &book).expect("the config is still fine");
    assert_eq!(again.0, output, "two runs over the same input differ");
}

/// Narration over any data: a TOML data file from the fuzzer, then every form of directive over the metrics and
/// dimensions it defines (the `expand` target keeps the data fixed and varies the chapter; this one varies the
/// data, where overflow and odd figures live).
pub fn narrate(data: &[u8]) {
    let Ok(data) = mdbook_kpi::data::load_sources(&[("kpi.toml".to_string(), data.to_vec())]) else { return };
    let dimensions: Vec<(&String, Option<&String>)> =
        data.dimensions.iter().take(2).map(|(id, d)| (id, d.members.keys().next())).collect();
    let mut chapter = String::new();
    for metric in data.metrics.keys().take(3) {
        for body in ["fy", "q4 vs q3", "fy vs yoy", "fy vs target", "fy vs standard", "q1..q4", "2023-01 vs prev"] {
            chapter.push_str(&format!("- <<#kpi {metric} {body}>> <<#kpi {metric} {body} as delta>>\n"));
        }
        chapter.push_str(&format!("\n<<#kpi {metric} q1..q4 as chart>>\n\n<<#kpi {metric} fy vs target as ratio>>\n"));
        for (dimension, member) in &dimensions {
            chapter.push_str(&format!("\n<<#kpi {metric} fy by {dimension} top 2 as chart>>\n\n"));
            chapter.push_str(&format!("<<#kpi {metric} fy by {dimension} vs yoy as table>>\n\n"));
            if let Some(member) = member {
                chapter.push_str(&format!("<<#kpi share {metric} {dimension}={member} fy vs yoy>>\n"));
                chapter.push_str(&format!("<<#kpi {metric} {dimension}={member} fy vs {dimension}={member}>>\n"));
            }
        }
    }
    for locale in [Locale::ZhCn, Locale::En] {
        let run = || {
            let mut preprocessor = Preprocessor::with_data(
                Config { year: Some(2023), ..Config::default() },
                locale,
                Target::Html,
                data.clone(),
            );
            let out = preprocessor.expand_chapter("src/chapter.md", &chapter);
            (out, preprocessor.diagnostics())
        };
        let (out, findings) = run();
        let found = scan(&chapter);
        assert_outside_unchanged(&chapter, &found, out.as_deref().unwrap_or(&chapter));
        // Data warnings (`data/inconsistent-total`) point into the data file; the rest into the chapter.
        let in_chapter: Vec<Diagnostic> = findings.iter().filter(|d| d.file != "kpi.toml").cloned().collect();
        check_diagnostics(&in_chapter, "src/chapter.md", &chapter);
        assert_eq!((out, findings), run(), "two runs over the same data differ");
    }
}
