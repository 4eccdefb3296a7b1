//! The registry of every rule mdbook-kpi reports: one [`Rule`] per id, with its default severity, whether
//! `[preprocessor.kpi.rules]` may change it, a one-line description and a help text (what to do about it).
//!
//! Code names a rule by its variant (`Rule::KpiSyntax`), so a misspelt rule does not compile; the id string
//! (`kpi/syntax`) is what every output format prints and what users write in book.toml and `kpi-allow` comments.
//! SARIF's rule metadata and the rules table of the guide (`docs/src/rules.md`, see [`markdown_page`]) are
//! generated from here.

use std::fmt;

use crate::diagnostics::Severity;

/// What the registry knows about one rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: &'static str,
    pub default: Severity,
    /// Whether `[preprocessor.kpi.rules]` may change its severity or turn it off (structure-check rules);
    /// directive, data and config errors always stand.
    pub configurable: bool,
    pub description: &'static str,
    /// What to do about a finding of this rule, in general; each finding adds a hint for its own case.
    pub help: &'static str,
}

/// Declares [`Rule`], [`Rule::ALL`] and [`Rule::info`] from one list, so that no rule can be left out of any.
macro_rules! registry {
    ($($variant:ident => $id:literal, $default:ident, $configurable:literal, $description:literal, $help:literal;)*) => {
        /// A rule, named by what it checks. `Ord` follows the registry order (the order of this list).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $(
                #[doc = $description]
                $variant,
            )*
        }

        impl Rule {
            /// Every rule, in registry order: directive, data, config, book and schema errors, then the structure
            /// check.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            pub const fn info(self) -> &'static RuleInfo {
                match self {
                    $(
                        Rule::$variant => &RuleInfo {
                            id: $id,
                            default: Severity::$default,
                            configurable: $configurable,
                            description: $description,
                            help: $help,
                        },
                    )*
                }
            }
        }
    };
}

