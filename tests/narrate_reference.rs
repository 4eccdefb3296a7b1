//! Every row of SPEC 5.2, in both locales, from the reference data of SPEC 3.1.

use mdbook_kpi::config::Locale;
use mdbook_kpi::data::{DataSet, load::load_sources};
use mdbook_kpi::directive::parse::parse;
use mdbook_kpi::narrate::{Narrator, Target, Templates};

mod spec_rows;
use spec_rows::SPEC_ROWS as ROWS;

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
fn every_row_of_the_spec_table_in_chinese() {
    let (data, templates) = (reference(), Templates::builtin());
    for (body, zh, _) in ROWS {
        assert_eq!(expand(&data, &templates, Locale::ZhCn, body), *zh, "zh-CN: {body}");
    }
}

#[test]
fn every_row_of_the_spec_table_in_english() {
    let (data, templates) = (reference(), Templates::builtin());
    for (body, _, en) in ROWS {
        assert_eq!(expand(&data, &templates, Locale::En, body), *en, "en: {body}");
    }
}

#[test]
fn locale_option_overrides_the_book_locale() {
    let (data, templates) = (reference(), Templates::builtin());
    assert_eq!(expand(&data, &templates, Locale::ZhCn, "revenue 2023 locale=en"), "¥120M");
    assert_eq!(expand(&data, &templates, Locale::ZhCn, "revenue q4 vs q3 as delta precision=0"), "+16%");
}
