//! The directive grammar (docs/src/directives.md): every element and every error.

use mdbook_kpi::data::Period;
use mdbook_kpi::directive::parse::{ParseError, parse};
use mdbook_kpi::directive::{Comparand, Directive, Form, PeriodRef, PeriodSpec};

fn ok(text: &str) -> Directive {
    parse(text).unwrap_or_else(|error| panic!("{text}: {error:?}"))
}

/// The error, with the text its span covers.
fn err(text: &str) -> (ParseError, &str) {
    match parse(text) {
        Ok(directive) => panic!("{text} parsed as {directive:?}"),
        Err(error) => {
            let spanned = text.get(error.span.clone()).unwrap_or_else(|| panic!("bad span {:?}", error.span));
            (error, spanned)
        }
    }
}

fn syntax(text: &str) -> (ParseError, &str) {
    let (error, spanned) = err(text);
    assert_eq!(error.rule, "kpi/syntax", "{text}: {error:?}");
    assert!(error.help.is_some(), "{text}: no help");
    (error, spanned)
}

fn bad_period(text: &str) -> (ParseError, &str) {
    let (error, spanned) = err(text);
    assert_eq!(error.rule, "kpi/bad-period", "{text}: {error:?}");
    let help = error.help.as_deref().unwrap_or_default();
    assert!(help.contains("`2023-q4`") && help.contains("`q1..q4`"), "{help}");
    (error, spanned)
}

fn single(period: PeriodRef) -> PeriodSpec {
    PeriodSpec::Single(period)
}

#[test]
fn metric_and_period_with_spans() {
    let text = "<<#kpi revenue 2023>>";
    let d = ok(text);
    assert!(!d.share);
    assert_eq!(d.metric.value, "revenue");
    assert_eq!(&text[d.metric.span.clone()], "revenue");
    assert_eq!(d.period.value, single(PeriodRef::Absolute(Period::Year(2023))));
    assert_eq!(&text[d.period.span.clone()], "2023");
    assert!(d.filters.is_empty() && d.comparand.is_none() && d.by.is_none() && d.form.is_none());
    assert!(d.options.is_empty());
}

#[test]
fn absolute_periods_case_insensitive() {
    let cases = [
        ("2023", Period::Year(2023)),
        ("2023-q4", Period::Quarter(2023, 4)),
        ("2023-Q1", Period::Quarter(2023, 1)),
        ("2023-h1", Period::Half(2023, 1)),
        ("2023-H2", Period::Half(2023, 2)),
        ("2023-12", Period::Month(2023, 12)),
        ("2023-01", Period::Month(2023, 1)),
    ];
    for (written, period) in cases {
        let d = ok(&format!("<<#kpi revenue {written}>>"));
        assert_eq!(d.period.value, single(PeriodRef::Absolute(period)), "{written}");
    }
}

#[test]
fn relative_periods() {
    let cases = [
        ("q1", PeriodRef::Quarter(1)),
        ("Q4", PeriodRef::Quarter(4)),
        ("h1", PeriodRef::Half(1)),
        ("H2", PeriodRef::Half(2)),
        ("fy", PeriodRef::FullYear),
        ("FY", PeriodRef::FullYear),
    ];
    for (written, period) in cases {
        assert_eq!(ok(&format!("<<#kpi revenue {written}>>")).period.value, single(period), "{written}");
    }
}

