//! SPEC 9 "Nothing lost": a chapter without directives comes back byte-identical; with directives, every byte
//! outside them is unchanged; the same input gives the same output, byte for byte.

#[path = "../fuzz/src/invariants.rs"]
#[allow(dead_code)]
mod invariants;

use invariants::{Setup, assert_outside_unchanged, reference_data};
use mdbook_kpi::config::{Config, Locale};
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
    let config = Config { on_error: setup.on_error, ..Config::default() };
    Preprocessor::with_data(config, setup.locale, setup.target, reference_data().clone())
}

/// What a lone inline directive expands to, in a chapter of its own.
fn alone(setup: Setup, directive: &str) -> String {
    preprocessor(setup).expand_chapter("src/x.md", directive).expect("the directive expands")
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
                    expected.push_str(&alone(setup, &chapter[span.clone()]));
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
    assert_eq!(out, "\u{feff}# 业绩回顾\r\n\r\n营收\t:Q4营收3600万元,环比增长16.1%。👍\r\n\r\n> - 新签:120家\r\n");
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
