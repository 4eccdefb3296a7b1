//! Golden tests for `mdbook-kpi install`: each `tests/fixtures/workflow/install/NAME.in.toml` is installed into a
//! temp book and must come out as `NAME.out.toml`, byte for byte; a second run must change nothing.
//! `UPDATE_GOLDEN=1 cargo test --test workflow_install -- --test-threads=1` rewrites the expected files (review
//! the diff!).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use mdbook_kpi::config::Config;
use predicates::prelude::*;

const KPI: &str = env!("CARGO_BIN_EXE_mdbook-kpi");

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workflow/install")
}

/// Runs `mdbook-kpi install` on a temp book holding `book_toml`; returns the file afterwards and stderr.
fn install(book: &Path, book_toml: &str) -> (String, String) {
    std::fs::write(book.join("book.toml"), book_toml).unwrap();
    let output = Command::new(KPI).arg("install").arg(book).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "install failed: {stderr}");
    (std::fs::read_to_string(book.join("book.toml")).unwrap(), stderr)
}

#[test]
fn install_matches_the_golden_files_and_is_idempotent() {
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(".in.toml"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 8, "golden inputs missing: {inputs:?}");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for input in inputs {
        let name = input.file_name().unwrap().to_string_lossy().replace(".in.toml", "");
        let expected_path = golden_dir().join(format!("{name}.out.toml"));
        let book = tempfile::tempdir().unwrap();
        let (once, _) = install(book.path(), &std::fs::read_to_string(&input).unwrap());
        if update {
            std::fs::write(&expected_path, &once).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", expected_path.display()));
        assert!(once == expected, "{name}: install wrote\n{once}\n--- expected\n{expected}");
        let (twice, stderr) = install(book.path(), &once);
        assert_eq!(twice, once, "{name}: the second run changed the file");
        assert!(stderr.contains("nothing to do"), "{name}: {stderr}");
        let (_, found) = Config::from_book_toml(&once);
        assert!(found.is_empty(), "{name}: {found:?}");
    }
}

/// The fixtures each exercise one thing; this pins the parts a reader of a golden diff could miss.
#[test]
fn the_golden_outputs_say_what_they_should() {
    let read = |name: &str| std::fs::read_to_string(golden_dir().join(name)).unwrap();
    let pairs = ["plain", "odd-formatting", "existing-build", "existing-watch-dirs", "existing-kpi", "crlf"];
    for name in pairs {
        let (input, output) = (read(&format!("{name}.in.toml")), read(&format!("{name}.out.toml")));
        assert_ne!(input, output, "{name}: nothing was added");
        let table: toml::Table = toml::from_str(&output).unwrap();
        let dirs = table["build"]["extra-watch-dirs"].as_array().unwrap();
        let count = |dir: &str| dirs.iter().filter(|d| d.as_str() == Some(dir)).count();
        match name {
            "existing-watch-dirs" => {
                // figures/2022 was there; figures/2023 and the templates folder are new; no duplicates.
                assert_eq!(count("figures/2022"), 1);
                assert_eq!(count("figures/2023"), 1);
                assert_eq!(count("kpi-templates"), 1);
                assert!(output.starts_with(&input[..input.find("]\n").unwrap()]), "{output}");
            }
            _ => assert_eq!(count("data"), 1, "{name}: {output}"),
        }
        // An existing kpi table comes back exactly as it was.
        if input.contains("[preprocessor.kpi]") {
            let kpi = |text: &str| text[text.find("[preprocessor.kpi]").unwrap()..].to_string();
            assert!(kpi(&output).starts_with(&kpi(&input)[..kpi(&input).find("\n\n").unwrap_or(0)]), "{name}");
        }
        assert!(table["preprocessor"]["kpi"].is_table(), "{name}");
    }
    for unchanged in ["already-installed", "root-data"] {
        assert_eq!(read(&format!("{unchanged}.in.toml")), read(&format!("{unchanged}.out.toml")), "{unchanged}");
    }
    assert!(!read("crlf.out.toml").replace("\r\n", "").contains('\n'), "crlf: a bare LF crept in");
    assert!(
        read("inline-build.out.toml").contains("build = { create-missing = false, extra-watch-dirs = [\"data\"] }")
    );
}

#[test]
fn a_broken_build_table_is_refused_and_left_alone() {
    let book = tempfile::tempdir().unwrap();
    let text = "[book]\ntitle = \"x\"\n[build]\nextra-watch-dirs = \"data\"\n";
    std::fs::write(book.path().join("book.toml"), text).unwrap();
    Command::new(KPI)
        .arg("install")
        .arg(book.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("extra-watch-dirs is not an array").and(predicates::str::contains("help")));
    assert_eq!(std::fs::read_to_string(book.path().join("book.toml")).unwrap(), text);
}