#[test]
fn ranges() {
    assert_eq!(
        ok("<<#kpi revenue q1..q4>>").period.value,
        PeriodSpec::Range(PeriodRef::Quarter(1), PeriodRef::Quarter(4))
    );
    assert_eq!(
        ok("<<#kpi revenue 2023-01..2023-12>>").period.value,
        PeriodSpec::Range(PeriodRef::Absolute(Period::Month(2023, 1)), PeriodRef::Absolute(Period::Month(2023, 12)))
    );
    assert_eq!(
        ok("<<#kpi revenue 2021..2023>>").period.value,
        PeriodSpec::Range(PeriodRef::Absolute(Period::Year(2021)), PeriodRef::Absolute(Period::Year(2023)))
    );
    // An absolute start and a relative end: the order depends on the report year, checked later.
    assert_eq!(
        ok("<<#kpi revenue 2022-q4..q4>>").period.value,
        PeriodSpec::Range(PeriodRef::Absolute(Period::Quarter(2022, 4)), PeriodRef::Quarter(4))
    );
    let text = "<<#kpi revenue q1..q4 as chart>>";
    assert_eq!(&text[ok(text).period.span], "q1..q4");
}

#[test]
fn filters_with_spans() {
    let text = "<<#kpi deal_cycle_days tenure=new region=east 2023>>";
    let d = ok(text);
    assert_eq!(d.filters.len(), 2);
    assert_eq!(d.filters[0].dimension.value, "tenure");
    assert_eq!(d.filters[0].member.value, "new");
    assert_eq!(&text[d.filters[1].dimension.span.clone()], "region");
    assert_eq!(&text[d.filters[1].member.span.clone()], "east");
}

#[test]
fn chinese_ids() {
    let text = "<<#kpi 营收 产品线=智能客服 2023 vs 同比>>";
    let d = ok(text);
    assert_eq!(d.metric.value, "营收");
    assert_eq!(&text[d.metric.span.clone()], "营收");
    assert_eq!(d.filters[0].dimension.value, "产品线");
    assert_eq!(&text[d.filters[0].member.span.clone()], "智能客服");
    assert_eq!(d.comparand.unwrap().value, Comparand::YearAgo);
}

#[test]
fn ids_with_digits_underscores_dashes() {
    let d = ok("<<#kpi new_customers-2 product=ai-qc q4>>");
    assert_eq!(d.metric.value, "new_customers-2");
    assert_eq!(d.filters[0].member.value, "ai-qc");
}

#[test]
fn share() {
    let text = "<<#kpi share revenue product=ai-qc q4 vs q3>>";
    let d = ok(text);
    assert!(d.share);
    assert_eq!(d.metric.value, "revenue");
    assert_eq!(d.comparand.unwrap().value, Comparand::Period(PeriodRef::Quarter(3)));
    assert!(ok("<<#kpi SHARE revenue product=ai-qc q4>>").share);
    // `share` is reserved: it is never a metric.
    let (error, spanned) = syntax("<<#kpi share 2023>>");
    assert_eq!(spanned, "2023");
    assert_eq!(error.message, "found the period `2023`, expected a metric after `share`");
}

#[test]
fn comparands_after_vs() {
    let cases = [
        ("q3", Comparand::Period(PeriodRef::Quarter(3))),
        ("2022", Comparand::Period(PeriodRef::Absolute(Period::Year(2022)))),
        ("2023-q3", Comparand::Period(PeriodRef::Absolute(Period::Quarter(2023, 3)))),
        ("prev", Comparand::Prev),
        ("qoq", Comparand::Prev),
        ("环比", Comparand::Prev),
        ("yoy", Comparand::YearAgo),
        ("YoY", Comparand::YearAgo),
        ("同比", Comparand::YearAgo),
        ("target", Comparand::Target),
        ("目标", Comparand::Target),
        ("standard", Comparand::Standard),
        ("标准", Comparand::Standard),
    ];
    for (written, comparand) in cases {
        let text = format!("<<#kpi revenue q4 vs {written}>>");
        let d = ok(&text);
        let spanned = d.comparand.unwrap();
        assert_eq!(spanned.value, comparand, "{written}");
        assert_eq!(&text[spanned.span], written);
    }
}

#[test]
fn member_comparand() {
    let text = "<<#kpi deal_cycle_days tenure=new 2023 vs tenure=veteran>>";
    let Some(comparand) = ok(text).comparand else { panic!("no comparand") };
    let Comparand::Member(filter) = comparand.value else { panic!("{comparand:?}") };
    assert_eq!(filter.dimension.value, "tenure");
    assert_eq!(&text[filter.member.span], "veteran");
    assert_eq!(&text[comparand.span], "tenure=veteran");
}

