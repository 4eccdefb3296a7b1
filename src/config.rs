//! `[preprocessor.kpi]` in book.toml (SPEC 2).

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
    pub rules: BTreeMap<String, Level>,
    /// Replaces the built-in `style/jargon` word list when given.
    pub jargon: Option<Vec<String>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data: vec!["kpi.toml".into()],
            locale: None,
            year: None,
            templates: None,
            structure: None,
            on_error: OnError::Fail,
            precision: 1,
            rules: BTreeMap::new(),
            jargon: None,
        }
    }
}
