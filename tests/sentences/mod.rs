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
