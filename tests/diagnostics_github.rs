//! GitHub Actions workflow commands: snapshot, and GitHub's escaping rules asserted one by one.

#[path = "fixtures/diagnostics/findings.rs"]
mod findings;

use mdbook_kpi::diagnostics::{Diagnostic, github};
use mdbook_kpi::rules::Rule;

#[test]
fn github_output_matches_snapshot() {
    insta::assert_snapshot!(github::render(&findings::findings()));
}

#[test]
fn one_command_per_line_with_severity_title_and_position() {
    let output = github::render(&findings::findings());
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines.len(), 5);
    assert!(output.ends_with('\n'));
    assert_eq!(
        lines[0],
        "::error file=src/业绩回顾.md,line=4,col=12,endLine=4,endColumn=18,title=kpi/unknown-metric::\
         unknown metric `revnue`%0Ahelp: did you mean `revenue`?"
    );
    assert!(
        lines[1].starts_with("::warning file=src/plan.md,line=3,col=11,endLine=3,endColumn=19,title=style/jargon::")
    );
    // A finding without a position names only its file.
    assert!(lines[3].starts_with("::error file=src/SUMMARY.md,title=structure/missing-module::"), "{}", lines[3]);
}

#[test]
fn message_escapes_percent_cr_and_lf() {
    let finding = Diagnostic::error(Rule::KpiNoData, "100% of 5:3, done\r\nnext").with_help("a\nb");
    let output = github::command(&finding);
    assert_eq!(output, "::error title=kpi/no-data::100%25 of 5:3, done%0D%0Anext%0Ahelp: a%0Ab\n");
    assert_eq!(github::escape_data("%\r\n:,"), "%25%0D%0A:,");
}

#[test]
fn properties_also_escape_colon_and_comma() {
    assert_eq!(github::escape_property("a%b\rc\nd:e,f"), "a%25b%0Dc%0Ad%3Ae%2Cf");
    let mut finding = Diagnostic::warning(Rule::StyleJargon, "m").in_file("src/a,b:c%.md");
    (finding.line, finding.column) = (2, 3);
    assert_eq!(github::command(&finding), "::warning file=src/a%2Cb%3Ac%25.md,line=2,col=3,title=style/jargon::m\n");
}

#[test]
fn percent_is_escaped_first_so_escapes_are_not_doubled_or_missed() {
    // A literal "%0A" in the text must stay distinguishable from an escaped newline.
    assert_eq!(github::escape_data("%0A\n"), "%250A%0A");
    assert_eq!(github::escape_property("%3A:"), "%253A%3A");
}

#[test]
fn multi_line_findings_carry_lines_but_no_columns() {
    let mut finding = Diagnostic::warning(Rule::NarrativeBareNumbers, "m").in_file("src/a.md");
    (finding.line, finding.column, finding.end_line, finding.end_column) = (2, 5, 3, 9);
    assert_eq!(github::command(&finding), "::warning file=src/a.md,line=2,endLine=3,title=narrative/bare-numbers::m\n");
}
