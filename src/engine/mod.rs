//! The engine: one entry point, [`run`], for everything that runs the pipeline over a book. A [`Job`] says what
//! to run (mdBook's JSON to preprocess, a book to check or build, a directive to evaluate); the [`Outcome`] says
//! what came of it (the changed book or the text made, the findings, whether they fail). The engine prints
//! nothing and picks no exit code: the command line ([`crate::cli`]) turns outcomes into output.
//!
//! A run over a book: the structure check (when the config names a schema) over the chapters as written, then
//! directive expansion chapter by chapter, changing only chapter content.

mod build;
mod check;
mod eval;
mod preprocess;

use std::path::{Path, PathBuf};

use crate::diagnostics::{self, Diagnostic, Sources, Summary};

pub use check::{StructureChecked, expansion_findings, structure_check};
pub use eval::EVAL_FILE;
pub use preprocess::{expand_request, preload_data};

/// What to run: one job per way the pipeline is used.
#[derive(Debug)]
pub enum Job<'a> {
    /// mdBook's side of the preprocessor protocol: its `[context, book]` JSON in either dialect (0.4 or 0.5) as
    /// read from stdin, read for `[preprocessor.kpi]`; the book's directives expanded, and with `structure` set,
    /// the book checked. The request keeps these bytes (no copy) and answers with them, changed contents
    /// replaced; the data files start loading as soon as the context is read. The outcome's product is the
    /// changed book ([`Product::Book`]) unless the findings fail.
    Preprocess(std::borrow::Cow<'a, [u8]>),
    /// `mdbook-kpi check`: a book on disk read (never written), checked and expanded for findings only.
    Check {
        /// The book root as given (the folder with book.toml).
        book: PathBuf,
    },
    /// `mdbook-kpi eval`: one directive against a book's data; the product is its text ([`Product::Text`]).
    Eval {
        /// The book root whose config and data to use.
        book: PathBuf,
        /// The directive with its `<<#kpi` … `>>` wrapper.
        directive: String,
        /// The template context as JSON instead of the text.
        json: bool,
    },
    /// `mdbook-kpi build`: mdBook's own build, in-process, with kpi as its preprocessor; the product is the
    /// folder written ([`Product::Written`]).
    Build {
        /// The book root as given.
        book: PathBuf,
        /// The output folder; a relative one is relative to the book root, as in `mdbook build`.
        dest_dir: Option<PathBuf>,
    },
}

/// What came of a [`Job`].
#[derive(Debug)]
pub struct Outcome<'a> {
    pub status: Status,
    /// The findings of each pass over the book, in the order they were made: one pass, except for `build`, where
    /// mdBook runs kpi once per renderer. Empty when the job was [`Status::Refused`].
    pub passes: Vec<Findings>,
    /// Remarks about the run itself, shown before the findings (an mdBook version kpi was not made for).
    pub notes: Vec<String>,
    /// What the job made.
    pub product: Product<'a>,
}

/// Whether a job went through, and if not, how it stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Nothing fails (there may be warnings: see [`Findings::counts`]).
    Passed,
    /// The findings fail the job: errors (while preprocessing, unless `on-error = "warn"`), or mdBook's build
    /// failed. The reason is a one-line summary to show after the findings, when the job gives one.
    Failed(Option<String>),
    /// The job ran, but not as configured: the config or the schema it names has errors (`check`).
    Misconfigured,
    /// The job stopped before its work began; the findings say why (a book.toml with errors, a SUMMARY.md that
    /// cannot be read).
    Stopped,
    /// The job could not start: its input is not what it must be (no such book folder, malformed mdBook JSON).
    Refused(Refusal),
}

/// Why a job could not start: a message and, where one helps, a hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    pub help: Option<String>,
}

impl Refusal {
    pub fn new(message: impl Into<String>, help: Option<&str>) -> Self {
        Refusal { message: message.into(), help: help.map(str::to_string) }
    }
}

/// What a job made, besides findings.
#[derive(Debug)]
pub enum Product<'a> {
    /// Nothing: `check` makes only findings, and a job that did not pass makes nothing else.
    None,
    /// The preprocessed book: mdBook's request with the changed contents, written back with
    /// [`crate::protocol::Request::write_book`].
    Book(crate::protocol::Request<'a>),
    /// The text `eval` made: the expansion, or the template context as JSON.
    Text(String),
    /// The folder `build` wrote the book to.
    Written(PathBuf),
    /// What `check` went over, for its closing line: the chapters with a file, and the directives in them.
    Checked { chapters: usize, directives: usize },
}

/// Findings, sorted, with the text of every file they point into (chapters as written, keyed `src/…`; data
/// files; book.toml), which renderers quote.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Findings {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
}

