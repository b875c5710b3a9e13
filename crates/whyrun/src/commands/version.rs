//! `whyrun version`: the version, and with `--verbose` how this binary was built (commit,
//! target triple, linkage, compiler, profile) and how many rules it carries.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::cli::VersionArgs;
use crate::exit;

/// How this binary was built, from `build.rs` and the compile-time configuration.
#[derive(Debug, Serialize)]
struct BuildInfo {
    schema: &'static str,
    version: &'static str,
    commit: &'static str,
    commit_date: &'static str,
    target: &'static str,
    /// `static` when the C library is linked in (`+crt-static`), else `dynamic`.
    linkage: &'static str,
    /// The C library the target triple names: `gnu` (glibc) or `musl`.
    libc: &'static str,
    rustc: &'static str,
    profile: &'static str,
    rules: usize,
}

fn build_info() -> BuildInfo {
    BuildInfo {
        schema: "whyrun.version/1",
        version: env!("CARGO_PKG_VERSION"),
        commit: env!("WHYRUN_BUILD_COMMIT"),
        commit_date: env!("WHYRUN_BUILD_COMMIT_DATE"),
        target: env!("WHYRUN_BUILD_TARGET"),
        linkage: if cfg!(target_feature = "crt-static") {
            "static"
        } else {
            "dynamic"
        },
        libc: if cfg!(target_env = "musl") {
            "musl"
        } else if cfg!(target_env = "gnu") {
            "gnu"
        } else {
            "other"
        },
        rustc: env!("WHYRUN_BUILD_RUSTC"),
        profile: env!("WHYRUN_BUILD_PROFILE"),
        rules: whyrun_rules::RULES.len(),
    }
}

pub fn run(args: &VersionArgs) -> Result<u8> {
    let info = build_info();
    let mut out = std::io::stdout().lock();
    if args.output.json() {
        serde_json::to_writer_pretty(&mut out, &info)?;
        writeln!(out)?;
    } else if args.verbose {
        let commit = match info.commit_date {
            "" => info.commit.to_string(),
            date => format!("{} ({date})", info.commit),
        };
        let libc = match info.libc {
            "gnu" => "glibc",
            other => other,
        };
        write!(
            out,
            "whyrun {}\ncommit:  {commit}\ntarget:  {}\nlinkage: {} ({libc})\nrustc:   {}\nprofile: {}\nrules:   {}\n",
            info.version, info.target, info.linkage, info.rustc, info.profile, info.rules
        )?;
    } else {
        writeln!(out, "whyrun {}", info.version)?;
    }
    out.flush()?;
    Ok(exit::OK)
}
