//! docs/src/errors-and-guarantees.md: text from data files never becomes live HTML or Markdown where it is inserted;
//! templates cannot read files or run anything; data and template paths cannot leave the book root, also through
//! symlinks.

use std::path::Path;

use mdbook_kpi::config::{Config, Locale, OnError};
use mdbook_kpi::data::DataSet;
use mdbook_kpi::diagnostics::Diagnostic;
use mdbook_kpi::directive::scan::markdown_options;
use mdbook_kpi::narrate::Target;
use mdbook_kpi::preprocess::Preprocessor;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// Labels and member names with script tags, event handlers, `javascript:` links, Handlebars braces, table pipes,
/// images, comments and line breaks that would start headings and lists.
fn evil_data() -> DataSet {
    let toml = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/robust/evil-labels.toml"))
        .expect("the fixture");
    mdbook_kpi::data::load_sources(&[("kpi.toml".into(), toml)]).expect("the evil data loads")
}

/// The same attacks as member ids of a CSV export (a member without a label shows its id).
fn evil_csv_data() -> DataSet {
    let csv = "metric,period,product,value\n\
               revenue,2023,<img src=x onerror=alert(1)>,5\n\
               revenue,2023,\"a|b [x](javascript:alert(1))\",3\n\
               revenue,2023,{{x}},2\n";
    mdbook_kpi::data::load_sources(&[("kpi.csv".into(), csv.as_bytes().to_vec())]).expect("the CSV loads")
}

fn expand(data: DataSet, locale: Locale, target: Target, chapter: &str) -> String {
    let mut preprocessor = Preprocessor::with_data(Config::default(), locale, target, data);
    let out = preprocessor.expand_chapter("src/x.md", chapter).expect("the chapter changes");
    let errors: Vec<Diagnostic> =
        preprocessor.diagnostics().into_iter().filter(|d| d.rule != "data/inconsistent-total").collect();
    assert!(errors.is_empty(), "{errors:#?}");
    out
}

/// Markdown that renders as text only: no HTML, links, images or block structure the template did not make.
/// `paragraphs`/`tables` are how many of each the expansion should make.
fn assert_inert_markdown(markdown: &str, paragraphs: usize, tables: usize) {
    let (mut seen_paragraphs, mut seen_tables) = (0, 0);
    let mut cells_per_row: Vec<usize> = Vec::new();
    for event in Parser::new_ext(markdown, markdown_options()) {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => panic!("live HTML {html:?} in {markdown}"),
            Event::Start(Tag::Paragraph) => seen_paragraphs += 1,
            Event::Start(Tag::Table(_)) => seen_tables += 1,
            Event::Start(Tag::TableHead | Tag::TableRow) => cells_per_row.push(0),
            Event::Start(Tag::TableCell) => *cells_per_row.last_mut().expect("a row") += 1,
            Event::Start(
                tag @ (Tag::Link { .. }
                | Tag::Image { .. }
                | Tag::Heading { .. }
                | Tag::List(_)
                | Tag::BlockQuote(_)
                | Tag::CodeBlock(_)
                | Tag::HtmlBlock),
            ) => panic!("live Markdown {tag:?} in {markdown}"),
            Event::Code(code) => panic!("a code span {code:?} in {markdown}"),
            Event::End(TagEnd::Table) => {
                let first = cells_per_row.first().copied().unwrap_or(0);
                assert!(
                    cells_per_row.iter().all(|&n| n == first),
                    "a pipe split a cell: {cells_per_row:?} in {markdown}"
                );
                cells_per_row.clear();
            }
            _ => {}
        }
    }
    assert_eq!((seen_paragraphs, seen_tables), (paragraphs, tables), "{markdown}");
    for raw in ["<script", "<img", "{{", "}}"] {
        assert!(!markdown.contains(raw), "{raw} left raw in {markdown}");
    }
}

