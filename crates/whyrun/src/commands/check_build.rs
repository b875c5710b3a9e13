//! `whyrun check DIR`: Go sources judged before they are built; `whyrun check BINARY
//! --source DIR`: a binary against the sources it is said to come from. The arguments become a
//! `BuildRequest`; `whyrun_check::build` does the work; the report and exit code are
//! those of every check (`check::finish`).

use std::path::Path;

use anyhow::{bail, Result};
use whyrun_check::build::BuildRequest;
use whyrun_check::Config;

use crate::cli::CheckArgs;

pub fn run(args: &CheckArgs, dir: &Path, config: &Config) -> Result<u8> {
    let t = &args.targets;
    if !t.targets.is_empty() || !t.roots.is_empty() || !t.images.is_empty() || args.inside.is_some()
    {
        bail!(
            "{} is a directory of Go sources: it is judged against the toolchain (--go), not against targets",
            dir.display()
        );
    }
    let request = BuildRequest {
        dir: dir.to_path_buf(),
        go: args.go.clone(),
        env: args.env.clone(),
        binary: None,
    };
    let outcome = whyrun_check::build::check(&request, config);
    crate::commands::check::finish(args, &outcome)
}

/// `whyrun check BINARY --source DIR`: the binary's build info against the tree, and the
/// tree against the binary's Go version.
pub fn run_source(args: &CheckArgs, binary: &Path, dir: &Path, config: &Config) -> Result<u8> {
    let t = &args.targets;
    if !t.targets.is_empty() || !t.roots.is_empty() || !t.images.is_empty() {
        bail!("--source compares BINARY with its Go sources: check it against targets in a separate run");
    }
    let request = BuildRequest {
        dir: dir.to_path_buf(),
        go: args.go.clone(),
        env: args.env.clone(),
        binary: Some(binary.to_path_buf()),
    };
    let outcome = whyrun_check::build::check(&request, config);
    crate::commands::check::finish(args, &outcome)
}
