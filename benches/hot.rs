//! Micro-benchmarks of the preprocessor's hot parts (divan): scanning a chapter for directives, parsing
//! directives, formatting numbers, loading data, expanding a whole chapter, and the structure check of a book.
//!
//! `cargo bench --bench hot` (all), `cargo bench --bench hot -- scan` (one group). The inputs come from the
//! same generator as `bench/run.sh` (`kpi-bench-gen`), so they look like the benchmark book.

// The generator's modules, shared with the `kpi-bench-gen` binary; the benches use only part of them.
#[allow(dead_code)]
#[path = "../bench/gen/book.rs"]
mod book;
#[allow(dead_code)]
#[path = "../bench/gen/data.rs"]
mod data;
#[allow(dead_code)]
#[path = "../bench/gen/directives.rs"]
mod directives;
#[allow(dead_code)]
#[path = "../bench/gen/model.rs"]
mod model;
#[allow(dead_code)]
#[path = "../bench/gen/prose.rs"]
mod prose;
#[allow(dead_code)]
#[path = "../bench/gen/rng.rs"]
mod rng;

use std::path::PathBuf;
use std::sync::LazyLock;

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use mdbook_kpi::config::{Config, Locale};
use mdbook_kpi::data::{DataSet, Label, Unit};
use mdbook_kpi::narrate::format::NumberFormat;
use rust_decimal::Decimal;

fn main() {
    divan::main();
}

/// A chapter like the benchmark book's: about 2,000 words, 20 directives.
static CHAPTER: LazyLock<String> = LazyLock::new(|| {
    let mut rng = rng::Rng::new(7);
    prose::chapter(&mut rng, prose::Module::Review, "季度走势 Quarterly trend", 2000, 20)
});

/// The same amount of prose with no directive: the common case, which should cost one substring search.
static PLAIN_CHAPTER: LazyLock<String> = LazyLock::new(|| {
    let mut rng = rng::Rng::new(7);
    let text = prose::chapter(&mut rng, prose::Module::Review, "季度走势 Quarterly trend", 2000, 0);
    text.replace("<<#kpi", "<<kpi")
});

/// 1,000 directives in the generator's mix (inline and block forms).
static DIRECTIVES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut rng = rng::Rng::new(11);
    (0..1000)
        .map(|i| {
            let body = if i % 10 == 0 { directives::block(&mut rng) } else { directives::inline(&mut rng) };
            format!("<<#kpi {body}>>")
        })
        .collect()
});

/// The benchmark book's data files (TOML metadata, about 6,000 CSV facts) and a 100,000-row CSV, in a
/// temporary folder that lives as long as the process.
struct DataDir {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

static DATA_DIR: LazyLock<DataDir> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("a temporary folder for the bench data");
    let root = dir.path().to_path_buf();
    std::fs::write(root.join("kpi.toml"), data::metadata_toml()).expect("writing kpi.toml");
    std::fs::write(root.join("facts.csv"), data::facts_csv(1)).expect("writing facts.csv");
    let mut big = std::io::BufWriter::new(std::fs::File::create(root.join("big.csv")).expect("creating big.csv"));
    data::write_big_csv(&mut big, 100_000, 1, true).expect("writing big.csv");
    drop(big);
    DataDir { _dir: dir, root }
});

fn book_files() -> Vec<String> {
    vec!["kpi.toml".into(), "facts.csv".into()]
}

static BOOK_DATA: LazyLock<DataSet> =
    LazyLock::new(|| match mdbook_kpi::data::load::load(&DATA_DIR.root, &book_files()) {
        Ok(data) => data,
        Err(errors) => panic!("the generated data does not load: {errors:?}"),
    });

mod scan {
    use super::*;

    #[divan::bench]
    fn chapter_with_directives(bencher: Bencher) {
        let text = CHAPTER.as_str();
        bencher.counter(BytesCount::of_str(text)).bench(|| mdbook_kpi::directive::scan::scan(divan::black_box(text)));
    }

    #[divan::bench]
    fn chapter_without_directives(bencher: Bencher) {
        let text = PLAIN_CHAPTER.as_str();
        bencher.counter(BytesCount::of_str(text)).bench(|| mdbook_kpi::directive::scan::scan(divan::black_box(text)));
    }
}

mod parse {
    use super::*;

    #[divan::bench]
    fn directive_mix(bencher: Bencher) {
        let all = &*DIRECTIVES;
        bencher.counter(ItemsCount::new(all.len())).bench(|| {
            for text in all {
                let _ = divan::black_box(mdbook_kpi::directive::parse::parse(divan::black_box(text)));
            }
        });
    }
}

mod format {
    use super::*;

    /// Amounts from ¥9,500 to ¥1.2亿 and counts, as the book's metrics produce them.
    fn amounts() -> Vec<Decimal> {
        let mut rng = rng::Rng::new(3);
        (0..1000).map(|_| Decimal::new(rng.below(12_000_000_000) as i64, 2)).collect()
    }

    fn bench_unit(bencher: Bencher, locale: Locale, unit: Unit, suffix: Option<&Label>) {
        let values = amounts();
        let format = NumberFormat {
            locale,
            unit,
            precision: 1,
            currency: "CNY",
            suffix,
            style: Default::default(),
            fixed: Default::default(),
            marked: false,
        };
        bencher.counter(ItemsCount::new(values.len())).bench(|| {
            for value in &values {
                divan::black_box(format.value(divan::black_box(*value)));
            }
        });
    }

