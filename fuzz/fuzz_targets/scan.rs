#![no_main]
//! The Markdown scanner over any text.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    mdbook_kpi_fuzz::invariants::scan(text);
});
