#![no_main]
//! Narration over any TOML data: every directive form over the metrics and dimensions the data defines.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mdbook_kpi_fuzz::invariants::narrate(data);
});
