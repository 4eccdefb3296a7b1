//! `[preprocessor.kpi]` in book.toml (docs/src/configuration.md).

use std::collections::BTreeMap;

/// The language sentences are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Locale {
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub fn id(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// `zh-CN`, `zh`, `zh_CN`, `zh-Hans` → zh-CN; `en`, `en-US`, … → en.
    pub fn parse(text: &str) -> Option<Locale> {
        let lower = text.trim().to_ascii_lowercase();
        let language = lower.split(['-', '_']).next().unwrap_or("");
        match language {
            "zh" => Some(Locale::ZhCn),
            "en" => Some(Locale::En),
            _ => None,
        }
    }
}

/// How the generated sentences are written where a book may choose (the guide's Wording page): `[preprocessor.kpi]`
/// keys `punctuation`, `points`, `currency-sign` and `report-year`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Style {
    pub punctuation: Punctuation,
    pub points: Points,
    pub currency_sign: CurrencySign,
    pub report_year: ReportYear,
}

/// How often a chapter's sentences about the whole report year name it: the first one names it (`2023年营收…`)
/// and later ones say 全年 / full-year, or every one names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ReportYear {
    #[default]
    First,
    Every,
}

impl ReportYear {
    pub fn id(self) -> &'static str {
        match self {
            ReportYear::First => "first",
            ReportYear::Every => "every",
        }
    }
}

/// The marks of Chinese sentences: full-width `，（）：；` (GB/T 15834) or the ASCII `,():;` some books use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Punctuation {
    #[default]
    FullWidth,
    Ascii,
}

impl Punctuation {
    pub fn id(self) -> &'static str {
        match self {
            Punctuation::FullWidth => "full-width",
            Punctuation::Ascii => "ascii",
        }
    }
}

/// How English sentences name percentage points: `12.4 percentage points` or `12.4 pp` (tables always say `pp`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Points {
    #[default]
    Words,
    Pp,
}

impl Points {
    pub fn id(self) -> &'static str {
        match self {
            Points::Words => "words",
            Points::Pp => "pp",
        }
    }
}

/// How English writes Chinese yuan: `RMB 36M` (¥ alone reads as yen) or the symbol `¥36M`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CurrencySign {
    #[default]
    Code,
    Symbol,
}