#[test]
fn bare_comparands() {
    for (written, comparand) in
        [("yoy", Comparand::YearAgo), ("同比", Comparand::YearAgo), ("qoq", Comparand::Prev), ("环比", Comparand::Prev)]
    {
        let text = format!("<<#kpi revenue 2023 {written}>>");
        let spanned = ok(&text).comparand.unwrap();
        assert_eq!(spanned.value, comparand);
        assert_eq!(&text[spanned.span], written);
    }
}

#[test]
fn by_and_top() {
    let text = "<<#kpi revenue 2023 by product top 3>>";
    let by = ok(text).by.unwrap();
    assert_eq!(by.dimension.value, "product");
    assert_eq!(&text[by.dimension.span], "product");
    assert_eq!(by.top, Some(3));
    assert_eq!(ok("<<#kpi revenue 2023 BY product>>").by.unwrap().top, None);
}

#[test]
fn forms() {
    for (written, form) in [
        ("value", Form::Value),
        ("sentence", Form::Sentence),
        ("delta", Form::Delta),
        ("ratio", Form::Ratio),
        ("table", Form::Table),
        ("Chart", Form::Chart),
    ] {
        let text = format!("<<#kpi revenue q4 vs q3 as {written}>>");
        let spanned = ok(&text).form.unwrap();
        assert_eq!(spanned.value, form);
        assert_eq!(&text[spanned.span], written);
    }
}

#[test]
fn options_normalised() {
    let text = "<<#kpi revenue q1..q4 as chart Locale=ZH-cn precision=2 type=LINE height=240>>";
    let d = ok(text);
    assert_eq!(d.option("locale"), Some("zh-CN"));
    assert_eq!(d.option("precision"), Some("2"));
    assert_eq!(d.option("type"), Some("line"));
    assert_eq!(d.option("height"), Some("240"));
    assert_eq!(&text[d.options[0].name.span.clone()], "Locale");
    assert_eq!(&text[d.options[0].value.span.clone()], "ZH-cn");
    assert_eq!(ok("<<#kpi revenue 2023 locale=en precision=0>>").option("locale"), Some("en"));
}

#[test]
fn full_grammar_clauses_in_any_order() {
    let a = ok("<<#kpi share revenue product=ai-qc q4 vs q3 as sentence locale=en>>");
    let b = ok("<<#kpi share revenue product=ai-qc q4 locale=en as sentence vs q3>>");
    assert_eq!(a.to_string(), b.to_string());
    assert_eq!(a.to_string(), "<<#kpi share revenue product=ai-qc q4 vs q3 as sentence locale=en>>");
}

#[test]
fn whitespace_tabs_and_ideographic_spaces() {
    let d = ok("<<#kpi\trevenue\u{3000}q4  vs   q3 >>");
    assert_eq!(d.metric.value, "revenue");
    assert_eq!(d.comparand.unwrap().value, Comparand::Period(PeriodRef::Quarter(3)));
}

#[test]
fn keywords_case_insensitive() {
    let d = ok("<<#kpi revenue 2023 VS Target BY product TOP 2 AS Table>>");
    assert_eq!(d.comparand.unwrap().value, Comparand::Target);
    assert_eq!(d.by.unwrap().top, Some(2));
    assert_eq!(d.form.unwrap().value, Form::Table);
}

// ---- errors ----

#[test]
fn empty_directive() {
    for text in ["<<#kpi>>", "<<#kpi   >>"] {
        let (error, spanned) = syntax(text);
        assert_eq!(spanned, text);
        assert!(error.message.contains("empty directive") && error.message.contains("expected a metric and a period"));
    }
}