impl Findings {
    /// How many errors and warnings.
    pub fn counts(&self) -> Summary {
        diagnostics::summarize(&self.diagnostics)
    }

    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == diagnostics::Severity::Error)
    }
}

impl<'a> Outcome<'a> {
    fn refused(refusal: Refusal) -> Self {
        Outcome { status: Status::Refused(refusal), passes: Vec::new(), notes: Vec::new(), product: Product::None }
    }

    fn one_pass(status: Status, findings: Findings, product: Product<'a>) -> Self {
        Outcome { status, passes: vec![findings], notes: Vec::new(), product }
    }

    /// All findings of all passes.
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.passes.iter().flat_map(|pass| &pass.diagnostics)
    }
}

/// Runs a job.
pub fn run(job: Job<'_>) -> Outcome<'_> {
    match job {
        Job::Preprocess(input) => {
            crate::parallel::size_global_pool();
            preprocess::run(input)
        }
        Job::Check { book } => {
            crate::parallel::size_global_pool();
            check::run(&book)
        }
        Job::Eval { book, directive, json } => eval::run(&book, &directive, json),
        Job::Build { book, dest_dir } => {
            crate::parallel::size_global_pool();
            build::run(&book, dest_dir.as_deref())
        }
    }
}

/// Starts compiling, on a thread of its own, the patterns a run over a book may need: the figure check's, then
/// the structure check's (regular expressions and automata, about 4 ms of one core). The command line calls
/// it while mdBook is still writing the book into stdin's pipe, which takes tens of milliseconds on a large
/// book: the patterns are then ready when the work starts, instead of compiling on the main thread before the
/// check or inside the parallel phases, where both cores have work. Not called when the whole book is at hand
/// (a file on stdin): there, compiling beside the read and the parse slowed both, and a run without the
/// structure check would pay for patterns it never uses. Once per process; a pattern still compiling when it is
/// needed is waited for, never compiled twice.
pub fn warm_up() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        // Not joined: what it compiles is reached through `LazyLock`s, which wait for it. If the thread cannot
        // be started, each pattern is compiled on first use, as it would be anyway.
        let _ = std::thread::Builder::new().name("kpi-warm-up".into()).spawn(|| {
            crate::figures::compile_patterns();
            crate::check::compile_patterns();
        });
    });
}

