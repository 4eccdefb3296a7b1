//! The sentence cases of tests/fixtures/sentences.toml through the library: every reference row in both locales
//! over the reference data (tests/fixtures/reference/kpi.toml), and the cases for one locale.

use mdbook_kpi::config::Locale;
use mdbook_kpi::data::{DataSet, load::load_sources};
use mdbook_kpi::directive::parse::parse;
use mdbook_kpi::narrate::{Narrator, Target, Templates};

mod sentences;
use sentences::REFERENCE_ROWS as ROWS;

fn reference() -> DataSet {
    let text = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/reference/kpi.toml")).unwrap();
    load_sources(&[("kpi.toml".to_string(), text)]).expect("reference data loads")
}

fn expand(data: &DataSet, templates: &Templates, locale: Locale, body: &str) -> String {
    let directive = parse(&format!("<<#kpi {body}>>")).unwrap_or_else(|e| panic!("{body}: {e:?}"));
    let narrator = Narrator { data, templates, locale, year: None, precision: 1 };
    narrator.expand(&directive, Target::Html).unwrap_or_else(|e| panic!("{body}: {e:?}"))
}

#[test]
fn every_reference_row_in_chinese() {
    let (data, templates) = (reference(), Templates::builtin());
    assert!(ROWS.len() >= 14, "tests/fixtures/sentences.toml lost reference rows: {}", ROWS.len());
    for (body, zh, _) in ROWS.iter() {
        assert_eq!(expand(&data, &templates, Locale::ZhCn, body), *zh, "zh-CN: {body}");
    }
}

#[test]
fn every_reference_row_in_english() {
    let (data, templates) = (reference(), Templates::builtin());
    for (body, _, en) in ROWS.iter() {
        assert_eq!(expand(&data, &templates, Locale::En, body), *en, "en: {body}");
    }
}

/// A `locale=` or `precision=` option wins over the book's own setting, and the other one-locale cases.
#[test]
fn every_case_in_its_books_locale() {
    let (data, templates) = (reference(), Templates::builtin());
    let cases = sentences::cases();
    assert!(cases.len() >= 2, "tests/fixtures/sentences.toml lost its [[case]] entries");
    for case in cases {
        let locale = Locale::parse(&case.locale).unwrap_or_else(|| panic!("{}: unknown locale", case.directive));
        assert_eq!(expand(&data, &templates, locale, &case.directive), case.expected, "{}", case.directive);
    }
}
