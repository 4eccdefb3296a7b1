//! The directive grammar (docs/src/directives.md).
//!
//! ```text
//! <<#kpi [share] METRIC [DIM=MEMBER ...] PERIOD [vs COMPARAND] [by DIM [top N]] [as FORM] [OPTION=VALUE ...]>>
//! ```
//!
//! The text is split at whitespace into words; the slots before the period are positional (an optional `share`,
//! the metric, filters), the clauses after it (`vs`, a bare `yoy`/`qoq`/`同比`/`环比`, `by … top …`, `as …`,
//! options) may come in any order, each at most once. A `NAME=VALUE` word is a filter before the period and an
//! option after it, so a dimension may be called `type` without clashing with the chart option.

use std::fmt;
use std::ops::Range;

use super::scan::MARKER;
use super::{By, Comparand, Directive, Filter, Form, Opt, PeriodRef, PeriodSpec, Spanned};
use crate::config::Locale;
use crate::data::{Granularity, Period};
use crate::diagnostics::Diagnostic;
use crate::rules::Rule;
use crate::source::LineIndex;
use crate::suggest;

/// A grammar error: the byte span within the directive text, a message and a fix hint. Reported as `kpi/syntax`
/// (or `kpi/bad-period` for a malformed period).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub rule: Rule,
    pub span: Range<usize>,
    pub message: String,
    pub help: Option<String>,
    /// The help for a Chinese book, where one is written ([`ParseError::help_in`]).
    pub help_zh: Option<String>,
}

/// The forms `as` accepts, in the order the help lists them.
pub const FORMS: &[&str] = &["value", "sentence", "delta", "size", "change", "ratio", "table", "chart"];
/// The options a directive accepts after its other parts.
pub const OPTIONS: &[&str] = &["locale", "precision", "decimals", "scale", "measure", "type", "height", "with"];
/// Every keyword a comparand can be.
const COMPARAND_WORDS: &[&str] = &["prev", "qoq", "环比", "yoy", "同比", "target", "目标", "standard", "标准"];
/// The words that open a clause after the period, for "did you mean" on a stray word.
const CLAUSE_WORDS: &[&str] = &["vs", "by", "top", "as", "yoy", "qoq"];
/// Words that cannot be ids, because the grammar gives them a meaning.
const KEYWORDS: &[&str] = &["share", "vs", "by", "top", "as", "prev", "qoq", "yoy", "环比", "同比"];

const PERIOD_FORMS: &str = "write a period as `2023`, `2023-q4`, `2023-h1` or `2023-12` (or `2023年`, `2023年Q4`, \
                            `2023年上半年`, `2023年12月`), relative to the report year as `q1`…`q4`, `h1`, `h2` or `fy` \
                            (or `第四季度`, `上半年`, `下半年`, `全年`), or a range of two of those such as `q1..q4`";
const PERIOD_FORMS_ZH: &str = "期间写作`2023`、`2023-q4`、`2023-h1`或`2023-12`（或`2023年`、`2023年Q4`、\
                               `2023年上半年`、`2023年12月`），相对报告年份写作`q1`…`q4`、`h1`、`h2`或`fy`（或`第四季度`、\
                               `上半年`、`下半年`、`全年`），也可以用两个期间写一个范围，如`q1..q4`";
const GRAMMAR: &str = "a directive reads `<<#kpi [share] METRIC [DIM=MEMBER ...] PERIOD [vs COMPARAND] [by DIM [top N]] \
                       [as FORM] [OPTION=VALUE ...]>>`";
const COMPARANDS: &str = "a comparand is a period (`q3`, `2022`), `prev`/`qoq`/`环比`, `yoy`/`同比`, `target`/`目标`, \
                          `standard`/`标准` or another member `DIM=MEMBER`";

impl ParseError {
    fn syntax(span: Range<usize>, message: impl Into<String>, help: impl Into<Option<String>>) -> Self {
        ParseError { rule: Rule::KpiSyntax, span, message: message.into(), help: help.into(), help_zh: None }
    }

    fn bad_period(span: Range<usize>, message: impl Into<String>) -> Self {
        ParseError {
            rule: Rule::KpiBadPeriod,
            span,
            message: message.into(),
            help: Some(PERIOD_FORMS.to_string()),
            help_zh: Some(PERIOD_FORMS_ZH.to_string()),
        }
    }

    fn with_help_zh(mut self, help_zh: Option<String>) -> Self {
        self.help_zh = help_zh;
        self
    }

    /// The help in the book's language: the Chinese one where it is written, else the English.
    pub fn help_in(&self, locale: Locale) -> Option<String> {
        match locale {
            Locale::ZhCn => self.help_zh.clone().or_else(|| self.help.clone()),
            Locale::En => self.help.clone(),
        }
    }
}

impl ParseError {
    /// The finding for this error, for a directive that starts at byte `offset` of the chapter `index` maps.
    /// The caller adds the file (`.in_file(…)`).
    pub fn to_diagnostic(&self, index: &LineIndex<'_>, offset: usize) -> Diagnostic {
        let diagnostic = Diagnostic::error(self.rule, self.message.clone())
            .at_span(index, offset + self.span.start..offset + self.span.end);
        match &self.help {
            Some(help) => diagnostic.with_help(help.clone()),
            None => diagnostic,
        }
    }

