#![no_main]
//! The JSON loader over any bytes (the format follows the file name).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mdbook_kpi_fuzz::invariants::load("data/kpi.json", data);
});
