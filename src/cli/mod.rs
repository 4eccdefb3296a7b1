//! The command line: preprocessor mode without a subcommand, and `supports`, `check`, `eval`, `build`, `init`,
//! `install`. It parses arguments, hands the pipeline's work to the [`engine`](crate::engine), and turns the
//! outcome into output and an exit code; `init` and `install` only write files, and live here.
//!
//! Exit codes: 0 success; 1 findings that fail (errors, or warnings under `--deny-warnings`); 2 usage, config,
//! malformed input or I/O errors.

pub mod fix;
mod init;
mod install;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Locale;
use crate::diagnostics::{self, Diagnostic, Format};
use crate::engine::{self, Findings, Job, Outcome, Product, Refusal, Status};

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
    /// Rewrite every hand-typed figure that agrees with the data into the directive that writes the same text.
    Fix {
        /// The book root.
        #[arg(default_value = ".")]
        book: PathBuf,
        /// Print the changes as a diff without writing any file.
        #[arg(long)]
        dry_run: bool,
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
        Some(Command::Check { book, format, deny_warnings }) => {
            let outcome = engine::run(Job::Check { book: book.clone() });
            report_check(outcome, &book, format, deny_warnings)
        }
        Some(Command::Eval { book, json, directive }) => {
            report_eval(engine::run(Job::Eval { book, directive: normalize_directive(&directive), json }))
        }
        Some(Command::Build { book, dest_dir }) => report_build(engine::run(Job::Build { book, dest_dir })),
        Some(Command::Init { dir, locale, force }) => report_files(init::run(&dir, locale, force)),
        Some(Command::Install { book }) => report_files(install::run(&book)),
        Some(Command::Fix { book, dry_run }) => fix::run(&book, dry_run),
    }
}

/// Prints a fatal error (not a finding) in the same style as findings.
fn fail(message: impl std::fmt::Display, help: Option<&str>) -> u8 {
    eprintln!("error: {message}");
    if let Some(help) = help {
        eprintln!("  = help: {help}");
    }
    EXIT_USAGE
}

fn refuse(refusal: &Refusal) -> u8 {
    fail(&refusal.message, refusal.help.as_deref())
}

/// Findings as rustc shows them, on stderr (where mdBook passes a preprocessor's output on to the user).
fn eprint_human(findings: &Findings) {
    eprint!("{}", diagnostics::render(Format::Human, &findings.diagnostics, &findings.sources));
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
    let input = match crate::protocol::read_stdin(engine::warm_up) {
        Ok(input) => input,
        Err(error) => return fail(format!("cannot read stdin: {error}"), None),
    };
    let Outcome { status, passes, notes, product } = engine::run(Job::Preprocess(input.into()));
    if let Status::Refused(refusal) = &status {
        return refuse(refusal);
    }
    for note in &notes {
        eprintln!("warning: {note}");
    }
    passes.iter().for_each(eprint_human);
    drop(passes);
    let request = match (status, product) {
        (Status::Passed, Product::Book(request)) => request,
        (status, _) => {
            if let Status::Failed(Some(reason)) = status {
                eprintln!("error: {reason}");
            }
            return EXIT_FINDINGS;
        }
    };
    let written = match book_output() {
        Some(file) => write_book_to(&request, file),
        None => write_book_to(&request, std::io::stdout().lock()),
    };
    // The process ends here: freeing the book piece by piece (a millisecond) would only keep mdBook waiting.
    std::mem::forget(request);
    match written {
        Ok(()) => EXIT_OK,
        Err(error) => fail(format!("cannot write the book to stdout: {error}"), None),
    }
}

/// Writes the book in blocks of 64 KiB and flushes them.
fn write_book_to(request: &crate::protocol::Request<'_>, out: impl std::io::Write) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    request.write_book(&mut out).and_then(|()| out.flush())
}

/// Stdout as a file of its own (a duplicate of its descriptor) for the book: std's stdout is line-buffered
/// and searched every 64 KiB block of the book for a line break (a JSON text has none), a few tenths of a
/// millisecond for a large book at the end of the run. `None` where the descriptor cannot be duplicated;
/// nothing else is written to stdout in preprocessor mode.
#[cfg(unix)]
fn book_output() -> Option<std::fs::File> {
    use std::io::Write;
    use std::os::fd::AsFd;
    std::io::stdout().flush().ok()?;
    std::io::stdout().as_fd().try_clone_to_owned().ok().map(std::fs::File::from)
}

#[cfg(not(unix))]
fn book_output() -> Option<std::fs::File> {
    None
}

