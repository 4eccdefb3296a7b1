//! SARIF 2.1.0: the output validates against the official OASIS schema (committed under
//! `tests/fixtures/diagnostics/`), and carries what GitHub code scanning reads.

#[path = "fixtures/diagnostics/findings.rs"]
mod findings;

use mdbook_kpi::diagnostics::{Diagnostic, sarif};
use mdbook_kpi::rules::Rule;
use serde_json::{Value, json};

const SCHEMA: &str = include_str!("fixtures/diagnostics/sarif-schema-2.1.0.json");

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema is JSON");
    // Formats (`uri`, `uri-reference`) are checked too; every `$ref` in the schema is local, so nothing is fetched.
    jsonschema::options().should_validate_formats(true).build(&schema).expect("schema compiles")
}

fn schema_errors(log: &Value) -> Vec<String> {
    validator().iter_errors(log).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

fn parse(output: &str) -> Value {
    assert!(output.ends_with("}\n"), "ends with a newline");
    serde_json::from_str(output).expect("SARIF output is JSON")
}

#[test]
fn sarif_output_matches_snapshot() {
    let mut log = parse(&sarif::render(&findings::findings()));
    // The tool version follows Cargo.toml; keep the snapshot stable across releases.
    assert_eq!(log["runs"][0]["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    log["runs"][0]["tool"]["driver"]["version"] = json!("[version]");
    insta::assert_json_snapshot!(log);
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let log = parse(&sarif::render(&findings::findings()));
    assert_eq!(schema_errors(&log), Vec::<String>::new());
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["$schema"], sarif::SCHEMA_URI);
}

#[test]
fn odd_findings_still_validate() {
    let mut backwards = Diagnostic::warning(Rule::StyleJargon, "end before start").in_file("src/a b/章 1.md");
    (backwards.line, backwards.column, backwards.end_line, backwards.end_column) = (5, 9, 4, 2);
    let mut line_only = Diagnostic::error(Rule::KpiSyntax, "line only").in_file("src/x.md");
    line_only.line = 3;
    let findings =
        vec![Diagnostic::error(Rule::ConfigInvalid, "no file at all").with_help("fix book.toml"), backwards, line_only];
    let log = parse(&sarif::render(&findings));
    assert_eq!(schema_errors(&log), Vec::<String>::new());
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(results[0].get("locations").is_none(), "a finding without a file has no location");
    let ids: Vec<&str> = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, ["kpi/syntax", "config/invalid", "style/jargon"], "registry order");
    assert_eq!(results[1]["ruleIndex"], 2);
    let region = &results[1]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region, &json!({ "startLine": 5, "startColumn": 9 }), "an end before the start is dropped");
    assert_eq!(results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "src/a%20b/%E7%AB%A0%201.md");
    assert_eq!(results[2]["locations"][0]["physicalLocation"]["region"], json!({ "startLine": 3 }));
    assert_eq!(schema_errors(&parse(&sarif::render(&[]))), Vec::<String>::new());
}

#[test]
fn the_validator_rejects_what_sarif_forbids() {
    // Guards against a validator that accepts everything.
    let mut log = parse(&sarif::render(&findings::findings()));
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = json!(0);
    assert!(!schema_errors(&log).is_empty(), "startLine 0 is invalid");
    let mut log = parse(&sarif::render(&findings::findings()));
    log["runs"][0]["results"][0]["level"] = json!("fatal");
    assert!(!schema_errors(&log).is_empty(), "unknown level is invalid");
    let mut log = parse(&sarif::render(&findings::findings()));
    log["runs"][0]["tool"]["driver"]["informationUri"] = json!("not a uri");
    assert!(!schema_errors(&log).is_empty(), "informationUri must be a URI");
}

#[test]
fn driver_lists_the_rules_that_fired_in_registry_order() {
    let findings = findings::findings();
    let log = parse(&sarif::render(&findings));
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "mdbook-kpi");
    assert!(driver["informationUri"].as_str().is_some_and(|uri| uri.starts_with("https://")));
    let ids: Vec<&str> = driver["rules"].as_array().expect("rules").iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, ["kpi/unknown-metric", "data/bad-value", "structure/missing-module", "style/jargon"]);
    for rule in driver["rules"].as_array().expect("rules") {
        let id = rule["id"].as_str().expect("id");
        let registered = Rule::from_id(id).expect("a registered rule");
        assert_eq!(rule["shortDescription"]["text"], registered.description());
        assert!(rule["fullDescription"]["text"].as_str().expect("full").starts_with(registered.description()));
        assert!(rule["help"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        assert_eq!(rule["defaultConfiguration"]["level"], registered.default_severity().as_str());
        assert!(rule["name"].as_str().is_some_and(|n| n.chars().all(char::is_alphanumeric)));
    }
}

#[test]
fn results_point_at_their_rule_and_region() {
    let findings = findings::findings();
    let log = parse(&sarif::render(&findings));
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().expect("rules").clone();
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), findings.len());
    assert_eq!(log["runs"][0]["columnKind"], "unicodeCodePoints");
    for (finding, result) in findings.iter().zip(results) {
        assert_eq!(result["ruleId"], finding.rule.as_str());
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], finding.rule.as_str());
        assert_eq!(result["level"], finding.severity.as_str());
        let text = result["message"]["text"].as_str().expect("text");
        assert!(text.starts_with(&finding.message));
        if let Some(help) = &finding.help {
            assert!(text.ends_with(&format!("\nhelp: {help}")), "{text}");
        }
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(location["artifactLocation"]["uri"], sarif::file_uri(&finding.file));
    }
    let region = &results[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region, &json!({ "startLine": 4, "startColumn": 12, "endLine": 4, "endColumn": 18 }));
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "src/%E4%B8%9A%E7%BB%A9%E5%9B%9E%E9%A1%BE.md"
    );
    assert!(results[3]["locations"][0]["physicalLocation"].get("region").is_none(), "file-level finding has no region");
}

#[test]
fn fingerprints_are_stable_and_tell_duplicates_apart() {
    let findings = findings::findings();
    let first = parse(&sarif::render(&findings));
    let again = parse(&sarif::render(&findings));
    let prints = |log: &Value| -> Vec<String> {
        log["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["partialFingerprints"][sarif::FINGERPRINT_KEY].as_str().expect("fingerprint").to_string())
            .collect()
    };
    assert_eq!(prints(&first), prints(&again));
    let mut twice = vec![findings[1].clone(), findings[1].clone()];
    twice[1].line = 40;
    let prints = prints(&parse(&sarif::render(&twice)));
    assert_ne!(prints[0], prints[1]);
    assert_eq!(prints[0].split(':').next(), prints[1].split(':').next(), "same hash, different occurrence");
}
