#![no_main]
//! The directive grammar over any text, usually opened with the marker so the fuzzer reaches past the frame.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else { return };
    mdbook_kpi_fuzz::invariants::parse(body);
    mdbook_kpi_fuzz::invariants::parse(&format!("<<#kpi {body}>>"));
});
