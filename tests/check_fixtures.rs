//! Rule cases as fixtures: every case under `tests/fixtures/rules/<family>/<rule>/` is checked and its findings
//! are compared with a snapshot beside it (`…/<rule>/snapshots/<case>.snap`).
//!
//! A case is either one Markdown chapter (`<case>.md`, checked as a one-chapter book at `src/<case>.md`) or a
//! book folder (`<case>/`: `src/SUMMARY.md`, the chapters, and a `book.toml` whose `[preprocessor.kpi]` applies:
//! rule levels, `jargon`, `structure`, and `data`, whose files are loaded too). The schema is the config's
//! `structure`, else `year-end-sales`. A case named `clean-…` must have no finding of its rule; any other case
//! must have at least one.
//!
//! A snapshot lists every finding of the rule's family (`structure/*` for `structure/missing-part`) in full, then
//! one line counting the findings of other rules, so that a finding that appears or goes anywhere shows up.
//! After a deliberate change, review the new snapshots with `cargo insta review`, or accept them all with
//! `INSTA_UPDATE=always cargo test --test check_fixtures` and read the diff.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mdbook_kpi::check::rules::figures;
use mdbook_kpi::check::{self, Chapter, read_book};
use mdbook_kpi::config::{Config, Locale};
use mdbook_kpi::diagnostics::{self, Diagnostic};
use mdbook_kpi::rules::Rule;

const DEFAULT_SCHEMA: &str = "year-end-sales";

struct Case {
    rule: Rule,
    /// The rule's folder, which holds the cases and their `snapshots/`.
    folder: PathBuf,
    name: String,
    path: PathBuf,
}

impl Case {
    fn is_clean(&self) -> bool {
        self.name.starts_with("clean-")
    }
}

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    entries
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).expect("a UTF-8 file name")
}

/// Every case, by rule folder (`<family>/<rule>`, which must name a registered rule) and name.
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for family in sorted_entries(&fixtures_root()) {
        for folder in sorted_entries(&family) {
            let id = format!("{}/{}", file_name(&family), file_name(&folder));
            let rule = Rule::from_id(&id).unwrap_or_else(|| panic!("{}: `{id}` is not a rule", folder.display()));
            for path in sorted_entries(&folder) {
                let name = file_name(&path);
                if name == "snapshots" {
                    continue;
                }
                let name = if path.is_dir() {
                    name.to_string()
                } else if let Some(stem) = name.strip_suffix(".md") {
                    stem.to_string()
                } else {
                    panic!("{}: a case is a .md chapter or a book folder", path.display());
                };
                cases.push(Case { rule, folder: folder.clone(), name, path });
            }
        }
    }
    cases
}

/// The findings of one case, as `mdbook-kpi check` would give them for the structure check and the data.
fn findings(case: &Case) -> Vec<Diagnostic> {
    if case.path.is_dir() {
        return book_findings(&case.path);
    }
    let text = std::fs::read_to_string(&case.path).expect("a UTF-8 chapter");
    let title = text.lines().find_map(|line| line.strip_prefix("# ")).unwrap_or(&case.name).trim().to_string();
    let chapter =
        Chapter { title, source_path: Some(format!("src/{}.md", case.name)), content: text.clone().into(), depth: 0 };
    let schema = check::load_schema(DEFAULT_SCHEMA, &case.folder).expect("built-in schema");
    check::check(&[chapter], &schema, &Config::default())
}

fn book_findings(root: &Path) -> Vec<Diagnostic> {
    let book = read_book(root).unwrap_or_else(|d| panic!("cannot read {}: {d:?}", root.display()));
    let (config, mut found) = Config::from_book_toml(&book.book_toml_text);
    let schema = check::load_schema(config.structure.as_deref().unwrap_or(DEFAULT_SCHEMA), root).expect("schema");
    found.extend(check::check(&book.chapters, &schema, &config));
    let loaded =
        config.data.iter().any(|file| root.join(file).is_file()).then(|| mdbook_kpi::data::load(root, &config.data));
    if let Some(loaded) = &loaded {
        let data = match loaded {
            Ok(data) => data.warnings.clone(),
            Err(errors) => errors.clone(),
        };
        found.extend(data.into_iter().filter_map(|d| config.apply_levels(d)));
    }
    // Hand-typed figures, held against the data when it loads (levels applied by the rules themselves).
    let texts: Vec<figures::ChapterText> = book
        .chapters
        .iter()
        .filter_map(|c| Some(figures::ChapterText { file: c.source_path.clone()?, text: &c.content }))
        .collect();
    let data = loaded.as_ref().and_then(|loaded| loaded.as_ref().ok());
    let locale = Locale::parse(book.language.as_deref().unwrap_or("en")).unwrap_or(Locale::En);
    found.extend(figures::check_book(data, &config, locale, &texts).0);
    diagnostics::sort(&mut found);
    found
}

/// The snapshot text: the family's findings in full, then a count of the others by rule.
fn render(rule: Rule, findings: &[Diagnostic]) -> String {
    let mut out = String::new();
    let mut others: BTreeMap<&str, usize> = BTreeMap::new();
    for d in findings {
        if d.rule.family() != rule.family() {
            *others.entry(d.rule.as_str()).or_default() += 1;
            continue;
        }
        out.push_str(&support::finding_with_span(d));
        out.push('\n');
        support::push_help(&mut out, d, "  ");
    }
    if out.is_empty() {
        out.push_str(&format!("no {}/* findings\n", rule.family()));
    }
    let others: Vec<String> = others.iter().map(|(id, n)| format!("{id} ×{n}")).collect();
    out.push_str(&format!(
        "\nother rules: {}\n",
        if others.is_empty() { "none".to_string() } else { others.join(", ") }
    ));
    out
}

#[test]
fn rule_fixtures_match_their_snapshots() {
    let mut failed = Vec::new();
    for case in cases() {
        let found = findings(&case);
        let label = format!("{}/{}", case.rule, case.name);
        let of_rule = found.iter().filter(|d| d.rule == case.rule).count();
        if case.is_clean() {
            assert_eq!(of_rule, 0, "{label}: a clean case with a finding of its rule\n{}", render(case.rule, &found));
        } else {
            assert!(of_rule > 0, "{label}: no finding of its rule\n{}", render(case.rule, &found));
        }
        let text = render(case.rule, &found);
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(case.folder.join("snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(&case.path);
        settings.set_omit_expression(true);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_snapshot!(case.name.as_str(), text));
        }));
        if outcome.is_err() {
            failed.push(label);
        }
    }
    assert!(
        failed.is_empty(),
        "findings differ from the snapshots of {failed:?}; review them with `cargo insta review`, or accept them \
         with `INSTA_UPDATE=always cargo test --test check_fixtures` and read the diff"
    );
}

/// Each configurable rule has a case that finds something and a clean case.
#[test]
fn every_configurable_rule_has_a_finding_and_a_clean_case() {
    let cases = cases();
    for rule in Rule::ALL.iter().filter(|r| r.configurable()) {
        let of_rule: Vec<&Case> = cases.iter().filter(|c| c.rule == *rule).collect();
        assert!(of_rule.iter().any(|c| c.is_clean()), "{rule}: no clean case under tests/fixtures/rules/{rule}/");
        assert!(
            of_rule.iter().any(|c| !c.is_clean()),
            "{rule}: no case with a finding under tests/fixtures/rules/{rule}/"
        );
    }
}
