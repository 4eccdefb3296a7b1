//! Confining the book's data, template and schema paths to the book root (docs/src/errors-and-guarantees.md).

use std::path::{Path, PathBuf};

/// Resolves `relative` against `root` and refuses a result outside the root, also through symlinks.
/// Returns the canonical path; `Err` carries a message for the user.
pub fn resolve_in_root(root: &Path, relative: &str) -> Result<PathBuf, String> {
    let root = root.canonicalize().map_err(|e| format!("cannot open the book root {}: {e}", root.display()))?;
    let joined = root.join(relative);
    let resolved = joined.canonicalize().map_err(|e| format!("cannot open `{relative}`: {e}"))?;
    if !resolved.starts_with(&root) {
        return Err(format!(
            "`{relative}` resolves outside the book root ({}); paths must stay inside the book",
            resolved.display()
        ));
    }
    Ok(resolved)
}
