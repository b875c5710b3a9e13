//! whyrun-report's integration tests, one test binary.

mod emitters;
mod sarif_schema;
