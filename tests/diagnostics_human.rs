//! The rustc-style human format: snapshots over the fixed findings, and the caret placement checked by display
//! width independently of the snapshot.

#[path = "fixtures/diagnostics/findings.rs"]
mod findings;

use mdbook_kpi::diagnostics::{Diagnostic, Sources, Summary, human, summarize};
use mdbook_kpi::rules::Rule;

#[test]
fn human_output_matches_snapshot() {
    let output = human::render(&findings::findings(), &findings::sources());
    insta::assert_snapshot!(output);
}

#[test]
fn summary_line_follows_the_findings() {
    let summary = summarize(&findings::findings());
    assert_eq!(summary, Summary { errors: 3, warnings: 2 });
    assert_eq!(human::summary_line(&summary), "error: 3 errors, 2 warnings");
    assert_eq!(human::summary_line(&Summary { errors: 0, warnings: 1 }), "warning: 1 warning");
}

/// Display width as a terminal draws it: CJK ideographs and full-width punctuation take two columns, and
/// annotate-snippets draws a tab as four spaces.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            '\t' => 4,
            '\u{3000}'..='\u{303F}' | '\u{4E00}'..='\u{9FFF}' | '\u{FF00}'..='\u{FF60}' => 2,
            _ => 1,
        })
        .sum()
}

/// Finds the quoted source line containing `quoted` and returns the display columns (from the start of the
/// line) covered by the `^` underline right below it.
fn underline_under(output: &str, quoted: &str) -> (usize, usize) {
    let lines: Vec<&str> = output.lines().collect();
    let at = lines.iter().position(|l| l.contains(quoted)).unwrap_or_else(|| panic!("no line with {quoted:?}"));
    let underline = lines[at + 1];
    let start = underline.find('^').expect("underline has a caret");
    let end = underline.rfind('^').expect("underline has a caret") + 1;
    (start, end)
}

/// Checks the underline below the quoted source line lies exactly under `span` within `line_text`.
fn assert_underlined(output: &str, line_text: &str, span: &str) {
    let (start, end) = underline_under(output, line_text);
    let quoted = output.lines().find(|l| l.contains(line_text)).expect("quoted line");
    let text_start = quoted.find(line_text).expect("quoted text");
    let gutter = display_width(&quoted[..text_start]);
    let before = &line_text[..line_text.find(span).expect("span in line")];
    assert_eq!(start, gutter + display_width(before), "caret start under {span:?} in\n{output}");
    assert_eq!(end - start, display_width(span), "underline width of {span:?} in\n{output}");
}

#[test]
fn caret_sits_under_the_span_after_cjk_characters() {
    let findings = findings::findings();
    let output = human::render(&findings[..1], &findings::sources());
    assert!(output.contains("error[kpi/unknown-metric]: unknown metric `revnue`"), "{output}");
    assert!(output.contains(" --> src/业绩回顾.md:4:12"), "{output}");
    assert!(output.contains("= help: did you mean `revenue`?"), "{output}");
    assert_underlined(&output, "Q4营收<<#kpi revnue q4 vs q3>>,环比增长。", "revnue");
}

#[test]
fn caret_sits_under_a_wide_span_after_a_tab() {
    let findings = findings::findings();
    let output = human::render(&findings[2..3], &findings::sources());
    // annotate-snippets shows the tab as four spaces; the underline must follow.
    assert_underlined(&output, "    - 赋能 the team: hire 3 reps by March.", "赋能");
    assert!(output.contains(" --> src/plan.md:4:4"), "{output}");
}

#[test]
fn finding_without_position_or_source_prints_its_location_only() {
    let findings = findings::findings();
    let output = human::render(&findings[3..], &findings::sources());
    assert!(output.contains("error[structure/missing-module]: the report has no `problem-analysis` module"));
    // Without a quoted line there is no line-number gutter, so the arrow starts the line (as in rustc).
    assert!(output.contains("\n--> src/SUMMARY.md\n"), "{output}");
    assert!(output.contains("\n--> kpi.csv:4:17\n"), "{output}");
    assert!(!output.contains('^'), "no snippet without source text:\n{output}");
    assert!(output.contains("= help: write 1200 (no thousands separators)"), "{output}");
}

#[test]
fn finding_without_file_prints_title_and_help() {
    let finding = Diagnostic::error(Rule::ConfigInvalid, "`precision` must be a number").with_help("precision = 1");
    let output = human::render(&[finding], &Sources::new());
    assert_eq!(output, "error[config/invalid]: `precision` must be a number\n |\n = help: precision = 1\n\n");
}

#[test]
fn point_finding_gets_one_caret_and_multi_line_span_is_drawn() {
    let text = "第一行\n签约客户120家,\n营收1500万\n";
    let mut sources = Sources::new();
    sources.insert("src/a.md".into(), text.into());
    let mut point = Diagnostic::warning(Rule::NarrativeBareNumbers, "figures without a comparison").in_file("src/a.md");
    (point.line, point.column) = (2, 5);
    let output = human::render(std::slice::from_ref(&point), &sources);
    assert_underlined(&output, "签约客户120家,", "1");

    let mut spanning = point.clone();
    (spanning.end_line, spanning.end_column) = (3, 9);
    let output = human::render(&[spanning], &sources);
    insta::assert_snapshot!("multi_line_span", output);
}

#[test]
fn positions_past_the_text_fall_back_to_the_location_line() {
    let mut finding = Diagnostic::error(Rule::KpiSyntax, "unclosed directive").in_file(findings::ENGLISH_CHAPTER);
    (finding.line, finding.column, finding.end_line, finding.end_column) = (99, 3, 99, 400);
    let output = human::render(&[finding.clone()], &findings::sources());
    assert!(output.contains("\n--> src/plan.md:99:3\n"), "{output}");
    // A column past the end of a real line still quotes the line, with the caret at its end.
    (finding.line, finding.end_line) = (1, 1);
    let output = human::render(&[finding], &findings::sources());
    assert!(output.contains("1 | # Plan"), "{output}");
}

#[test]
fn styled_output_has_colours_and_plain_does_not() {
    let styled = human::render_styled(&findings::findings(), &findings::sources(), true);
    assert!(styled.contains("\u{1b}["), "styled output has ANSI escapes");
    let plain = human::render_styled(&findings::findings(), &findings::sources(), false);
    assert!(!plain.contains('\u{1b}'));
    assert_eq!(plain, human::render(&findings::findings(), &findings::sources()));
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![Just("营"), Just("a"), Just("\t"), Just("\r\n"), Just("\n"), Just("é"), Just(" ")],
            0..40,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        /// Any position, in range or not, forwards or backwards, over text with wide characters, tabs and CRLF,
        /// renders without panicking, and the location line always carries the finding's own line and column.
        #[test]
        fn any_position_renders(text in text(), line in 0usize..8, column in 0usize..30, end_line in 0usize..8, end_column in 0usize..30) {
            let mut sources = Sources::new();
            sources.insert("src/a.md".into(), text);
            let mut finding = Diagnostic::error(Rule::KpiSyntax, "m").with_help("h").in_file("src/a.md");
            (finding.line, finding.column, finding.end_line, finding.end_column) = (line, column, end_line, end_column);
            let output = human::render(&[finding], &sources);
            prop_assert!(output.starts_with("error[kpi/syntax]: m\n"));
            prop_assert!(output.contains("= help: h"));
            if line > 0 && column > 0 {
                let location = format!("--> src/a.md:{line}:");
                prop_assert!(output.contains(&location), "{}", output);
            }
        }
    }
}