/// A chart: one HTML block in Markdown terms, and an SVG with only drawing elements and no handlers or links.
fn assert_inert_chart(markdown: &str) {
    let events: Vec<Event> = Parser::new_ext(markdown.trim(), markdown_options()).collect();
    assert!(matches!(events.first(), Some(Event::Start(Tag::HtmlBlock))), "{markdown}");
    assert!(matches!(events.last(), Some(Event::End(TagEnd::HtmlBlock))), "the chart is one HTML block: {events:?}");
    let start = markdown.find("<svg").expect("an svg");
    let end = markdown.find("</svg>").expect("the svg's end") + "</svg>".len();
    let svg = roxmltree::Document::parse(&markdown[start..end]).expect("the chart is well-formed XML");
    const DRAWING: &[&str] =
        &["svg", "title", "desc", "g", "text", "tspan", "rect", "line", "path", "circle", "polyline"];
    for node in svg.descendants().filter(|n| n.is_element()) {
        let name = node.tag_name().name();
        assert!(DRAWING.contains(&name), "element <{name}> in a chart");
        for attribute in node.attributes() {
            let attribute_name = attribute.name().to_ascii_lowercase();
            assert!(
                !attribute_name.starts_with("on") && attribute_name != "href",
                "attribute {attribute_name} in a chart"
            );
        }
    }
    for raw in ["<script", "<img", "{{", "}}"] {
        assert!(!markdown.contains(raw), "{raw} left raw in {markdown}");
    }
}

const SENTENCES: &[&str] = &[
    "<<#kpi revenue q4 vs q3>>",
    "<<#kpi revenue 2023 by product>>",
    "<<#kpi revenue product=a 2023 vs product=b>>",
    "<<#kpi share revenue product=c 2023>>",
    "<<#kpi revenue q1..q4>>",
];

#[test]
fn labels_in_sentences_stay_text() {
    for locale in [Locale::En, Locale::ZhCn] {
        for directive in SENTENCES {
            let out = expand(evil_data(), locale, Target::Html, &format!("Text: {directive}\n"));
            assert_inert_markdown(&out, 1, 0);
        }
    }
}

#[test]
fn labels_keep_their_visible_text() {
    // Escaping must show the label as written, not drop it.
    let out = expand(evil_data(), Locale::En, Target::Html, "<<#kpi revenue 2023 by product>>");
    assert!(out.contains("&lt;img src=x onerror=alert(1)&gt;"), "{out}");
    assert!(out.contains("\\{\\{b\\}\\} \\| pipe"), "{out}");
    let zh = expand(evil_data(), Locale::ZhCn, Target::Html, "<<#kpi revenue 2023 by product>>");
    assert!(zh.contains("\\[x\\](javascript:alert(1))"), "{zh}");
}

#[test]
fn labels_in_tables_stay_in_their_cells() {
    for locale in [Locale::En, Locale::ZhCn] {
        for target in [Target::Html, Target::Other] {
            for directive in ["<<#kpi revenue 2023 by product as table>>", "<<#kpi revenue q1..q4 as table>>"] {
                let out = expand(evil_data(), locale, target, &format!("{directive}\n"));
                assert_inert_markdown(&out, 0, 1);
            }
            // A chart for a renderer other than html is its table.
            let out = expand(evil_data(), locale, Target::Other, "<<#kpi revenue 2023 by product as chart>>\n");
            assert_inert_markdown(&out, 0, 1);
        }
    }
}

#[test]
fn labels_in_charts_are_svg_text() {
    for locale in [Locale::En, Locale::ZhCn] {
        for directive in [
            "<<#kpi revenue 2023 by product as chart>>",
            "<<#kpi revenue q1..q4 as chart type=line>>",
            "<<#kpi revenue 2023 by product top 2 as chart>>",
        ] {
            let out = expand(evil_data(), locale, Target::Html, &format!("{directive}\n"));
            assert_inert_chart(&out);
        }
    }
}