#[test]
fn frame_errors() {
    let (error, spanned) = syntax("<<#kpirevenue 2023>>");
    assert_eq!(spanned, "<<#kpir");
    assert!(error.message.contains("expected a space"), "{}", error.message);
    assert_eq!(error.help.as_deref(), Some("write `<<#kpi revenue 2023>>`"));
    let (error, _) = syntax("<<#kpi revenue 2023");
    assert!(error.message.contains("`>>`"));
    let (error, _) = syntax("revenue 2023");
    assert!(error.message.contains("`<<#kpi`"));
}

#[test]
fn missing_period() {
    let text = "<<#kpi revenue>>";
    let (error, spanned) = syntax(text);
    assert_eq!(spanned, ">>");
    assert_eq!(error.message, "found the end of the directive after `revenue`, expected a period");
    assert!(error.help.unwrap().contains("`q1..q4`"));
    let (error, spanned) = syntax("<<#kpi revenue vs q3>>");
    assert_eq!(spanned, "vs");
    assert!(error.message.contains("found the keyword `vs`") && error.message.contains("expected a period"));
    let (error, spanned) = syntax("<<#kpi revenue cost 2023>>");
    assert_eq!(spanned, "cost");
    assert!(error.message.contains("`cost`") && error.message.contains("expected a period"));
}

#[test]
fn missing_metric() {
    let (error, spanned) = syntax("<<#kpi 2023 vs yoy>>");
    assert_eq!(spanned, "2023");
    assert_eq!(error.message, "found the period `2023`, expected a metric first");
    let (error, spanned) = syntax("<<#kpi q1..q4>>");
    assert_eq!(spanned, "q1..q4");
    assert!(error.message.contains("expected a metric"));
    let (error, spanned) = syntax("<<#kpi product=ai-qc revenue 2023>>");
    assert_eq!(spanned, "product=ai-qc");
    assert!(error.message.contains("found the filter") && error.message.contains("expected a metric"));
    let (error, spanned) = syntax("<<#kpi vs q3>>");
    assert_eq!(spanned, "vs");
    assert!(error.message.contains("keyword `vs`"));
    let (error, spanned) = syntax("<<#kpi share>>");
    assert_eq!(spanned, ">>");
    assert!(error.message.contains("expected a metric"));
}

#[test]
fn bad_ids() {
    let (error, spanned) = syntax("<<#kpi rev!enue 2023>>");
    assert_eq!(spanned, "rev!enue");
    assert!(error.message.contains("metric id") && error.message.contains("`!`"), "{}", error.message);
    let (error, spanned) = syntax("<<#kpi revenue product=ai.qc 2023>>");
    assert_eq!(spanned, "ai.qc");
    assert!(error.message.contains("member id"));
    let (error, spanned) = syntax("<<#kpi revenue =ai-qc 2023>>");
    assert_eq!(spanned, "=ai-qc");
    assert!(error.message.contains("expected `DIM=MEMBER`"));
    let (_, spanned) = syntax("<<#kpi revenue product= 2023>>");
    assert_eq!(spanned, "product=");
}

#[test]
fn unknown_form_suggests() {
    let text = "<<#kpi revenue q4 as tabel>>";
    let (error, spanned) = syntax(text);
    assert_eq!(spanned, "tabel");
    assert!(error.message.contains("unknown form `tabel`") && error.message.contains("`chart`"));
    assert!(error.help.unwrap().starts_with("did you mean `as table`?"));
    let (error, _) = syntax("<<#kpi revenue q4 as zzz>>");
    assert!(error.help.unwrap().starts_with("the forms are `value`"));
    let (error, spanned) = syntax("<<#kpi revenue q4 as>>");
    assert_eq!(spanned, "as");
    assert!(error.message.contains("expected a form"));
}

#[test]
fn duplicate_as() {
    let text = "<<#kpi revenue q4 as table as chart>>";
    let (error, spanned) = syntax(text);
    assert_eq!(spanned, "as chart");
    assert!(error.message.contains("second `as chart`") && error.message.contains("already `as table`"));
}

