//! `mdbook-kpi init`: a new report book.

use std::path::Path;

use crate::config::Locale;

pub(super) fn run(dir: &Path, locale: Locale, force: bool) -> u8 {
    let _ = (dir, locale, force);
    super::fail("init is not implemented yet", None)
}
