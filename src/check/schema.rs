//! Structure schemas (docs/src/structure-check.md): the modules a report must have, their parts and the closed loop.
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
//!   { id = "by-product", titles = ["产品线"], dimensions = ["product"] },  # required only when the data
//! ]                                  # gives one of these dimensions with two members or more
//! may_precede = ["strategy"]         # default none: modules it may come before without `structure/module-order`
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

use serde::Deserialize;

use crate::diagnostics::Diagnostic;
use crate::rules::Rule;
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
    /// Every module title at once, built on first use ([`Schema::may_name_a_module`]).
    any_module_title: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>>,
}

#[derive(Clone, Debug)]
pub struct ModuleSpec {
    pub id: String,
    pub titles: Titles,
    pub required: bool,
    pub smart: bool,
    pub parts: Vec<PartSpec>,
    /// Modules (ids) this one may come before without a `structure/module-order` finding.
    pub may_precede: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct PartSpec {
    pub id: String,
    pub titles: Titles,
    /// The data dimensions the part reports on (`product`): when the book's data gives none of them with two
    /// members or more, the part is not required (a company with one product has no product-line analysis).
    pub dimensions: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct LoopSpec {
    /// Index into [`Schema::modules`] of the module whose items are problems.
    pub problem: usize,
    /// Index into [`Schema::modules`] of the module whose items answer them.
    pub answer: usize,
    pub sides: Vec<PartSpec>,
}

/// A list of titles, matched case-insensitively.
///
/// A title of Latin letters matches whole words only (a plural `s`/`es` is accepted, and a title ending in a
/// single `s` also matches its singular), so that `Plan` does not match "explanation"; other titles (Chinese)
/// match anywhere in the text. Matching is a plain substring search: schemas are loaded once per run and
/// matched against short titles, so compiling a regular expression would cost more than it saves.
#[derive(Clone, Debug)]
pub struct Titles {
    pub list: Vec<String>,
    /// Lower-cased titles; a Latin title ending in a single `s` is kept as its stem (`risks` → `risk`).
    needles: Vec<Needle>,
}

#[derive(Clone, Debug)]
struct Needle {
    text: String,
    /// A searcher for `text`, built once: titles are looked for in thousands of headings and paragraphs.
    finder: memchr::memmem::Finder<'static>,
    latin_start: bool,
    latin_end: bool,
}

impl Titles {
    pub fn new(list: Vec<String>) -> Titles {
        let needles = list
            .iter()
            .map(|t| normalize(t))
            .filter(|t| !t.is_empty())
            .map(|text| {
                let latin_start = text.starts_with(|c: char| c.is_ascii_alphanumeric());
                let latin_end = text.ends_with(|c: char| c.is_ascii_alphabetic());
                let text = match text.strip_suffix('s') {
                    Some(stem) if latin_end && stem.len() > 2 && !stem.ends_with('s') => stem.to_string(),
                    _ => text,
                };
                let finder = memchr::memmem::Finder::new(text.as_bytes()).into_owned();
                Needle { text, finder, latin_start, latin_end }
            })
            .collect();
        Titles { list, needles }
    }

    pub fn is_match(&self, text: &str) -> bool {
        !self.needles.is_empty() && self.is_match_normalized(&normalize(text))
    }

    /// Like [`Titles::is_match`] for a text already passed through [`normalize`] (to match one text against
    /// many title lists).
    pub fn is_match_normalized(&self, lower: &str) -> bool {
        self.needles.iter().any(|needle| needle.matches(lower))
    }

    /// Every place one of the titles is found in a normalized text (the first place of each title).
    pub fn find_all_normalized(&self, lower: &str) -> Vec<std::ops::Range<usize>> {
        self.needles.iter().filter_map(|needle| needle.find(lower)).collect()
    }

    /// Whether a heading is the module's own name and little else (暗点, 主要教训, "Key challenges"): a title
    /// found in it, with at most two words or CJK characters besides. "团队端:梯队储备不足" names a problem, not
    /// the problems module, though 不足 is one of its titles.
    pub fn names_only(&self, text: &str) -> bool {
        let lower = normalize(text);
        let found = self.find_all_normalized(&lower);
        if found.is_empty() {
            return false;
        }
        let covered = |at: usize| found.iter().any(|range| range.contains(&at));
        let mut others = 0;
        let mut in_word = false;
        for (at, c) in lower.char_indices() {
            let latin = c.is_alphanumeric() && !is_cjk(c);
            if covered(at) || !c.is_alphanumeric() {
                in_word = false;
                continue;
            }
            if !(latin && in_word) {
                others += 1;
            }
            in_word = latin;
        }
        others <= 2
    }

    /// The first title, for messages.
    pub fn first(&self) -> &str {
        self.list.first().map(String::as_str).unwrap_or("")
    }
}

/// Lower case with runs of whitespace as one space, so "Problem  analysis" matches "Problem analysis".
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalize_into(text, &mut out);
    out
}

/// [`normalize`] into a buffer (replacing its content), to normalize many texts with one allocation.
pub fn normalize_into(text: &str, out: &mut String) {
    out.clear();
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        if word.is_ascii() {
            out.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            out.extend(word.chars().flat_map(char::to_lowercase));
        }
    }
}

