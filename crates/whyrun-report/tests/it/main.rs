//! whyrun-report's integration tests, one test binary.

mod emitters;
#[path = "../../../whyrun/tests/it/json_schema.rs"]
mod json_schema;
mod sarif_schema;
