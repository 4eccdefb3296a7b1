//! Properties of the scanner and the parser over generated input.

use mdbook_kpi::data::Period;
use mdbook_kpi::directive::parse::{is_id, parse, single_period};
use mdbook_kpi::directive::scan::{Found, MARKER, scan};
use mdbook_kpi::directive::{By, Comparand, Directive, Filter, Form, Opt, PeriodRef, PeriodSpec, Spanned};
use proptest::prelude::*;

/// Pieces that make Markdown interesting for the scanner: every construct it must look inside or skip.
const MARKDOWN_PIECES: &[&str] = &[
    "<<#kpi",
    "<<#kpi ",
    ">>",
    ">",
    "\\",
    "`",
    "``",
    "```\n",
    "~~~\n",
    "<!--",
    "-->",
    "<div>\n",
    "</div>",
    "<span>",
    "\n",
    "\n\n",
    "\r\n",
    "    ",
    "\t",
    "- ",
    "> ",
    "1. ",
    "| a | b |\n|---|---|\n",
    "|",
    "# ",
    "*",
    "[",
    "](x)",
    "revenue q4 vs q3",
    " as table",
    "营收",
    "📈",
    "\u{feff}",
    " ",
    "é",
];

fn markdown() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(MARKDOWN_PIECES).prop_map(str::to_string);
    let noise = prop_oneof![4 => piece, 1 => any::<String>()];
    prop::collection::vec(noise, 0..40).prop_map(|pieces| pieces.concat())
}

/// Pieces with no code, HTML or indentation: every marker in such text must be found.
const PLAIN_PIECES: &[&str] =
    &["<<#kpi", "<<#kpi ", ">>", "revenue ", "q4", "营收", "📈", "\n", "\r\n", "- ", "> ", "*", "\\", "x", "é "];

fn plain_markdown() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PLAIN_PIECES), 0..40).prop_map(|pieces| pieces.concat())
}

fn check_findings(text: &str) -> Result<(), TestCaseError> {
    let findings = scan(text);
    let mut previous_end = 0;
    for finding in &findings {
        let span = finding.span();
        prop_assert!(span.start >= previous_end, "overlap or disorder: {findings:?}");
        prop_assert!(span.start < span.end && span.end <= text.len());
        prop_assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        let covered = &text[span.clone()];
        match finding {
            Found::Directive { alone_on_line, line_prefix, .. } => {
                prop_assert!(covered.starts_with(MARKER) && covered.ends_with(">>"), "{covered:?}");
                prop_assert!(!covered.contains('\n'));
                prop_assert!(line_prefix.chars().all(|c| matches!(c, ' ' | '\t' | '>')), "{line_prefix:?}");
                prop_assert!(*alone_on_line || line_prefix.is_empty());
            }
            Found::Escape { .. } => {
                prop_assert_eq!(covered, "\\");
                prop_assert!(text[span.end..].starts_with(MARKER));
            }
            Found::Unterminated { .. } => prop_assert_eq!(covered, MARKER),
        }
        previous_end = span.end;
    }
    Ok(())
}

/// Markers that open a directive: followed by whitespace, `>` or the end of the text.
fn live_markers(text: &str) -> usize {
    text.match_indices(MARKER)
        .filter(|(at, _)| text[at + MARKER.len()..].chars().next().is_none_or(|c| c == '>' || c.is_whitespace()))
        .count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn scanner_spans_are_sound(text in markdown()) {
        check_findings(&text)?;
    }

    #[test]
    fn scanner_spans_are_sound_on_any_string(text in any::<String>()) {
        check_findings(&text)?;
        let with_marker = format!("{text}<<#kpi {text}>>{text}");
        check_findings(&with_marker)?;
    }

    #[test]
    fn scanner_finds_every_marker_in_plain_text(text in plain_markdown()) {
        check_findings(&text)?;
        prop_assert_eq!(scan(&text).len(), live_markers(&text), "{:?}", text);
    }

    #[test]
    fn parse_never_panics(text in any::<String>()) {
        let _ = parse(&text);
        check_error_span(&format!("<<#kpi {text}>>"))?;
    }

    #[test]
    fn parse_never_panics_on_word_soup(words in prop::collection::vec(prop::sample::select(WORDS), 0..12)) {
        check_error_span(&format!("<<#kpi {}>>", words.join(" ")))?;
    }

    #[test]
    fn printed_directives_parse_back(directive in directive()) {
        let text = directive.to_string();
        let parsed = parse(&text).map_err(|error| TestCaseError::fail(format!("{text}: {error:?}")))?;
        prop_assert_eq!(&text[parsed.metric.span.clone()], parsed.metric.value.as_str());
        prop_assert_eq!(&text[parsed.period.span.clone()], parsed.period.value.to_string());
        prop_assert_eq!(without_spans(parsed), directive, "{}", text);
    }
}