#[test]
fn top_errors() {
    for (text, spanned_expected) in [
        ("<<#kpi revenue 2023 by product top>>", "top"),
        ("<<#kpi revenue 2023 by product top 0>>", "0"),
        ("<<#kpi revenue 2023 by product top -2>>", "-2"),
        ("<<#kpi revenue 2023 by product top three>>", "three"),
        ("<<#kpi revenue 2023 by product top 99999999999999999999999>>", "99999999999999999999999"),
    ] {
        let (error, spanned) = syntax(text);
        assert_eq!(spanned, spanned_expected, "{text}");
        assert!(error.message.contains("positive"), "{}", error.message);
    }
    let (error, spanned) = syntax("<<#kpi revenue 2023 top 3>>");
    assert_eq!(spanned, "top");
    assert!(error.message.contains("without `by`"));
    let (error, _) = syntax("<<#kpi revenue 2023 by product top 3 top 2>>");
    assert!(error.message.contains("second `top`"));
}

#[test]
fn by_errors() {
    let (error, spanned) = syntax("<<#kpi revenue 2023 by>>");
    assert_eq!(spanned, "by");
    assert!(error.message.contains("expected a dimension"));
    let (error, spanned) = syntax("<<#kpi revenue 2023 by as table>>");
    assert_eq!(spanned, "as");
    assert!(error.message.contains("expected a dimension"));
    let (error, spanned) = syntax("<<#kpi revenue 2023 by product by region>>");
    assert_eq!(spanned, "by");
    assert!(error.message.contains("second `by`"));
}

#[test]
fn share_needs_exactly_one_filter() {
    let (error, spanned) = syntax("<<#kpi share revenue q4>>");
    assert_eq!(spanned, "share");
    assert_eq!(error.message, "found `share` with 0 filters, expected exactly one `DIM=MEMBER`");
    let text = "<<#kpi share revenue product=ai-qc region=east q4>>";
    let (error, spanned) = syntax(text);
    assert_eq!(spanned, "product=ai-qc region=east");
    assert!(error.message.contains("2 filters"));
    let (error, _) = syntax("<<#kpi revenue product=ai-qc q4 share>>");
    assert!(error.message.contains("expected it first"));
}

#[test]
fn comparand_or_by_on_a_range() {
    let (error, spanned) = syntax("<<#kpi revenue q1..q4 vs yoy>>");
    assert_eq!(spanned, "vs yoy");
    assert!(error.message.contains("range `q1..q4`") && error.message.contains("single period"));
    let (error, spanned) = syntax("<<#kpi revenue q1..q4 yoy>>");
    assert_eq!(spanned, "yoy");
    assert!(error.message.contains("comparison"));
    let (error, spanned) = syntax("<<#kpi revenue q1..q4 by product top 2>>");
    assert_eq!(spanned, "by product top 2");
    assert!(error.message.contains("breakdown"));
}

#[test]
fn comparand_errors() {
    let (error, spanned) = syntax("<<#kpi revenue q4 vs>>");
    assert_eq!(spanned, "vs");
    assert!(error.message.contains("expected a comparand"));
    let (error, spanned) = syntax("<<#kpi revenue q4 vs targte>>");
    assert_eq!(spanned, "targte");
    assert!(error.message.contains("found `targte` after `vs`, expected a comparand"));
    assert!(error.help.unwrap().starts_with("did you mean `vs target`?"));
    let (error, spanned) = syntax("<<#kpi revenue q4 vs q1..q2>>");
    assert_eq!(spanned, "q1..q2");
    assert!(error.message.contains("expected a single period"));
    let (error, spanned) = syntax("<<#kpi revenue 2023 vs yoy vs target>>");
    assert_eq!(spanned, "vs target");
    assert!(error.message.contains("second comparison"));
    let (error, _) = syntax("<<#kpi revenue 2023 yoy qoq>>");
    assert!(error.message.contains("second comparison"));
    let (_, spanned) = bad_period("<<#kpi revenue q4 vs q5>>");
    assert_eq!(spanned, "q5");
}

