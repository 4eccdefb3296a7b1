//! The sentence templates: built-in Handlebars templates per locale, overridable from the book's `templates`
//! folder (`kpi-templates/zh-CN/period.hbs`), rendered in strict mode with data text escaped.

use std::path::Path;

use handlebars::{Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderError, RenderErrorReason};

use crate::config::Locale;
use crate::diagnostics::Diagnostic;
use crate::narrate::labels::join_cjk;
use crate::rules::Rule;

/// Every sentence kind, in the order the guide lists them (docs/src/templates.md).
pub const KINDS: &[&str] =
    &["value", "period", "target", "standard", "member", "share", "trend", "breakdown", "drivers", "delta", "ratio"];

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
            ("ratio", include_str!(concat!("templates/", $locale, "/ratio.hbs"))),
        ]
    };
}

/// The built-in template text of a kind in a locale.
pub fn builtin(locale: Locale, kind: &str) -> Option<&'static str> {
    let table: [(&str, &str); 11] = match locale {
        Locale::ZhCn => builtin!("zh-CN"),
        Locale::En => builtin!("en"),
    };
    table.iter().find(|(k, _)| *k == kind).map(|(_, text)| *text)
}

/// Escapes text from data files for HTML and Markdown (it lands in text, never in an attribute): entities for `<>&`, a backslash before Markdown's
/// punctuation, so a label like `<script>` or `[x](y)` shows as written and does nothing.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// [`escape_text`], appending to `out`.
pub fn escape_into(out: &mut String, text: &str) {
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
    registry: Handlebars<'static>,
    /// Templates (`zh-CN/period`) the book overrides; the others are written by [`super::native`].
    overridden: Vec<String>,
    /// Whether built-in templates may be written natively (off only to compare the two in tests).
    native: bool,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Templates")
    }
}

impl Templates {
    /// The built-in templates only.
    pub fn builtin() -> Templates {
        // Compiling the twenty built-in templates costs far more than copying them: compile once per process.
        static BUILTIN: std::sync::OnceLock<Handlebars<'static>> = std::sync::OnceLock::new();
        let registry = BUILTIN.get_or_init(|| {
            let mut registry = Self::registry();
            for locale in LOCALES {
                for kind in KINDS {
                    let text = builtin(locale, kind).unwrap_or_default();
                    registry
                        .register_template_string(&format!("{}/{kind}", locale.id()), text)
                        .unwrap_or_else(|e| panic!("built-in template {}/{kind} is broken: {e}", locale.id()));
                }
            }
            registry
        });
        Templates { registry: registry.clone(), overridden: Vec::new(), native: true }
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
        self.registry.register_template_string(name, text).map_err(|e| {
            let (line, column) = e.pos().unwrap_or((0, 0));
            Diagnostic::error(Rule::KpiTemplate, format!("template `{file}` does not compile: {}", e.reason()))
                .with_help("see Templates in the mdbook-kpi guide for the syntax and the context fields")
                .in_file(file)
                .at(crate::source::Position { line, column }, crate::source::Position { line, column })
        })
    }

    fn registry() -> Handlebars<'static> {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        registry.register_escape_fn(escape_text);
        registry.register_helper("join", Box::new(join_helper));
        registry.register_helper("choose", Box::new(choose_helper));
        registry
    }

    /// Renders the template of `kind` in `locale` with a context; the result is one line without a final newline.
    pub fn render(&self, locale: Locale, kind: &str, context: serde_json::Value) -> Result<String, String> {
        let name = format!("{}/{kind}", locale.id());
        // An owned context: `Context::from` takes the value as it is, where `render` would serialize a copy.
        let context = Context::from(context);
        let text = self.registry.render_with_context(&name, &context).map_err(|e| describe(&name, &e))?;
        Ok(text.trim_end_matches(['\n', '\r']).to_string())
    }
}

fn describe(name: &str, error: &RenderError) -> String {
    match error.line_no {
        Some(line) => format!("template `{name}.hbs` line {line}: {}", error.reason()),
        None => format!("template `{name}.hbs`: {}", error.reason()),
    }
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

    #[test]
    fn builtins_compile_and_escape() {
        let templates = Templates::builtin();
        let context = serde_json::json!({"value": {"text": "<b>1</b>"}});
        assert_eq!(templates.render(Locale::En, "value", context).unwrap(), "&lt;b&gt;1&lt;/b&gt;");
        assert!(templates.render(Locale::En, "value", serde_json::json!({})).is_err(), "strict mode");
        assert_eq!(escape_text("[x](y) *a*"), "\\[x\\](y) \\*a\\*");
    }
}
