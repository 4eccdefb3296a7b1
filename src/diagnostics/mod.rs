//! The finding type every stage reports, and one renderer per output format.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::rules::Rule;
use crate::source::{LineIndex, Position};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One finding: its rule (printed as its id, `kpi/unknown-metric`), where it is and how to fix it.
///
/// `file` is relative to the book root with `/` separators (a chapter's `source_path` under `src/`, or a data
/// file such as `kpi.toml`); empty when the finding belongs to no file. Lines and columns are 1-based and count
/// characters; 0 means "no position" (a finding about a whole file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub rule: Rule,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    /// The help for a Chinese book, where the code that found the problem does not know the book's language
    /// (data files are read before it is known); [`Diagnostic::in_locale`] picks it. Never printed as such.
    #[serde(skip)]
    pub help_zh: Option<String>,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Diagnostic {
    pub fn new(rule: Rule, severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity,
            message: message.into(),
            help: None,
            help_zh: None,
            file: String::new(),
            line: 0,
            column: 0,
            end_line: 0,
            end_column: 0,
        }
    }

    pub fn error(rule: Rule, message: impl Into<String>) -> Self {
        Self::new(rule, Severity::Error, message)
    }

    pub fn warning(rule: Rule, message: impl Into<String>) -> Self {
        Self::new(rule, Severity::Warning, message)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_help_zh(mut self, help: impl Into<String>) -> Self {
        self.help_zh = Some(help.into());
        self
    }

    /// The finding with its help in the book's language: the Chinese help, where one is written, for a Chinese
    /// book.
    pub fn in_locale(mut self, locale: crate::config::Locale) -> Self {
        let help_zh = self.help_zh.take();
        if locale == crate::config::Locale::ZhCn && help_zh.is_some() {
            self.help = help_zh;
        }
        self
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = file.into();
        self
    }

    pub fn at(mut self, start: Position, end: Position) -> Self {
        self.line = start.line;
        self.column = start.column;
        self.end_line = end.line;
        self.end_column = end.column;
        self
    }

    /// Places the finding at a byte range of a text.
    pub fn at_span(self, index: &LineIndex<'_>, span: std::ops::Range<usize>) -> Self {
        self.at(index.position(span.start), index.position(span.end))
    }
}

/// Orders findings by file, position and rule id so that every output is deterministic.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.rule.as_str(), &a.message).cmp(&(
            &b.file,
            b.line,
            b.column,
            b.rule.as_str(),
            &b.message,
        ))
    });
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
}

pub fn summarize(diagnostics: &[Diagnostic]) -> Summary {
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    Summary { errors, warnings: diagnostics.len() - errors }
}

/// The text of the files findings point into, keyed like [`Diagnostic::file`], so that renderers can quote the
/// source line.
pub type Sources = BTreeMap<String, String>;

/// Output formats of `mdbook-kpi check --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
    Sarif,
}

pub fn render(format: Format, diagnostics: &[Diagnostic], sources: &Sources) -> String {
    match format {
        Format::Human => human::render(diagnostics, sources),
        Format::Json => json::render(diagnostics),
        Format::Github => github::render(diagnostics),
        Format::Sarif => sarif::render(diagnostics),
    }
}
