//! The command line (SPEC 7): preprocessor mode without a subcommand, and `supports`, `check`, `eval`, `build`,
//! `init`, `install`.
//!
//! Exit codes: 0 success; 1 findings that fail (errors, or warnings under `--deny-warnings`); 2 usage, config,
//! malformed input or I/O errors.

mod build;
pub mod engine;
mod init;
mod install;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{BOOK_TOML, Config, Locale, OnError};
use crate::diagnostics::{self, Diagnostic, Format, Severity, Sources};
use crate::protocol::Request;
use crate::rules::Rule;

#[derive(Debug, Parser)]
#[command(
    name = "mdbook-kpi",
    version,
    about = "An mdBook preprocessor that turns data files into checked comparison sentences, tables and charts, \
             and checks report structure.",
    long_about = "An mdBook preprocessor that turns data files into checked comparison sentences, tables and \
                  charts, and checks report structure.\n\nWithout a subcommand it runs as an mdBook preprocessor: \
                  mdBook's `[context, book]` JSON on stdin, the book on stdout."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Tell mdBook whether a renderer is supported (every renderer is).
    Supports {
        /// The renderer's name (`html`, `markdown`, …).
        renderer: String,
    },
    /// Check a book's directives, data and structure without building it.
    Check {
        /// The book root (the folder with book.toml).
        #[arg(default_value = ".")]
        book: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// Exit 1 on warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Evaluate one directive against a book's data and print the result.
    Eval {
        /// The book root whose config and data to use.
        #[arg(long, default_value = ".")]
        book: PathBuf,
        /// Print the template context as JSON instead of the text.
        #[arg(long)]
        json: bool,
        /// The directive, e.g. '<<#kpi revenue q4 vs q3>>' (the `<<#kpi` … `>>` wrapper is optional).
        directive: String,
    },
    /// Build the book with mdBook's own renderers, kpi included, in-process.
    Build {
        /// The book root.
        #[arg(default_value = ".")]
        book: PathBuf,
        /// Output directory; a relative path is relative to the book root, as in `mdbook build`.
        #[arg(long, short = 'd')]
        dest_dir: Option<PathBuf>,
    },
    /// Create a new report book: module chapters, a data file with sample figures and the config.
    Init {
        /// Where to create the book.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The language of the chapters and sentences.
        #[arg(long, value_parser = parse_locale, default_value = "zh-CN")]
        locale: Locale,
        /// Overwrite files that already exist.
        #[arg(long)]
        force: bool,
    },
    /// Add `[preprocessor.kpi]` to an existing book.toml (keeps its formatting; a second run changes nothing).
    Install {
        /// The book root.
        #[arg(default_value = ".")]
        book: PathBuf,
    },
}

fn parse_locale(text: &str) -> Result<Locale, String> {
    Locale::parse(text).ok_or_else(|| format!("unknown locale `{text}`; use zh-CN or en"))
}

/// Exit codes.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

/// Runs the command line; `main` only calls this.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help/version to stdout with exit 0, and usage errors to stderr with exit 2.
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    ExitCode::from(run(cli))
}

/// Runs a parsed command line and returns the exit code.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        None => preprocessor_mode(),
        Some(Command::Supports { .. }) => EXIT_OK,
        Some(Command::Check { book, format, deny_warnings }) => check(&book, format, deny_warnings),
        Some(Command::Eval { book, json, directive }) => eval(&book, json, &directive),
        Some(Command::Build { book, dest_dir }) => build::run(&book, dest_dir.as_deref()),
        Some(Command::Init { dir, locale, force }) => init::run(&dir, locale, force),
        Some(Command::Install { book }) => install::run(&book),
    }
}

/// Prints a fatal error (not a finding) in the same style as findings.
pub(crate) fn fail(message: impl std::fmt::Display, help: Option<&str>) -> u8 {
    eprintln!("error: {message}");
    if let Some(help) = help {
        eprintln!("  = help: {help}");
    }
    EXIT_USAGE
}

