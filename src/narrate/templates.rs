//! The sentence templates: built-in Handlebars templates per locale, overridable from the book's `templates`
//! folder (`kpi-templates/zh-CN/period.hbs`), rendered in strict mode with data text escaped.

use std::path::Path;

use std::collections::BTreeMap;
use std::sync::Mutex;

use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderError, RenderErrorReason, TemplateError,
    TemplateErrorReason,
};

use crate::config::{Locale, Punctuation};
use crate::diagnostics::Diagnostic;
use crate::narrate::labels::join_cjk;
use crate::rules::Rule;

/// Every sentence kind, in the order the guide lists them (docs/src/templates.md).
pub const KINDS: &[&str] = &[
    "value",
    "period",
    "target",
    "standard",
    "member",
    "share",
    "trend",
    "breakdown",
    "drivers",
    "delta",
    "change",
    "ratio",
];

const LOCALES: [Locale; 2] = [Locale::ZhCn, Locale::En];

macro_rules! builtin {
    ($locale:literal) => {
        [
            ("value", include_str!(concat!("templates/", $locale, "/value.hbs"))),
            ("period", include_str!(concat!("templates/", $locale, "/period.hbs"))),
            ("target", include_str!(concat!("templates/", $locale, "/target.hbs"))),
            ("standard", include_str!(concat!("templates/", $locale, "/standard.hbs"))),
            ("member", include_str!(concat!("templates/", $locale, "/member.hbs"))),
            ("share", include_str!(concat!("templates/", $locale, "/share.hbs"))),
            ("trend", include_str!(concat!("templates/", $locale, "/trend.hbs"))),
            ("breakdown", include_str!(concat!("templates/", $locale, "/breakdown.hbs"))),
            ("drivers", include_str!(concat!("templates/", $locale, "/drivers.hbs"))),
            ("delta", include_str!(concat!("templates/", $locale, "/delta.hbs"))),
            ("change", include_str!(concat!("templates/", $locale, "/change.hbs"))),
            ("ratio", include_str!(concat!("templates/", $locale, "/ratio.hbs"))),
        ]
    };
}

/// The built-in template text of a kind in a locale.
pub fn builtin(locale: Locale, kind: &str) -> Option<&'static str> {
    let table: [(&str, &str); 12] = match locale {
        Locale::ZhCn => builtin!("zh-CN"),
        Locale::En => builtin!("en"),
    };
    table.iter().find(|(k, _)| *k == kind).map(|(_, text)| *text)
}

/// The full-width marks of the built-in Chinese templates and their ASCII forms, for `punctuation = "ascii"`.
pub const ASCII_MARKS: [(char, char); 5] = [('，', ','), ('（', '('), ('）', ')'), ('：', ':'), ('；', ';')];

/// A built-in Chinese template's text with its full-width marks written the ASCII way.
fn ascii_marks(text: &str) -> String {
    text.chars().map(|ch| ASCII_MARKS.iter().find(|(wide, _)| *wide == ch).map_or(ch, |(_, ascii)| *ascii)).collect()
}

/// The registry name of the ASCII-punctuated form of a built-in template.
fn ascii_name(name: &str) -> String {
    format!("{name}@ascii")
}

/// Escapes text from data files for HTML and Markdown (it lands in text, never in an attribute): entities for `<>&`, a backslash before Markdown's
/// punctuation, so a label like `<script>` or `[x](y)` shows as written and does nothing.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// [`escape_text`] of a text made here (a formatted figure, a heading): handed back as it is, without a copy,
/// when nothing in it needs escaping (a figure seldom does).
pub fn escape_owned(text: String) -> String {
    if text.bytes().any(|byte| ESCAPED[usize::from(byte)]) { escape_text(&text) } else { text }
}

/// The bytes [`escape_of`] escapes, as a table made from it: most bytes of a text are looked up here and
/// passed over.
const ESCAPED: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = escape_of(byte as u8).is_some();
        byte += 1;
    }
    table
};

/// What [`escape_text`] writes for a byte, when it is one it escapes (all of them ASCII).
const fn escape_of(byte: u8) -> Option<&'static str> {
    Some(match byte {
        b'<' => "&lt;",
        b'>' => "&gt;",
        b'&' => "&amp;",
        b'\\' => "\\\\",
        b'`' => "\\`",
        b'*' => "\\*",
        b'_' => "\\_",
        b'[' => "\\[",
        b']' => "\\]",
        b'|' => "\\|",
        b'~' => "\\~",
        b'#' => "\\#",
        b'$' => "\\$",
        b'{' => "\\{",
        b'}' => "\\}",
        b'\n' | b'\r' => " ",
        _ => return None,
    })
}

