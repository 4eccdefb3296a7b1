//! Structure schemas (SPEC 6.1): the modules a report must have, their parts and the closed loop.
//!
//! A schema is a TOML file; the built-in `year-end-sales` lives in `schemas/year-end-sales.toml`:
//!
//! ```toml
//! name = "my-report"                 # optional; defaults to the file name
//!
//! [[modules]]                        # in the order the report must present them
//! id = "strategy"                    # Unicode letters, digits, `-`, `_`; also the `{#id}` that names it
//! titles = ["策略优化", "Strategy"]   # found by any of these (case-insensitive, at least one)
//! required = true                    # default true: a missing module is `structure/missing-module`
//! smart = true                       # default false: its items need a figure and a time node
//! parts = [                          # default none: each must appear among its items (`structure/missing-part`)
//!   { id = "targets", titles = ["目标", "Targets"] },
//! ]
//!
//! [loop]                             # optional closed loop (`loop/…` rules)
//! problem = "problem-analysis"       # a module id: each of its items needs an answer …
//! answer = "strategy"                # … among this module's items
//! sides = [                          # a problem and an answer with a shared side pair up
//!   { id = "market", keywords = ["市场", "Market"] },
//! ]
//! ```
//!
//! Unknown keys are errors, so that a misspelt `requried` does not silently change the check.

// The API returns one Diagnostic per failure, as every stage does; it is rare and not on a hot path.
#![allow(clippy::result_large_err)]

use std::path::Path;

use regex::Regex;
use serde::Deserialize;

use crate::diagnostics::Diagnostic;
use crate::source::LineIndex;

const BUILT_IN: &[(&str, &str)] = &[("year-end-sales", include_str!("schemas/year-end-sales.toml"))];

/// The names of the built-in schemas.
pub fn built_in_names() -> impl Iterator<Item = &'static str> {
    BUILT_IN.iter().map(|(name, _)| *name)
}

#[derive(Clone, Debug)]
pub struct Schema {
    pub name: String,
    pub modules: Vec<ModuleSpec>,
    pub closed_loop: Option<LoopSpec>,
}

#[derive(Clone, Debug)]
pub struct ModuleSpec {
    pub id: String,
    pub titles: Titles,
    pub required: bool,
    pub smart: bool,
    pub parts: Vec<PartSpec>,
}

#[derive(Clone, Debug)]
pub struct PartSpec {
    pub id: String,
    pub titles: Titles,
}

#[derive(Clone, Debug)]
pub struct LoopSpec {
    /// Index into [`Schema::modules`] of the module whose items are problems.
    pub problem: usize,
    /// Index into [`Schema::modules`] of the module whose items answer them.
    pub answer: usize,
    pub sides: Vec<PartSpec>,
}

/// A list of titles compiled once into one case-insensitive matcher.
///
/// A title of Latin letters matches whole words only (a plural `s`/`es` is accepted, and a title ending in a
/// single `s` also matches its singular), so that `Plan` does not match "explanation"; other titles (Chinese)
/// match anywhere in the text.
#[derive(Clone, Debug)]
pub struct Titles {
    pub list: Vec<String>,
    matcher: Option<Regex>,
}

impl Titles {
    pub fn new(list: Vec<String>) -> Titles {
        let alternatives: Vec<String> =
            list.iter().filter(|t| !t.trim().is_empty()).map(|t| title_pattern(t)).collect();
        let matcher = if alternatives.is_empty() {
            None
        } else {
            // Escaped literals only, so the pattern always compiles; a failure would leave the titles unmatched.
            Regex::new(&format!("(?i)(?:{})", alternatives.join("|"))).ok()
        };
        Titles { list, matcher }
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.matcher.as_ref().is_some_and(|m| m.is_match(text))
    }

    /// The byte range of the first match in `text`.
    pub fn find(&self, text: &str) -> Option<std::ops::Range<usize>> {
        self.matcher.as_ref()?.find(text).map(|m| m.range())
    }

    /// The first title, for messages.
    pub fn first(&self) -> &str {
        self.list.first().map(String::as_str).unwrap_or("")
    }
}