impl CurrencySign {
    pub fn id(self) -> &'static str {
        match self {
            CurrencySign::Code => "code",
            CurrencySign::Symbol => "symbol",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OnError {
    /// Errors fail the build.
    #[default]
    Fail,
    /// Errors are logged and shown in the page as a visible marker.
    Warn,
}

/// A rule's configured level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    Warn,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Data files, relative to the book root.
    pub data: Vec<String>,
    /// The text encoding of data files that are not UTF-8, by path as in `data` (an encoding_rs name such as
    /// `GB18030`): `data = [{ path = "sales.csv", encoding = "gb18030" }]`.
    pub encodings: BTreeMap<String, String>,
    /// `None`: from `[book] language` (zh… → zh-CN, else en).
    pub locale: Option<Locale>,
    /// The report year; `None`: `[meta] year` of the data.
    pub year: Option<i32>,
    pub templates: Option<String>,
    /// A built-in schema name or a schema file path; `None`: no structure check.
    pub structure: Option<String>,
    pub on_error: OnError,
    /// Decimals for percentages and percentage points.
    pub precision: u32,
    /// The levels `[preprocessor.kpi.rules]` gives; only configurable rules are ever in it.
    pub rules: BTreeMap<Rule, Level>,
    /// Replaces the built-in `style/jargon` word list when given.
    pub jargon: Option<Vec<String>>,
    /// `punctuation`, `points`, `currency-sign`.
    pub style: Style,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data: vec!["kpi.toml".into()],
            encodings: BTreeMap::new(),
            locale: None,
            year: None,
            templates: None,
            structure: None,
            on_error: OnError::Fail,
            precision: 1,
            rules: BTreeMap::new(),
            jargon: None,
            style: Style::default(),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing `[preprocessor.kpi]`
// ---------------------------------------------------------------------------------------------------------------

use std::ops::Range;

use serde_json::Value as JsonValue;

use crate::diagnostics::{Diagnostic, Severity};
use crate::rules::Rule;
use crate::source::LineIndex;

/// The file config findings point at.
pub const BOOK_TOML: &str = "book.toml";

/// The keys of `[preprocessor.kpi]` this crate reads.
pub const KEYS: &[&str] = &[
    "data",
    "locale",
    "year",
    "templates",
    "structure",
    "on-error",
    "precision",
    "rules",
    "jargon",
    "punctuation",
    "points",
    "currency-sign",
    "report-year",
];

/// mdBook's own keys of every `[preprocessor.*]` table; mdBook reads them, so they are not unknown.
pub const MDBOOK_KEYS: &[&str] = &["command", "before", "after", "renderers", "optional"];

impl Config {
    /// Reads `[preprocessor.kpi]` as mdBook passes it in the preprocessor context (`None`: the book has no such
    /// table). `book_language` is `[book] language`, which decides the default locale. Findings carry the file
    /// `book.toml` but no position, since mdBook's JSON has none.
    pub fn from_table(
        table: Option<&serde_json::Map<String, JsonValue>>,
        book_language: Option<&str>,
    ) -> (Config, Vec<Diagnostic>) {
        let node = table.map(|t| Node::from_json(&JsonValue::Object(t.clone())));
        parse_node(node.as_ref(), book_language, None)
    }

    /// Reads `[preprocessor.kpi]` from a parsed book.toml table (the table itself, not the whole file).
    pub fn from_toml(table: Option<&toml::Table>, book_language: Option<&str>) -> (Config, Vec<Diagnostic>) {
        let node = table.map(|t| Node::from_toml(&toml::Value::Table(t.clone())));
        parse_node(node.as_ref(), book_language, None)
    }

    /// Reads the whole text of a book.toml: `[book] language` and `[preprocessor.kpi]`, with findings placed at
    /// their line and column. A file that is not valid TOML gives one `config/invalid` error and the defaults.
    pub fn from_book_toml(text: &str) -> (Config, Vec<Diagnostic>) {
        let index = LineIndex::new(text);
        let document = match toml::de::DeTable::parse(text) {
            Ok(document) => document,
            Err(error) => {
                let mut diagnostic = Diagnostic::error(
                    Rule::ConfigInvalid,
                    format!("book.toml is not valid TOML: {}", error.message().trim()),
                )
                .in_file(BOOK_TOML)
                .with_help("fix the TOML syntax; see https://toml.io");
                if let Some(span) = error.span() {
                    diagnostic = diagnostic.at_span(&index, span);
                }
                let (config, _) = parse_node(None, None, None);
                return (config, vec![diagnostic]);
            }
        };
        let root = Node::from_de_table(document.get_ref(), Some(document.span()));
        let language = root.get("book").and_then(|b| b.get("language")).and_then(Node::as_str);
        let kpi = root.get("preprocessor").and_then(|p| p.get("kpi"));
        parse_node(kpi, language, Some(&index))
    }

    /// The locale sentences are written in (en when nothing decided it).
    pub fn locale(&self) -> Locale {
        self.locale.unwrap_or(Locale::En)
    }

    /// The severity a finding of `rule` reports at under this config, `None` when it is turned off: the level
    /// `[preprocessor.kpi.rules]` gives a configurable rule, else the rule's default. The one place that decides
    /// it, for the structure check, the preprocessor and `mdbook-kpi check`.
    pub fn severity(&self, rule: Rule) -> Option<Severity> {
        let configured = if rule.configurable() { self.rules.get(&rule) } else { None };
        match configured {
            None => Some(rule.default_severity()),
            Some(Level::Off) => None,
            Some(Level::Warn) => Some(Severity::Warning),
            Some(Level::Error) => Some(Severity::Error),
        }
    }

    /// A finding with this config's level applied (`None` when its rule is off). A configurable rule's finding
    /// takes [`Config::severity`]; any other finding keeps the severity it was reported at, which is its rule's
    /// default except where the code says otherwise (a template file named after no sentence kind is a
    /// `kpi/template` warning).
    pub fn apply_levels(&self, mut diagnostic: Diagnostic) -> Option<Diagnostic> {
        if diagnostic.rule.configurable() {
            diagnostic.severity = self.severity(diagnostic.rule)?;
        }
        Some(diagnostic)
    }
}

/// The default locale for a `[book] language`: zh-CN for any Chinese, en otherwise.
pub fn default_locale(book_language: Option<&str>) -> Locale {
    match book_language {
        Some(language) if language.trim().to_ascii_lowercase().starts_with("zh") => Locale::ZhCn,
        _ => Locale::En,
    }
}

/// A config value from either source (mdBook's JSON or book.toml text), with its byte span when known.
#[derive(Clone, Debug)]
struct Node {
    kind: Kind,
    span: Option<Range<usize>>,
}

#[derive(Clone, Debug)]
enum Kind {
    Null,
    Str(String),
    Int(i64),
    /// A float, a boolean, a datetime or an integer out of range: only ever reported as the wrong type.
    Other(&'static str),
    Array(Vec<Node>),
    Table(Vec<Entry>),
}

#[derive(Clone, Debug)]
struct Entry {
    key: String,
    key_span: Option<Range<usize>>,
    value: Node,
}

impl Node {
    fn bare(kind: Kind) -> Node {
        Node { kind, span: None }
    }

    fn from_json(value: &JsonValue) -> Node {
        Node::bare(match value {
            JsonValue::Null => Kind::Null,
            JsonValue::Bool(_) => Kind::Other("a boolean"),
            JsonValue::Number(n) => n.as_i64().map_or(Kind::Other("a number"), Kind::Int),
            JsonValue::String(s) => Kind::Str(s.clone()),
            JsonValue::Array(items) => Kind::Array(items.iter().map(Node::from_json).collect()),
            JsonValue::Object(fields) => Kind::Table(
                fields
                    .iter()
                    .map(|(k, v)| Entry { key: k.clone(), key_span: None, value: Node::from_json(v) })
                    .collect(),
            ),
        })
    }

    fn from_toml(value: &toml::Value) -> Node {
        Node::bare(match value {
            toml::Value::String(s) => Kind::Str(s.clone()),
            toml::Value::Integer(i) => Kind::Int(*i),
            toml::Value::Float(_) => Kind::Other("a float"),
            toml::Value::Boolean(_) => Kind::Other("a boolean"),
            toml::Value::Datetime(_) => Kind::Other("a date"),
            toml::Value::Array(items) => Kind::Array(items.iter().map(Node::from_toml).collect()),
            toml::Value::Table(fields) => Kind::Table(
                fields
                    .iter()
                    .map(|(k, v)| Entry { key: k.clone(), key_span: None, value: Node::from_toml(v) })
                    .collect(),
            ),
        })
    }

    fn from_de_table(table: &toml::de::DeTable<'_>, span: Option<Range<usize>>) -> Node {
        let entries = table
            .iter()
            .map(|(key, value)| Entry {
                key: key.get_ref().to_string(),
                key_span: Some(key.span()),
                value: Node::from_de(value.get_ref(), value.span()),
            })
            .collect();
        Node { kind: Kind::Table(entries), span }
    }

    fn from_de(value: &toml::de::DeValue<'_>, span: Range<usize>) -> Node {
        use toml::de::DeValue;
        let kind = match value {
            DeValue::String(s) => Kind::Str(s.to_string()),
            DeValue::Integer(i) => {
                let digits = i.as_str().replace('_', "");
                i64::from_str_radix(&digits, i.radix()).map_or(Kind::Other("an integer out of range"), Kind::Int)
            }
            DeValue::Float(_) => Kind::Other("a float"),
            DeValue::Boolean(_) => Kind::Other("a boolean"),
            DeValue::Datetime(_) => Kind::Other("a date"),
            DeValue::Array(items) => Kind::Array(items.iter().map(|v| Node::from_de(v.get_ref(), v.span())).collect()),
            DeValue::Table(table) => return Node::from_de_table(table, Some(span)),
        };
        Node { kind, span: Some(span) }
    }

    fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Table(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.value),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "null",
            Kind::Str(_) => "a string",
            Kind::Int(_) => "an integer",
            Kind::Other(name) => name,
            Kind::Array(_) => "an array",
            Kind::Table(_) => "a table",
        }
    }
}

/// Collects findings, placing them in book.toml when the text is known.
struct Findings<'a> {
    index: Option<&'a LineIndex<'a>>,
    diagnostics: Vec<Diagnostic>,
}

