//! Tests of `--image`: the formats an image comes in, the image config and entrypoint,
//! hostile archives and layers, and agreement with `--root` over the same tree. One test
//! binary; the images are built in the tests (see `image/support.rs`).

#[path = "image/agree.rs"]
mod agree;
#[path = "image/formats.rs"]
mod formats;
#[path = "image/hostile.rs"]
mod hostile;
#[path = "image/perf.rs"]
mod perf;
#[path = "image/seeds.rs"]
mod seeds;
#[path = "image/support.rs"]
mod support;