#[test]
fn csv_member_ids_are_escaped_like_labels() {
    let out = expand(evil_csv_data(), Locale::En, Target::Html, "<<#kpi revenue 2023 by product>>\n");
    assert_inert_markdown(&out, 1, 0);
    let table = expand(evil_csv_data(), Locale::En, Target::Other, "<<#kpi revenue 2023 by product as table>>\n");
    assert_inert_markdown(&table, 0, 1);
    let chart = expand(evil_csv_data(), Locale::ZhCn, Target::Html, "<<#kpi revenue 2023 by product as chart>>\n");
    assert_inert_chart(&chart);
}

#[test]
fn error_markers_escape_the_directive_text() {
    // Under on-error = "warn" a failed directive leaves a marker in the page; the marker quotes names from the
    // directive, which the author wrote, and must not turn them into HTML either.
    let config = Config { on_error: OnError::Warn, ..Config::default() };
    let mut preprocessor = Preprocessor::with_data(config, Locale::En, Target::Html, evil_data());
    let out = preprocessor.expand_chapter("src/x.md", "<<#kpi revenue product=<b>x</b> 2023>>\n").unwrap();
    assert!(!out.contains("<b>"), "{out}");
    assert!(out.contains("⚠"), "{out}");
}

// --- templates -------------------------------------------------------------------------------------------------

/// A book in a temporary folder with `kpi.toml` (the reference data) and the given files.
fn book(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reference/kpi.toml");
    std::fs::copy(reference, dir.path().join("kpi.toml")).unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn run_book(root: &Path, config: Config, chapter: &str) -> (Option<String>, Vec<Diagnostic>) {
    let mut preprocessor = Preprocessor::new(root, config, Some("en"), "html");
    let out = preprocessor.expand_chapter("src/x.md", chapter);
    (out, preprocessor.diagnostics())
}

fn templates_config() -> Config {
    Config { templates: Some("kpi-templates".into()), ..Config::default() }
}

fn has_rule(findings: &[Diagnostic], rule: &str) -> bool {
    findings.iter().any(|d| d.rule == rule)
}

#[test]
fn a_template_cannot_include_partials() {
    for partial in ["{{> partial}}", "{{> /etc/passwd}}", "{{> en/period}}", "{{> en/value}}"] {
        let dir = book(&[("kpi-templates/en/value.hbs", partial)]);
        let (_, findings) = run_book(dir.path(), templates_config(), "<<#kpi revenue 2023>>\n");
        assert!(has_rule(&findings, "kpi/template"), "{partial}: {findings:#?}");
        let finding = findings.iter().find(|d| d.rule == "kpi/template").unwrap();
        assert!(finding.file.starts_with("kpi-templates/en/value.hbs") || finding.file == "src/x.md", "{finding:?}");
    }
}

#[test]
fn a_template_cannot_call_unknown_helpers() {
    for template in [
        "{{exec \"ls\"}}",
        "{{#include \"/etc/passwd\"}}x{{/include}}",
        "{{read_file \"kpi.toml\"}}",
        "{{env \"HOME\"}}",
    ] {
        let dir = book(&[("kpi-templates/en/value.hbs", template)]);
        let (out, findings) = run_book(dir.path(), templates_config(), "<<#kpi revenue 2023>>\n");
        assert!(has_rule(&findings, "kpi/template"), "{template}: {findings:#?}");
        if let Some(out) = out {
            assert!(!out.contains("revenue"), "{template} read the data file: {out}");
        }
    }
}

// --- paths ------------------------------------------------------------------------------------------------------

fn load_findings(root: &Path, data: &[&str]) -> Vec<Diagnostic> {
    let files: Vec<String> = data.iter().map(|s| s.to_string()).collect();
    match mdbook_kpi::data::load(root, &files) {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    }
}

#[test]
fn data_paths_outside_the_root_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reference/kpi.toml"),
        outside.path().join("outside.toml"),
    )
    .unwrap();
    let dir = book(&[]);
    let relative = format!("../{}/outside.toml", outside.path().file_name().unwrap().to_string_lossy());
    let absolute = outside.path().join("outside.toml").to_string_lossy().into_owned();
    for path in [relative.as_str(), absolute.as_str()] {
        let findings = load_findings(dir.path(), &[path]);
        assert!(has_rule(&findings, "data/path"), "{path}: {findings:#?}");
        assert_eq!(findings[0].file, path);
        assert!(findings[0].help.is_some());
    }
}

