//! Helpers several test binaries share: fixture trees copied and read back, and findings printed for snapshots
//! and assertion messages. Each binary includes it with `mod support;` and uses a part of it.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mdbook_kpi::diagnostics::Diagnostic;

/// Copies the folder `from` and everything below it to `to`.
pub fn copy_tree(from: &Path, to: &Path) {
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

/// Every file under `root`: its path relative to `root` → its bytes.
pub fn read_tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.insert(path.strip_prefix(root).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// A finding on one line: `error src/plan.md:3:1 structure/missing-part — module “Plan” has no …`.
pub fn finding_line(d: &Diagnostic) -> String {
    format!("{} {}:{}:{} {} — {}", d.severity.as_str(), d.file, d.line, d.column, d.rule, d.message)
}

/// A finding with its whole span, the message on the next line indented: `error[rule] src/plan.md:1:1-1:23`.
pub fn finding_with_span(d: &Diagnostic) -> String {
    format!(
        "{}[{}] {}:{}:{}-{}:{}\n  {}",
        d.severity.as_str(),
        d.rule,
        d.file,
        d.line,
        d.column,
        d.end_line,
        d.end_column,
        d.message
    )
}

/// Appends the finding's help, if it has one, as `{indent}help: …` on a line of its own.
pub fn push_help(out: &mut String, d: &Diagnostic, indent: &str) {
    if let Some(help) = &d.help {
        out.push_str(&format!("{indent}help: {help}\n"));
    }
}
