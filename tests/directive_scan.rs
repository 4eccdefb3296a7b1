//! Where `<<#kpi …>>` is a directive and where it is not (docs/src/directives.md).

use mdbook_kpi::directive::scan::{Found, scan};

/// Each finding as (kind, the exact text its span covers).
fn found(markdown: &str) -> Vec<(&'static str, &str)> {
    scan(markdown)
        .into_iter()
        .map(|finding| {
            let kind = match finding {
                Found::Directive { .. } => "directive",
                Found::Escape { .. } => "escape",
                Found::Unterminated { .. } => "unterminated",
            };
            (kind, &markdown[finding.span()])
        })
        .collect()
}

/// The directives' spanned texts only.
fn directives(markdown: &str) -> Vec<&str> {
    found(markdown).into_iter().filter(|(kind, _)| *kind == "directive").map(|(_, text)| text).collect()
}

/// The single directive's (alone_on_line, line_prefix).
fn placement(markdown: &str) -> (bool, String) {
    match scan(markdown).as_slice() {
        [Found::Directive { alone_on_line, line_prefix, .. }] => (*alone_on_line, line_prefix.clone()),
        other => panic!("expected one directive in {markdown:?}, found {other:?}"),
    }
}

#[test]
fn chapter_without_marker_has_nothing() {
    assert!(scan("").is_empty());
    assert!(scan("# Title\n\nText with << and #kpi and `code`.\n").is_empty());
}

#[test]
fn paragraph() {
    assert_eq!(directives("Q4: <<#kpi revenue q4 vs q3>>, good.\n"), ["<<#kpi revenue q4 vs q3>>"]);
}

#[test]
fn several_on_one_line_in_order() {
    let text = "a <<#kpi revenue q3>> b <<#kpi revenue q4>> c";
    assert_eq!(directives(text), ["<<#kpi revenue q3>>", "<<#kpi revenue q4>>"]);
}

#[test]
fn list_items_and_nested_lists() {
    let text = "- first <<#kpi a 2023>>\n- second\n  - nested <<#kpi b 2023>>\n    1. deeper <<#kpi c 2023>>\n";
    assert_eq!(directives(text), ["<<#kpi a 2023>>", "<<#kpi b 2023>>", "<<#kpi c 2023>>"]);
}

#[test]
fn block_quote() {
    assert_eq!(
        directives("> quoted <<#kpi revenue 2023>>\n> > deeper <<#kpi cost 2023>>\n"),
        ["<<#kpi revenue 2023>>", "<<#kpi cost 2023>>"]
    );
}

#[test]
fn table_cell() {
    let text = "| product | revenue |\n|---|---|\n| AI | <<#kpi revenue product=ai-qc 2023>> |\n";
    assert_eq!(directives(text), ["<<#kpi revenue product=ai-qc 2023>>"]);
}

#[test]
fn headings_atx_and_setext() {
    assert_eq!(directives("## Revenue <<#kpi revenue 2023>> {#rev}\n"), ["<<#kpi revenue 2023>>"]);
    assert_eq!(directives("Revenue <<#kpi revenue 2023>>\n===\n"), ["<<#kpi revenue 2023>>"]);
}

#[test]
fn emphasis_strong_strikethrough_and_link_text() {
    let text = "*<<#kpi a 2023>>* **<<#kpi b 2023>>** ~~<<#kpi c 2023>>~~ [<<#kpi d 2023>>](https://x.y)\n";
    assert_eq!(directives(text), ["<<#kpi a 2023>>", "<<#kpi b 2023>>", "<<#kpi c 2023>>", "<<#kpi d 2023>>"]);
}

#[test]
fn footnotes_and_task_lists() {
    let text = "Text[^1].\n\n[^1]: Source: <<#kpi a 2023>>\n\n- [x] done <<#kpi b 2023>>\n";
    assert_eq!(directives(text), ["<<#kpi a 2023>>", "<<#kpi b 2023>>"]);
}

#[test]
fn between_inline_html_tags_is_text() {
    let text = "Revenue <span class=\"kpi\"><<#kpi revenue 2023>></span> and <b><<#kpi cost 2023>></b>.\n";
    assert_eq!(directives(text), ["<<#kpi revenue 2023>>", "<<#kpi cost 2023>>"]);
}

#[test]
fn not_in_fenced_code_blocks() {
    let text = "```markdown\n<<#kpi revenue 2023>>\n```\n\n~~~\n<<#kpi revenue 2023>>\n~~~\n\nafter <<#kpi x 2023>>\n";
    assert_eq!(directives(text), ["<<#kpi x 2023>>"]);
}

#[test]
fn not_in_unclosed_fence() {
    assert!(scan("```\n<<#kpi revenue 2023>>\n\nmore <<#kpi x 2023>>\n").is_empty());
}

#[test]
fn not_in_fences_inside_lists_and_quotes() {
    let text = "- item\n\n  ```\n  <<#kpi a 2023>>\n  ```\n\n> ```\n> <<#kpi b 2023>>\n> ```\n";
    assert!(scan(text).is_empty());
}