#[test]
fn stray_words() {
    let (error, spanned) = syntax("<<#kpi revenue 2023 target>>");
    assert_eq!(spanned, "target");
    assert!(error.message.contains("without `vs`"));
    assert_eq!(error.help.as_deref(), Some("write `vs target`"));
    let (error, spanned) = syntax("<<#kpi revenue q4 q3>>");
    assert_eq!(spanned, "q3");
    assert!(error.message.contains("second period"));
    assert!(error.help.unwrap().contains("`vs q3`"));
    let (error, spanned) = syntax("<<#kpi revenue q4 please>>");
    assert_eq!(spanned, "please");
    assert!(error.message.contains("unexpected word `please`"));
    assert!(error.help.unwrap().contains("[vs COMPARAND]"));
    let (error, spanned) = syntax("<<#kpi revenue q4 vss q3>>");
    assert_eq!(spanned, "vss");
    assert!(error.help.unwrap().starts_with("did you mean `vs`?"));
}

#[test]
fn unknown_option_suggests() {
    let (error, spanned) = syntax("<<#kpi revenue 2023 precison=1>>");
    assert_eq!(spanned, "precison");
    assert!(error.message.contains("unknown option `precison`"));
    assert!(error.help.unwrap().starts_with("did you mean `precision`?"));
    let (error, spanned) = syntax("<<#kpi revenue 2023 product=ai-qc>>");
    assert_eq!(spanned, "product");
    assert!(error.help.unwrap().contains("goes before the period"));
}

#[test]
fn option_values_validated() {
    for (text, value, expected) in [
        ("<<#kpi revenue 2023 locale=fr>>", "fr", "`zh-CN` or `en`"),
        ("<<#kpi revenue 2023 precision=7>>", "7", "from 0 to 6"),
        ("<<#kpi revenue 2023 precision=-1>>", "-1", "from 0 to 6"),
        ("<<#kpi revenue 2023 precision=1.5>>", "1.5", "from 0 to 6"),
        ("<<#kpi revenue q1..q4 as chart type=pie>>", "pie", "`bar` or `line`"),
        ("<<#kpi revenue q1..q4 as chart height=79>>", "79", "from 80 to 2000"),
        ("<<#kpi revenue q1..q4 as chart height=2001>>", "2001", "from 80 to 2000"),
        ("<<#kpi revenue q1..q4 as chart height=+100>>", "+100", "from 80 to 2000"),
    ] {
        let (error, spanned) = syntax(text);
        assert_eq!(spanned, value, "{text}");
        assert!(
            error.message.contains(&format!("found `{value}`")) && error.message.contains(expected),
            "{}",
            error.message
        );
    }
    let (error, spanned) = syntax("<<#kpi revenue 2023 =en>>");
    assert_eq!(spanned, "=en");
    assert!(error.message.contains("without an option name"));
    let (error, _) = syntax("<<#kpi revenue 2023 locale=>>");
    assert!(error.message.contains("found nothing for `locale`"));
    let (error, spanned) = syntax("<<#kpi revenue 2023 locale=en locale=zh-CN>>");
    assert_eq!(spanned, "locale=zh-CN");
    assert!(error.message.contains("second time"));
}

