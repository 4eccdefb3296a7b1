//! The guide's rules page (`docs/src/rules.md`) is generated from the rule registry and must not drift from it.
//! After changing a rule in src/rules.rs, regenerate the page with
//! `UPDATE_DOCS=1 cargo test --test check_registry`.

use std::path::PathBuf;

use mdbook_kpi::config::Config;
use mdbook_kpi::rules::{self, Rule};

fn page_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/src/rules.md")
}

#[test]
fn the_rules_page_is_generated_from_the_registry() {
    let generated = rules::markdown_page();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(page_path(), &generated).expect("write docs/src/rules.md");
        return;
    }
    let committed = std::fs::read_to_string(page_path()).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/src/rules.md differs from the rule registry in src/rules.rs; \
         regenerate it with `UPDATE_DOCS=1 cargo test --test check_registry`"
    );
}

/// Read back from the committed page, not from the generator: every rule has one row with its id, default level
/// and whether it can be configured, in registry order.
#[test]
fn the_rules_page_has_one_row_per_rule() {
    // Under UPDATE_DOCS the other test may be rewriting the file right now.
    let page = if std::env::var_os("UPDATE_DOCS").is_some() {
        rules::markdown_page()
    } else {
        std::fs::read_to_string(page_path()).expect("docs/src/rules.md")
    };
    assert!(page.starts_with("# Rules\n"), "a title heading");
    let rows: Vec<Vec<&str>> = page
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| line.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    assert_eq!(rows.len(), Rule::ALL.len());
    for (row, rule) in rows.iter().zip(Rule::ALL) {
        assert_eq!(row.len(), 5, "{row:?}");
        assert_eq!(row[0], format!("`{rule}`"));
        assert_eq!(row[1], rule.default_severity().as_str());
        assert_eq!(row[2], if rule.configurable() { "yes" } else { "no" });
        assert_eq!(row[3], rule.description());
        assert_eq!(row[4], rule.help());
    }
}

/// `[preprocessor.kpi.rules]` takes exactly the rules the registry marks configurable, under their ids.
#[test]
fn the_config_accepts_exactly_the_configurable_rules() {
    for rule in Rule::ALL {
        let mut rules_table = toml::Table::new();
        rules_table.insert(rule.as_str().into(), "off".into());
        let mut table = toml::Table::new();
        table.insert("rules".into(), rules_table.into());
        let (config, findings) = Config::from_toml(Some(&table), None);
        if rule.configurable() {
            assert!(findings.is_empty(), "{rule}: {findings:?}");
            assert_eq!(config.severity(*rule), None, "{rule} is off");
        } else {
            let found: Vec<_> = findings.iter().map(|d| d.rule).collect();
            assert_eq!(found, [Rule::ConfigInvalid], "{rule} cannot be configured");
            assert_eq!(config.severity(*rule), Some(rule.default_severity()));
        }
    }
}
