//! From a parsed directive and the data set to text: compute ([`compute`]), format numbers ([`format`]), name
//! periods and subjects ([`labels`]), render the sentence templates ([`templates`]), tables and charts
//! ([`table`], [`chart`]).

pub mod chart;
pub mod compute;
pub mod context;
pub mod format;
pub mod labels;
pub mod names;
pub mod native;
pub mod precision;
pub mod table;
pub mod templates;

use std::ops::Range;

use crate::config::Locale;
use crate::data::DataSet;
use crate::directive::{Directive, Form};
use crate::rules::Rule;

pub use compute::{Computation, SentenceKind};
pub use templates::Templates;

/// Why a directive could not be expanded: a rule id, a span within the directive text, a message and a hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub rule: Rule,
    pub span: Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

impl Failure {
    pub fn new(rule: Rule, span: Range<usize>, message: impl Into<String>) -> Self {
        Failure { rule, span, message: message.into(), help: None }
    }

    pub fn with_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

/// Where the output goes: the `html` renderer gets SVG charts, every other renderer their table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Html,
    Other,
}

/// Everything narration needs besides the directive.
pub struct Narrator<'a> {
    pub data: &'a DataSet,
    pub templates: &'a Templates,
    pub locale: Locale,
    /// The report year relative periods (`q4`, `fy`) refer to.
    pub year: Option<i32>,
    pub precision: u32,
    /// Punctuation, percentage points and currency signs as the book chose them.
    pub style: crate::config::Style,
    /// Whether an earlier sentence of the chapter named the report year: then a sentence about the whole report
    /// year says 全年 / full-year instead (`report-year = "first"`, docs/src/wording.md).
    pub year_named: bool,
}

impl Narrator<'_> {
    /// The text that replaces the directive.
    pub fn expand(&self, directive: &Directive, target: Target) -> Result<String, Failure> {
        self.expand_at(directive, target, 0)
    }

    /// Like [`Narrator::expand`]; `salt` (the directive's offset in its chapter) keeps the ids of two identical
    /// charts on one page apart.
    pub fn expand_at(&self, directive: &Directive, target: Target, salt: u64) -> Result<String, Failure> {
        let computation = self.computed(directive)?;
        let form = computation.form;
        match form {
            Form::Size => size(&computation, directive),
            Form::Delta if computation.measure.is_some() => measured_change(&computation, directive, true),
            Form::Table => Ok(table::render(&computation)),
            Form::Chart if target == Target::Html => Ok(chart::render_with_salt(&computation, salt)),
            Form::Chart => Ok(table::render(&computation)),
            _ => {
                let kind = sentence_kind(&computation);
                // Figures come marked: one precision per kind within the sentence (docs/src/wording.md).
                if self.templates.is_native(computation.locale, kind)
                    && let Some(text) = native::render(&computation, kind)
                {
                    return Ok(precision::harmonize(text));
                }
                self.render_template(&computation, kind).map(precision::harmonize)
            }
        }
    }

    /// What [`Narrator::expand_at`] would report about the directive, without writing its text: the findings of
    /// `mdbook-kpi check`, which throws the text away. Everything that can fail runs (the computation, chart
    /// options, a change's measure, a book's own templates); the built-in sentences, tables and charts, which
    /// cannot fail once computed, are not written.
    pub fn check_at(&self, directive: &Directive) -> Result<(), Failure> {
        let computation = self.computed(directive)?;
        match computation.form {
            Form::Size => size(&computation, directive).map(drop),
            Form::Delta if computation.measure.is_some() => measured_change(&computation, directive, true).map(drop),
            Form::Table | Form::Chart => Ok(()),
            _ => {
                let kind = sentence_kind(&computation);
                if self.templates.is_native(computation.locale, kind) {
                    return Ok(());
                }
                self.render_template(&computation, kind).map(drop)
            }
        }
    }

    /// A sentence through the book's (or the built-in) Handlebars template, its errors as findings.
    fn render_template(&self, computation: &Computation, kind: &str) -> Result<String, Failure> {
        let context = context::build(computation);
        self.templates.render(computation.locale, kind, computation.style.punctuation, context).map_err(|message| {
            Failure::new(Rule::KpiTemplate, 0..0, precision::strip(&message))
                .with_help(Some("check the template against the context `mdbook-kpi eval --json` prints".into()))
        })
    }

    /// The directive computed, with its chart options checked.
    fn computed(&self, directive: &Directive) -> Result<Computation, Failure> {
        let computation = compute::compute(self, directive)?;
        let form = computation.form;
        if form.is_block() {
            // Bad chart options are errors for both block forms: the same directive renders as a table elsewhere.
            chart::options(&computation).map_err(|failure| match &directive.form {
                Some(form) if failure.span.is_empty() => Failure { span: form.span.clone(), ..failure },
                _ => failure,
            })?;
        } else if let Some(option) = directive.options.iter().find(|o| chart::OPTIONS.contains(&o.name.value.as_str()))
        {
            return Err(Failure::new(
                Rule::KpiSyntax,
                option.name.span.clone(),
                format!("`{}` applies to `as chart` only", option.name.value),
            )
            .with_help(Some("add `as chart`, or remove the option".into())));
        }
        Ok(computation)
    }

    /// Whether the directive, expanded as a sentence, names the report year as its period (`2023年营收…`): after
    /// it, the chapter's sentences about the whole year say 全年 / full-year.
    pub fn names_report_year(&self, text: &str) -> bool {
        crate::directive::parse::parse(text).is_ok_and(|directive| self.names_report_year_of(&directive))
    }

    /// [`Narrator::names_report_year`] of a directive already parsed.
    pub fn names_report_year_of(&self, directive: &crate::directive::Directive) -> bool {
        compute::names_report_year(self, directive)
    }

    /// The template context of docs/src/templates.md, as `mdbook-kpi eval --json` prints it.
    pub fn context(&self, directive: &Directive) -> Result<serde_json::Value, Failure> {
        let computation = compute::compute(self, directive)?;
        Ok(context::unmarked(context::build(&computation)))
    }
}

