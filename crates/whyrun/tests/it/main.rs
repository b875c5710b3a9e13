//! whyrun's integration tests, one test binary: the CLI against real binaries built by real
//! toolchains, compared with the tools a user would otherwise trust (`go version -m`,
//! `readelf`).

mod apparmor;
mod bad_input;
mod build_inputs;
mod call_reach;
mod check_cli;
mod config;
mod containers;
mod containers_launch;
mod distribution;
mod dockerfiles;
mod e2e;
mod elf_conformance;
mod fix_runs;
mod fixtures;
mod go_conformance;
mod json_schema;
mod multi_platform;
mod packaging;
mod podman;
mod run_as;
#[path = "../../../whyrun-report/tests/it/sarif_schema.rs"]
mod sarif_schema;
mod schemas;
mod scripts;
mod selinux;
mod stale_ld_cache;
mod stripped;
mod symbols;
mod third_party;
mod tree;
mod units;