    /// The error for [`Found::Unterminated`](super::scan::Found::Unterminated); its span covers the marker, so
    /// it lines up with the finding's span.
    pub fn unterminated() -> Self {
        ParseError::syntax(
            0..MARKER.len(),
            format!("found `{MARKER}` with no closing `>>` on its line, expected the directive to end with `>>`"),
            Some("close the directive with `>>` on the same line, or write `\\<<#kpi` to show it as text".to_string()),
        )
    }
}

/// A block form (`as table`, `as chart`) must stand alone on its line (docs/src/directives.md); `alone_on_line` comes
/// from the scanner's [`Found::Directive`](super::scan::Found::Directive).
pub fn check_placement(directive: &Directive, alone_on_line: bool) -> Result<(), ParseError> {
    match &directive.form {
        Some(form) if form.value.is_block() && !alone_on_line => Err(ParseError::syntax(
            form.span.clone(),
            format!(
                "found `as {}` inside a line of text, expected a block form to stand alone on its line",
                form.value
            ),
            Some(
                "put the directive on a line of its own (inside a list item or block quote is fine), or use \
                 `as sentence` in running text"
                    .to_string(),
            ),
        )),
        _ => Ok(()),
    }
}

/// Parses one directive, `<<#kpi` … `>>` included.
pub fn parse(text: &str) -> Result<Directive, ParseError> {
    let body = frame(text)?;
    let words = split_words(text, body.clone());
    if words.is_empty() {
        return Err(ParseError::syntax(
            0..text.len(),
            format!("found the empty directive `{text}`, expected a metric and a period"),
            Some("write for example `<<#kpi revenue 2023>>`".to_string()),
        ));
    }
    Grammar { words, at: 0, close: body.end..text.len() }.directive()
}

/// Checks the `<<#kpi` … `>>` frame and returns the byte range of the body between them.
fn frame(text: &str) -> Result<Range<usize>, ParseError> {
    let Some(rest) = text.strip_prefix(MARKER) else {
        let shown: String = text.chars().take(MARKER.len()).collect();
        return Err(ParseError::syntax(
            0..shown.len(),
            format!("found `{shown}`, expected a directive to start with `{MARKER}`"),
            Some(GRAMMAR.to_string()),
        ));
    };
    let Some(body) = rest.strip_suffix(">>") else {
        return Err(ParseError::syntax(
            0..MARKER.len(),
            "found a directive without its closing `>>`, expected `>>` at the end of the line".to_string(),
            Some("close the directive with `>>` on the same line".to_string()),
        ));
    };
    if let Some(first) = body.chars().next().filter(|c| !c.is_whitespace()) {
        let end = MARKER.len() + first.len_utf8();
        return Err(ParseError::syntax(
            0..end,
            format!("found `{}` right after `{MARKER}`, expected a space", &text[..end]),
            Some(format!("write `{MARKER} {body}>>`")),
        ));
    }
    Ok(MARKER.len()..MARKER.len() + body.len())
}

/// A whitespace-separated word of the directive and its byte span in the directive text.
#[derive(Clone, Debug)]
struct Word<'a> {
    text: &'a str,
    span: Range<usize>,
}

impl Word<'_> {
    fn is(&self, keyword: &str) -> bool {
        self.text.eq_ignore_ascii_case(keyword)
    }

    fn is_any(&self, keywords: &[&str]) -> bool {
        keywords.iter().any(|k| self.is(k))
    }

    fn spanned(&self, value: String) -> Spanned<String> {
        Spanned { value, span: self.span.clone() }
    }
}

fn split_words(text: &str, body: Range<usize>) -> Vec<Word<'_>> {
    let mut words = Vec::new();
    let mut start = None;
    // Spaces inside `"…"` do not end a word: `region="North East"`.
    let mut in_quotes = false;
    for (offset, c) in text[body.clone()].char_indices() {
        let at = body.start + offset;
        if c == '"' {
            in_quotes = !in_quotes;
        }
        match (c.is_whitespace() && !in_quotes, start) {
            (true, Some(s)) => {
                words.push(Word { text: &text[s..at], span: s..at });
                start = None;
            }
            (false, None) => start = Some(at),
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push(Word { text: &text[s..body.end], span: s..body.end });
    }
    words
}

/// The text inside `"…"` (a name with spaces or punctuation, as the data writes it), if `text` is quoted.
fn quoted(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('"') && !inner.trim().is_empty()).then_some(inner)
}

/// The byte offset of the first `=` outside `"…"`.
fn equals_outside_quotes(text: &str) -> Option<usize> {
    let mut in_quotes = false;
    text.char_indices().find_map(|(at, c)| {
        if c == '"' {
            in_quotes = !in_quotes;
        }
        (c == '=' && !in_quotes).then_some(at)
    })
}