fn title_pattern(title: &str) -> String {
    let title = title.trim();
    let words: Vec<String> = title.split_whitespace().map(regex::escape).collect();
    let joined = words.join(r"\s+");
    let starts_latin = title.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    let ends_latin = title.chars().last().is_some_and(|c| c.is_ascii_alphabetic());
    let mut pattern = String::new();
    if starts_latin {
        pattern.push_str(r"\b");
    }
    if ends_latin {
        let singular = title.len() > 3 && title.ends_with('s') && !title.ends_with("ss");
        let stem = if singular { joined.strip_suffix('s').unwrap_or(&joined) } else { &joined };
        pattern.push_str(stem);
        pattern.push_str(r"(?:s|es)?\b");
    } else {
        pattern.push_str(&joined);
        if title.chars().last().is_some_and(|c| c.is_ascii_digit()) {
            pattern.push_str(r"\b");
        }
    }
    pattern
}

impl Schema {
    pub fn module_index(&self, id: &str) -> Option<usize> {
        self.modules.iter().position(|m| m.id == id)
    }
}

/// Loads a schema: a built-in name (`year-end-sales`) or a path to a TOML file, relative to the book root and
/// confined to it.
pub fn load_schema(spec: &str, root: &Path) -> Result<Schema, Diagnostic> {
    if let Some((name, text)) = BUILT_IN.iter().find(|(name, _)| *name == spec) {
        return parse_schema(text, name, "");
    }
    let looks_like_path = spec.ends_with(".toml") || spec.contains('/') || spec.contains('\\');
    let path = match crate::paths::resolve_in_root(root, spec) {
        Ok(path) => path,
        Err(message) => {
            let (rule, help) = if message.contains("outside the book root") {
                ("data/path", "keep the schema file inside the book folder".to_string())
            } else if looks_like_path {
                (
                    "schema/invalid",
                    "check the `structure` path in [preprocessor.kpi]; it is relative to the book root".to_string(),
                )
            } else {
                let names: Vec<&str> = built_in_names().collect();
                let hint = crate::suggest::did_you_mean(spec, names.iter().copied())
                    .map(|n| format!("did you mean `{n}`? "))
                    .unwrap_or_default();
                (
                    "schema/invalid",
                    format!("{hint}built-in schemas: {}; or give the path of a .toml schema file", names.join(", ")),
                )
            };
            return Err(Diagnostic::error(rule, format!("structure schema `{spec}`: {message}"))
                .with_help(help)
                .in_file("book.toml"));
        }
    };
    let bytes = std::fs::read(&path).map_err(|e| {
        Diagnostic::error("schema/invalid", format!("cannot read the schema file `{spec}`: {e}"))
            .in_file(spec.to_string())
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Diagnostic::error("schema/invalid", format!("the schema file `{spec}` is not UTF-8 text"))
            .with_help("save the file as UTF-8")
            .in_file(spec.to_string())
    })?;
    let default_name = Path::new(spec).file_stem().and_then(|s| s.to_str()).unwrap_or(spec).to_string();
    parse_schema(text.trim_start_matches('\u{feff}'), &default_name, &spec.replace('\\', "/"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchema {
    name: Option<String>,
    modules: Vec<RawModule>,
    #[serde(rename = "loop")]
    closed_loop: Option<RawLoop>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModule {
    id: String,
    titles: Vec<String>,
    #[serde(default = "yes")]
    required: bool,
    #[serde(default)]
    smart: bool,
    #[serde(default)]
    parts: Vec<RawPart>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPart {
    id: String,
    #[serde(alias = "keywords")]
    titles: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLoop {
    problem: String,
    answer: String,
    #[serde(default)]
    sides: Vec<RawPart>,
}

/// Parses schema TOML. `file` names the file in findings (empty for a built-in schema).
pub fn parse_schema(text: &str, default_name: &str, file: &str) -> Result<Schema, Diagnostic> {
    let index = LineIndex::new(text);
    let raw: RawSchema = toml::from_str(text).map_err(|e| {
        let message = e.message().trim().to_string();
        let diagnostic = Diagnostic::error("schema/invalid", format!("malformed schema: {message}"))
            .with_help("see the schema format in the README (modules with id and titles; parts; loop)")
            .in_file(file);
        match e.span() {
            Some(span) => diagnostic.at_span(&index, span),
            None => diagnostic,
        }
    })?;
    let invalid = |message: String, help: &str| {
        Diagnostic::error("schema/invalid", message).with_help(help.to_string()).in_file(file)
    };
    if raw.modules.is_empty() {
        return Err(invalid("the schema names no modules".into(), "add at least one [[modules]] table"));
    }
    let mut modules: Vec<ModuleSpec> = Vec::with_capacity(raw.modules.len());
    for module in raw.modules {
        if module.id.trim().is_empty() || modules.iter().any(|m| m.id == module.id) {
            return Err(invalid(
                format!("module id `{}` is empty or given twice", module.id),
                "give every module a unique id",
            ));
        }
        if module.titles.iter().all(|t| t.trim().is_empty()) {
            return Err(invalid(
                format!("module `{}` has no titles", module.id),
                "list the headings it is found by in `titles`",
            ));
        }
        let parts = module.parts.into_iter().map(|p| PartSpec { id: p.id, titles: Titles::new(p.titles) }).collect();
        modules.push(ModuleSpec {
            id: module.id,
            titles: Titles::new(module.titles),
            required: module.required,
            smart: module.smart,
            parts,
        });
    }
    let closed_loop = match raw.closed_loop {
        None => None,
        Some(raw_loop) => {
            let find = |id: &str| {
                modules.iter().position(|m| m.id == id).ok_or_else(|| {
                    let ids: Vec<&str> = modules.iter().map(|m| m.id.as_str()).collect();
                    invalid(
                        format!("[loop] names the module `{id}`, which the schema does not define"),
                        &format!("use one of: {}", ids.join(", ")),
                    )
                })
            };
            let problem = find(&raw_loop.problem)?;
            let answer = find(&raw_loop.answer)?;
            let sides =
                raw_loop.sides.into_iter().map(|s| PartSpec { id: s.id, titles: Titles::new(s.titles) }).collect();
            Some(LoopSpec { problem, answer, sides })
        }
    };
    Ok(Schema { name: raw.name.unwrap_or_else(|| default_name.to_string()), modules, closed_loop })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_schema_loads() {
        let schema = load_schema("year-end-sales", Path::new(".")).expect("built-in schema");
        let ids: Vec<&str> = schema.modules.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["introduction", "performance-review", "problem-analysis", "strategy", "plan"]);
        let closed_loop = schema.closed_loop.expect("loop");
        assert_eq!((closed_loop.problem, closed_loop.answer), (2, 3));
        assert!(!schema.modules[0].required && schema.modules[3].smart);
    }

    #[test]
    fn latin_titles_match_whole_words_and_plurals() {
        let titles = Titles::new(vec!["Plan".into(), "Risks".into(), "Process".into(), "策略".into()]);
        assert!(titles.is_match("5. Future PLAN"));
        assert!(titles.is_match("Plans"));
        assert!(!titles.is_match("Explanation"));
        assert!(titles.is_match("Risk plans"));
        assert!(titles.is_match("Processes"));
        assert!(titles.is_match("四、策略优化"));
    }

    #[test]
    fn malformed_schema_has_a_position() {
        let error =
            parse_schema("[[modules]]\nid = \"a\"\ntitles = [\"x\"]\nrequried = true\n", "x", "s.toml").unwrap_err();
        assert_eq!(error.rule, "schema/invalid");
        assert_eq!(error.line, 4);
        assert!(error.message.contains("requried"), "{}", error.message);
    }

    #[test]
    fn loop_must_name_known_modules() {
        let error = parse_schema(
            "[[modules]]\nid = \"a\"\ntitles = [\"x\"]\n[loop]\nproblem = \"a\"\nanswer = \"b\"\n",
            "x",
            "s.toml",
        )
        .unwrap_err();
        assert!(error.message.contains("`b`"));
    }
}
