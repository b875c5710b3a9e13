//! whyrun-target's integration tests, one test binary: describing real and hostile roots,
//! snapshots, images, the profiles' sources, and the loader against the real `ldd`.

mod describe_bookworm;
mod describe_hostile;
mod describe_snapshot;
mod image;
mod ldd_agreement;
mod other_version;
mod profiles_sources;
mod small_root;
mod unreadable;