impl Needle {
    fn matches(&self, text: &str) -> bool {
        self.find(text).is_some()
    }

    /// The first place the title matches, with a plural ending it takes.
    fn find(&self, text: &str) -> Option<std::ops::Range<usize>> {
        let mut from = 0;
        while let Some(found) = text.get(from..).and_then(|rest| self.finder.find(rest.as_bytes())) {
            let start = from + found;
            let end = start + self.text.len();
            from = start + self.text.chars().next().map_or(1, char::len_utf8);
            let before_ok = !self.latin_start || !text[..start].ends_with(|c: char| c.is_ascii_alphanumeric());
            if before_ok && (!self.latin_end || word_ends(&text[end..])) {
                let ending = if !self.latin_end || word_ends_now(&text[end..]) {
                    0
                } else if text[end..].starts_with("es") && word_ends_now(&text[end + 2..]) {
                    2
                } else {
                    1
                };
                return Some(start..end + ending);
            }
        }
        None
    }
}

fn word_ends_now(after: &str) -> bool {
    !after.starts_with(|c: char| c.is_ascii_alphanumeric())
}

/// After a Latin title: the end of the word, or a plural ending and then the end of the word.
fn word_ends(after: &str) -> bool {
    let at_boundary = |rest: &str| !rest.starts_with(|c: char| c.is_ascii_alphanumeric());
    at_boundary(after)
        || after.strip_prefix('s').is_some_and(at_boundary)
        || after.strip_prefix("es").is_some_and(at_boundary)
}