registry! {
    KpiSyntax => "kpi/syntax", Error, false,
        "A directive does not follow the grammar, or a block form is not alone on its line.",
        "Write the directive as the grammar in the finding's hint gives it, such as `<<#kpi revenue q4 vs q3>>`; put a table or chart on a line of its own.";
    KpiUnknownMetric => "kpi/unknown-metric", Error, false,
        "A directive names a metric the data does not define.",
        "Correct the metric's name (the finding suggests the nearest one), or define the metric in a data file.";
    KpiUnknownDimension => "kpi/unknown-dimension", Error, false,
        "A directive names a dimension the data does not define.",
        "Correct the dimension's name, or add the dimension to the data.";
    KpiUnknownMember => "kpi/unknown-member", Error, false,
        "A directive names a member its dimension does not have.",
        "Correct the member's name, or add facts for that member to the data.";
    KpiBadPeriod => "kpi/bad-period", Error, false,
        "A directive's period is malformed or cannot be resolved.",
        "Write a period such as `2023`, `2023-q4`, `2023-h1` or `2023-12`, one relative to the report year (`q4`, `h1`, `fy`), or a range of 2 to 1000 periods such as `q1..q4`.";
    KpiNoData => "kpi/no-data", Error, false,
        "The data has no value for what a directive asks (or cannot derive it).",
        "Add the missing facts (or a formula that derives them) to the data, or ask for a period the data covers.";
    KpiTemplate => "kpi/template", Error, false,
        "A sentence template failed to load or render.",
        "Fix the Handlebars template named in the finding, or delete it to fall back to the built-in sentence.";
    DataSyntax => "data/syntax", Error, false,
        "A data file is not valid TOML, JSON or CSV.",
        "Fix the syntax at the position given, and save the file as UTF-8.";
    DataInvalid => "data/invalid", Error, false,
        "A data file has a value of the wrong type or an unknown setting.",
        "Give the key the type the data format expects, or remove a key the format does not know.";
    DataBadPeriod => "data/bad-period", Error, false,
        "A data file names a malformed period.",
        "Write the period as a year, a half, a quarter or a month: `2023`, `2023-H1`, `2023-Q4` or `2023-12`.";
    DataBadValue => "data/bad-value", Error, false,
        "A data value is not a plain decimal number.",
        "Write the value as a plain decimal number: no thousands separators, units or percent signs.";
    DataDuplicateFact => "data/duplicate-fact", Error, false,
        "The same fact is given twice.",
        "Keep one value for each metric, period and dimension members; delete or correct the other.";
    DataFormula => "data/formula", Error, false,
        "A formula is malformed, names an unknown metric or refers to itself.",
        "Write the formula with + - * / and parentheses over metrics the data defines (spaces around a minus), and without a cycle.";
    DataMissingFile => "data/missing-file", Error, false,
        "A data file listed in the config cannot be read.",
        "Create the file, or correct its path in `data` under `[preprocessor.kpi]` (paths are relative to the book root).";
    DataPath => "data/path", Error, false,
        "A data, template or schema path resolves outside the book root.",
        "Keep data, templates and schemas inside the book folder, and name them by a relative path.";
    DataInconsistentTotal => "data/inconsistent-total", Warning, true,
        "Members do not add up to the given total (beyond 0.5%).",
        "Correct the total or the members so that they agree, or leave the total out and let it be summed.";
    DataStaleFigure => "data/stale-figure", Error, true,
        "A figure typed by hand ties to one fact of the data and disagrees with it at the precision it was written.",
        "Correct the figure, or write the directive the finding names so that it follows the data; `mdbook-kpi fix` rewrites the typed figures that agree.";
    DataConflictingFigures => "data/conflicting-figures", Warning, true,
        "The same fact is typed twice in the book with two different values.",
        "Settle on one value in both places, ideally kept in a data file and written by a directive.";
    ConfigUnknownKey => "config/unknown-key", Warning, false,
        "An unknown key in [preprocessor.kpi].",
        "Correct the key's spelling (the finding suggests the nearest one), or remove it.";
    ConfigInvalid => "config/invalid", Error, false,
        "A key in [preprocessor.kpi] has the wrong type or value.",
        "Give the key a value of the type it takes, or remove it to use the default.";
    BookInvalid => "book/invalid", Error, false,
        "book.toml or SUMMARY.md cannot be parsed, or a chapter is not UTF-8.",
        "Fix the syntax of the file named in the finding, or save the chapter as UTF-8.";
    BookMissingFile => "book/missing-file", Error, false,
        "A file the book names cannot be read.",
        "Create the file, or correct the link to it in SUMMARY.md (or the `src` folder in book.toml).";
    SchemaInvalid => "schema/invalid", Error, false,
        "A structure schema file is malformed.",
        "Fix the schema file, or set `structure` to a built-in schema name such as `year-end-sales`.";
    StructureMissingModule => "structure/missing-module", Error, true,
        "A required module of the report is missing.",
        "Add a chapter or a heading titled after the module, or mark an existing heading with the module's `{#id}`.";
    StructureModuleOrder => "structure/module-order", Warning, true,
        "Modules are out of the schema's order.",
        "Move the module so that the modules follow the order of the schema.";
    StructureMissingPart => "structure/missing-part", Error, true,
        "A module lacks a required part.",
        "Add the part to the module as a heading or a list item that names it.";
    LoopUnansweredProblem => "loop/unanswered-problem", Error, true,
        "A problem has no countermeasure.",
        "Add a countermeasure on the same side (or one that links to the problem's heading), or drop the problem.";
    LoopOrphanCountermeasure => "loop/orphan-countermeasure", Warning, true,
        "A countermeasure answers no problem.",
        "Name the problem the countermeasure answers (its side or a link to its heading), or add that problem to the analysis.";
    SmartNotQuantified => "smart/not-quantified", Warning, true,
        "A strategy or plan item has no figure.",
        "Give the item a figure to measure it by: a number, a percentage or a directive.";
    SmartNoDeadline => "smart/no-deadline", Warning, true,
        "A strategy or plan item has no time node.",
        "Give the item a time node: a date, a month, a quarter or a deadline.";
    StyleJargon => "style/jargon", Warning, true,
        "An empty buzzword instead of a concrete description.",
        "Say what will be done, by whom and by when instead of the buzzword; the word list can be replaced with `jargon`.";
    NarrativeBareNumbers => "narrative/bare-numbers", Warning, true,
        "A sentence lists figures without a comparison.",
        "Compare the figures with a period, a target or each other, for example with a `<<#kpi … vs …>>` directive.";
    ContentPlaceholder => "content/placeholder", Error, true,
        "A template placeholder ([X], XX万元, TBD, 待填) left in the text.",
        "Fill in the real figure, name or date, or delete the sentence.";
}

