#![no_main]
//! The structure check over any chapters (NUL separates them; see `chapters_from`), with the built-in schema.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mdbook_kpi_fuzz::invariants::check(data);
});