impl Schema {
    /// Whether a normalized text holds any module title at all, by one pass of an automaton over all of them.
    /// When it holds none, [`Titles::find_all_normalized`] finds nothing for any module (it looks for the same
    /// titles, then checks word boundaries), so module finding skips the text: nearly every heading of a book
    /// names no module, and searching each of them for each title one by one was most of finding the modules.
    pub fn may_name_a_module(&self, normalized: &str) -> bool {
        let automaton = self.any_module_title.get_or_init(|| {
            let needles = self.modules.iter().flat_map(|module| module.titles.needles.iter().map(|n| &n.text));
            aho_corasick::AhoCorasick::new(needles).ok()
        });
        automaton.as_ref().is_none_or(|automaton| automaton.is_match(normalized))
    }

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
                (Rule::DataPath, "keep the schema file inside the book folder".to_string())
            } else if looks_like_path {
                (
                    Rule::SchemaInvalid,
                    "check the `structure` path in [preprocessor.kpi]; it is relative to the book root".to_string(),
                )
            } else {
                let names: Vec<&str> = built_in_names().collect();
                let hint = crate::suggest::did_you_mean(spec, names.iter().copied())
                    .map(|n| format!("did you mean `{n}`? "))
                    .unwrap_or_default();
                (
                    Rule::SchemaInvalid,
                    format!("{hint}built-in schemas: {}; or give the path of a .toml schema file", names.join(", ")),
                )
            };
            return Err(Diagnostic::error(rule, format!("structure schema `{spec}`: {message}"))
                .with_help(help)
                .in_file("book.toml"));
        }
    };
    let bytes = std::fs::read(&path).map_err(|e| {
        Diagnostic::error(Rule::SchemaInvalid, format!("cannot read the schema file `{spec}`: {e}"))
            .in_file(spec.to_string())
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Diagnostic::error(Rule::SchemaInvalid, format!("the schema file `{spec}` is not UTF-8 text"))
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
    #[serde(default)]
    may_precede: Vec<String>,
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
    #[serde(default)]
    dimensions: Vec<String>,
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
        let diagnostic = Diagnostic::error(Rule::SchemaInvalid, format!("malformed schema: {message}"))
            .with_help("see A custom schema in the mdbook-kpi guide (modules with id and titles; parts; loop)")
            .in_file(file);
        match e.span() {
            Some(span) => diagnostic.at_span(&index, span),
            None => diagnostic,
        }
    })?;
    let invalid = |message: String, help: &str| {
        Diagnostic::error(Rule::SchemaInvalid, message).with_help(help.to_string()).in_file(file)
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
        let parts = module
            .parts
            .into_iter()
            .map(|p| PartSpec { id: p.id, titles: Titles::new(p.titles), dimensions: p.dimensions })
            .collect();
        modules.push(ModuleSpec {
            id: module.id,
            titles: Titles::new(module.titles),
            required: module.required,
            smart: module.smart,
            parts,
            may_precede: module.may_precede,
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
            let sides = raw_loop
                .sides
                .into_iter()
                .map(|s| PartSpec { id: s.id, titles: Titles::new(s.titles), dimensions: s.dimensions })
                .collect();
            Some(LoopSpec { problem, answer, sides })
        }
    };
    Ok(Schema {
        name: raw.name.unwrap_or_else(|| default_name.to_string()),
        modules,
        closed_loop,
        any_module_title: std::sync::OnceLock::new(),
    })
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Headings made of pieces of the built-in schema's titles (whole, cut in two, with a plural `s`), other
    /// words and separators: texts that do and do not name a module, and texts that hold a title without
    /// naming it (`plans` inside `explanations`).
    fn heading_text() -> impl Strategy<Value = String> {
        let schema = load_schema("year-end-sales", Path::new(".")).expect("built-in schema");
        let mut pieces: Vec<String> =
            vec!["2024".into(), "ex".into(), "ations".into(), "华东".into(), " ".into(), "：".into()];
        for needle in schema
            .modules
            .iter()
            .flat_map(|m| m.titles.needles.iter())
            .chain(schema.modules.iter().flat_map(|m| m.parts.iter()).flat_map(|p| p.titles.needles.iter()))
        {
            let text = &needle.text;
            let half = text.char_indices().nth(text.chars().count() / 2).map_or(0, |(at, _)| at);
            pieces.extend([text.clone(), format!("{text}s"), text[..half].to_string(), text[half..].to_string()]);
        }
        prop::collection::vec(prop::sample::select(pieces), 0..6).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        /// A text the automaton passes over names no module: no module's titles are found in it.
        #[test]
        fn a_text_without_any_title_names_no_module(text in heading_text()) {
            let schema = load_schema("year-end-sales", Path::new(".")).expect("built-in schema");
            let text = normalize(&text);
            if !schema.may_name_a_module(&text) {
                for module in &schema.modules {
                    prop_assert!(module.titles.find_all_normalized(&text).is_empty(), "{} in {text:?}", module.id);
                }
            }
        }
    }

    #[test]
    fn the_automaton_sees_every_title() {
        let schema = load_schema("year-end-sales", Path::new(".")).expect("built-in schema");
        for module in &schema.modules {
            for title in &module.titles.list {
                assert!(schema.may_name_a_module(&normalize(&format!("2024年{title}"))), "{title}");
            }
        }
        assert!(!schema.may_name_a_module(&normalize("华东区域季度回顾")));
    }

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
        let titles = Titles::new(vec![
            "Plan".into(),
            "Risks".into(),
            "Process".into(),
            "策略".into(),
            "Problem analysis".into(),
        ]);
        assert!(titles.is_match("3. problem   analysis"));
        assert!(!titles.is_match("Problem analyst"));
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
