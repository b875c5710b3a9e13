//! Opening the targets named on the command line: the host (the default), root
//! directories, container images, built-in profiles and snapshots. Each becomes a target
//! model, plus a file view when the target has files the loader can search. A target that
//! cannot be opened gets one line on stderr naming it; the others are still checked.

use std::path::Path;
use std::sync::Arc;

use anstream::{eprintln, println};
use whyrun_target::describe::{describe, describe_host, DescribeOptions};
use whyrun_target::fs::{FileView, HostView, RootDirView};
use whyrun_target::model::{SourceKind, TargetModel};
use whyrun_target::Cpu;

use crate::cli::TargetArgs;
use crate::style::{ACCENT, LABEL};

/// A target ready to be checked against.
#[derive(Debug)]
pub struct OpenTarget {
    pub model: TargetModel,
    /// The target's files, when it has any (host, root, image).
    pub view: Option<Arc<dyn FileView>>,
    /// The CPU the loader chooses glibc-hwcaps directories for.
    pub cpu: Cpu,
    /// An image's entrypoint binary, resolved against its PATH, or why it cannot be named.
    pub entrypoint: Option<Result<String, String>>,
}

impl OpenTarget {
    pub fn is_host(&self) -> bool {
        self.model.source == SourceKind::Host
    }
}

/// Opens every named target (the host when none is named). Returns the targets that
/// opened and whether any failed.
pub fn open_all(args: &TargetArgs) -> (Vec<OpenTarget>, bool) {
    let mut out = Vec::new();
    let mut failed = false;
    let mut report = |name: &str, e: String| {
        failed = true;
        eprintln!("whyrun: {name}: {e}");
    };
    if args.targets.is_empty() && args.roots.is_empty() && args.images.is_empty() {
        out.push(host());
    }
    for name in &args.targets {
        match open_named(name) {
            Ok(t) => out.push(t),
            Err(e) => report(name, e),
        }
    }
    for dir in &args.roots {
        match open_root(dir, args.this_machine) {
            Ok(t) => out.push(t),
            Err(e) => report(&dir.display().to_string(), e),
        }
    }
    for image in &args.images {
        match open_image(image, args.this_machine) {
            Ok(t) => out.push(t),
            Err(e) => report(&image.display().to_string(), e),
        }
    }
    (out, failed)
}

fn host() -> OpenTarget {
    OpenTarget {
        model: describe_host(),
        view: Some(Arc::new(HostView)),
        cpu: Cpu::detect(),
        entrypoint: None,
    }
}

fn options(name: String, source: SourceKind, this_machine: bool) -> DescribeOptions<'static> {
    let mut opts = DescribeOptions::files_only(name, source);
    if this_machine {
        opts.machine = Some(&HostView);
    }
    opts
}

fn open_root(dir: &Path, this_machine: bool) -> Result<OpenTarget, String> {
    let view: Arc<dyn FileView> = Arc::new(RootDirView::new(dir).map_err(|e| e.to_string())?);
    let model = describe(
        &*view,
        &options(dir.display().to_string(), SourceKind::Root, this_machine),
    );
    Ok(OpenTarget {
        model,
        view: Some(view),
        cpu: Cpu::detect(),
        entrypoint: None,
    })
}

fn open_image(path: &Path, this_machine: bool) -> Result<OpenTarget, String> {
    let image = whyrun_target::image::ImageView::open(path).map_err(|e| e.to_string())?;
    let config = image.config().clone();
    let entrypoint = Some(
        image
            .entrypoint()
            .map(|e| e.path.display().to_string())
            .map_err(|e| e.to_string()),
    );
    let view: Arc<dyn FileView> = Arc::new(image);
    let mut model = describe(
        &*view,
        &options(path.display().to_string(), SourceKind::Image, this_machine),
    );
    model.default_user = config.user.clone().filter(|u| !u.is_empty());
    for kv in &config.env {
        if let Some((k, v)) = kv.split_once('=') {
            model.env.insert(k.to_string(), v.to_string());
        }
    }
    model.image = Some(config);
    Ok(OpenTarget {
        model,
        view: Some(view),
        cpu: Cpu::detect(),
        entrypoint,
    })
}

/// A built-in profile by name, or a snapshot file.
fn open_named(name: &str) -> Result<OpenTarget, String> {
    let model = if name.ends_with(".json") || Path::new(name).is_file() {
        whyrun_target::snapshot::load_snapshot(Path::new(name)).map_err(|e| e.to_string())?
    } else {
        whyrun_target::profiles::profile(name).ok_or_else(|| {
            format!("no built-in target named {name:?} and no such snapshot file (`whyrun check --list-targets` lists the profiles)")
        })?
    };
    let cpu = match &model.cpu {
        Some(c) => Cpu {
            arch: c.arch.clone(),
            x86_isa_levels: c.x86_isa_levels,
        },
        None => Cpu::detect(),
    };
    Ok(OpenTarget {
        model,
        view: None,
        cpu,
        entrypoint: None,
    })
}

pub fn print_profiles() {
    for (name, summary) in whyrun_target::profiles::list() {
        println!("  {ACCENT}{name:<24}{ACCENT:#} {LABEL}{summary}{LABEL:#}");
    }
}