#[cfg(unix)]
#[test]
fn data_symlinks_out_of_the_root_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.toml"), "[meta]\nyear = 2023\n").unwrap();
    let dir = book(&[]);
    std::os::unix::fs::symlink(outside.path().join("secret.toml"), dir.path().join("linked.toml")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linked-dir")).unwrap();
    for path in ["linked.toml", "linked-dir/secret.toml"] {
        let findings = load_findings(dir.path(), &[path]);
        assert!(has_rule(&findings, "data/path"), "{path}: {findings:#?}");
    }
    // A symlink that stays inside the book is fine.
    std::os::unix::fs::symlink(dir.path().join("kpi.toml"), dir.path().join("inside.toml")).unwrap();
    assert!(load_findings(dir.path(), &["inside.toml"]).is_empty());
}

#[test]
fn a_template_folder_outside_the_root_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(outside.path().join("en")).unwrap();
    std::fs::write(outside.path().join("en/value.hbs"), "STOLEN").unwrap();
    let dir = book(&[]);
    let relative = format!("../{}", outside.path().file_name().unwrap().to_string_lossy());
    let config = Config { templates: Some(relative), ..Config::default() };
    let (out, findings) = run_book(dir.path(), config, "<<#kpi revenue 2023>>\n");
    assert!(has_rule(&findings, "data/path"), "{findings:#?}");
    assert!(!out.unwrap_or_default().contains("STOLEN"));
}

#[cfg(unix)]
#[test]
fn template_symlinks_out_of_the_root_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(outside.path().join("en")).unwrap();
    std::fs::write(outside.path().join("en/value.hbs"), "STOLEN").unwrap();
    // The folder itself, a locale folder and a single file, each linked out of the book.
    type Link<'a> = &'a dyn Fn(&Path);
    let cases: [(&str, Link); 3] = [
        ("folder", &|root: &Path| std::os::unix::fs::symlink(outside.path(), root.join("kpi-templates")).unwrap()),
        ("locale", &|root: &Path| {
            std::fs::create_dir_all(root.join("kpi-templates")).unwrap();
            std::os::unix::fs::symlink(outside.path().join("en"), root.join("kpi-templates/en")).unwrap();
        }),
        ("file", &|root: &Path| {
            std::fs::create_dir_all(root.join("kpi-templates/en")).unwrap();
            std::os::unix::fs::symlink(outside.path().join("en/value.hbs"), root.join("kpi-templates/en/value.hbs"))
                .unwrap();
        }),
    ];
    for (what, link) in cases {
        let dir = book(&[]);
        link(dir.path());
        let (out, findings) = run_book(dir.path(), templates_config(), "<<#kpi revenue 2023>>\n");
        assert!(
            !out.clone().unwrap_or_default().contains("STOLEN"),
            "{what}: a template from outside the book was used"
        );
        assert!(has_rule(&findings, "data/path"), "{what}: {findings:#?}");
    }
}

// --- the HTML the real mdBook builds ------------------------------------------------------------------------------

#[path = "mdbook_support/mod.rs"]
mod mdbook_support;
mod support;