    #[divan::bench]
    fn currency_zh(bencher: Bencher) {
        bench_unit(bencher, Locale::ZhCn, Unit::Currency, None);
    }

    #[divan::bench]
    fn currency_en(bencher: Bencher) {
        bench_unit(bencher, Locale::En, Unit::Currency, None);
    }

    #[divan::bench]
    fn count_with_suffix_zh(bencher: Bencher) {
        let suffix = Label::plain("家");
        bench_unit(bencher, Locale::ZhCn, Unit::Count, Some(&suffix));
    }

    #[divan::bench]
    fn percent(bencher: Bencher) {
        bench_unit(bencher, Locale::En, Unit::Percent, None);
    }
}

mod load {
    use super::*;

    /// The benchmark book's data: TOML metadata and about 6,000 CSV facts.
    #[divan::bench(sample_count = 20)]
    fn book_data(bencher: Bencher) {
        let root = &DATA_DIR.root;
        let files = book_files();
        bencher
            .bench(|| mdbook_kpi::data::load::load(root, &files).map(|d| d.facts.len() + d.table.len()).unwrap_or(0));
    }

    /// A 100,000-row tidy CSV (bench/run.sh times the 1,000,000-row one against plain `csv` iteration).
    #[divan::bench(sample_count = 10)]
    fn csv_100k_rows(bencher: Bencher) {
        let root = &DATA_DIR.root;
        let files = vec!["big.csv".to_string()];
        bencher
            .counter(ItemsCount::new(100_000usize))
            .bench(|| mdbook_kpi::data::load::load(root, &files).map(|d| d.facts.len() + d.table.len()).unwrap_or(0));
    }

    /// Plain `csv` crate iteration over the same file: the reference of the CSV budget (docs/src/speed.md).
    #[divan::bench(sample_count = 10)]
    fn csv_100k_rows_plain_csv_crate(bencher: Bencher) {
        let path = DATA_DIR.root.join("big.csv");
        bencher.counter(ItemsCount::new(100_000usize)).bench(|| {
            let mut reader = csv::Reader::from_path(&path).expect("opening big.csv");
            let mut record = csv::StringRecord::new();
            let mut rows = 0usize;
            while reader.read_record(&mut record).unwrap_or(false) {
                rows += 1;
            }
            rows
        });
    }
}

mod expand {
    use super::*;
    use mdbook_kpi::narrate::Target;
    use mdbook_kpi::preprocess::Preprocessor;

    /// A whole chapter with 20 directives: scan, parse, compute, render, splice.
    #[divan::bench]
    fn chapter_with_directives(bencher: Bencher) {
        let data = BOOK_DATA.clone();
        let text = CHAPTER.as_str();
        let mut preprocessor = Preprocessor::with_data(Config::default(), Locale::ZhCn, Target::Html, data);
        bencher.counter(BytesCount::of_str(text)).bench_local(|| preprocessor.expand_chapter("src/bench.md", text));
    }
}

mod check {
    use super::*;
    use mdbook_kpi::check::outline::BookOutline;
    use mdbook_kpi::check::{self, BookOnDisk, Schema};

    /// The benchmark book (500 chapters of about 2,000 words, 20 directives each), written to a temporary folder
    /// and read back as `mdbook-kpi check` reads it.
    struct Book {
        _dir: tempfile::TempDir,
        book: BookOnDisk,
        schema: Schema,
        config: Config,
    }

    static BOOK: LazyLock<Book> = LazyLock::new(|| {
        let dir = tempfile::tempdir().expect("a temporary folder for the bench book");
        let root = dir.path();
        let chapters = book::generate(&book::Options { chapters: 500, directives: 20, words: 2000, seed: 1 });
        let write = |path: PathBuf, text: &str| {
            std::fs::create_dir_all(path.parent().expect("a file in a folder")).expect("creating a folder");
            std::fs::write(path, text).expect("writing a book file");
        };
        write(root.join("book.toml"), &book::book_toml(true));
        write(root.join("src/SUMMARY.md"), &book::summary(&chapters));
        for chapter in book::all_chapters(&chapters) {
            write(root.join("src").join(&chapter.path), &chapter.content);
        }
        let book = check::read_book(root).expect("the bench book reads");
        let schema = check::load_schema("year-end-sales", root).expect("the built-in schema");
        let config = Config { structure: Some("year-end-sales".into()), ..Config::default() };
        Book { _dir: dir, book, schema, config }
    });

    fn book_bytes() -> BytesCount {
        BytesCount::new(BOOK.book.chapters.iter().map(|c| c.content.len()).sum::<usize>())
    }

    /// The whole structure check of the 500-chapter book: outline, every rule, findings sorted.
    #[divan::bench(sample_count = 20)]
    fn book_500_chapters(bencher: Bencher) {
        let book = &*BOOK;
        bencher
            .counter(book_bytes())
            .bench(|| check::check(divan::black_box(&book.book.chapters), &book.schema, &book.config).len());
    }

    /// The outline alone: each chapter parsed once (the part that grows with the book's size).
    #[divan::bench(sample_count = 20)]
    fn outline_500_chapters(bencher: Bencher) {
        let book = &*BOOK;
        bencher.counter(book_bytes()).bench(|| BookOutline::new(divan::black_box(&book.book.chapters)).nodes.len());
    }
}