const WORDS: &[&str] = &[
    "share",
    "revenue",
    "营收",
    "product=ai-qc",
    "=",
    "a=",
    "q4",
    "q5",
    "2023",
    "2023-13",
    "q1..q4",
    "q4..q1",
    "..",
    "vs",
    "yoy",
    "同比",
    "环比",
    "target",
    "目标",
    "by",
    "top",
    "3",
    "0",
    "as",
    "table",
    "tabel",
    "locale=en",
    "height=5",
    "précision=1",
    "📈",
    ">",
    "<<#kpi",
];

fn check_error_span(text: &str) -> Result<(), TestCaseError> {
    if let Err(error) = parse(text) {
        prop_assert!(error.span.end <= text.len() && error.span.start <= error.span.end, "{error:?}");
        prop_assert!(text.is_char_boundary(error.span.start) && text.is_char_boundary(error.span.end));
        prop_assert!(error.rule == "kpi/syntax" || error.rule == "kpi/bad-period");
        prop_assert!(error.message.contains("found") && error.message.contains("expected"), "{}", error.message);
    }
    Ok(())
}

// ---- random directives ----

fn spanned<T>(value: T) -> Spanned<T> {
    Spanned { value, span: 0..0 }
}

const RESERVED: &[&str] = &["share", "vs", "by", "top", "as", "prev", "qoq", "yoy", "环比", "同比"];

fn any_id() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z][a-zA-Z0-9_-]{0,8}", "[营收产品线智能客服新人老员工]{1,4}", "[a-z]{1,3}[0-9]{1,2}"]
        .prop_filter("a valid id", |id| is_id(id))
}

/// An id that can stand where the metric does: not a reserved word, not a period.
fn metric_id() -> impl Strategy<Value = String> {
    any_id().prop_filter("not a keyword or period", |id| {
        !RESERVED.iter().any(|k| k.eq_ignore_ascii_case(id)) && single_period(id).is_none()
    })
}

fn filter() -> impl Strategy<Value = Filter> {
    (any_id(), any_id()).prop_map(|(d, m)| Filter { dimension: spanned(d), member: spanned(m) })
}

fn absolute() -> impl Strategy<Value = Period> {
    prop_oneof![
        (1000..=9999i32).prop_map(Period::Year),
        (1000..=9999i32, 1..=2u8).prop_map(|(y, i)| Period::Half(y, i)),
        (1000..=9999i32, 1..=4u8).prop_map(|(y, i)| Period::Quarter(y, i)),
        (1000..=9999i32, 1..=12u8).prop_map(|(y, i)| Period::Month(y, i)),
    ]
}

fn period_ref() -> impl Strategy<Value = PeriodRef> {
    prop_oneof![
        absolute().prop_map(PeriodRef::Absolute),
        (1..=4u8).prop_map(PeriodRef::Quarter),
        (1..=2u8).prop_map(PeriodRef::Half),
        Just(PeriodRef::FullYear),
    ]
}

fn range() -> impl Strategy<Value = PeriodSpec> {
    prop_oneof![
        // Two absolute periods of one length, the second later.
        (absolute(), 1..30i64).prop_filter_map("in range", |(start, steps)| {
            let mut end = start;
            for _ in 0..steps {
                end = next(end)?;
            }
            Some(PeriodSpec::Range(PeriodRef::Absolute(start), PeriodRef::Absolute(end)))
        }),
        (1..=3u8, 2..=4u8).prop_filter_map("ordered", |(a, b)| {
            (a < b).then_some(PeriodSpec::Range(PeriodRef::Quarter(a), PeriodRef::Quarter(b)))
        }),
        Just(PeriodSpec::Range(PeriodRef::Half(1), PeriodRef::Half(2))),
        (1000..=9999i32, 1..=4u8, 1..=4u8).prop_map(|(y, a, b)| {
            PeriodSpec::Range(PeriodRef::Absolute(Period::Quarter(y, a)), PeriodRef::Quarter(b))
        }),
    ]
}