/// [`escape_text`], appending to `out`. Every character it escapes is ASCII, and an ASCII byte in UTF-8 is
/// always a character of its own: the text is searched byte by byte and copied a run at a time between the
/// bytes it escapes ([`escape_char_by_char`] is the plain path it is held to in the tests).
pub fn escape_into(out: &mut String, text: &str) {
    let mut copied = 0;
    for (at, byte) in text.bytes().enumerate() {
        if !ESCAPED[usize::from(byte)] {
            continue;
        }
        let escaped = escape_of(byte).unwrap_or_default();
        out.push_str(&text[copied..at]);
        out.push_str(escaped);
        copied = at + 1;
    }
    out.push_str(&text[copied..]);
}

/// [`escape_into`] a character at a time: the plain path.
#[cfg(test)]
fn escape_char_by_char(out: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '$' | '{' | '}' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(ch),
        }
    }
}

/// The registry: one template per (locale, kind), named `zh-CN/period`.
pub struct Templates {
    /// The book's own registry: the built-in templates plus its overrides. `None` while the book overrides
    /// nothing: then the shared built-in registry serves, compiled only when a sentence first needs Handlebars
    /// (the built-in sentences are mostly written natively, and compiling every template cost a run several
    /// milliseconds).
    own: Option<Handlebars<'static>>,
    /// Templates (`zh-CN/period`) the book overrides; the others are written by [`super::native`].
    overridden: Vec<String>,
    /// Whether built-in templates may be written natively (off only to compare the two in tests).
    native: bool,
    /// The book's template files by template name (`zh-CN/period` → `kpi-templates/zh-CN/period.hbs`), with
    /// their text (for quoting in findings).
    files: BTreeMap<String, (String, String)>,
    /// Templates of the book that do not compile (reported once, by [`Templates::with_overrides`]).
    broken: Vec<String>,
    /// Errors in rendering a book's template, each once at its file.
    reported: Mutex<Vec<Diagnostic>>,
}

/// What a directive's failure says when the template it needs is broken: the error is reported once at the
/// template's file, not at each directive ([`Templates::findings`]).
pub const REPORTED_AT_TEMPLATE: &str = "the sentence template has an error (reported at its file)";

/// The helpers a template may call: Handlebars' own and this tool's.
const HELPERS: &[&str] = &[
    "if", "unless", "each", "with", "lookup", "raw", "log", "eq", "ne", "gt", "gte", "lt", "lte", "and", "or", "not",
    "len", "join", "choose",
];

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Templates")
    }
}