/// Ids are Unicode letters and digits, `_` and `-`.
pub fn is_id(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

struct Grammar<'a> {
    words: Vec<Word<'a>>,
    at: usize,
    /// The span of the closing `>>`, where "missing …" errors point when the directive ends too early.
    close: Range<usize>,
}

/// What the clauses after the period have set so far.
#[derive(Default)]
struct Clauses {
    comparand: Option<Spanned<Comparand>>,
    by: Option<By>,
    form: Option<Spanned<Form>>,
    options: Vec<Opt>,
}

impl<'a> Grammar<'a> {
    fn peek(&self) -> Option<&Word<'a>> {
        self.words.get(self.at)
    }

    fn next(&mut self) -> Option<Word<'a>> {
        let word = self.words.get(self.at).cloned();
        self.at += usize::from(word.is_some());
        word
    }

    fn directive(mut self) -> Result<Directive, ParseError> {
        let share = self.share();
        let metric = self.metric(share.is_some())?;
        let filters = self.filters()?;
        let period = self.period(&metric)?;
        let mut clauses = Clauses::default();
        while let Some(word) = self.next() {
            self.clause(word, &period, &mut clauses)?;
        }
        if let Some(share_span) = share.as_ref() {
            check_share(share_span, &filters)?;
        }
        Ok(Directive {
            share: share.is_some(),
            metric,
            filters,
            period,
            comparand: clauses.comparand,
            by: clauses.by,
            form: clauses.form,
            options: clauses.options,
        })
    }

    /// A leading `share` (a reserved word, so never a metric id).
    fn share(&mut self) -> Option<Range<usize>> {
        let span = self.peek().filter(|first| first.is("share"))?.span.clone();
        self.at += 1;
        Some(span)
    }

    fn metric(&mut self, after_share: bool) -> Result<Spanned<String>, ParseError> {
        let Some(word) = self.next() else {
            return Err(ParseError::syntax(
                self.close.clone(),
                "found the end of the directive after `share`, expected a metric".to_string(),
                Some("write for example `<<#kpi share revenue product=ai-qc q4>>`".to_string()),
            ));
        };
        let expected = if after_share { "a metric after `share`" } else { "a metric first" };
        if single_period(word.text).is_some() || word.text.contains("..") {
            return Err(ParseError::syntax(
                word.span,
                format!("found the period `{}`, expected {expected}", word.text),
                Some(format!("name the metric before the period, for example `<<#kpi revenue {}>>`", word.text)),
            ));
        }
        if equals_outside_quotes(word.text).is_some() {
            return Err(ParseError::syntax(
                word.span,
                format!("found the filter `{}`, expected {expected}", word.text),
                Some(format!("name the metric before its filters, for example `<<#kpi revenue {} 2023>>`", word.text)),
            ));
        }
        if word.is_any(KEYWORDS) {
            return Err(ParseError::syntax(
                word.span.clone(),
                format!("found the keyword `{}`, expected {expected}", word.text),
                Some("start with the metric's id, for example `<<#kpi revenue 2023>>`".to_string()),
            ));
        }
        let value = id(&word, "metric")?;
        Ok(word.spanned(value))
    }

    fn filters(&mut self) -> Result<Vec<Filter>, ParseError> {
        let mut filters = Vec::new();
        while let Some(word) = self.peek().filter(|word| equals_outside_quotes(word.text).is_some()).cloned() {
            self.at += 1;
            filters.push(filter(&word, "filter")?);
        }
        Ok(filters)
    }

    fn period(&mut self, metric: &Spanned<String>) -> Result<Spanned<PeriodSpec>, ParseError> {
        let help = Some(PERIOD_FORMS.to_string());
        let help_zh = Some(PERIOD_FORMS_ZH.to_string());
        let Some(word) = self.next() else {
            return Err(ParseError::syntax(
                self.close.clone(),
                format!("found the end of the directive after `{}`, expected a period", metric.value),
                help,
            )
            .with_help_zh(help_zh));
        };
        if let Some(spec) = period_spec(&word)? {
            return Ok(Spanned { value: spec, span: word.span });
        }
        let found = if word.is_any(KEYWORDS) || word.is_any(&["target", "standard"]) {
            format!("the keyword `{}`", word.text)
        } else {
            format!("`{}`", word.text)
        };
        // `region=North East`: a member with a space, unquoted.
        let previous = self.at.checked_sub(2).and_then(|at| self.words.get(at));
        let (help, help_zh) =
            match previous.filter(|p| equals_outside_quotes(p.text).is_some() && quoted(p.text).is_none()) {
                Some(filter) if !word.is_any(KEYWORDS) && !word.text.contains('=') => {
                    let (dimension, member) = filter.text.split_at(equals_outside_quotes(filter.text).unwrap_or(0));
                    let (member, word) = (member.trim_start_matches('='), word.text);
                    (
                        Some(format!(
                            "if `{member} {word}` is one member, quote it: `{dimension}=\"{member} {word}\"`; \
                             otherwise {PERIOD_FORMS}"
                        )),
                        Some(format!(
                            "如果`{member} {word}`是一个成员，加上引号：`{dimension}=\"{member} {word}\"`；\
                             否则{PERIOD_FORMS_ZH}"
                        )),
                    )
                }
                _ => (help, help_zh),
            };
        Err(ParseError::syntax(word.span, format!("found {found} where the period belongs, expected a period"), help)
            .with_help_zh(help_zh))
    }

    /// One clause after the period, starting with `word`.
    fn clause(
        &mut self,
        word: Word<'a>,
        period: &Spanned<PeriodSpec>,
        clauses: &mut Clauses,
    ) -> Result<(), ParseError> {
        if word.is("vs") {
            let comparand = self.comparand_after_vs(&word)?;
            return set_comparand(clauses, comparand, &word, period);
        }
        if word.is_any(&["yoy", "qoq", "同比", "环比"]) {
            let value = if word.is_any(&["yoy", "同比"]) { Comparand::YearAgo } else { Comparand::Prev };
            return set_comparand(clauses, Spanned { value, span: word.span.clone() }, &word, period);
        }
        if word.is("by") {
            return self.by(&word, period, clauses);
        }
        if word.is("top") {
            let message = match &clauses.by {
                Some(by) => {
                    format!("found a second `top` after `by {}`, expected one `top N` at most", by.dimension.value)
                }
                None => "found `top` without `by`, expected `by DIM top N`".to_string(),
            };
            let help = "write `by DIM top N` to keep the N largest members, for example `by product top 3`";
            return Err(ParseError::syntax(word.span, message, Some(help.to_string())));
        }
        if word.is("as") {
            return self.form(&word, clauses);
        }
        if word.text.contains('=') {
            return option(&word, &mut clauses.options);
        }
        Err(stray(&word))
    }

    fn comparand_after_vs(&mut self, vs: &Word<'a>) -> Result<Spanned<Comparand>, ParseError> {
        let Some(word) = self.next() else {
            return Err(ParseError::syntax(
                vs.span.clone(),
                "found `vs` at the end of the directive, expected a comparand after it".to_string(),
                Some(COMPARANDS.to_string()),
            ));
        };
        let value = comparand(&word)?;
        Ok(Spanned { value, span: word.span })
    }

    fn by(
        &mut self,
        by_word: &Word<'a>,
        period: &Spanned<PeriodSpec>,
        clauses: &mut Clauses,
    ) -> Result<(), ParseError> {
        if let Some(previous) = &clauses.by {
            return Err(ParseError::syntax(
                by_word.span.clone(),
                format!(
                    "found a second `by`, expected one breakdown at most (already `by {}`)",
                    previous.dimension.value
                ),
                Some("a directive breaks down over one dimension; remove one `by` clause".to_string()),
            ));
        }
        let Some(word) = self.next() else {
            return Err(ParseError::syntax(
                by_word.span.clone(),
                "found `by` at the end of the directive, expected a dimension after it".to_string(),
                Some("write for example `by product` or `by product top 3`".to_string()),
            ));
        };
        if word.is_any(KEYWORDS) || word.text.contains('=') {
            return Err(ParseError::syntax(
                word.span.clone(),
                format!("found `{}` after `by`, expected a dimension", word.text),
                Some("write for example `by product` or `by product top 3`".to_string()),
            ));
        }
        let dimension = word.spanned(id(&word, "dimension")?);
        let mut end = word.span.end;
        let top = match self.peek() {
            Some(next) if next.is("top") => {
                let top_word = next.clone();
                self.at += 1;
                let (count, count_end) = self.top_count(&top_word)?;
                end = count_end;
                Some(count)
            }
            _ => None,
        };
        let span = by_word.span.start..end;
        if let PeriodSpec::Range(..) = period.value {
            return Err(on_range("a breakdown `by`", span, period));
        }
        clauses.by = Some(By { dimension, top });
        Ok(())
    }

    fn top_count(&mut self, top: &Word<'a>) -> Result<(usize, usize), ParseError> {
        let help = Some("write `top` and a whole number from 1, for example `by product top 3`".to_string());
        let Some(word) = self.next() else {
            return Err(ParseError::syntax(
                top.span.clone(),
                "found `top` at the end of the directive, expected a positive number after it".to_string(),
                help,
            ));
        };
        match word.text.parse::<usize>() {
            Ok(count) if count > 0 && word.text.bytes().all(|b| b.is_ascii_digit()) => Ok((count, word.span.end)),
            _ => Err(ParseError::syntax(
                word.span,
                format!("found `{}` after `top`, expected a positive whole number", word.text),
                help,
            )),
        }
    }

    fn form(&mut self, as_word: &Word<'a>, clauses: &mut Clauses) -> Result<(), ParseError> {
        let help = || Some(format!("the forms are {}", backticked(FORMS)));
        let Some(word) = self.next() else {
            return Err(ParseError::syntax(
                as_word.span.clone(),
                "found `as` at the end of the directive, expected a form after it".to_string(),
                help(),
            ));
        };
        if let Some(previous) = &clauses.form {
            return Err(ParseError::syntax(
                as_word.span.start..word.span.end,
                format!(
                    "found a second `as {}`, expected one form at most (already `as {}`)",
                    word.text, previous.value
                ),
                Some("remove one of the `as` clauses".to_string()),
            ));
        }
        let Some(form) = form_named(word.text) else {
            let help = suggest::did_you_mean(word.text, FORMS.iter().copied())
                .map(|best| format!("did you mean `as {best}`? The forms are {}", backticked(FORMS)))
                .or_else(help);
            return Err(ParseError::syntax(
                word.span,
                format!("found the unknown form `{}`, expected one of {}", word.text, backticked(FORMS)),
                help,
            ));
        };
        clauses.form = Some(Spanned { value: form, span: word.span });
        Ok(())
    }
}