/// The template a sentence form writes with.
fn sentence_kind(computation: &Computation) -> &'static str {
    match computation.form {
        Form::Value => "value",
        Form::Delta => "delta",
        Form::Change => "change",
        Form::Ratio => "ratio",
        _ => computation.template(),
    }
}

/// `as size`: the change's measure without its sign, as `as delta` writes it otherwise (percent for amounts,
/// percentage points for rates, days for days).
fn size(computation: &Computation, directive: &Directive) -> Result<String, Failure> {
    if computation.measure.is_some() {
        return measured_change(computation, directive, false);
    }
    let base = compared(computation, directive)?;
    let formatter = context::Formatter::new(computation);
    let change = context::change(computation, &formatter, computation.value, base.value);
    let (_, size) = context::change_texts(computation, &change);
    let text = size.unwrap_or(change.diff_text);
    Ok(templates::escape_text(&text))
}

/// The base a change alone (`as size`, `as delta`) is measured from.
fn compared<'c>(computation: &'c Computation, directive: &Directive) -> Result<&'c compute::Base, Failure> {
    computation.base.as_ref().ok_or_else(|| {
        let span = directive.form.as_ref().map_or(0..0, |form| form.span.clone());
        let form = computation.form;
        Failure::new(
            crate::rules::Rule::KpiSyntax,
            span,
            format!("`as {form}` states the size of a change, but nothing is compared"),
        )
        .with_help(Some("add a comparison, for example `vs yoy` or `vs q3`".into()))
    })
}

/// `as delta` or `as size` with `measure=`: the change in percent of the base, or as the difference in the
/// metric's unit (percentage points for rates), signed as it displays (`+956万元`, `-5.7%`) or unsigned.
fn measured_change(computation: &Computation, directive: &Directive, with_sign: bool) -> Result<String, Failure> {
    let base = compared(computation, directive)?;
    let formatter = context::Formatter::new(computation);
    let change = context::change(computation, &formatter, computation.value, base.value);
    let precision = computation.precision;
    let (text, sign) = match computation.measure {
        Some(compute::ChangeMeasure::Percent) => {
            let (Some(pct), Some(text)) = (change.pct, change.pct_text) else {
                let span = directive.options.iter().find(|o| o.name.value == "measure").map(|o| o.value.span.clone());
                return Err(Failure::new(
                    crate::rules::Rule::KpiNoData,
                    span.unwrap_or(0..0),
                    "the base is zero or negative, so the change has no percentage",
                )
                .with_help(Some("write `measure=difference` for the change in the metric's unit".into())));
            };
            (text, context::sign_of(format::round(pct, precision)))
        }
        _ => {
            let sign = match change.pp {
                Some(points) => context::sign_of(format::round(points, precision)),
                None if change.diff_text == formatter.value.value(rust_decimal::Decimal::ZERO) => 0,
                None => context::sign_of(change.diff),
            };
            (change.diff_text, sign)
        }
    };
    let text = if with_sign { format::signed(&text, sign) } else { text };
    Ok(templates::escape_text(&text))
}