fn next(period: Period) -> Option<Period> {
    match period {
        Period::Year(y) => (y < 9999).then_some(Period::Year(y + 1)),
        Period::Half(y, 2) => (y < 9999).then_some(Period::Half(y + 1, 1)),
        Period::Half(y, h) => Some(Period::Half(y, h + 1)),
        Period::Quarter(y, 4) => (y < 9999).then_some(Period::Quarter(y + 1, 1)),
        Period::Quarter(y, q) => Some(Period::Quarter(y, q + 1)),
        Period::Month(y, 12) => (y < 9999).then_some(Period::Month(y + 1, 1)),
        Period::Month(y, m) => Some(Period::Month(y, m + 1)),
    }
}

fn comparand() -> impl Strategy<Value = Comparand> {
    prop_oneof![
        period_ref().prop_map(Comparand::Period),
        Just(Comparand::Prev),
        Just(Comparand::YearAgo),
        Just(Comparand::Target),
        Just(Comparand::Standard),
        filter().prop_map(Comparand::Member),
    ]
}

fn form() -> impl Strategy<Value = Form> {
    prop::sample::select(vec![Form::Value, Form::Sentence, Form::Delta, Form::Ratio, Form::Table, Form::Chart])
}

fn options() -> impl Strategy<Value = Vec<Opt>> {
    let locale = prop::sample::select(vec!["zh-CN", "en"]).prop_map(|v| ("locale", v.to_string()));
    let precision = (0..=6u32).prop_map(|v| ("precision", v.to_string()));
    let kind = prop::sample::select(vec!["bar", "line"]).prop_map(|v| ("type", v.to_string()));
    let height = (80..=2000u32).prop_map(|v| ("height", v.to_string()));
    (prop::option::of(locale), prop::option::of(precision), prop::option::of(kind), prop::option::of(height))
        .prop_map(|(a, b, c, d)| [a, b, c, d].into_iter().flatten().collect::<Vec<_>>())
        .prop_shuffle()
        .prop_map(|pairs| {
            pairs
                .into_iter()
                .map(|(name, value)| Opt { name: spanned(name.to_string()), value: spanned(value) })
                .collect()
        })
}

fn directive() -> impl Strategy<Value = Directive> {
    let single = period_ref().prop_map(PeriodSpec::Single);
    let by = (any_id(), prop::option::of(1..1000usize)).prop_filter_map("dimension", |(dimension, top)| {
        (!RESERVED.iter().any(|k| k.eq_ignore_ascii_case(&dimension)))
            .then(|| By { dimension: spanned(dimension), top })
    });
    (
        any::<bool>(),
        metric_id(),
        prop::collection::vec(filter(), 0..3),
        prop_oneof![3 => single, 1 => range()],
        prop::option::of(comparand()),
        prop::option::of(by),
        prop::option::of(form()),
        options(),
    )
        .prop_map(|(share, metric, mut filters, period, comparand, by, form, options)| {
            let is_range = matches!(period, PeriodSpec::Range(..));
            if share {
                filters.truncate(1);
                if filters.is_empty() {
                    filters.push(Filter { dimension: spanned("product".into()), member: spanned("ai-qc".into()) });
                }
            }
            Directive {
                share,
                metric: spanned(metric),
                filters,
                period: spanned(period),
                comparand: comparand.filter(|_| !is_range).map(spanned),
                by: by.filter(|_| !is_range),
                form: form.map(spanned),
                options,
            }
        })
}

fn strip<T>(spanned: Spanned<T>) -> Spanned<T> {
    Spanned { value: spanned.value, span: 0..0 }
}

fn strip_filter(filter: Filter) -> Filter {
    Filter { dimension: strip(filter.dimension), member: strip(filter.member) }
}

fn without_spans(directive: Directive) -> Directive {
    Directive {
        share: directive.share,
        metric: strip(directive.metric),
        filters: directive.filters.into_iter().map(strip_filter).collect(),
        period: strip(directive.period),
        comparand: directive.comparand.map(|c| {
            let value = match c.value {
                Comparand::Member(filter) => Comparand::Member(strip_filter(filter)),
                other => other,
            };
            spanned(value)
        }),
        by: directive.by.map(|by| By { dimension: strip(by.dimension), top: by.top }),
        form: directive.form.map(strip),
        options: directive.options.into_iter().map(|o| Opt { name: strip(o.name), value: strip(o.value) }).collect(),
    }
}