fn backticked(names: &[&str]) -> String {
    names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
}

/// The id in `word`, or an error saying what an id may hold.
fn id(word: &Word<'_>, what: &str) -> Result<String, ParseError> {
    if is_id(word.text) {
        return Ok(word.text.to_string());
    }
    if let Some(name) = quoted(word.text) {
        return Ok(name.to_string());
    }
    let bad = word.text.chars().find(|&c| !(c.is_alphanumeric() || c == '_' || c == '-')).unwrap_or(' ');
    Err(ParseError::syntax(
        word.span.clone(),
        format!(
            "found `{}` where a {what} id belongs, expected letters, digits, `_` and `-` only (not `{bad}`)",
            word.text
        ),
        Some(format!(
            "{what} ids are written as in the data file, for example `revenue` or `营收`; quote one with spaces or \
             punctuation: `\"North East\"`"
        )),
    ))
}

/// `DIM=MEMBER`, with the spans of both ids.
fn filter(word: &Word<'_>, what: &str) -> Result<Filter, ParseError> {
    let equals = equals_outside_quotes(word.text).unwrap_or(word.text.len());
    let (dimension, member) = (&word.text[..equals], word.text.get(equals + 1..).unwrap_or(""));
    let start = word.span.start;
    let dimension_word = Word { text: dimension, span: start..start + equals };
    let member_word = Word { text: member, span: start + equals + 1..word.span.end };
    if dimension.is_empty() || member.is_empty() {
        return Err(ParseError::syntax(
            word.span.clone(),
            format!("found the {what} `{}`, expected `DIM=MEMBER` with both sides filled in", word.text),
            Some("write for example `product=ai-qc`".to_string()),
        ));
    }
    Ok(Filter {
        dimension: dimension_word.spanned(id(&dimension_word, "dimension")?),
        member: member_word.spanned(id(&member_word, "member")?),
    })
}

