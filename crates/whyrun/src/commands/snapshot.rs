//! `whyrun snapshot`: describes this machine (or `--root DIR` running on this machine's
//! kernel and CPU, as a DaemonSet with the host's `/` mounted does) and prints the model
//! with its library index as `whyrun.target/1` JSON, for `--target FILE` elsewhere.
//! Glue only: describing and the file format belong to `whyrun-target`.

use std::io::Write;

use anyhow::{Context, Result};
use whyrun_target::describe::{describe, DescribeOptions};
use whyrun_target::model::SourceKind;
use whyrun_target::FileView;
use whyrun_target::{snapshot, HostView, RootDirView};

use crate::cli::SnapshotArgs;
use crate::exit;

pub fn run(args: &SnapshotArgs) -> Result<u8> {
    let model = match &args.root {
        None => {
            let mut opts = DescribeOptions::host();
            opts.name = args.name.clone().unwrap_or_else(host_name);
            take(&HostView, &opts, args.no_libraries)
        }
        Some(dir) => {
            let view =
                RootDirView::new(dir).with_context(|| format!("--root {}", dir.display()))?;
            // The files are the root's; the kernel, CPU and binfmt_misc handlers are this
            // machine's, which is the one the root's binaries run on.
            let opts = DescribeOptions {
                name: args.name.clone().unwrap_or_else(host_name),
                source: SourceKind::Root,
                machine: Some(&HostView),
                mounts: false,
                env: None,
                kernel: None,
                cpu: None,
            };
            take(&view, &opts, args.no_libraries)
        }
    };
    let json = snapshot::to_json(&model);
    match &args.output {
        Some(path) => std::fs::write(path, json + "\n")
            .with_context(|| format!("writing {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{json}")?;
        }
    }
    Ok(exit::OK)
}

fn take(
    view: &dyn FileView,
    opts: &DescribeOptions<'_>,
    no_libraries: bool,
) -> whyrun_target::model::TargetModel {
    if no_libraries {
        describe(view, opts)
    } else {
        snapshot::take(view, opts)
    }
}

/// The machine's host name, for the snapshot's name (`host` when unreadable).
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "host".into())
}