impl Findings<'_> {
    fn push(&mut self, diagnostic: Diagnostic, span: Option<&Range<usize>>) {
        let mut diagnostic = diagnostic.in_file(BOOK_TOML);
        if let (Some(index), Some(span)) = (self.index, span) {
            diagnostic = diagnostic.at_span(index, span.clone());
        }
        self.diagnostics.push(diagnostic);
    }

    /// `config/invalid`: the key has the wrong type or value.
    fn invalid(&mut self, key: &str, node: &Node, expected: &str) {
        let found = match &node.kind {
            Kind::Str(s) => format!("`{s:?}`"),
            Kind::Int(i) => format!("`{i}`"),
            _ => node.type_name().to_string(),
        };
        let diagnostic = Diagnostic::error(
            Rule::ConfigInvalid,
            format!("`preprocessor.kpi.{key}` must be {expected}, found {found}"),
        )
        .with_help(format!("set `{key}` to {expected}, or remove it to use the default"));
        self.push(diagnostic, node.span.as_ref());
    }
}

fn parse_node(
    table: Option<&Node>,
    book_language: Option<&str>,
    index: Option<&LineIndex<'_>>,
) -> (Config, Vec<Diagnostic>) {
    let mut config = Config { locale: Some(default_locale(book_language)), ..Config::default() };
    let mut findings = Findings { index, diagnostics: Vec::new() };
    match table.map(|t| &t.kind) {
        None | Some(Kind::Null) => {}
        Some(Kind::Table(entries)) => {
            for entry in entries {
                parse_entry(&mut config, entry, &mut findings);
            }
        }
        Some(_) => {
            let diagnostic = Diagnostic::error(Rule::ConfigInvalid, "`preprocessor.kpi` must be a table")
                .with_help("write the settings under a `[preprocessor.kpi]` header");
            findings.push(diagnostic, table.and_then(|t| t.span.as_ref()));
        }
    }
    (config, findings.diagnostics)
}