fn set_comparand(
    clauses: &mut Clauses,
    comparand: Spanned<Comparand>,
    word: &Word<'_>,
    period: &Spanned<PeriodSpec>,
) -> Result<(), ParseError> {
    let span = word.span.start..comparand.span.end;
    if clauses.comparand.is_some() {
        return Err(ParseError::syntax(
            span,
            "found a second comparison, expected one comparand at most".to_string(),
            Some("a directive compares with one thing; remove one `vs` (or the bare `yoy`/`qoq`)".to_string()),
        ));
    }
    if let PeriodSpec::Range(..) = period.value {
        return Err(on_range("a comparison", span, period));
    }
    clauses.comparand = Some(comparand);
    Ok(())
}

fn on_range(what: &str, span: Range<usize>, period: &Spanned<PeriodSpec>) -> ParseError {
    ParseError::syntax(
        span,
        format!("found {what} on the range `{}`, expected a single period for it", period.value),
        Some("a range is a trend on its own; compare or break down a single period such as `q4` instead".to_string()),
    )
}

/// `share` needs exactly one filter: the slice whose share of the total is shown.
fn check_share(share_span: &Range<usize>, filters: &[Filter]) -> Result<(), ParseError> {
    if filters.len() == 1 {
        return Ok(());
    }
    let span = match (filters.first(), filters.last()) {
        (Some(first), Some(last)) if filters.len() > 1 => first.dimension.span.start..last.member.span.end,
        _ => share_span.clone(),
    };
    Err(ParseError::syntax(
        span,
        format!("found `share` with {} filters, expected exactly one `DIM=MEMBER`", filters.len()),
        Some("`share` shows one slice's share of the total, for example `share revenue product=ai-qc q4`".to_string()),
    ))
}