impl Rule {
    /// The id every output prints and users write: `kpi/syntax`.
    pub const fn as_str(self) -> &'static str {
        self.info().id
    }

    /// The part before the slash: `kpi`, `structure`, `style`, …
    pub fn family(self) -> &'static str {
        let id = self.as_str();
        id.split_once('/').map_or(id, |(family, _)| family)
    }

    pub const fn default_severity(self) -> Severity {
        self.info().default
    }

    pub const fn configurable(self) -> bool {
        self.info().configurable
    }

    pub const fn description(self) -> &'static str {
        self.info().description
    }

    pub const fn help(self) -> &'static str {
        self.info().help
    }

    /// The rule with this id, as written in book.toml.
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|rule| rule.as_str() == id)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Comparing with an id string, as tests and callers that hold an id from outside do.
impl PartialEq<str> for Rule {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Rule {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The page of the guide that lists every rule (`docs/src/rules.md`), generated from the registry; a test holds
/// the committed page equal to it.
pub fn markdown_page() -> String {
    let mut page = String::from(
        "# Rules\n\n\
         <!-- Generated from src/rules.rs; do not edit by hand. \
         Regenerate with `UPDATE_DOCS=1 cargo test --test check_registry`. -->\n\n\
         Every finding of mdbook-kpi carries a rule id such as `kpi/unknown-metric`. A rule reports at one of two\n\
         levels: an **error** fails `mdbook build` (unless `on-error = \"warn\"`) and makes `mdbook-kpi check` exit\n\
         non-zero; a **warning** is reported and the build goes on (`mdbook-kpi check --deny-warnings` fails on it).\n\n\
         The structure-check rules (and `data/inconsistent-total`) are *configurable*: set their level, or turn them\n\
         off, under `[preprocessor.kpi.rules]` in book.toml (see [Levels](structure-check.md#levels)):\n\n\
         ```toml\n\
         [preprocessor.kpi.rules]\n\
         \"style/jargon\" = \"off\"            # or \"warn\" or \"error\"\n\
         \"smart/no-deadline\" = \"error\"\n\
         ```\n\n\
         An unknown rule id there is a `config/unknown-key` warning; a rule that is not configurable is a\n\
         `config/invalid` error. Directive, data, config, book and schema errors always stand, at the level the\n\
         table gives (one exception: a template file named after no sentence kind is a `kpi/template` warning).\n\n\
         A structure-check finding can also be allowed in one place with a `<!-- kpi-allow: … -->` comment before the\n\
         block (see [Allowing a rule in one place](structure-check.md#allowing-a-rule-in-one-place)).\n\n\
         | Rule | Default level | Configurable | Description | What to do |\n\
         |------|---------------|--------------|-------------|------------|\n",
    );
    for rule in Rule::ALL {
        let configurable = if rule.configurable() { "yes" } else { "no" };
        page.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            rule.as_str(),
            rule.default_severity().as_str(),
            configurable,
            table_cell(rule.description()),
            table_cell(rule.help()),
        ));
    }
    page
}

/// A pipe would end a Markdown table cell.
fn table_cell(text: &str) -> String {
    text.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_round_trip() {
        for (index, rule) in Rule::ALL.iter().enumerate() {
            assert_eq!(Rule::from_id(rule.as_str()), Some(*rule));
            assert!(Rule::ALL[..index].iter().all(|other| other.as_str() != rule.as_str()), "{rule} twice");
        }
        assert_eq!(Rule::from_id("style/jargom"), None);
    }

    #[test]
    fn ids_are_family_slash_name() {
        for rule in Rule::ALL {
            let (family, name) = rule.as_str().split_once('/').expect("a slash");
            assert_eq!(rule.family(), family);
            let lower_kebab = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '-');
            assert!(lower_kebab(family) && lower_kebab(name), "{rule}");
            assert!(rule.description().ends_with('.') && rule.help().ends_with('.'), "{rule}");
        }
    }

    #[test]
    fn registry_order_is_ord() {
        let mut sorted = Rule::ALL.to_vec();
        sorted.sort();
        assert_eq!(sorted, Rule::ALL);
    }
}