impl Templates {
    /// The built-in templates, compiled once per process and only when first rendered.
    fn builtin_registry() -> &'static Handlebars<'static> {
        static BUILTIN: std::sync::OnceLock<Handlebars<'static>> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| {
            let mut registry = Self::registry();
            for locale in LOCALES {
                for kind in KINDS {
                    let text = builtin(locale, kind).unwrap_or_default();
                    let name = format!("{}/{kind}", locale.id());
                    registry
                        .register_template_string(&name, text)
                        .unwrap_or_else(|e| panic!("built-in template {name} is broken: {e}"));
                    if locale == Locale::ZhCn {
                        registry
                            .register_template_string(&ascii_name(&name), ascii_marks(text))
                            .unwrap_or_else(|e| panic!("built-in template {name} (ASCII) is broken: {e}"));
                    }
                }
            }
            registry
        })
    }

    /// The built-in templates only.
    pub fn builtin() -> Templates {
        Templates {
            own: None,
            overridden: Vec::new(),
            native: true,
            files: BTreeMap::new(),
            broken: Vec::new(),
            reported: Mutex::default(),
        }
    }

    /// The built-in templates, always rendered through Handlebars (to test the native path against).
    #[doc(hidden)]
    pub fn builtin_handlebars_only() -> Templates {
        Templates { native: false, ..Self::builtin() }
    }

    /// Whether the sentence of `kind` in `locale` is the built-in one, written natively.
    pub fn is_native(&self, locale: Locale, kind: &str) -> bool {
        let overrides =
            |name: &String| name.strip_prefix(locale.id()).and_then(|rest| rest.strip_prefix('/')) == Some(kind);
        self.native && !self.overridden.iter().any(overrides)
    }

    /// The built-in templates with the book's overrides from `dir` (`dir/zh-CN/period.hbs`; `display_dir` is how
    /// diagnostics name it). An unknown file name is a warning; a template that does not compile is an error.
    pub fn with_overrides(dir: &Path, display_dir: &str) -> (Templates, Vec<Diagnostic>) {
        let mut templates = Self::builtin();
        let mut findings = Vec::new();
        // The folder was checked against the book root, but a locale folder or a file inside it may be a symlink
        // that leads out of it: every file must resolve inside the folder.
        let Ok(dir) = dir.canonicalize() else { return (templates, findings) };
        for locale in LOCALES {
            let locale_dir = dir.join(locale.id());
            let Ok(entries) = std::fs::read_dir(&locale_dir) else { continue };
            let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for path in paths {
                let Some(kind) = path.extension().filter(|e| *e == "hbs").and(path.file_stem()) else { continue };
                let kind = kind.to_string_lossy();
                let file = format!("{display_dir}/{}/{kind}.hbs", locale.id());
                if !KINDS.contains(&kind.as_ref()) {
                    let help = crate::suggest::help_for(&kind, KINDS.iter().copied())
                        .unwrap_or_else(|| "rename the file after a sentence kind".into());
                    findings.push(
                        Diagnostic::warning(Rule::KpiTemplate, format!("`{file}` overrides no sentence kind"))
                            .with_help(help)
                            .in_file(file),
                    );
                    continue;
                }
                if !path.canonicalize().is_ok_and(|resolved| resolved.starts_with(&dir)) {
                    findings.push(
                        Diagnostic::error(Rule::DataPath, format!("`{file}` resolves outside the templates folder"))
                            .with_help("keep templates inside the book folder (symlinks are followed)")
                            .in_file(file),
                    );
                    continue;
                }
                if let Err(finding) = templates.register_file(&path, &format!("{}/{kind}", locale.id()), &file) {
                    findings.push(finding);
                }
            }
        }
        (templates, findings)
    }

    fn register_file(&mut self, path: &Path, name: &str, file: &str) -> Result<(), Diagnostic> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Diagnostic::error(Rule::KpiTemplate, format!("cannot read `{file}`: {e}")).in_file(file))?;
        // Even a template that fails to compile is no longer the built-in one.
        self.overridden.push(name.to_string());
        self.files.insert(name.to_string(), (file.to_string(), text.clone()));
        let registry = self.own.get_or_insert_with(|| Self::builtin_registry().clone());
        registry.register_template_string(name, &text).map_err(|e| {
            self.broken.push(name.to_string());
            let (message, (line, column)) = explain_compile_error(&e, &text);
            Diagnostic::error(Rule::KpiTemplate, format!("template `{file}` does not compile: {message}"))
                .with_help("see Templates in the mdbook-kpi guide for the syntax and the context fields")
                .with_help_zh("模板的写法和可用字段见mdbook-kpi指南的“Templates”一章")
                .in_file(file)
                .at(crate::source::Position { line, column }, crate::source::Position { line, column })
        })
    }

    /// Errors found rendering the book's templates, each once at its file.
    pub fn findings(&self) -> Vec<Diagnostic> {
        self.reported.lock().map(|found| found.clone()).unwrap_or_default()
    }

    /// The book's template files and their text, for quoting in findings.
    pub fn sources(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.values().map(|(file, text)| (file.as_str(), text.as_str()))
    }

    fn registry() -> Handlebars<'static> {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        registry.register_escape_fn(escape_text);
        registry.register_helper("join", Box::new(join_helper));
        registry.register_helper("choose", Box::new(choose_helper));
        registry.register_helper("capitalize", Box::new(capitalize_helper));
        registry.register_helper("possessive", Box::new(possessive_helper));
        registry
    }

    /// Renders the template of `kind` in `locale` with a context; the result is one line without a final newline.
    /// A built-in Chinese template is written with ASCII marks under `punctuation = "ascii"`; a book's own
    /// template is used as written (it can read `style.punctuation` from the context).
    pub fn render(
        &self,
        locale: Locale,
        kind: &str,
        punctuation: Punctuation,
        context: serde_json::Value,
    ) -> Result<String, String> {
        let mut name = format!("{}/{kind}", locale.id());
        if self.broken.contains(&name) {
            return Err(REPORTED_AT_TEMPLATE.into());
        }
        if punctuation == Punctuation::Ascii && locale == Locale::ZhCn && !self.overridden.contains(&name) {
            name = ascii_name(&name);
        }
        // An owned context: `Context::from` takes the value as it is, where `render` would serialize a copy.
        let context = Context::from(context);
        let registry = self.own.as_ref().unwrap_or_else(|| Self::builtin_registry());
        let text = match registry.render_with_context(&name, &context) {
            Ok(text) => text,
            Err(error) => return Err(self.report(&name, &error, context.data())),
        };
        Ok(text.trim_end_matches(['\n', '\r']).to_string())
    }

    /// The failure of a directive whose template failed to render: a book's template gets one finding at its
    /// file (and the directive [`REPORTED_AT_TEMPLATE`]); a built-in one, the message itself.
    fn report(&self, name: &str, error: &RenderError, context: &serde_json::Value) -> String {
        let (message, help) = explain_render_error(error, context);
        let Some((file, _)) = self.files.get(name) else {
            return match error.line_no {
                Some(line) => format!("template `{name}.hbs` line {line}: {message}"),
                None => format!("template `{name}.hbs`: {message}"),
            };
        };
        let (line, column) = (error.line_no.unwrap_or(0), error.column_no.unwrap_or(0));
        let position = crate::source::Position { line, column };
        let mut finding = Diagnostic::error(Rule::KpiTemplate, message).in_file(file.clone()).at(position, position);
        finding.help = help;
        if let Ok(mut reported) = self.reported.lock()
            && !reported.contains(&finding)
        {
            reported.push(finding);
        }
        REPORTED_AT_TEMPLATE.into()
    }
}