fn comparand(word: &Word<'_>) -> Result<Comparand, ParseError> {
    if word.is_any(&["prev", "qoq", "环比"]) {
        return Ok(Comparand::Prev);
    }
    if word.is_any(&["yoy", "同比"]) {
        return Ok(Comparand::YearAgo);
    }
    if word.is_any(&["target", "目标"]) {
        return Ok(Comparand::Target);
    }
    if word.is_any(&["standard", "标准"]) {
        return Ok(Comparand::Standard);
    }
    if word.text.contains('=') {
        return Ok(Comparand::Member(filter(word, "comparand")?));
    }
    match period_spec(word)? {
        Some(PeriodSpec::Single(period)) => Ok(Comparand::Period(period)),
        Some(PeriodSpec::Range(..)) => Err(ParseError::syntax(
            word.span.clone(),
            format!("found the range `{}` after `vs`, expected a single period", word.text),
            Some(COMPARANDS.to_string()),
        )),
        None => {
            let help = match suggest::did_you_mean(word.text, COMPARAND_WORDS.iter().copied()) {
                Some(best) => format!("did you mean `vs {best}`? {COMPARANDS}"),
                None => COMPARANDS.to_string(),
            };
            Err(ParseError::syntax(
                word.span.clone(),
                format!("found `{}` after `vs`, expected a comparand", word.text),
                Some(help),
            ))
        }
    }
}

/// A word after the period that no clause claims.
fn stray(word: &Word<'_>) -> ParseError {
    let (message, help) = if word.is_any(&["target", "standard", "prev", "目标", "标准"]) {
        (
            format!("found `{}` without `vs`, expected `vs {}`", word.text, word.text),
            format!("write `vs {}`", word.text),
        )
    } else if word.is("share") {
        (
            "found `share` after the period, expected it first".to_string(),
            "write `<<#kpi share METRIC DIM=MEMBER PERIOD>>`".to_string(),
        )
    } else if looks_like_period(word.text) {
        (
            format!("found a second period `{}`, expected one period", word.text),
            format!("to compare with it write `vs {}`; for a trend write a range such as `q1..q4`", word.text),
        )
    } else {
        let help = match suggest::did_you_mean(word.text, CLAUSE_WORDS.iter().copied()) {
            Some(best) => format!("did you mean `{best}`? {GRAMMAR}"),
            None => GRAMMAR.to_string(),
        };
        (format!("found the unexpected word `{}` after the period", word.text), help)
    };
    ParseError::syntax(word.span.clone(), message, Some(help))
}

/// `NAME=VALUE` after the period: a known option with a valid value, normalised (`locale=EN` gives `en`).
fn option(word: &Word<'_>, options: &mut Vec<Opt>) -> Result<(), ParseError> {
    let equals = word.text.find('=').unwrap_or(word.text.len());
    let (name, value) = (&word.text[..equals], word.text.get(equals + 1..).unwrap_or(""));
    let name_span = word.span.start..word.span.start + equals;
    let value_span = (word.span.start + equals + 1).min(word.span.end)..word.span.end;
    if name.is_empty() {
        return Err(ParseError::syntax(
            word.span.clone(),
            format!("found `{}` without an option name, expected `NAME=VALUE`", word.text),
            Some(format!("the options are {}, for example `locale=en`", backticked(OPTIONS))),
        ));
    }
    let name_lower = name.to_ascii_lowercase();
    let Some(&known) = OPTIONS.iter().find(|&&option| option == name_lower) else {
        let help = match suggest::did_you_mean(name, OPTIONS.iter().copied()) {
            Some(best) => format!("did you mean `{best}`? The options are {}", backticked(OPTIONS)),
            None => format!("the options are {}; a filter `DIM=MEMBER` goes before the period", backticked(OPTIONS)),
        };
        return Err(ParseError::syntax(
            name_span,
            format!("found the unknown option `{name}`, expected one of {}", backticked(OPTIONS)),
            Some(help),
        ));
    };
    if let Some(previous) = options.iter().find(|option| option.name.value == known) {
        return Err(ParseError::syntax(
            word.span.clone(),
            format!(
                "found `{known}` a second time, expected each option once (already `{known}={}`)",
                previous.value.value
            ),
            Some(format!("remove one of the `{known}=` options")),
        ));
    }
    let value = option_value(known, value, value_span.clone())?;
    options.push(Opt {
        name: Spanned { value: known.to_string(), span: name_span },
        value: Spanned { value, span: value_span },
    });
    Ok(())
}

fn option_value(name: &str, value: &str, span: Range<usize>) -> Result<String, ParseError> {
    let number = |low: u32, high: u32| {
        value.parse::<u32>().ok().filter(|n| (low..=high).contains(n) && value.bytes().all(|b| b.is_ascii_digit()))
    };
    let (valid, expected) = match name {
        "locale" => (
            ["zh-CN", "en"].into_iter().find(|locale| locale.eq_ignore_ascii_case(value)).map(str::to_string),
            "`zh-CN` or `en`",
        ),
        "precision" | "decimals" => (number(0, 6).map(|n| n.to_string()), "a whole number of decimals from 0 to 6"),
        "scale" => (
            ["万", "亿", "K", "M", "B"].into_iter().find(|scale| scale.eq_ignore_ascii_case(value)).map(str::to_string),
            "`万` or `亿` (zh-CN), `K`, `M` or `B` (en)",
        ),
        "measure" => (
            ["percent", "difference"]
                .into_iter()
                .find(|measure| measure.eq_ignore_ascii_case(value))
                .map(str::to_string),
            "`percent` or `difference`",
        ),
        "type" => (
            ["bar", "line"].into_iter().find(|kind| kind.eq_ignore_ascii_case(value)).map(str::to_string),
            "`bar` or `line`",
        ),
        "with" => (value.eq_ignore_ascii_case("amount").then(|| "amount".to_string()), "`amount`"),
        _ => (number(80, 2000).map(|n| n.to_string()), "a height in pixels from 80 to 2000"),
    };
    valid.ok_or_else(|| {
        let found = if value.is_empty() { "nothing".to_string() } else { format!("`{value}`") };
        ParseError::syntax(
            span,
            format!("found {found} for `{name}`, expected {expected}"),
            Some(format!("write `{name}=` followed by {expected}")),
        )
    })
}