/// `mdbook-kpi check`: the findings in the chosen format on stdout. A check that stopped before it began shows
/// only why; one that ran ends, in the human format, with the counts: a summary line after findings, or
/// `ok: 12 chapters, 48 directives, 0 errors, 0 warnings` when there are none.
fn report_check(outcome: Outcome<'_>, book: &Path, format: Format, deny_warnings: bool) -> u8 {
    let Outcome { status, passes, product, .. } = outcome;
    if let Status::Refused(refusal) = &status {
        return refuse(refusal);
    }
    let mut findings = passes.into_iter().next().unwrap_or_default();
    relative_to_working_directory(book, &mut findings);
    if status == Status::Stopped {
        print!("{}", diagnostics::render(format, &findings.diagnostics, &findings.sources));
        return EXIT_USAGE;
    }
    print!("{}", diagnostics::render(format, &findings.diagnostics, &findings.sources));
    let counts = findings.counts();
    // A summary after findings; when there are none, one line that says what was checked.
    if format == Format::Human {
        match product {
            Product::Checked { chapters, directives } if findings.diagnostics.is_empty() => {
                println!("{}", ok_line(chapters, directives));
            }
            _ => println!("{}", diagnostics::human::summary_line(&counts)),
        }
    }
    match status {
        Status::Passed if deny_warnings && counts.warnings > 0 => EXIT_FINDINGS,
        Status::Passed => EXIT_OK,
        Status::Failed(_) => EXIT_FINDINGS,
        Status::Misconfigured | Status::Stopped | Status::Refused(_) => EXIT_USAGE,
    }
}

/// `ok: 12 chapters, 48 directives, 0 errors, 0 warnings`.
fn ok_line(chapters: usize, directives: usize) -> String {
    let count = |n: usize, noun: &str| if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") };
    format!("ok: {}, {}, 0 errors, 0 warnings", count(chapters, "chapter"), count(directives, "directive"))
}

/// One rule for paths in every format: relative to the working directory, where CI runs `check` and where
/// GitHub reads annotation and SARIF paths from (the repository root) — a book given as a relative folder
/// (`docs/report`) gets that folder in front of its book-relative paths; a book given as `.` or as an absolute
/// path keeps book-relative ones. `sources` are keyed the same way, so that the human format still quotes.
fn relative_to_working_directory(book: &Path, findings: &mut crate::engine::Findings) {
    let Some(prefix) = book_prefix(book) else { return };
    prefix_with_book_path(book, &mut findings.diagnostics);
    let sources = std::mem::take(&mut findings.sources);
    findings.sources = sources.into_iter().map(|(file, text)| (format!("{prefix}/{file}"), text)).collect();
}

/// `docs/report` for a book given as `./docs/report/`; `None` for `.` and absolute paths.
fn book_prefix(book: &Path) -> Option<String> {
    if book.is_absolute() {
        return None;
    }
    let prefix = book.to_string_lossy().replace('\\', "/");
    let prefix = prefix.trim_start_matches("./").trim_end_matches('/');
    (!prefix.is_empty() && prefix != ".").then(|| prefix.to_string())
}

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

/// `mdbook-kpi eval`: the text on stdout, or the findings on stderr.
fn report_eval(outcome: Outcome<'_>) -> u8 {
    match outcome.status {
        Status::Refused(refusal) => return refuse(&refusal),
        Status::Passed => {
            if let Product::Text(text) = outcome.product {
                println!("{text}");
            }
            return EXIT_OK;
        }
        _ => {}
    }
    outcome.passes.iter().for_each(eprint_human);
    if outcome.status == Status::Stopped { EXIT_USAGE } else { EXIT_FINDINGS }
}

/// `mdbook-kpi build`: each kpi pass's findings on stderr, then where the book went or why it did not.
fn report_build(outcome: Outcome<'_>) -> u8 {
    if let Status::Refused(refusal) = &outcome.status {
        return refuse(refusal);
    }
    outcome.passes.iter().for_each(eprint_human);
    match (outcome.status, outcome.product) {
        (Status::Passed, Product::Written(dir)) => {
            eprintln!("mdbook-kpi: book written to {}", dir.display());
            EXIT_OK
        }
        (Status::Failed(Some(reason)), _) => {
            eprintln!("error: {reason}");
            EXIT_FINDINGS
        }
        _ => EXIT_FINDINGS,
    }
}

/// Accepts `revenue q4 vs q3` as well as `<<#kpi revenue q4 vs q3>>`.
fn normalize_directive(text: &str) -> String {
    let trimmed = text.trim();
    if trimmed.starts_with("<<") { trimmed.to_string() } else { format!("<<#kpi {trimmed}>>") }
}

/// `init` and `install`: what they wrote, a line each on stderr, or why they could not.
fn report_files(done: Result<Vec<String>, Refusal>) -> u8 {
    match done {
        Ok(lines) => {
            lines.iter().for_each(|line| eprintln!("{line}"));
            EXIT_OK
        }
        Err(refusal) => refuse(&refusal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rule;

    #[test]
    fn paths_start_at_the_working_directory() {
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