/// A compile error in words, and where to point (the unclosed block's opening, when that is the problem).
fn explain_compile_error(error: &TemplateError, text: &str) -> (String, (usize, usize)) {
    let position = error.pos().unwrap_or((0, 0));
    match error.reason() {
        TemplateErrorReason::MismatchingClosedHelper(opened, closing)
        | TemplateErrorReason::MismatchingClosedDecorator(opened, closing) => (
            format!("`{{{{#{opened}}}}}` is closed by `{{{{/{closing}}}}}`; close it with `{{{{/{opened}}}}}`"),
            position,
        ),
        TemplateErrorReason::InvalidSyntax(_) => match unbalanced_block(text) {
            Some(Unbalanced::Unclosed { name, line, column }) => (
                format!("`{{{{#{name}}}}}` opened at line {line} is never closed; add `{{{{/{name}}}}}` where it ends"),
                (line, column),
            ),
            Some(Unbalanced::Stray { name, line, column }) => {
                (format!("`{{{{/{name}}}}}` at line {line} closes no block"), (line, column))
            }
            None => ("the Handlebars syntax is invalid here (check the `{{` and `}}` pairs)".to_string(), position),
        },
        TemplateErrorReason::InvalidParam(param) => (format!("`{param}` is not a valid parameter"), position),
        TemplateErrorReason::NestedSubexpression => {
            ("a subexpression inside a subexpression is not supported".to_string(), position)
        }
        other => (other.to_string(), position),
    }
}

enum Unbalanced {
    Unclosed { name: String, line: usize, column: usize },
    Stray { name: String, line: usize, column: usize },
}

/// The first block helper (`{{#if}}`) that is never closed, or the first `{{/x}}` that closes nothing; comments
/// are skipped.
fn unbalanced_block(text: &str) -> Option<Unbalanced> {
    let index = crate::source::LineIndex::new(text);
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut rest = 0;
    while let Some(found) = text[rest..].find("{{") {
        let start = rest + found;
        let body = text[start + 2..].trim_start_matches('~');
        if body.starts_with('!') {
            let end = if body.starts_with("!--") { "--}}" } else { "}}" };
            rest = text[start..].find(end).map_or(text.len(), |i| start + i + end.len());
            continue;
        }
        let name = |body: &str| -> String {
            body[1..]
                .trim_start()
                .split(|c: char| c.is_whitespace() || c == '}' || c == '~')
                .next()
                .unwrap_or("")
                .into()
        };
        if body.starts_with('#') {
            open.push((name(body), start));
        } else if body.starts_with('/') {
            let closing = name(body);
            if open.last().is_some_and(|(opened, _)| *opened == closing) {
                open.pop();
            } else if !open.iter().any(|(opened, _)| *opened == closing) {
                let position = index.position(start);
                return Some(Unbalanced::Stray { name: closing, line: position.line, column: position.column });
            }
        }
        rest = start + 2;
    }
    let (name, offset) = open.pop()?;
    let position = index.position(offset);
    Some(Unbalanced::Unclosed { name, line: position.line, column: position.column })
}