/// The book root as an absolute path, or why it cannot be used.
pub fn book_root(book: &Path) -> Result<PathBuf, Refusal> {
    match book.canonicalize() {
        Ok(root) if root.is_dir() => Ok(root),
        Ok(_) => Err(Refusal::new(format!("{} is not a folder", book.display()), Some("pass the book's root folder"))),
        Err(error) => Err(Refusal::new(
            format!("cannot open the book folder {}: {error}", book.display()),
            Some("pass the book's root folder (the one with book.toml)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A book with a data file of two quarters, in English, with `extra` added to `[preprocessor.kpi]`.
    fn book(extra: &str, chapter: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let kpi = format!("[preprocessor.kpi]\ndata = \"kpi.toml\"\n{extra}\n");
        std::fs::write(dir.path().join("book.toml"), format!("[book]\ntitle = \"T\"\nlanguage = \"en\"\n\n{kpi}"))
            .unwrap();
        std::fs::write(
            dir.path().join("kpi.toml"),
            "[meta]\nyear = 2023\n\n[metrics.revenue]\nlabel = \"revenue\"\nunit = \"count\"\n\
             values = { \"2023-Q3\" = 3100, \"2023-Q4\" = 3600 }\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/SUMMARY.md"), "# Summary\n\n- [A](a.md)\n").unwrap();
        std::fs::write(dir.path().join("src/a.md"), chapter).unwrap();
        dir
    }

    /// mdBook's JSON for the book at `root`: its config as mdBook would pass it, one chapter.
    fn mdbook_json(root: &Path, kpi: serde_json::Value, chapter: &str) -> Vec<u8> {
        let context = serde_json::json!({"root": root, "renderer": "markdown", "mdbook_version": "0.5.4",
            "config": {"book": {"language": "en"}, "preprocessor": {"kpi": kpi}}});
        let book = serde_json::json!({"items": [{"Chapter": {"name": "A", "content": chapter, "number": null,
            "sub_items": [], "path": "a.md", "source_path": "a.md", "parent_names": []}}]});
        serde_json::to_vec(&(context, book)).unwrap()
    }

    #[test]
    fn a_book_that_is_not_there_is_refused_before_any_work() {
        let missing = PathBuf::from("no/such/book");
        let jobs = [
            Job::Check { book: missing.clone() },
            Job::Eval { book: missing.clone(), directive: "<<#kpi revenue q4>>".into(), json: false },
            Job::Build { book: missing, dest_dir: None },
        ];
        for job in jobs {
            let outcome = run(job);
            assert!(
                matches!(&outcome.status, Status::Refused(refusal) if refusal.message.contains("no/such/book")),
                "{:?}",
                outcome.status
            );
            assert!(outcome.passes.is_empty() && matches!(outcome.product, Product::None));
        }
        let outcome = run(Job::Preprocess(b"[1, 2".as_slice().into()));
        assert!(matches!(&outcome.status, Status::Refused(refusal)
            if refusal.message.starts_with("malformed mdBook input") && refusal.help.is_some()));
    }

    #[test]
    fn eval_makes_the_text_with_the_figure_from_the_data() {
        let dir = book("", "");
        let outcome =
            run(Job::Eval { book: dir.path().into(), directive: "<<#kpi revenue q4 vs q3>>".into(), json: false });
        assert_eq!(outcome.status, Status::Passed);
        let Product::Text(text) = outcome.product else { panic!("no text: {:?}", outcome.product) };
        let growth = (3600.0 - 3100.0) / 3100.0 * 100.0;
        assert!(text.contains(&format!("{growth:.1}%")), "{text}");
    }

    #[test]
    fn eval_findings_quote_the_directive() {
        let dir = book("", "");
        let outcome = run(Job::Eval { book: dir.path().into(), directive: "<<#kpi revnue q4>>".into(), json: false });
        assert_eq!(outcome.status, Status::Failed(None));
        let findings = &outcome.passes[0];
        assert!(findings.diagnostics.iter().all(|d| d.file == EVAL_FILE), "{:?}", findings.diagnostics);
        assert_eq!(findings.sources.get(EVAL_FILE).map(String::as_str), Some("<<#kpi revnue q4>>"));
    }

    #[test]
    fn a_check_with_a_broken_config_stops_before_its_work() {
        let dir = book("year = \"x\"", "<<#kpi revnue q4>>\n");
        let outcome = run(Job::Check { book: dir.path().into() });
        assert_eq!(outcome.status, Status::Stopped);
        let rules: Vec<crate::rules::Rule> = outcome.diagnostics().map(|d| d.rule).collect();
        assert_eq!(rules, [crate::rules::Rule::ConfigInvalid], "the chapter's broken directive is not looked at");
    }

    #[test]
    fn a_check_counts_what_it_finds() {
        let dir = book("", "<<#kpi revnue q4>> and <<#kpi revenue q4 vs q3>>\n");
        let outcome = run(Job::Check { book: dir.path().into() });
        assert_eq!(outcome.status, Status::Failed(None));
        let counts = outcome.passes[0].counts();
        assert_eq!((counts.errors, counts.warnings), (1, 0));
    }

    #[test]
    fn a_preprocess_hands_back_the_book_unless_its_findings_fail() {
        let dir = book("", "");
        let chapter = "Q4: <<#kpi revenue q4 vs q3>>. <<#kpi revnue q4>>\n";
        let fail = mdbook_json(dir.path(), serde_json::json!({"data": "kpi.toml"}), chapter);
        let outcome = run(Job::Preprocess(fail.into()));
        let Status::Failed(Some(reason)) = &outcome.status else { panic!("{:?}", outcome.status) };
        assert_eq!(reason, "mdbook-kpi: 1 error(s), 0 warning(s); the book was not changed");
        assert!(matches!(outcome.product, Product::None));

        let warn = mdbook_json(dir.path(), serde_json::json!({"data": "kpi.toml", "on-error": "warn"}), chapter);
        let outcome = run(Job::Preprocess(warn.into()));
        assert_eq!(outcome.status, Status::Passed);
        assert_eq!(outcome.passes[0].counts().errors, 1, "the error is still reported");
        let Product::Book(request) = outcome.product else { panic!("no book") };
        let output: serde_json::Value = serde_json::from_slice(&request.into_output()).unwrap();
        let content = output["items"][0]["Chapter"]["content"].as_str().unwrap();
        let growth = (3600.0 - 3100.0) / 3100.0 * 100.0;
        assert!(content.contains(&format!("{growth:.1}%")) && content.contains("kpi/unknown-metric"), "{content}");
    }

    #[test]
    fn an_old_mdbook_is_noted() {
        let dir = book("", "");
        let mut json: serde_json::Value =
            serde_json::from_slice(&mdbook_json(dir.path(), serde_json::json!({}), "text\n")).unwrap();
        json[0]["mdbook_version"] = "0.3.0".into();
        let outcome = run(Job::Preprocess(serde_json::to_vec(&json).unwrap().into()));
        assert_eq!(outcome.notes.len(), 1, "{:?}", outcome.notes);
    }
}