fn parse_entry(config: &mut Config, entry: &Entry, findings: &mut Findings<'_>) {
    let key = entry.key.as_str();
    let node = &entry.value;
    if matches!(node.kind, Kind::Null) {
        return;
    }
    match key {
        "data" => {
            if let Some((data, encodings)) = data_list(node, findings) {
                config.data = data;
                config.encodings = encodings;
            }
        }
        "locale" => match node.as_str().and_then(Locale::parse) {
            Some(locale) => config.locale = Some(locale),
            None => findings.invalid(key, node, "\"zh-CN\" or \"en\""),
        },
        "year" => match node.kind {
            Kind::Int(year @ 1..=9999) => config.year = i32::try_from(year).ok(),
            _ => findings.invalid(key, node, "a year such as 2023"),
        },
        "templates" => {
            config.templates = non_empty_string(key, node, "a folder path such as \"kpi-templates\"", findings)
        }
        "structure" => {
            config.structure =
                non_empty_string(key, node, "a schema name such as \"year-end-sales\" or a schema file path", findings)
        }
        "on-error" => match node.as_str() {
            Some("fail") => config.on_error = OnError::Fail,
            Some("warn") => config.on_error = OnError::Warn,
            _ => findings.invalid(key, node, "\"fail\" or \"warn\""),
        },
        "precision" => match node.kind {
            Kind::Int(precision @ 0..=10) => config.precision = precision as u32,
            _ => findings.invalid(key, node, "a number of decimals from 0 to 10"),
        },
        "rules" => parse_rules(config, node, findings),
        "punctuation" => match node.as_str() {
            Some("full-width") => config.style.punctuation = Punctuation::FullWidth,
            Some("ascii") => config.style.punctuation = Punctuation::Ascii,
            _ => findings.invalid(key, node, "\"full-width\" or \"ascii\""),
        },
        "points" => match node.as_str() {
            Some("words") => config.style.points = Points::Words,
            Some("pp") => config.style.points = Points::Pp,
            _ => findings.invalid(key, node, "\"words\" or \"pp\""),
        },
        "currency-sign" => match node.as_str() {
            Some("code") => config.style.currency_sign = CurrencySign::Code,
            Some("symbol") => config.style.currency_sign = CurrencySign::Symbol,
            _ => findings.invalid(key, node, "\"code\" or \"symbol\""),
        },
        "report-year" => match node.as_str() {
            Some("first") => config.style.report_year = ReportYear::First,
            Some("every") => config.style.report_year = ReportYear::Every,
            _ => findings.invalid(key, node, "\"first\" or \"every\""),
        },
        "jargon" => config.jargon = string_list(key, node, false, findings),
        _ if MDBOOK_KEYS.contains(&key) => {}
        _ => {
            let mut diagnostic =
                Diagnostic::warning(Rule::ConfigUnknownKey, format!("unknown key `{key}` in [preprocessor.kpi]"));
            if let Some(help) = crate::suggest::help_for(key, KEYS.iter().copied()) {
                diagnostic = diagnostic.with_help(help);
            }
            findings.push(diagnostic, entry.key_span.as_ref());
        }
    }
}

