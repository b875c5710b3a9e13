//! whyrun-facts' integration tests, one test binary: the facts of real fixtures, reading
//! by parts against reading whole, and hostile (mutated) input.

mod common;
mod go_fixtures;
mod link_parts;
mod mutations;
mod rust_auditable;