#[test]
fn malformed_periods() {
    for (text, period, reason) in [
        ("<<#kpi revenue q5>>", "q5", "no quarter 5"),
        ("<<#kpi revenue q0>>", "q0", "no quarter 0"),
        ("<<#kpi revenue h3>>", "h3", "no half 3"),
        ("<<#kpi revenue 2023-13>>", "2023-13", "no month 13"),
        ("<<#kpi revenue 2023-00>>", "2023-00", "no month 0"),
        ("<<#kpi revenue 2023-q5>>", "2023-q5", "no quarter 5"),
        ("<<#kpi revenue 2023-h0>>", "2023-h0", "no half 0"),
        ("<<#kpi revenue 2023q4>>", "2023q4", "put a `-` between the year and `q4`"),
        ("<<#kpi revenue 23>>", "23", "four digits"),
        ("<<#kpi revenue 2023-x>>", "2023-x", "not a quarter, half or month"),
        ("<<#kpi revenue fy2023>>", "fy2023", "`fy` stands alone"),
    ] {
        let (error, spanned) = bad_period(text);
        assert_eq!(spanned, period, "{text}");
        assert!(error.message.contains(reason), "{text}: {}", error.message);
        assert!(error.message.contains(&format!("found the malformed period `{period}`")), "{}", error.message);
    }
}

#[test]
fn malformed_ranges() {
    let (error, spanned) = bad_period("<<#kpi revenue q1..h2>>");
    assert_eq!(spanned, "q1..h2");
    assert!(error.message.contains("from a quarter to a half-year"), "{}", error.message);
    let (error, _) = bad_period("<<#kpi revenue 2023-01..2023-q4>>");
    assert!(error.message.contains("from a month to a quarter"));
    let (error, spanned) = bad_period("<<#kpi revenue q4..q1>>");
    assert_eq!(spanned, "q4..q1");
    assert!(error.message.contains("does not go forward"));
    bad_period("<<#kpi revenue 2023..2023>>");
    bad_period("<<#kpi revenue 2023-12..2023-01>>");
    let (_, spanned) = bad_period("<<#kpi revenue q1..q5>>");
    assert_eq!(spanned, "q5");
    let (error, spanned) = bad_period("<<#kpi revenue q1..>>");
    assert_eq!(spanned, "");
    assert!(error.message.contains("missing end"));
    let (_, spanned) = bad_period("<<#kpi revenue q1..q2..q3>>");
    assert_eq!(spanned, "q2..q3");
    let (error, spanned) = bad_period("<<#kpi revenue q1..later>>");
    assert_eq!(spanned, "later");
    assert!(error.message.contains("`later` (it is not a period)"), "{}", error.message);
}

#[test]
fn every_message_says_found_and_expected() {
    let texts = [
        "<<#kpi>>",
        "<<#kpi revenue>>",
        "<<#kpi 2023>>",
        "<<#kpi revenue q4 as tabel>>",
        "<<#kpi revenue 2023 by product top 0>>",
        "<<#kpi share revenue q4>>",
        "<<#kpi revenue q1..q4 vs q3>>",
        "<<#kpi revenue q4 as table as chart>>",
        "<<#kpi revenue q4 stray>>",
        "<<#kpi revenue q5>>",
        "<<#kpi revenue q4..q1>>",
        "<<#kpi revenue 2023 colour=red>>",
    ];
    for text in texts {
        let (error, _) = err(text);
        assert!(error.message.contains("found") && error.message.contains("expected"), "{text}: {}", error.message);
        assert!(error.help.is_some(), "{text}");
    }
}

#[test]
fn display_is_canonical() {
    let d = ok("<<#kpi revenue 2023-q4 VS 2023-Q3 AS Delta precision=02>>");
    assert_eq!(d.to_string(), "<<#kpi revenue 2023-Q4 vs 2023-Q3 as delta precision=2>>");
    assert_eq!(ok("<<#kpi a 2023 环比>>").to_string(), "<<#kpi a 2023 vs prev>>");
}

#[test]
fn block_forms_must_stand_alone() {
    use mdbook_kpi::directive::parse::check_placement;
    let text = "<<#kpi revenue 2023 by product as table>>";
    let directive = ok(text);
    assert_eq!(check_placement(&directive, true), Ok(()));
    let error = check_placement(&directive, false).unwrap_err();
    assert_eq!(error.rule, "kpi/syntax");
    assert_eq!(&text[error.span.clone()], "table");
    assert!(error.message.contains("found `as table` inside a line of text") && error.message.contains("alone"));
    assert!(error.help.unwrap().contains("line of its own"));
    assert_eq!(check_placement(&ok("<<#kpi revenue 2023 as sentence>>"), false), Ok(()));
    assert_eq!(check_placement(&ok("<<#kpi revenue 2023>>"), false), Ok(()));
    assert!(check_placement(&ok("<<#kpi revenue q1..q4 as chart>>"), false).is_err());
}