#[test]
fn not_in_indented_code() {
    let text = "Para.\n\n    <<#kpi revenue 2023>>\n\n- item\n\n      <<#kpi in-list-code 2023>>\n";
    assert!(scan(text).is_empty());
}

#[test]
fn list_continuation_indented_four_is_text_not_code() {
    // Inside a list item whose content starts at column 2, four spaces are a paragraph, not code.
    let text = "- item\n\n    <<#kpi revenue 2023>>\n";
    assert_eq!(directives(text), ["<<#kpi revenue 2023>>"]);
}

#[test]
fn not_in_code_spans() {
    let text = "Write `<<#kpi revenue 2023>>` or ``a ` <<#kpi b 2023>>`` but <<#kpi c 2023>>.\n";
    assert_eq!(directives(text), ["<<#kpi c 2023>>"]);
}

#[test]
fn not_in_html_comments() {
    let inline = "Text <!-- <<#kpi a 2023>> --> and <<#kpi b 2023>>\n";
    assert_eq!(directives(inline), ["<<#kpi b 2023>>"]);
    let multi_line_inline = "Text <!-- a\n  <<#kpi a 2023>>\n  --> after <<#kpi b 2023>>\n";
    assert_eq!(directives(multi_line_inline), ["<<#kpi b 2023>>"]);
    let block = "<!--\n<<#kpi a 2023>>\n\n<<#kpi c 2023>>\n-->\n\n<<#kpi b 2023>>\n";
    assert_eq!(directives(block), ["<<#kpi b 2023>>"]);
}

#[test]
fn not_in_raw_html_blocks_or_attributes() {
    let block = "<div class=\"note\">\n<<#kpi a 2023>>\n</div>\n\n<<#kpi b 2023>>\n";
    assert_eq!(directives(block), ["<<#kpi b 2023>>"]);
    let attribute = "See <abbr title=\"<<#kpi a 2023>>\">x</abbr>.\n";
    assert!(scan(attribute).is_empty());
}