fn non_empty_string(key: &str, node: &Node, expected: &str, findings: &mut Findings<'_>) -> Option<String> {
    match node.as_str() {
        Some(text) if !text.trim().is_empty() => Some(text.to_string()),
        _ => {
            findings.invalid(key, node, expected);
            None
        }
    }
}

/// A string or (when `single_allowed` is false, only) a list of strings.
fn string_list(key: &str, node: &Node, single_allowed: bool, findings: &mut Findings<'_>) -> Option<Vec<String>> {
    let expected = if single_allowed { "a path or a list of paths" } else { "a list of strings" };
    match &node.kind {
        Kind::Str(text) if single_allowed && !text.trim().is_empty() => Some(vec![text.clone()]),
        Kind::Array(items) => {
            let mut list = Vec::with_capacity(items.len());
            for item in items {
                match item.as_str() {
                    Some(text) if !text.trim().is_empty() => list.push(text.to_string()),
                    _ => {
                        findings.invalid(key, item, &format!("{expected} (every item a non-empty string)"));
                        return None;
                    }
                }
            }
            Some(list)
        }
        _ => {
            findings.invalid(key, node, expected);
            None
        }
    }
}

/// `data`: a path, or a list of paths and `{ path = "…", encoding = "gb18030" }` tables.
fn data_list(node: &Node, findings: &mut Findings<'_>) -> Option<(Vec<String>, BTreeMap<String, String>)> {
    let Kind::Array(items) = &node.kind else {
        return string_list("data", node, true, findings).map(|data| (data, BTreeMap::new()));
    };
    const EXPECTED: &str = "a list of paths, or of { path = \"sales.csv\", encoding = \"gb18030\" } tables";
    let mut data = Vec::with_capacity(items.len());
    let mut encodings = BTreeMap::new();
    for item in items {
        match &item.kind {
            Kind::Str(text) if !text.trim().is_empty() => data.push(text.clone()),
            Kind::Table(entries) => {
                let field = |name: &str| entries.iter().find(|e| e.key == name).map(|e| &e.value);
                let Some(path) = field("path").and_then(Node::as_str).filter(|p| !p.trim().is_empty()) else {
                    findings.invalid("data", item, EXPECTED);
                    return None;
                };
                if let Some(unknown) = entries.iter().find(|e| e.key != "path" && e.key != "encoding") {
                    findings.invalid("data", &unknown.value, "a table of `path` and `encoding` only");
                    return None;
                }
                if let Some(label) = field("encoding") {
                    let encoding = label.as_str().and_then(|l| encoding_rs::Encoding::for_label(l.trim().as_bytes()));
                    let Some(encoding) = encoding else {
                        findings.invalid("data", label, "an encoding such as \"gb18030\", \"big5\" or \"utf-8\"");
                        return None;
                    };
                    encodings.insert(path.to_string(), encoding.name().to_string());
                }
                data.push(path.to_string());
            }
            _ => {
                findings.invalid("data", item, EXPECTED);
                return None;
            }
        }
    }
    Some((data, encodings))
}

