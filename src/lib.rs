//! mdbook-kpi: data narrative and report-structure checks for mdBook.
//!
//! The pipeline, in the order a chapter meets it:
//! [`protocol`] (mdBook's JSON, both dialects) → [`config`] (`[preprocessor.kpi]`) →
//! [`data`] (load and query the book's figures) → [`directive`] (find and parse `<<#kpi …>>`) →
//! [`narrate`] (compute, format, render templates) → [`preprocess`] (splice the results back) →
//! [`check`] (structure rules) → [`diagnostics`] (one renderer per output format).
//!
//! [`engine`] runs that pipeline for each way it is used (mdBook's preprocessor protocol, `check`, `eval`,
//! `build`): a job in, an outcome out. [`cli`] parses the command line and turns outcomes into output and exit
//! codes.

pub mod check;
pub mod cli;
pub mod config;
pub mod data;
pub mod diagnostics;
pub mod directive;
pub mod engine;
pub mod figures;
pub mod memo;
pub mod memory;
pub mod narrate;
pub mod parallel;
pub mod paths;
pub mod preprocess;
pub mod protocol;
pub mod rules;
pub mod source;
pub mod splice;
pub mod suggest;
#[cfg(test)]
mod testing;
