//! The sentence cases of tests/fixtures/sentences.toml: each directive and the text it must expand to. Shared by
//! the narration tests and the tests with the real mdBook binaries.

#![allow(dead_code)] // each test crate that includes this module uses part of it

use std::sync::LazyLock;

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    reference: Vec<Reference>,
    case: Vec<Case>,
}

/// A directive body over the reference data and what it gives in a zh-CN book and in an en book.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reference {
    directive: String,
    #[serde(rename = "zh-CN")]
    zh_cn: String,
    en: String,
}

/// A directive body in a book of `locale` (`zh-CN` or `en`) and the text it must give.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub directive: String,
    pub locale: String,
    pub expected: String,
    /// `[preprocessor.kpi]` style keys the book sets (`punctuation`, `points`, `currency-sign`), as written there.
    #[serde(default)]
    pub punctuation: Option<String>,
    #[serde(default)]
    pub points: Option<String>,
    #[serde(default, rename = "currency-sign")]
    pub currency_sign: Option<String>,
}

static FILE: LazyLock<File> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sentences.toml");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
});

/// The reference rows as (directive body, zh-CN, en), in the file's order.
pub static REFERENCE_ROWS: LazyLock<Vec<(&'static str, &'static str, &'static str)>> = LazyLock::new(|| {
    let rows: Vec<(&str, &str, &str)> =
        FILE.reference.iter().map(|r| (r.directive.as_str(), r.zh_cn.as_str(), r.en.as_str())).collect();
    assert!(!rows.is_empty(), "tests/fixtures/sentences.toml has no [[reference]] rows");
    rows
});

/// The other cases, in the file's order.
pub fn cases() -> &'static [Case] {
    &FILE.case
}

/// The reference rows and cases as they were worded before (tests/fixtures/sentences_previous.toml), to hold the
/// figures of the rewording: (directive body, locale, text).
pub fn previous() -> Vec<(String, String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sentences_previous.toml");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let file: File = toml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut rows = Vec::new();
    for row in file.reference {
        rows.push((row.directive.clone(), "zh-CN".to_string(), row.zh_cn));
        rows.push((row.directive, "en".to_string(), row.en));
    }
    rows.extend(file.case.into_iter().map(|case| (case.directive, case.locale, case.expected)));
    rows
}
