//! Replays the saved fuzz inputs (crashes found and fixed, plus a small minimized corpus per target) through the
//! same invariant checks the fuzz targets run (`fuzz/src/invariants.rs`), so every bug the fuzzer found stays
//! fixed without running the fuzzer.

#[path = "../fuzz/src/invariants.rs"]
#[allow(dead_code)]
mod invariants;

use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/robust/corpus").join(target);
    let mut inputs: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .map(|path| {
            let bytes = std::fs::read(&path).expect("a corpus file");
            (path, bytes)
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no saved inputs for {target}");
    inputs
}

/// Runs `check` over every saved input of `target`, naming the input that fails.
fn replay(target: &str, check: impl Fn(&[u8])) {
    for (path, bytes) in corpus(target) {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&bytes)));
        if let Err(panic) = result {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{} fails: {message}", path.display());
        }
    }
}

#[test]
fn parse_corpus() {
    replay("parse", |data| {
        if let Ok(body) = std::str::from_utf8(data) {
            invariants::parse(body);
            invariants::parse(&format!("<<#kpi {body}>>"));
        }
    });
}

#[test]
fn scan_corpus() {
    replay("scan", |data| {
        if let Ok(text) = std::str::from_utf8(data) {
            invariants::scan(text);
        }
    });
}

#[test]
fn load_toml_corpus() {
    replay("load_toml", |data| invariants::load("data/kpi.toml", data));
}

#[test]
fn load_json_corpus() {
    replay("load_json", |data| invariants::load("data/kpi.json", data));
}

#[test]
fn load_csv_corpus() {
    replay("load_csv", |data| invariants::load("data/kpi.csv", data));
}

#[test]
fn expand_corpus() {
    replay("expand", |data| {
        if let Some((&first, rest)) = data.split_first() {
            invariants::expand(invariants::Setup::from_byte(first), &String::from_utf8_lossy(rest));
        }
    });
}

#[test]
fn check_corpus() {
    replay("check", invariants::check);
}

#[test]
fn schema_corpus() {
    replay("schema", |data| {
        if let Ok(text) = std::str::from_utf8(data) {
            invariants::schema(text);
        }
    });
}

#[test]
fn preprocess_corpus() {
    replay("preprocess", invariants::preprocess);
}

#[test]
fn narrate_corpus() {
    replay("narrate", invariants::narrate);
}
