#![no_main]
//! Chapter expansion over the reference data set with any chapter text; the first byte picks locale, renderer
//! and on-error mode.
use libfuzzer_sys::fuzz_target;
use mdbook_kpi_fuzz::invariants::{Setup, expand};

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let chapter = String::from_utf8_lossy(rest);
    expand(Setup::from_byte(first), &chapter);
});
