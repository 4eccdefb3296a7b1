//! The JSON format of docs/src/cli.md: snapshot, exact shape (field names and order), and a round trip.

#[path = "fixtures/diagnostics/findings.rs"]
mod findings;

use mdbook_kpi::diagnostics::{Severity, json};
use mdbook_kpi::rules::Rule;
use serde_json::Value;

const FINDING_FIELDS: [&str; 9] =
    ["rule", "severity", "message", "help", "file", "line", "column", "end_line", "end_column"];

#[test]
fn json_output_matches_snapshot() {
    insta::assert_snapshot!(json::render(&findings::findings()));
}

#[test]
fn json_has_exactly_the_fields_of_spec_7_in_order() {
    let output = json::render(&findings::findings());
    assert!(output.ends_with("}\n"), "ends with a newline");
    let doc: Value = serde_json::from_str(&output).expect("valid JSON");
    let top: Vec<&str> = doc.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(top, ["version", "diagnostics", "summary"]);
    assert_eq!(doc["version"], 1);
    let summary: Vec<&str> = doc["summary"].as_object().expect("summary").keys().map(String::as_str).collect();
    assert_eq!(summary, ["errors", "warnings"]);
    assert_eq!(doc["summary"]["errors"], 3);
    assert_eq!(doc["summary"]["warnings"], 2);
    for finding in doc["diagnostics"].as_array().expect("array") {
        let keys: Vec<&str> = finding.as_object().expect("finding").keys().map(String::as_str).collect();
        assert_eq!(keys, FINDING_FIELDS);
        assert!(["error", "warning"].contains(&finding["severity"].as_str().expect("severity string")));
        for number in ["line", "column", "end_line", "end_column"] {
            assert!(finding[number].is_u64(), "{number} is a non-negative integer");
        }
        assert!(finding["help"].is_string() || finding["help"].is_null());
    }
}

#[test]
fn json_round_trips_every_finding() {
    let findings = findings::findings();
    let doc: Value = serde_json::from_str(&json::render(&findings)).expect("valid JSON");
    let parsed = doc["diagnostics"].as_array().expect("array");
    assert_eq!(parsed.len(), findings.len());
    for (finding, parsed) in findings.iter().zip(parsed) {
        assert_eq!(parsed["rule"], finding.rule.as_str());
        let severity = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        assert_eq!(parsed["severity"], severity);
        assert_eq!(parsed["message"], finding.message.as_str());
        assert_eq!(parsed["help"].as_str(), finding.help.as_deref());
        assert_eq!(parsed["file"], finding.file.as_str());
        assert_eq!(parsed["line"], finding.line);
        assert_eq!(parsed["column"], finding.column);
        assert_eq!(parsed["end_line"], finding.end_line);
        assert_eq!(parsed["end_column"], finding.end_column);
    }
}

#[test]
fn help_is_null_when_absent_and_empty_input_is_a_valid_document() {
    let finding = mdbook_kpi::diagnostics::Diagnostic::warning(Rule::StyleJargon, "empty word");
    let doc: Value = serde_json::from_str(&json::render(&[finding])).expect("valid JSON");
    assert!(doc["diagnostics"][0]["help"].is_null());
    assert_eq!(
        json::render(&[]),
        "{\n  \"version\": 1,\n  \"diagnostics\": [],\n  \"summary\": {\n    \"errors\": 0,\n    \"warnings\": 0\n  }\n}\n"
    );
}
