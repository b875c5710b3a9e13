//! Tests of `--image`: the formats an image comes in, the image config and entrypoint,
//! hostile archives and layers, and agreement with `--root` over the same tree. The images
//! are built in the tests (see `support.rs`).

mod agree;
mod formats;
mod hostile;
mod perf;
mod seeds;
mod support;