#[test]
fn escapes() {
    let text = r"Write \<<#kpi revenue 2023>> to show it.";
    assert_eq!(found(text), [("escape", r"\")]);
    // An escaped backslash before a directive leaves the directive live.
    let text = r"Path \\<<#kpi revenue 2023>>";
    assert_eq!(found(text), [("directive", "<<#kpi revenue 2023>>")]);
    // A backslash inside a code span right before the marker escapes nothing.
    let text = r"`\`<<#kpi revenue 2023>>";
    assert_eq!(found(text), [("directive", "<<#kpi revenue 2023>>")]);
    // An escape inside code is code.
    assert!(scan(r"`\<<#kpi revenue 2023>>`").is_empty());
}

#[test]
fn escape_then_directive() {
    let text = r"\<<#kpi a 2023>> and <<#kpi b 2023>>";
    assert_eq!(found(text), [("escape", r"\"), ("directive", "<<#kpi b 2023>>")]);
}

#[test]
fn unterminated() {
    assert_eq!(found("Q4 <<#kpi revenue q4\nnext line >>"), [("unterminated", "<<#kpi")]);
    assert_eq!(found("<<#kpi revenue q4"), [("unterminated", "<<#kpi")]);
    // Another directive before any `>>` leaves the first one open.
    assert_eq!(found("<<#kpi a <<#kpi b 2023>>"), [("unterminated", "<<#kpi"), ("directive", "<<#kpi b 2023>>")]);
    assert_eq!(found("<<#kpi"), [("unterminated", "<<#kpi")]);
}

#[test]
fn marker_must_end_a_word() {
    assert!(scan("<<#kpis revenue>> and <<#kpi_x>>").is_empty());
    assert_eq!(directives("<<#kpi>>"), ["<<#kpi>>"]);
    assert_eq!(directives("<<#kpi\u{3000}营收 2023>>"), ["<<#kpi\u{3000}营收 2023>>"]);
}

#[test]
fn first_closing_on_the_line_ends_it() {
    assert_eq!(directives("<<#kpi a 2023>>>> x"), ["<<#kpi a 2023>>"]);
}

#[test]
fn crlf_offsets() {
    let text = "# 标题\r\n\r\n营收 <<#kpi revenue q4>>\r\n<<#kpi revenue 2023 as table>>\r\n";
    let findings = scan(text);
    assert_eq!(findings.len(), 2);
    assert_eq!(&text[findings[0].span()], "<<#kpi revenue q4>>");
    assert_eq!(findings[1], Found::Directive { span: 40..70, alone_on_line: true, line_prefix: String::new() });
    assert_eq!(&text[40..70], "<<#kpi revenue 2023 as table>>");
    assert_eq!(found("<<#kpi a\r\n>>"), [("unterminated", "<<#kpi")]);
}

#[test]
fn bom_offsets_and_first_line() {
    let text = "\u{feff}<<#kpi revenue 2023 as table>>\n";
    assert_eq!(scan(text), [Found::Directive { span: 3..33, alone_on_line: true, line_prefix: String::new() }]);
    // A fence on the first line is still a fence after a BOM.
    assert!(scan("\u{feff}```\n<<#kpi revenue 2023>>\n```\n").is_empty());
}

#[test]
fn cjk_and_emoji_offsets() {
    let text = "📈 二〇二三年营收<<#kpi 营收 产品=智能客服 2023 vs 同比>>,👍 <<#kpi 收入 q4>>";
    let findings = found(text);
    assert_eq!(
        findings,
        [("directive", "<<#kpi 营收 产品=智能客服 2023 vs 同比>>"), ("directive", "<<#kpi 收入 q4>>")]
    );
    for finding in scan(text) {
        let span = finding.span();
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
    }
}

#[test]
fn tabs_in_prefix() {
    assert_eq!(placement("-\t<<#kpi revenue 2023 as table>>\n"), (true, " \t".to_string()));
    // A tab inside a list item continues the item (at the top level it would open an indented code block).
    assert_eq!(placement("- a\n\n\t<<#kpi revenue 2023 as table>>\n"), (true, "\t".to_string()));
    assert!(scan("\t<<#kpi revenue 2023 as table>>\n").is_empty());
}

#[test]
fn block_form_alone_at_top_level() {
    assert_eq!(placement("Intro.\n\n<<#kpi revenue 2023 by product as table>>\n\nMore."), (true, String::new()));
    assert_eq!(placement("<<#kpi revenue 2023 as table>>   \t\n"), (true, String::new()));
}

#[test]
fn block_form_prefix_in_list_items() {
    assert_eq!(placement("- <<#kpi revenue 2023 as table>>\n"), (true, "  ".to_string()));
    assert_eq!(placement("* a\n  * <<#kpi revenue 2023 as chart>>\n"), (true, "    ".to_string()));
    assert_eq!(placement("10. <<#kpi revenue 2023 as table>>\n"), (true, "    ".to_string()));
    assert_eq!(placement("1) <<#kpi revenue 2023 as table>>\n"), (true, "   ".to_string()));
    assert_eq!(placement("- item\n\n  <<#kpi revenue 2023 as table>>\n"), (true, "  ".to_string()));
}

#[test]
fn block_form_prefix_in_quotes() {
    assert_eq!(placement("> <<#kpi revenue 2023 as table>>\n"), (true, "> ".to_string()));
    assert_eq!(placement("> > <<#kpi revenue 2023 as table>>\n"), (true, "> > ".to_string()));
    assert_eq!(placement("> - <<#kpi revenue 2023 as table>>\n"), (true, ">   ".to_string()));
    assert_eq!(placement("- > <<#kpi revenue 2023 as table>>\n"), (true, "  > ".to_string()));
}

#[test]
fn not_alone_on_line() {
    assert_eq!(placement("Revenue: <<#kpi revenue 2023 as table>>\n"), (false, String::new()));
    assert_eq!(placement("<<#kpi revenue 2023 as table>> follows\n"), (false, String::new()));
    assert_eq!(placement("# <<#kpi revenue 2023 as table>>\n"), (false, String::new()));
    assert_eq!(placement("| <<#kpi revenue 2023 as table>> |\n|---|\n"), (false, String::new()));
    assert_eq!(placement("-<<#kpi revenue 2023 as table>>\n"), (false, String::new()));
    assert_eq!(placement("**<<#kpi revenue 2023 as table>>**\n"), (false, String::new()));
    let two = scan("<<#kpi a 2023>><<#kpi b 2023>>\n");
    assert!(two.iter().all(|f| matches!(f, Found::Directive { alone_on_line: false, .. })), "{two:?}");
}

#[test]
fn second_line_of_a_paragraph_is_alone() {
    let text = "Revenue by product:\n<<#kpi revenue 2023 by product as table>>\n";
    assert_eq!(placement(text), (true, String::new()));
}

#[test]
fn definition_lists_and_admonitions() {
    let text = "Term <<#kpi a 2023>>\n: Definition <<#kpi b 2023>>\n";
    assert_eq!(directives(text), ["<<#kpi a 2023>>", "<<#kpi b 2023>>"]);
    assert_eq!(placement("> [!NOTE]\n> <<#kpi revenue 2023 as table>>\n"), (true, "> ".to_string()));
}

#[test]
fn code_after_the_last_directive_does_not_matter() {
    let text = "<<#kpi a 2023>> and `open\n\nstill text <<#kpi b 2023>>\n\n```\n<<#kpi c 2023>>\n";
    assert_eq!(directives(text), ["<<#kpi a 2023>>", "<<#kpi b 2023>>"]);
}

#[test]
fn code_span_across_lines_of_one_paragraph() {
    let text = "Start `code\n<<#kpi a 2023>> end` then <<#kpi b 2023>>\n";
    assert_eq!(directives(text), ["<<#kpi b 2023>>"]);
}
