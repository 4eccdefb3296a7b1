#![no_main]
//! The whole preprocessor on any stdin: the protocol reader, the config from the context, the engine.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mdbook_kpi_fuzz::invariants::preprocess(data);
});