fn form_named(name: &str) -> Option<Form> {
    let forms =
        [Form::Value, Form::Sentence, Form::Delta, Form::Size, Form::Change, Form::Ratio, Form::Table, Form::Chart];
    forms.into_iter().find(|form| form.as_str().eq_ignore_ascii_case(name))
}

/// A period word: `Ok(None)` when it does not look like a period at all, an error when it looks like one but is
/// malformed.
fn period_spec(word: &Word<'_>) -> Result<Option<PeriodSpec>, ParseError> {
    if let Some((first, second)) = word.text.split_once("..") {
        return range(word, first, second).map(Some);
    }
    if let Some(period) = single_period(word.text) {
        return Ok(Some(PeriodSpec::Single(period)));
    }
    if looks_like_period(word.text) {
        return Err(ParseError::bad_period(word.span.clone(), bad_period_message(word.text)));
    }
    Ok(None)
}

fn range(word: &Word<'_>, first: &str, second: &str) -> Result<PeriodSpec, ParseError> {
    let first_span = word.span.start..word.span.start + first.len();
    let second_span = first_span.end + 2..word.span.end;
    let side = |text: &str, span: Range<usize>| {
        single_period(text).ok_or_else(|| {
            let message = if text.is_empty() {
                format!("found the range `{}` with a missing end, expected two periods around `..`", word.text)
            } else {
                bad_period_message(text)
            };
            ParseError::bad_period(span, message)
        })
    };
    let start = side(first, first_span)?;
    let end = side(second, second_span)?;
    if start.granularity() != end.granularity() {
        return Err(ParseError::bad_period(
            word.span.clone(),
            format!(
                "found the range `{}` from a {} to a {}, expected both ends of the same length",
                word.text,
                granularity_name(start),
                granularity_name(end)
            ),
        ));
    }
    if let Some(false) = in_order(start, end) {
        return Err(ParseError::bad_period(
            word.span.clone(),
            format!(
                "found the range `{}` that does not go forward in time, expected its end after its start",
                word.text
            ),
        ));
    }
    Ok(PeriodSpec::Range(start, end))
}

/// Whether `end` comes after `start`; `None` when that depends on the report year (an absolute and a relative end).
fn in_order(start: PeriodRef, end: PeriodRef) -> Option<bool> {
    match (start, end) {
        (PeriodRef::Absolute(a), PeriodRef::Absolute(b)) => Some(b.ordinal() > a.ordinal()),
        (PeriodRef::Absolute(_), _) | (_, PeriodRef::Absolute(_)) => None,
        _ => {
            // Relative ends share the report year, so any year stands in for it.
            let (a, b) = (start.resolve(Some(2000))?, end.resolve(Some(2000))?);
            Some(b.ordinal() > a.ordinal())
        }
    }
}

impl PeriodRef {
    /// The length of the period; a relative period has the length of the absolute one it stands for.
    pub fn granularity(self) -> Granularity {
        match self {
            PeriodRef::Absolute(period) => period.granularity(),
            PeriodRef::Quarter(_) => Granularity::Quarter,
            PeriodRef::Half(_) => Granularity::Half,
            PeriodRef::FullYear => Granularity::Year,
        }
    }
}

fn granularity_name(period: PeriodRef) -> &'static str {
    match period.granularity() {
        Granularity::Year => "year",
        Granularity::Half => "half-year",
        Granularity::Quarter => "quarter",
        Granularity::Month => "month",
    }
}

/// A single, valid period word: absolute (`2023-q4`) or relative (`q4`, `h1`, `fy`), case-insensitive.
pub fn single_period(text: &str) -> Option<PeriodRef> {
    match text.as_bytes() {
        [b'f' | b'F', b'y' | b'Y'] => Some(PeriodRef::FullYear),
        [b'q' | b'Q', digit @ b'1'..=b'4'] => Some(PeriodRef::Quarter(digit - b'0')),
        [b'h' | b'H', digit @ b'1'..=b'2'] => Some(PeriodRef::Half(digit - b'0')),
        // `Period::parse` would trim; a word has no whitespace, and a directive's period must be exact.
        [b'0'..=b'9', ..] => Period::parse(text).map(PeriodRef::Absolute).or_else(|| super::period_zh::parse(text)),
        _ => super::period_zh::parse(text),
    }
}

