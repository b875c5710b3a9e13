//! whyrun-check's integration tests, one test binary: the pipeline of `whyrun check` on
//! real binaries and real targets.

mod examples;
mod fixtures;
mod rule_docs;