/// The page `mdbook build` (0.5.4, in-process: tests/mdbook_support) makes of a chapter that puts the hostile
/// labels in sentences, a table and charts: the labels show as text, and nothing in the page content runs, links
/// or breaks the table.
#[test]
fn mdbook_renders_hostile_labels_as_text() {
    let mdbook = mdbook_support::mdbook_05();
    for language in ["en", "zh-CN"] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/robust/evil-labels.toml"),
            root.join("kpi.toml"),
        )
        .unwrap();
        std::fs::write(
            root.join("book.toml"),
            format!(
                "[book]\ntitle = \"Evil\"\nlanguage = \"{language}\"\n\n[preprocessor.kpi]\ncommand = {}\n",
                mdbook_support::toml_string(mdbook_support::KPI)
            ),
        )
        .unwrap();
        std::fs::write(root.join("src/SUMMARY.md"), "# Summary\n\n- [Evil](evil.md)\n").unwrap();
        let chapter = "# Evil\n\nSentence: <<#kpi revenue q4 vs q3>>.\n\nBreakdown: <<#kpi revenue 2023 by product>>.\n\n\
                       Member: <<#kpi revenue product=a 2023 vs product=b>>.\n\n\
                       <<#kpi revenue 2023 by product as table>>\n\n<<#kpi revenue 2023 by product as chart>>\n\n\
                       - <<#kpi revenue q1..q4 as chart type=line>>\n";
        std::fs::write(root.join("src/evil.md"), chapter).unwrap();
        mdbook.build(root);
        let page = std::fs::read_to_string(root.join("book/evil.html")).expect("the page");
        let start = page.find("<main>").expect("<main>");
        let end = page.find("</main>").expect("</main>");
        let main = &page[start..end];
        for live in [
            "<script",
            "<img",
            "href=\"javascript",
            "<a href=\"x.png",
            "<!-- c",
            "<b>c",
            "<h2",
            "<code",
            "<em",
            "<strong>c",
        ] {
            assert!(!main.contains(live), "{language}: `{live}` is live in the page:\n{main}");
        }
        // mdBook's own page has scripts; the content must not add one.
        assert_eq!(main.matches("<h1").count(), 1, "{language}: a label made a heading:\n{main}");
        assert_eq!(main.matches("<table").count(), 1, "{language}: {main}");
        // The one list is the chapter's own (the line chart sits in a list item); labels made none.
        assert_eq!(main.matches("<li>").count(), 1, "{language}: a label made a list:\n{main}");
        assert_eq!(main.matches("<svg").count(), 2, "{language}: the charts are SVG:\n{main}");
        assert!(main.contains("&lt;b&gt;c&lt;/b&gt;"), "{language}: the label is shown as written:\n{main}");
        let rows: Vec<usize> =
            main.split("<tr>").skip(1).map(|row| row.matches("<td").count() + row.matches("<th").count()).collect();
        assert!(
            rows.len() >= 4 && rows.iter().all(|&cells| cells == rows[0]),
            "{language}: a pipe split a cell: {rows:?}"
        );
        let leftover = ["&lt;&lt;#kpi", "<<#kpi"];
        assert!(!leftover.iter().any(|l| main.contains(l)), "{language}: a directive was left unexpanded:\n{main}");
    }
}

#[cfg(unix)]
#[test]
fn schema_symlinks_out_of_the_root_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("schema.toml"), "[[modules]]\nid = \"a\"\ntitles = [\"A\"]\n").unwrap();
    let dir = book(&[]);
    std::os::unix::fs::symlink(outside.path().join("schema.toml"), dir.path().join("linked.toml")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("schemas")).unwrap();
    for spec in ["linked.toml", "schemas/schema.toml"] {
        let error = mdbook_kpi::check::load_schema(spec, dir.path()).expect_err("a schema from outside the book");
        assert_eq!(error.rule, "data/path", "{spec}: {error:#?}");
        assert!(error.help.is_some());
    }
    // The same file copied into the book is fine.
    std::fs::copy(outside.path().join("schema.toml"), dir.path().join("inside.toml")).unwrap();
    assert!(mdbook_kpi::check::load_schema("inside.toml", dir.path()).is_ok());
}