/// Whether a word is meant as a period even though it is not a valid one: it starts with a digit, or it is
/// `q`/`h`/`fy` followed by digits, or it holds `..`.
fn looks_like_period(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let letters_then_digits = |prefix: &str| {
        lower.strip_prefix(prefix).is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
    };
    lower.starts_with(|c: char| c.is_ascii_digit())
        || lower.contains("..")
        || super::period_zh::reason(text).is_some()
        || letters_then_digits("q")
        || letters_then_digits("h")
        || letters_then_digits("fy")
}

/// Why a period-like word is not a period, in words an author can act on.
fn bad_period_message(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let reason = if let Some(reason) = super::period_zh::reason(text) {
        reason
    } else if let Some(digits) = lower.strip_prefix('q').filter(|d| d.bytes().all(|b| b.is_ascii_digit())) {
        format!("there is no quarter {digits}; quarters are `q1` to `q4`")
    } else if let Some(digits) = lower.strip_prefix('h').filter(|d| d.bytes().all(|b| b.is_ascii_digit())) {
        format!("there is no half {digits}; halves are `h1` and `h2`")
    } else if lower.starts_with("fy") {
        "`fy` stands alone for the report year; write a year as `2023`".to_string()
    } else if !looks_like_period(text) {
        "it is not a period".to_string()
    } else {
        absolute_reason(&lower)
    };
    format!("found the malformed period `{text}` ({reason}), expected a period")
}

fn absolute_reason(lower: &str) -> String {
    let year_digits = lower.bytes().take_while(u8::is_ascii_digit).count();
    if year_digits != 4 {
        return "a year has four digits".to_string();
    }
    let rest = &lower[4..];
    let Some(part) = rest.strip_prefix('-') else {
        return format!("put a `-` between the year and `{rest}`, as in `{}-{rest}`", &lower[..4]);
    };
    let number = |digits: &str| digits.parse::<u32>().ok().filter(|_| digits.bytes().all(|b| b.is_ascii_digit()));
    match part.as_bytes().first() {
        Some(b'q') => match number(&part[1..]) {
            Some(q) => format!("there is no quarter {q}; quarters are `Q1` to `Q4`"),
            None => "a quarter is `Q` and a number from 1 to 4".to_string(),
        },
        Some(b'h') => match number(&part[1..]) {
            Some(h) => format!("there is no half {h}; halves are `H1` and `H2`"),
            None => "a half is `H1` or `H2`".to_string(),
        },
        _ => match number(part) {
            Some(m) => format!("there is no month {m}; months are `01` to `12`"),
            None => format!("`{part}` is not a quarter, half or month"),
        },
    }
}

impl Form {
    /// The form's keyword, as written after `as`.
    pub fn as_str(self) -> &'static str {
        match self {
            Form::Value => "value",
            Form::Sentence => "sentence",
            Form::Delta => "delta",
            Form::Size => "size",
            Form::Change => "change",
            Form::Ratio => "ratio",
            Form::Table => "table",
            Form::Chart => "chart",
        }
    }
}

impl fmt::Display for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for PeriodRef {
    /// As a directive writes it: `2023-Q4`, `q4`, `h1`, `fy`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeriodRef::Absolute(period) => write!(f, "{period}"),
            PeriodRef::Quarter(q) => write!(f, "q{q}"),
            PeriodRef::Half(h) => write!(f, "h{h}"),
            PeriodRef::FullYear => f.write_str("fy"),
        }
    }
}

impl fmt::Display for PeriodSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeriodSpec::Single(period) => write!(f, "{period}"),
            PeriodSpec::Range(start, end) => write!(f, "{start}..{end}"),
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.dimension.value, self.member.value)
    }
}

impl fmt::Display for Comparand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Comparand::Period(period) => write!(f, "{period}"),
            Comparand::Prev => f.write_str("prev"),
            Comparand::YearAgo => f.write_str("yoy"),
            Comparand::Target => f.write_str("target"),
            Comparand::Standard => f.write_str("standard"),
            Comparand::Member(filter) => write!(f, "{filter}"),
        }
    }
}

impl fmt::Display for Directive {
    /// The canonical text of the directive, which [`parse`] reads back to the same directive (spans aside).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MARKER)?;
        if self.share {
            f.write_str(" share")?;
        }
        write!(f, " {}", self.metric.value)?;
        for filter in &self.filters {
            write!(f, " {filter}")?;
        }
        write!(f, " {}", self.period.value)?;
        if let Some(comparand) = &self.comparand {
            write!(f, " vs {}", comparand.value)?;
        }
        if let Some(by) = &self.by {
            write!(f, " by {}", by.dimension.value)?;
            if let Some(top) = by.top {
                write!(f, " top {top}")?;
            }
        }
        if let Some(form) = &self.form {
            write!(f, " as {}", form.value)?;
        }
        for option in &self.options {
            write!(f, " {}={}", option.name.value, option.value.value)?;
        }
        f.write_str(">>")
    }
}

impl Directive {
    /// The value of option `name` (`locale`, `precision`, `decimals`, `scale`, `measure`, `type`, `height`,
    /// `with`), normalised by the parser.
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options.iter().find(|option| option.name.value == name).map(|option| option.value.value.as_str())
    }
}