/// mdBook's side of the protocol: read `[context, book]`, expand, write the book.
fn preprocessor_mode() -> u8 {
    if std::io::stdin().is_terminal() {
        // Run by hand without a subcommand: waiting for JSON on a terminal would look like a hang.
        return fail(
            "no subcommand given and stdin is a terminal",
            Some(
                "mdBook runs `mdbook-kpi` as a preprocessor with JSON on stdin; see `mdbook-kpi --help` for the commands",
            ),
        );
    }
    let input = match read_stdin() {
        Ok(input) => input,
        Err(error) => return fail(format!("cannot read stdin: {error}"), None),
    };
    // The request keeps the input (no copy) and answers with its bytes, changed contents replaced.
    // The data files load on their own thread while the book is read.
    let mut preload = None;
    let mut request = match Request::parse_with(input, |context| preload = engine::preload_data(context)) {
        Ok(request) => request,
        Err(error) => return fail(format!("malformed mdBook input: {error}"), Some(error.help())),
    };
    if let Some(warning) = request.version_warning() {
        eprintln!("warning: {warning}");
    }
    let outcome = run_engine_preloaded(&mut request, preload);
    eprint!("{}", diagnostics::render(Format::Human, &outcome.diagnostics, &outcome.sources));
    if outcome.fails {
        eprintln!("error: mdbook-kpi: {}", outcome.failure_summary());
        return EXIT_FINDINGS;
    }
    drop(outcome);
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = request.write_book(&mut stdout).and_then(|()| stdout.flush());
    // The process ends here: freeing the book piece by piece (a millisecond) would only keep mdBook waiting.
    std::mem::forget(request);
    match written {
        Ok(()) => EXIT_OK,
        Err(error) => fail(format!("cannot write the book to stdout: {error}"), None),
    }
}

/// All of stdin, in one buffer sized up front when stdin is a file (`mdbook-kpi < request.json`), backed by
/// huge pages where the kernel offers them: faulting in a book of megabytes page by page was a tenth of the
/// preprocessor's time.
fn read_stdin() -> std::io::Result<Vec<u8>> {
    crate::memory::read_all(std::io::stdin().lock(), stdin_file_size())
}

#[cfg(unix)]
fn stdin_file_size() -> Option<usize> {
    use std::os::fd::AsFd;
    let file = std::fs::File::from(std::io::stdin().as_fd().try_clone_to_owned().ok()?);
    let metadata = file.metadata().ok()?;
    metadata.is_file().then(|| usize::try_from(metadata.len()).ok()).flatten()
}

#[cfg(not(unix))]
fn stdin_file_size() -> Option<usize> {
    None
}

/// What one engine run over a request found, and whether it fails the build.
pub(crate) struct Outcome {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
    /// Config errors always fail; other errors fail unless `on-error = "warn"`.
    pub fails: bool,
}

impl Outcome {
    pub fn failure_summary(&self) -> String {
        let summary = diagnostics::summarize(&self.diagnostics);
        format!("{} error(s), {} warning(s); the book was not changed", summary.errors, summary.warnings)
    }
}

/// Reads the config from the request, then expands the book's directives and runs the structure check.
pub(crate) fn run_engine(request: &mut Request<'_>) -> Outcome {
    run_engine_preloaded(request, None)
}

/// [`run_engine`] with the data files already being loaded ([`engine::preload_data`]).
fn run_engine_preloaded(request: &mut Request<'_>, preload: Option<crate::preprocess::DataPreload>) -> Outcome {
    let (config, mut config_diagnostics) = Config::from_table(request.kpi_table(), request.book_language());
    let mut sources = Sources::new();
    place_in_book_toml(request.root(), &mut config_diagnostics, &mut sources);
    let config_fails = config_diagnostics.iter().any(|d| d.severity == Severity::Error);
    if config_fails {
        return Outcome { diagnostics: config_diagnostics, sources, fails: true };
    }
    let (mut found, found_sources) = engine::preprocess_preloaded(request, &config, preload);
    sources.extend(found_sources);
    config_diagnostics.append(&mut found);
    let mut all = config_diagnostics;
    diagnostics::sort(&mut all);
    let has_errors = all.iter().any(|d| d.severity == Severity::Error);
    let fails = has_errors && config.on_error == OnError::Fail;
    Outcome { diagnostics: all, sources, fails }
}