/// A render error in words with a hint: a field the context lacks or an unknown helper gets a "did you mean".
fn explain_render_error(error: &RenderError, context: &serde_json::Value) -> (String, Option<String>) {
    match error.reason() {
        RenderErrorReason::MissingVariable(Some(path)) => {
            let mut paths = Vec::new();
            field_paths(context, "", &mut paths);
            let help = crate::suggest::help_for(path, paths.iter().map(String::as_str))
                .or_else(|| Some("`mdbook-kpi eval --json '<<#kpi …>>'` prints the fields a sentence has".to_string()));
            (format!("the template uses `{path}`, which this sentence does not have"), help)
        }
        RenderErrorReason::MissingVariable(None) => {
            ("the template uses a field this sentence does not have".into(), None)
        }
        RenderErrorReason::HelperNotFound(helper) => (
            format!("`{helper}` is not a helper (nor a field of this sentence)"),
            crate::suggest::help_for(helper, HELPERS.iter().copied())
                .or_else(|| Some(format!("the helpers are {}", HELPERS.join(", ")))),
        ),
        other => (other.to_string(), None),
    }
}

/// Every field path of a context (`value.text`, `members`), and, inside arrays, the paths of their elements as a
/// template inside `{{#each}}` names them.
fn field_paths(value: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(fields) => {
            for (key, field) in fields {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                out.push(path.clone());
                field_paths(field, &path, out);
            }
        }
        serde_json::Value::Array(items) => {
            if let Some(first) = items.first() {
                field_paths(first, "", out);
            }
        }
        _ => {}
    }
}

/// The first letter of a text in upper case: an English sentence that starts with a data label (`revenue grew`).
pub fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if first.is_lowercase() => first.to_uppercase().chain(chars).collect(),
        _ => text.to_string(),
    }
}

/// The English possessive of a name: `Telesales'`, `AI Quality Inspection's`.
pub fn possessive(name: &str) -> String {
    if name.ends_with('s') || name.ends_with('S') { format!("{name}'") } else { format!("{name}'s") }
}

/// `{{capitalize period.label}}`: the text, escaped, with its first letter in upper case; `possessive=true` adds
/// `'s` (a subexpression would escape the text twice).
fn capitalize_helper(
    helper: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let mut text = helper.param(0).map(|p| param_text(p.value())).unwrap_or_default();
    if helper.hash_get("possessive").is_some_and(|p| p.value().as_bool() == Some(true)) {
        text = possessive(&text);
    }
    out.write(&escape_text(&capitalize(&text)))?;
    Ok(())
}

/// `{{possessive filters.0.label}}`: the name, escaped, with `'s` (or `'` after an s).
fn possessive_helper(
    helper: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let text = helper.param(0).map(|p| param_text(p.value())).unwrap_or_default();
    out.write(&escape_text(&possessive(&text)))?;
    Ok(())
}

fn param_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `{{join a b c}}`: the parts joined as Chinese typesetting does (a space only between Latin letters or digits),
/// each escaped.
fn join_helper(
    helper: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let parts: Vec<String> = helper.params().iter().map(|p| param_text(p.value())).collect();
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    out.write(&escape_text(&join_cjk(&refs)))?;
    Ok(())
}

/// `{{choose change.direction up="增长" down="下降"}}`: the hash value named by the first parameter (nothing when
/// the hash has no such key). Hash values are template text, not data, and are not escaped.
fn choose_helper(
    helper: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let key = helper
        .param(0)
        .map(|p| param_text(p.value()))
        .ok_or_else(|| RenderErrorReason::ParamNotFoundForIndex("choose", 0))?;
    if let Some(value) = helper.hash_get(&key) {
        out.write(&param_text(value.value()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Escaping by runs of bytes writes what escaping character by character writes.
        #[test]
        fn escaping_by_runs_is_escaping_by_characters(text in "(\\PC|[<>&\\\\`*_\\[\\]|~#$\\{\\}\n\r])*") {
            let (mut by_runs, mut by_chars) = (String::from("x"), String::from("x"));
            escape_into(&mut by_runs, &text);
            escape_char_by_char(&mut by_chars, &text);
            proptest::prop_assert_eq!(&by_runs, &by_chars);
            proptest::prop_assert_eq!(format!("x{}", escape_owned(text.clone())), by_chars);
        }
    }

    #[test]
    fn builtins_compile_and_escape() {
        let templates = Templates::builtin();
        let context = serde_json::json!({"value": {"text": "<b>1</b>"}});
        let render = |context| templates.render(Locale::En, "value", Punctuation::FullWidth, context);
        assert_eq!(render(context).unwrap(), "&lt;b&gt;1&lt;/b&gt;");
        assert!(render(serde_json::json!({})).is_err(), "strict mode");
        assert_eq!(escape_text("[x](y) *a*"), "\\[x\\](y) \\*a\\*");
    }
}