fn parse_rules(config: &mut Config, node: &Node, findings: &mut Findings<'_>) {
    let Kind::Table(entries) = &node.kind else {
        findings.invalid("rules", node, "a table of rule id = \"off\" | \"warn\" | \"error\"");
        return;
    };
    let rule_ids = || Rule::ALL.iter().filter(|r| r.configurable()).map(|r| r.as_str());
    for entry in entries {
        let id = entry.key.as_str();
        let Some(rule) = Rule::from_id(id) else {
            let mut diagnostic =
                Diagnostic::warning(Rule::ConfigUnknownKey, format!("unknown rule `{id}` in [preprocessor.kpi.rules]"));
            if let Some(help) = crate::suggest::help_for(id, rule_ids()) {
                diagnostic = diagnostic.with_help(help);
            }
            findings.push(diagnostic, entry.key_span.as_ref());
            continue;
        };
        let level = match entry.value.as_str() {
            Some("off") => Level::Off,
            Some("warn" | "warning") => Level::Warn,
            Some("error") => Level::Error,
            _ => {
                findings.invalid(&format!("rules.\"{id}\""), &entry.value, "\"off\", \"warn\" or \"error\"");
                continue;
            }
        };
        if !rule.configurable() {
            let diagnostic = Diagnostic::error(Rule::ConfigInvalid, format!("rule `{id}` cannot be configured"))
                .with_help("only structure-check rules (structure/*, loop/*, smart/*, style/*, narrative/*, data/inconsistent-total, data/stale-figure, data/conflicting-figures) take a level; directive, data and config errors always stand");
            findings.push(diagnostic, entry.key_span.as_ref());
            continue;
        }
        config.rules.insert(rule, level);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_table(json: serde_json::Value) -> serde_json::Map<String, JsonValue> {
        json.as_object().cloned().unwrap()
    }

    fn rules_of(diagnostics: &[Diagnostic]) -> Vec<&str> {
        diagnostics.iter().map(|d| d.rule.as_str()).collect()
    }

    #[test]
    fn defaults_without_a_table() {
        let (config, diagnostics) = Config::from_table(None, None);
        assert!(diagnostics.is_empty());
        assert_eq!(config.data, ["kpi.toml"]);
        assert_eq!(config.locale(), Locale::En);
        assert_eq!(config.on_error, OnError::Fail);
        assert_eq!(config.precision, 1);
    }

    #[test]
    fn locale_follows_the_book_language() {
        for (language, locale) in [
            (Some("zh-CN"), Locale::ZhCn),
            (Some("zh"), Locale::ZhCn),
            (Some("zh-TW"), Locale::ZhCn),
            (Some("en-US"), Locale::En),
            (Some("fr"), Locale::En),
            (None, Locale::En),
        ] {
            let (config, _) = Config::from_table(None, language);
            assert_eq!(config.locale(), locale, "{language:?}");
        }
        let table = json_table(serde_json::json!({"locale": "en"}));
        assert_eq!(Config::from_table(Some(&table), Some("zh-CN")).0.locale(), Locale::En);
    }

    #[test]
    fn reads_every_key() {
        let table = json_table(serde_json::json!({
            "command": "mdbook-kpi", "before": ["links"], "after": [], "renderers": ["html"], "optional": true,
            "data": ["kpi.toml", "data/sales.csv"], "locale": "zh-CN", "year": 2023, "templates": "kpi-templates",
            "structure": "year-end-sales", "on-error": "warn", "precision": 2,
            "rules": {"style/jargon": "off", "smart/no-deadline": "error", "structure/module-order": "warn"},
            "jargon": ["赋能", "synergy"],
            "punctuation": "ascii", "points": "pp", "currency-sign": "symbol", "report-year": "every",
        }));
        let (config, diagnostics) = Config::from_table(Some(&table), None);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(config.data, ["kpi.toml", "data/sales.csv"]);
        assert_eq!(config.locale(), Locale::ZhCn);
        assert_eq!(config.year, Some(2023));
        assert_eq!(config.templates.as_deref(), Some("kpi-templates"));
        assert_eq!(config.structure.as_deref(), Some("year-end-sales"));
        assert_eq!(config.on_error, OnError::Warn);
        assert_eq!(config.precision, 2);
        let style = Style {
            punctuation: Punctuation::Ascii,
            points: Points::Pp,
            currency_sign: CurrencySign::Symbol,
            report_year: ReportYear::Every,
        };
        assert_eq!(config.style, style);
        assert_eq!(config.rules[&Rule::StyleJargon], Level::Off);
        assert_eq!(config.jargon.as_deref(), Some(&["赋能".to_string(), "synergy".to_string()][..]));
        assert_eq!(config.severity(Rule::StyleJargon), None);
        assert_eq!(config.severity(Rule::SmartNoDeadline), Some(Severity::Error));
        assert_eq!(config.severity(Rule::StructureModuleOrder), Some(Severity::Warning));
        assert_eq!(config.severity(Rule::StructureMissingModule), Some(Severity::Error));
    }

    #[test]
    fn data_may_be_one_path() {
        let table = json_table(serde_json::json!({"data": "figures.json"}));
        assert_eq!(Config::from_table(Some(&table), None).0.data, ["figures.json"]);
    }

    #[test]
    fn unknown_keys_warn_with_a_suggestion() {
        let table = json_table(serde_json::json!({"on_error": "warn", "zzzz": 1}));
        let (config, diagnostics) = Config::from_table(Some(&table), None);
        assert_eq!(rules_of(&diagnostics), ["config/unknown-key", "config/unknown-key"]);
        assert_eq!(diagnostics[0].severity, Severity::Warning);
        assert!(diagnostics[0].message.contains("`on_error`"));
        assert_eq!(diagnostics[0].help.as_deref(), Some("did you mean `on-error`?"));
        assert!(diagnostics[1].help.as_deref().unwrap().starts_with("known: `data`"));
        assert_eq!(diagnostics[0].file, "book.toml");
        assert_eq!(config.on_error, OnError::Fail);
    }

    #[test]
    fn wrong_types_are_errors_naming_the_key() {
        let cases = [
            (serde_json::json!({"data": 3}), "preprocessor.kpi.data"),
            (serde_json::json!({"data": ["a", 3]}), "preprocessor.kpi.data"),
            (serde_json::json!({"locale": "fr"}), "preprocessor.kpi.locale"),
            (serde_json::json!({"year": "2023"}), "preprocessor.kpi.year"),
            (serde_json::json!({"year": 2023.5}), "preprocessor.kpi.year"),
            (serde_json::json!({"templates": true}), "preprocessor.kpi.templates"),
            (serde_json::json!({"structure": ""}), "preprocessor.kpi.structure"),
            (serde_json::json!({"on-error": "ignore"}), "preprocessor.kpi.on-error"),
            (serde_json::json!({"precision": -1}), "preprocessor.kpi.precision"),
            (serde_json::json!({"rules": ["style/jargon"]}), "preprocessor.kpi.rules"),
            (serde_json::json!({"rules": {"style/jargon": "loud"}}), "preprocessor.kpi.rules.\"style/jargon\""),
            (serde_json::json!({"jargon": "赋能"}), "preprocessor.kpi.jargon"),
            (serde_json::json!({"punctuation": "fullwidth"}), "preprocessor.kpi.punctuation"),
            (serde_json::json!({"points": "pct"}), "preprocessor.kpi.points"),
            (serde_json::json!({"currency-sign": "¥"}), "preprocessor.kpi.currency-sign"),
        ];
        for (json, key) in cases {
            let table = json_table(json.clone());
            let (config, diagnostics) = Config::from_table(Some(&table), None);
            assert_eq!(rules_of(&diagnostics), ["config/invalid"], "{json}");
            assert_eq!(diagnostics[0].severity, Severity::Error);
            assert!(diagnostics[0].message.contains(&format!("`{key}`")), "{}", diagnostics[0].message);
            assert!(diagnostics[0].help.is_some());
            // A bad value leaves the default in place.
            assert_eq!(config.precision, 1);
            assert_eq!(config.data, ["kpi.toml"]);
        }
    }

    #[test]
    fn rules_are_checked_against_the_catalogue() {
        let table = json_table(serde_json::json!({"rules": {"style/jargom": "off", "kpi/syntax": "off"}}));
        let (config, diagnostics) = Config::from_table(Some(&table), None);
        assert_eq!(rules_of(&diagnostics), ["config/unknown-key", "config/invalid"]);
        assert_eq!(diagnostics[0].help.as_deref(), Some("did you mean `style/jargon`?"));
        assert!(diagnostics[1].message.contains("`kpi/syntax` cannot be configured"));
        assert!(config.rules.is_empty());
        assert_eq!(config.severity(Rule::KpiSyntax), Some(Severity::Error));
    }

    #[test]
    fn levels_apply_to_configurable_rules_only() {
        let table =
            json_table(serde_json::json!({"rules": {"style/jargon": "error", "narrative/bare-numbers": "off"}}));
        let (config, _) = Config::from_table(Some(&table), None);
        let jargon = config.apply_levels(Diagnostic::warning(Rule::StyleJargon, "x")).expect("kept");
        assert_eq!(jargon.severity, Severity::Error);
        assert_eq!(config.apply_levels(Diagnostic::warning(Rule::NarrativeBareNumbers, "x")), None);
        // Silent config: a configurable rule's finding reports at the rule's default.
        let order = config.apply_levels(Diagnostic::error(Rule::StructureModuleOrder, "x")).expect("kept");
        assert_eq!(order.severity, Severity::Warning);
        // A rule that cannot be configured keeps the severity it was reported at (a stray template is a warning).
        let template = config.apply_levels(Diagnostic::warning(Rule::KpiTemplate, "x")).expect("kept");
        assert_eq!(template.severity, Severity::Warning);
        assert_eq!(config.severity(Rule::KpiTemplate), Some(Severity::Error));
    }

    #[test]
    fn reads_a_toml_table() {
        let document: toml::Table =
            toml::from_str("[preprocessor.kpi]\nyear = 2024\nlocale = \"en\"\nbogus = 1\n").unwrap();
        let kpi = document["preprocessor"]["kpi"].as_table();
        let (config, diagnostics) = Config::from_toml(kpi, Some("zh"));
        assert_eq!(config.year, Some(2024));
        assert_eq!(config.locale(), Locale::En);
        assert_eq!(rules_of(&diagnostics), ["config/unknown-key"]);
    }

    #[test]
    fn book_toml_findings_have_positions() {
        let text = "[book]\nlanguage = \"zh-CN\"\n\n[preprocessor.kpi]\n# 注释\nlocal = \"en\"\nprecision = \"两\"\n\n[preprocessor.kpi.rules]\n\"style/jargon\" = \"of\"\n";
        let (config, diagnostics) = Config::from_book_toml(text);
        assert_eq!(config.locale(), Locale::ZhCn);
        let places: Vec<_> = diagnostics.iter().map(|d| (d.rule, d.file.as_str(), d.line, d.column)).collect();
        assert_eq!(
            places,
            [
                (Rule::ConfigUnknownKey, "book.toml", 6, 1),
                (Rule::ConfigInvalid, "book.toml", 7, 13),
                (Rule::ConfigInvalid, "book.toml", 10, 18),
            ]
        );
        assert_eq!(diagnostics[0].help.as_deref(), Some("did you mean `locale`?"));
    }

    #[test]
    fn invalid_book_toml_is_one_error_with_a_position() {
        let (config, diagnostics) = Config::from_book_toml("[book]\ntitle = \"x\n");
        assert_eq!(rules_of(&diagnostics), ["config/invalid"]);
        assert_eq!(diagnostics[0].line, 2);
        assert_eq!(config, Config { locale: Some(Locale::En), ..Config::default() });
    }

    #[test]
    fn a_book_toml_without_the_table_is_fine() {
        let (config, diagnostics) = Config::from_book_toml("[book]\nlanguage = \"en\"\n");
        assert!(diagnostics.is_empty());
        assert_eq!(config.locale(), Locale::En);
        let (_, diagnostics) = Config::from_book_toml("[preprocessor]\nkpi = 3\n");
        assert_eq!(rules_of(&diagnostics), ["config/invalid"]);
        assert_eq!(diagnostics[0].line, 2);
    }
}