/// mdBook's JSON has no positions. When book.toml on disk says the same, take its findings, which do.
fn place_in_book_toml(root: &Path, found: &mut [Diagnostic], sources: &mut Sources) {
    if found.is_empty() {
        return;
    }
    let Ok(text) = std::fs::read_to_string(root.join(BOOK_TOML)) else {
        return;
    };
    let (_, placed) = Config::from_book_toml(&text);
    let same = placed.len() == found.len()
        && placed.iter().zip(found.iter()).all(|(p, f)| p.rule == f.rule && p.message == f.message);
    if same {
        found.clone_from_slice(&placed);
        sources.insert(BOOK_TOML.to_string(), text);
    }
}

/// `mdbook-kpi check`: the preprocessor's findings for a book on disk, in a CI format. Reads book.toml,
/// SUMMARY.md and the chapters itself (never writing, unlike mdBook's loader, which creates missing chapters).
/// GitHub reads annotation and SARIF paths from the repository root, where CI runs `check`: a book given as a
/// relative folder (`docs/report`) gets that folder in front of its book-relative paths.
fn prefix_with_book_path(book: &Path, found: &mut [Diagnostic]) {
    if book.is_absolute() {
        return;
    }
    let prefix = book.to_string_lossy().replace('\\', "/");
    let prefix = prefix.trim_start_matches("./").trim_end_matches('/');
    if prefix.is_empty() || prefix == "." {
        return;
    }
    for finding in found.iter_mut().filter(|f| !f.file.is_empty()) {
        finding.file = format!("{prefix}/{}", finding.file);
    }
}

