//! The fuzz targets' bodies, shared with the regression test that replays the saved corpus
//! (`tests/robust_corpus.rs` includes `invariants.rs` by path).

pub mod invariants;
