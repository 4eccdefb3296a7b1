//! SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`): one run whose driver lists the rules
//! that fired (from the registry in [`crate::rules`]) and one result per finding. Validated in the tests against
//! the OASIS schema in `tests/fixtures/diagnostics/sarif-schema-2.1.0.json`.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::{Diagnostic, Severity};
use crate::rules::Rule;

pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
pub const TOOL_NAME: &str = "mdbook-kpi";
/// The key under `partialFingerprints`; the `/v1` lets a later change of the hash coexist with old alerts.
pub const FINGERPRINT_KEY: &str = "mdbookKpiFinding/v1";

pub fn render(diagnostics: &[Diagnostic]) -> String {
    // A tree of strings and integers: serde_json cannot fail on it.
    let mut out = serde_json::to_string_pretty(&log(diagnostics)).unwrap_or_default();
    out.push('\n');
    out
}

/// The SARIF log as a JSON value.
pub fn log(diagnostics: &[Diagnostic]) -> Value {
    let rules = rules_in_use(diagnostics);
    let mut occurrences: HashMap<String, usize> = HashMap::new();
    let mut results = Vec::with_capacity(diagnostics.len());
    for d in diagnostics {
        // Identical findings (same rule, file and message) are told apart by their order, as GitHub does.
        let hash = fingerprint(d);
        let occurrence = occurrences.entry(hash.clone()).or_default();
        *occurrence += 1;
        results.push(result(d, &rules, &format!("{hash}:{occurrence}")));
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": TOOL_NAME,
                    "informationUri": information_uri(),
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules.iter().map(|rule| reporting_descriptor(*rule)).collect::<Vec<_>>(),
                }
            },
            // Our columns count Unicode scalar values (SARIF's default would be UTF-16 code units).
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn information_uri() -> &'static str {
    match (env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")) {
        (repository, _) if !repository.is_empty() => repository,
        (_, homepage) if !homepage.is_empty() => homepage,
        _ => "https://crates.io/crates/mdbook-kpi",
    }
}

/// The rules the findings use, in registry order.
fn rules_in_use(diagnostics: &[Diagnostic]) -> Vec<Rule> {
    Rule::ALL.iter().copied().filter(|rule| diagnostics.iter().any(|d| d.rule == *rule)).collect()
}

fn reporting_descriptor(rule: Rule) -> Value {
    let rule = rule.info();
    let configuration = if rule.configurable {
        format!(
            "Change its severity or turn it off in book.toml: \
             [preprocessor.kpi.rules] \"{}\" = \"off\" | \"warn\" | \"error\".",
            rule.id
        )
    } else {
        "Its severity is fixed.".to_string()
    };
    let full = format!("{} Default severity: {}. {configuration}", rule.description, rule.default.as_str());
    // The registry's general advice; each result's message adds the hint for its own case.
    let help = rule.help;
    json!({
        "id": rule.id,
        "name": rule_name(rule.id),
        "shortDescription": { "text": rule.description },
        "fullDescription": { "text": full },
        "help": { "text": help },
        "defaultConfiguration": { "level": level(rule.default) },
        "properties": { "tags": [category(rule.id)] },
    })
}

/// `kpi/unknown-metric` → `KpiUnknownMetric`: SARIF's `name` is an identifier-like form of the rule.
fn rule_name(id: &str) -> String {
    id.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|first| first.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

fn category(id: &str) -> &str {
    id.split('/').next().unwrap_or(id)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn result(d: &Diagnostic, rules: &[Rule], fingerprint: &str) -> Value {
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let mut result = Map::new();
    result.insert("ruleId".into(), json!(d.rule));
    if let Some(index) = rules.iter().position(|rule| *rule == d.rule) {
        result.insert("ruleIndex".into(), json!(index));
    }
    result.insert("level".into(), json!(level(d.severity)));
    result.insert("message".into(), json!({ "text": text }));
    if !d.file.is_empty() {
        result.insert("locations".into(), json!([location(d)]));
    }
    result.insert("partialFingerprints".into(), json!({ FINGERPRINT_KEY: fingerprint }));
    Value::Object(result)
}

fn location(d: &Diagnostic) -> Value {
    let mut physical = Map::new();
    physical.insert("artifactLocation".into(), json!({ "uri": file_uri(&d.file), "uriBaseId": "%SRCROOT%" }));
    if let Some(region) = region(d) {
        physical.insert("region".into(), region);
    }
    json!({ "physicalLocation": physical })
}

/// The region, leaving out every field that is 0 (SARIF requires ≥ 1) and an end that lies before the start.
fn region(d: &Diagnostic) -> Option<Value> {
    if d.line == 0 {
        return None;
    }
    let mut region = Map::new();
    region.insert("startLine".into(), json!(d.line));
    if d.column != 0 {
        region.insert("startColumn".into(), json!(d.column));
    }
    let end_is_after_start = d.end_line > d.line || (d.end_line == d.line && d.end_column >= d.column);
    if d.end_line != 0 && end_is_after_start {
        region.insert("endLine".into(), json!(d.end_line));
        if d.end_column != 0 && d.column != 0 {
            region.insert("endColumn".into(), json!(d.end_column));
        }
    }
    Some(Value::Object(region))
}

/// A relative path as a URI reference: `/` stays, unreserved ASCII stays, everything else (spaces, `%`, CJK
/// file names) is percent-encoded as UTF-8.
pub fn file_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.replace('\\', "/").bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A hash of rule, file and message that stays the same when lines move, so code scanning can follow an alert
/// across commits. FNV-1a 64 because std's hasher is not guaranteed stable between Rust releases.
pub fn fingerprint(d: &Diagnostic) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [d.rule.as_str(), &d.file, &d.message] {
        for &byte in part.as_bytes().iter().chain(&[0u8]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_camel_cased_ids() {
        assert_eq!(rule_name("kpi/unknown-metric"), "KpiUnknownMetric");
        assert_eq!(rule_name("style/jargon"), "StyleJargon");
    }

    #[test]
    fn file_uris_are_percent_encoded() {
        assert_eq!(file_uri("src/ch 1.md"), "src/ch%201.md");
        assert_eq!(file_uri("src/营收.md"), "src/%E8%90%A5%E6%94%B6.md");
        assert_eq!(file_uri("src/100%.md"), "src/100%25.md");
    }

    #[test]
    fn fingerprints_ignore_position_but_not_message() {
        let a = Diagnostic::error(Rule::KpiSyntax, "bad").in_file("a.md");
        let mut moved = a.clone();
        moved.line = 9;
        assert_eq!(fingerprint(&a), fingerprint(&moved));
        assert_ne!(fingerprint(&a), fingerprint(&Diagnostic::error(Rule::KpiSyntax, "worse").in_file("a.md")));
        assert_eq!(fingerprint(&a).len(), 16);
    }
}