fn check(book_arg: &Path, format: Format, deny_warnings: bool) -> u8 {
    let root = match book_root(book_arg) {
        Ok(root) => root,
        Err(code) => return code,
    };
    let mut book = match crate::check::read_book(&root) {
        Ok(book) => book,
        Err(diagnostic) => {
            let mut sources = Sources::new();
            if let Ok(text) = std::fs::read_to_string(root.join(&diagnostic.file)) {
                sources.insert(diagnostic.file.clone(), text);
            }
            print!("{}", diagnostics::render(format, std::slice::from_ref(&diagnostic), &sources));
            return EXIT_USAGE;
        }
    };
    // Findings quote the files they point into: book.toml and SUMMARY.md here, chapters and data files as the
    // check and the expansion find something in them (a copy of every chapter would double the book).
    let mut sources = Sources::new();
    if !book.book_toml_text.is_empty() {
        sources.insert(BOOK_TOML.to_string(), book.book_toml_text.clone());
    }
    sources.insert(book.summary_path.clone(), book.summary_text.clone());
    let (config, mut found) = Config::from_book_toml(&book.book_toml_text);
    if found.iter().any(|d| d.severity == Severity::Error) {
        diagnostics::sort(&mut found);
        print!("{}", diagnostics::render(format, &found, &sources));
        return EXIT_USAGE;
    }
    let (structure, structure_sources, code_ranges) =
        engine::structure_check_with_ranges(&root, &config, &book.chapters);
    found.extend(structure);
    sources.extend(structure_sources);
    let chapters = std::mem::take(&mut book.chapters);
    // Findings do not depend on the renderer (chart options are checked for tables too), and a table costs a
    // fraction of an SVG chart.
    let (expanded, more_sources) =
        engine::expansion_findings(&root, book.language.as_deref(), "markdown", &config, chapters, code_ranges);
    found.extend(expanded);
    sources.extend(more_sources);
    diagnostics::sort(&mut found);
    if matches!(format, Format::Github | Format::Sarif) {
        prefix_with_book_path(book_arg, &mut found);
    }
    print!("{}", diagnostics::render(format, &found, &sources));
    let summary = diagnostics::summarize(&found);
    // Like rustc: a summary after findings, silence when there are none.
    if format == Format::Human && !found.is_empty() {
        println!("{}", diagnostics::human::summary_line(&summary));
    }
    if found.iter().any(is_setup_error) {
        EXIT_USAGE
    } else if summary.errors > 0 || (deny_warnings && summary.warnings > 0) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// A config or schema error: the check could not run as configured, which exits 2 like a usage error.
fn is_setup_error(diagnostic: &Diagnostic) -> bool {
    // A templates or schema path that leaves the book is a config error too (a data file's is reported in the
    // data file and fails like other data errors).
    let refused_config_path = diagnostic.rule == Rule::DataPath && diagnostic.file == BOOK_TOML;
    diagnostic.severity == Severity::Error
        && (matches!(diagnostic.rule.family(), "config" | "schema") || refused_config_path)
}

/// `mdbook-kpi eval`: one directive against a book's data.
fn eval(book: &Path, json: bool, directive: &str) -> u8 {
    let root = match book_root(book) {
        Ok(root) => root,
        Err(code) => return code,
    };
    let mut sources = Sources::new();
    let (config, found) = match std::fs::read_to_string(root.join(BOOK_TOML)) {
        Ok(text) => {
            let parsed = Config::from_book_toml(&text);
            sources.insert(BOOK_TOML.to_string(), text);
            parsed
        }
        Err(_) => Config::from_book_toml(""),
    };
    if found.iter().any(|d| d.severity == Severity::Error) {
        eprint!("{}", diagnostics::render(Format::Human, &found, &sources));
        return EXIT_USAGE;
    }
    let directive = normalize_directive(directive);
    match engine::eval(&root, &config, &directive, json) {
        Ok(text) => {
            println!("{text}");
            EXIT_OK
        }
        Err((mut found, more_sources)) => {
            sources.extend(more_sources);
            sources.entry(engine::EVAL_FILE.to_string()).or_insert(directive);
            diagnostics::sort(&mut found);
            eprint!("{}", diagnostics::render(Format::Human, &found, &sources));
            EXIT_FINDINGS
        }
    }
}

/// Accepts `revenue q4 vs q3` as well as `<<#kpi revenue q4 vs q3>>`.
fn normalize_directive(text: &str) -> String {
    let trimmed = text.trim();
    if trimmed.starts_with("<<") { trimmed.to_string() } else { format!("<<#kpi {trimmed}>>") }
}

/// The book root as an absolute path, or the exit code after telling the user why not.
pub(crate) fn book_root(book: &Path) -> Result<PathBuf, u8> {
    match book.canonicalize() {
        Ok(root) if root.is_dir() => Ok(root),
        Ok(_) => Err(fail(format!("{} is not a folder", book.display()), Some("pass the book's root folder"))),
        Err(error) => Err(fail(
            format!("cannot open the book folder {}: {error}", book.display()),
            Some("pass the book's root folder (the one with book.toml)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_and_sarif_paths_start_at_the_working_directory() {
        let mut found = vec![
            Diagnostic::warning(Rule::StyleJargon, "x").in_file("src/a.md"),
            Diagnostic::error(Rule::ConfigInvalid, "z"),
        ];
        prefix_with_book_path(Path::new("./docs/report/"), &mut found);
        assert_eq!(found[0].file, "docs/report/src/a.md");
        assert_eq!(found[1].file, "", "findings without a file stay without one");
        let mut found = vec![Diagnostic::warning(Rule::StyleJargon, "x").in_file("src/a.md")];
        prefix_with_book_path(Path::new("."), &mut found);
        assert_eq!(found[0].file, "src/a.md");
    }

    #[test]
    fn directives_may_be_given_without_the_wrapper() {
        assert_eq!(normalize_directive(" revenue q4 vs q3 "), "<<#kpi revenue q4 vs q3>>");
        assert_eq!(normalize_directive("<<#kpi revenue 2023>>"), "<<#kpi revenue 2023>>");
    }

    #[test]
    fn parses_every_subcommand() {
        let parse = |args: &[&str]| Cli::try_parse_from(std::iter::once("mdbook-kpi").chain(args.iter().copied()));
        assert!(parse(&[]).unwrap().command.is_none());
        assert!(matches!(parse(&["supports", "html"]).unwrap().command, Some(Command::Supports { .. })));
        let check = parse(&["check", "book", "--format", "sarif", "--deny-warnings"]).unwrap();
        assert!(matches!(check.command, Some(Command::Check { format: Format::Sarif, deny_warnings: true, .. })));
        let init = parse(&["init", "x", "--locale", "en", "--force"]).unwrap();
        assert!(matches!(init.command, Some(Command::Init { locale: Locale::En, force: true, .. })));
        assert!(parse(&["init", "--locale", "fr"]).is_err());
        assert!(parse(&["check", "--format", "xml"]).is_err());
        let build = parse(&["build", "b", "--dest-dir", "out"]).unwrap();
        assert!(matches!(build.command, Some(Command::Build { dest_dir: Some(_), .. })));
    }
}
