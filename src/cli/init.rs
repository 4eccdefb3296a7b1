//! `mdbook-kpi init`: a new report book with the seed's four modules, sample data and the kpi config.
//!
//! The chapters are written so that the built-in `year-end-sales` structure check passes: every module and part
//! is there, each problem has a countermeasure on the same side (with a link to it), and every strategy and plan
//! item carries a figure and a time node.

use std::path::{Path, PathBuf};

use crate::config::Locale;
use crate::engine::Refusal;

/// The sample data, shared by both locales (its labels carry both languages).
const DATA: &str = include_str!("init/kpi.toml");

const ZH_CN: &[(&str, &str)] = &[
    ("src/SUMMARY.md", include_str!("init/zh-CN/SUMMARY.md")),
    ("src/introduction.md", include_str!("init/zh-CN/introduction.md")),
    ("src/performance-review.md", include_str!("init/zh-CN/performance-review.md")),
    ("src/problem-analysis.md", include_str!("init/zh-CN/problem-analysis.md")),
    ("src/strategy.md", include_str!("init/zh-CN/strategy.md")),
    ("src/plan.md", include_str!("init/zh-CN/plan.md")),
];

const EN: &[(&str, &str)] = &[
    ("src/SUMMARY.md", include_str!("init/en/SUMMARY.md")),
    ("src/introduction.md", include_str!("init/en/introduction.md")),
    ("src/performance-review.md", include_str!("init/en/performance-review.md")),
    ("src/problem-analysis.md", include_str!("init/en/problem-analysis.md")),
    ("src/strategy.md", include_str!("init/en/strategy.md")),
    ("src/plan.md", include_str!("init/en/plan.md")),
];

/// book.toml for a new report book.
fn book_toml(locale: Locale) -> String {
    let (title, language) = match locale {
        Locale::ZhCn => ("2023年销售部年终总结", "zh-CN"),
        Locale::En => ("Sales department year-end summary 2023", "en"),
    };
    format!(
        r#"[book]
title = "{title}"
authors = []
language = "{language}"

[build]
extra-watch-dirs = ["data"]    # `mdbook serve` rebuilds when the data changes
create-missing = false         # a chapter missing from src/ is an error, not a new empty page

[preprocessor.kpi]
# mdbook-kpi: every key is optional
after = ["links"]              # expand directives in {{{{#include}}}}d files too
data = ["data/kpi.toml"]       # one path or a list: .toml, .json, .csv; relative to the book root
structure = "year-end-sales"   # check the report's modules, problem → countermeasure loop and SMART items
on-error = "fail"              # "fail": errors fail the build; "warn": they are logged and shown in the page
# locale = "{language}"  # default: from [book] language
# year = 2023                  # default: [meta] year of the data
# templates = "kpi-templates"  # a folder of .hbs files that override the built-in sentence templates
# precision = 1                # decimals for percentages and percentage points

# [preprocessor.kpi.rules]     # per-rule severity: "off" | "warn" | "error"
# "style/jargon" = "warn"
"#
    )
}

/// Every file `init` writes, relative to the new book's root.
pub fn files(locale: Locale) -> Vec<(&'static str, String)> {
    let chapters = match locale {
        Locale::ZhCn => ZH_CN,
        Locale::En => EN,
    };
    let mut files = vec![
        ("book.toml", book_toml(locale)),
        ("data/kpi.toml", DATA.to_string()),
        (".gitignore", "/book\n".to_string()),
    ];
    files.extend(chapters.iter().map(|(path, text)| (*path, text.to_string())));
    files
}

/// Writes a new book into `dir`: a line saying so, or why not (nothing is overwritten without `force`).
pub(super) fn run(dir: &Path, locale: Locale, force: bool) -> Result<Vec<String>, Refusal> {
    let files = files(locale);
    let existing: Vec<PathBuf> = files.iter().map(|(path, _)| dir.join(path)).filter(|path| path.exists()).collect();
    if !existing.is_empty() && !force {
        let list: Vec<String> = existing.iter().map(|p| p.display().to_string()).collect();
        return Err(Refusal::new(
            format!("not overwriting existing files: {}", list.join(", ")),
            Some("choose an empty folder, or pass --force to overwrite them"),
        ));
    }
    for (path, text) in &files {
        let target = dir.join(path);
        let written =
            target.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&target, text));
        if let Err(error) = written {
            return Err(Refusal::new(format!("cannot write {}: {error}", target.display()), None));
        }
    }
    Ok(vec![format!(
        "created a report book in {} ({}); build it with `mdbook build` or `mdbook-kpi build`",
        dir.display(),
        locale.id()
    )])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn the_config_is_clean_and_the_summary_names_every_chapter() {
        for locale in [Locale::ZhCn, Locale::En] {
            let files = files(locale);
            let (config, found) = Config::from_book_toml(&files[0].1);
            assert!(found.is_empty(), "{found:?}");
            assert_eq!(config.locale(), locale);
            assert_eq!(config.data, ["data/kpi.toml"]);
            assert_eq!(config.structure.as_deref(), Some("year-end-sales"));
            let summary = &files.iter().find(|(p, _)| *p == "src/SUMMARY.md").unwrap().1;
            for (path, _) in files.iter().filter(|(p, _)| p.starts_with("src/") && *p != "src/SUMMARY.md") {
                assert!(summary.contains(&format!("]({})", &path[4..])), "{path} missing from SUMMARY.md");
            }
        }
    }

    #[test]
    fn the_data_is_valid_toml() {
        let data: toml::Table = toml::from_str(DATA).unwrap();
        assert_eq!(data["meta"]["year"].as_integer(), Some(2023));
    }
}