#[test]
fn errors_become_diagnostics_at_chapter_positions() {
    use mdbook_kpi::source::LineIndex;
    let chapter = "# 营收\n\n本季度 <<#kpi revenue q5>> 很好\n";
    let offset = chapter.find("<<#kpi").unwrap();
    let end = offset + chapter[offset..].find(">>").unwrap() + 2;
    let error = parse(&chapter[offset..end]).unwrap_err();
    let diagnostic = error.to_diagnostic(&LineIndex::new(chapter), offset).in_file("src/a.md");
    assert_eq!(diagnostic.rule, "kpi/bad-period");
    assert_eq!((diagnostic.line, diagnostic.column), (3, 20));
    assert_eq!((diagnostic.end_line, diagnostic.end_column), (3, 22));
    assert_eq!(diagnostic.file, "src/a.md");
    assert_eq!(diagnostic.help, error.help);
}

#[test]
fn unterminated_error() {
    let error = ParseError::unterminated();
    assert_eq!(error.rule, "kpi/syntax");
    assert_eq!(error.span, 0..6);
    assert!(error.message.contains("no closing `>>`") && error.message.contains("expected"));
    assert!(error.help.unwrap().contains(r"\<<#kpi"));
}

/// Periods as Chinese authors write them read exactly as the ASCII forms they stand for.
#[test]
fn chinese_period_words() {
    for (chinese, ascii) in [
        ("<<#kpi revenue 2025年>>", "<<#kpi revenue 2025>>"),
        ("<<#kpi revenue 2025年Q4 vs 2025年第三季度>>", "<<#kpi revenue 2025-q4 vs 2025-q3>>"),
        ("<<#kpi revenue 2025年上半年 vs 同比>>", "<<#kpi revenue 2025-h1 vs yoy>>"),
        ("<<#kpi revenue 2025年12月 vs 2025年11月>>", "<<#kpi revenue 2025-12 vs 2025-11>>"),
        ("<<#kpi revenue 第四季度 vs 三季度>>", "<<#kpi revenue q4 vs q3>>"),
        ("<<#kpi revenue 下半年>>", "<<#kpi revenue h2>>"),
        ("<<#kpi revenue 全年 vs 2024年>>", "<<#kpi revenue fy vs 2024>>"),
        ("<<#kpi revenue 第一季度..第四季度>>", "<<#kpi revenue q1..q4>>"),
    ] {
        let (a, b) = (ok(chinese), ok(ascii));
        assert_eq!((a.period.value, a.comparand.map(|c| c.value)), (b.period.value, b.comparand.map(|c| c.value)));
    }
}

/// A Chinese period that does not exist says what to write, never a circle like "put a `-` between 2025 and 年".
#[test]
fn malformed_chinese_periods() {
    for (text, period, reason) in [
        ("<<#kpi revenue 2025年第五季度>>", "2025年第五季度", "`2025年Q1` to `2025年Q4`"),
        ("<<#kpi revenue 2025年13月>>", "2025年13月", "no month 13"),
        ("<<#kpi revenue 12月>>", "12月", "`2025年12月`"),
        ("<<#kpi revenue 2025年春季>>", "2025年春季", "`2025年第四季度`"),
    ] {
        let (error, spanned) = bad_period(text);
        assert_eq!(spanned, period, "{text}");
        assert!(error.message.contains(reason), "{text}: {}", error.message);
        assert!(!error.message.contains("put a `-`"), "{}", error.message);
    }
}
