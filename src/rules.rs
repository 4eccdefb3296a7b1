//! The catalogue of every rule id mdbook-kpi reports: its default severity and a one-line description.
//! Renderers (SARIF rule metadata), the config (`[preprocessor.kpi.rules]`) and the README read it from here.

use crate::diagnostics::Severity;

pub struct Rule {
    pub id: &'static str,
    pub default: Severity,
    /// Whether `[preprocessor.kpi.rules]` may change its severity or turn it off (structure-check rules);
    /// directive, data and config errors always stand.
    pub configurable: bool,
    pub description: &'static str,
}

const fn rule(id: &'static str, default: Severity, configurable: bool, description: &'static str) -> Rule {
    Rule { id, default, configurable, description }
}

use Severity::{Error, Warning};

pub const RULES: &[Rule] = &[
    rule(
        "kpi/syntax",
        Error,
        false,
        "A directive does not follow the grammar, or a block form is not alone on its line.",
    ),
    rule("kpi/unknown-metric", Error, false, "A directive names a metric the data does not define."),
    rule("kpi/unknown-dimension", Error, false, "A directive names a dimension the data does not define."),
    rule("kpi/unknown-member", Error, false, "A directive names a member its dimension does not have."),
    rule("kpi/bad-period", Error, false, "A directive's period is malformed or cannot be resolved."),
    rule("kpi/no-data", Error, false, "The data has no value for what a directive asks (or cannot derive it)."),
    rule("kpi/template", Error, false, "A sentence template failed to load or render."),
    rule("data/syntax", Error, false, "A data file is not valid TOML, JSON or CSV."),
    rule("data/invalid", Error, false, "A data file has a value of the wrong type or an unknown setting."),
    rule("data/bad-period", Error, false, "A data file names a malformed period."),
    rule("data/bad-value", Error, false, "A data value is not a plain decimal number."),
    rule("data/duplicate-fact", Error, false, "The same fact is given twice."),
    rule("data/formula", Error, false, "A formula is malformed, names an unknown metric or refers to itself."),
    rule("data/missing-file", Error, false, "A data file listed in the config cannot be read."),
    rule("data/path", Error, false, "A data, template or schema path resolves outside the book root."),
    rule("data/inconsistent-total", Warning, true, "Members do not add up to the given total (beyond 0.5%)."),
    rule("config/unknown-key", Warning, false, "An unknown key in [preprocessor.kpi]."),
    rule("config/invalid", Error, false, "A key in [preprocessor.kpi] has the wrong type or value."),
    rule("book/invalid", Error, false, "book.toml or SUMMARY.md cannot be parsed, or a chapter is not UTF-8."),
    rule("book/missing-file", Error, false, "A file the book names cannot be read."),
    rule("schema/invalid", Error, false, "A structure schema file is malformed."),
    rule("structure/missing-module", Error, true, "A required module of the report is missing."),
    rule("structure/module-order", Warning, true, "Modules are out of the schema's order."),
    rule("structure/missing-part", Error, true, "A module lacks a required part."),
    rule("loop/unanswered-problem", Error, true, "A problem has no countermeasure."),
    rule("loop/orphan-countermeasure", Warning, true, "A countermeasure answers no problem."),
    rule("smart/not-quantified", Warning, true, "A strategy or plan item has no figure."),
    rule("smart/no-deadline", Warning, true, "A strategy or plan item has no time node."),
    rule("style/jargon", Warning, true, "An empty buzzword instead of a concrete description."),
    rule("narrative/bare-numbers", Warning, true, "A sentence lists figures without a comparison."),
];

pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}
