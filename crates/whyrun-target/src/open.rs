//! Opening the targets a user names: the host (the default), root directories, container
//! images, built-in profiles and snapshots. Each becomes a target model, plus a file view
//! when the target has files the loader can search. A target that cannot be opened is
//! returned with its error, by name; the others still open.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::describe::{describe, describe_host, DescribeOptions};
use crate::fs::{FileView, HostView, RootDirView};
use crate::model::{SourceKind, TargetModel};
use crate::Cpu;

/// The targets a user named.
#[derive(Debug, Clone, Default)]
pub struct TargetSpec {
    /// Built-in profiles by name, or snapshot files.
    pub targets: Vec<String>,
    /// Root file systems (chroot semantics).
    pub roots: Vec<PathBuf>,
    /// Container images: `docker save` tarballs or OCI layouts.
    pub images: Vec<PathBuf>,
    /// The roots and images will run on this machine: its kernel, CPU and binfmt_misc.
    pub this_machine: bool,
    /// The image to read from an archive that holds several: `os/arch[/variant]`. Without
    /// it every image is read, each a target (with `this_machine`, the one for this
    /// machine).
    pub platform: Option<String>,
}

/// A target that could not be opened: its name as given, and why.
#[derive(Debug, Clone)]
pub struct OpenError {
    pub name: String,
    pub error: String,
}

/// A target ready to be checked against.
#[derive(Debug)]
pub struct OpenTarget {
    pub model: TargetModel,
    /// The target's files, when it has any (host, root, image).
    pub view: Option<Arc<dyn FileView>>,
    /// The CPU the loader chooses glibc-hwcaps directories for.
    pub cpu: Cpu,
    /// An image's entrypoint binary, resolved against its PATH, or why it cannot be named.
    pub entrypoint: Option<Result<String, crate::image::EntrypointError>>,
    /// For an image: which image of its archive this is, and the archive's others.
    pub image: Option<crate::image::ImageSelection>,
}

impl OpenTarget {
    pub fn is_host(&self) -> bool {
        self.model.source == SourceKind::Host
    }
}

/// Opens every named target (the host when none is named): the targets that opened, and
/// those that did not with why.
pub fn open_all(args: &TargetSpec) -> (Vec<OpenTarget>, Vec<OpenError>) {
    let mut out = Vec::new();
    let mut failed = Vec::new();
    let mut report = |name: &str, error: String| {
        failed.push(OpenError {
            name: name.to_string(),
            error,
        })
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
        match open_images(image, args.this_machine, args.platform.as_deref()) {
            Ok(each) => {
                for t in each {
                    match t {
                        Ok(t) => out.push(t),
                        Err(e) => report(&image.display().to_string(), e),
                    }
                }
            }
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
        image: None,
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
        image: None,
    })
}

/// The images of the archive at `path` to check, each a target: the one `--platform`
/// names; without it, on this machine (`--this-machine`) the one for its platform, as a
/// container runtime here pulls; otherwise every image, each for the machine of its own
/// platform (its config's architecture), as each is deployed.
fn open_images(
    path: &Path,
    this_machine: bool,
    platform: Option<&str>,
) -> Result<Vec<Result<OpenTarget, String>>, String> {
    let mut opts = crate::image::ImageOptions::default();
    opts.select.platform = platform.map(str::to_string);
    let images = match (platform, this_machine) {
        (None, false) => crate::image::ImageView::open_each(path, &opts),
        _ => crate::image::ImageView::open_with(path, &opts).map(|i| vec![Ok(i)]),
    }
    .map_err(|e| e.to_string())?;
    Ok(images
        .into_iter()
        .map(|i| {
            i.map(|i| image_target(path, i, this_machine))
                .map_err(|e| e.to_string())
        })
        .collect())
}

fn image_target(path: &Path, image: crate::image::ImageView, this_machine: bool) -> OpenTarget {
    // An archive of several images is named with the one read: `app.tar (linux/arm64)`.
    let name = match (image.available().len() > 1, image.image_name()) {
        (true, Some(chosen)) => format!("{} ({chosen})", path.display()),
        _ => path.display().to_string(),
    };
    let config = image.config().clone();
    let selection = image.selection();
    let entrypoint = Some(image.entrypoint().map(|e| e.path.display().to_string()));
    let view: Arc<dyn FileView> = Arc::new(image);
    let mut model = describe(&*view, &options(name, SourceKind::Image, this_machine));
    model.default_user = config.user.clone().filter(|u| !u.is_empty());
    for kv in &config.env {
        if let Some((k, v)) = kv.split_once('=') {
            model.env.insert(k.to_string(), v.to_string());
        }
    }
    model.image = Some(config);
    OpenTarget {
        model,
        view: Some(view),
        cpu: Cpu::detect(),
        entrypoint,
        image: Some(selection),
    }
}

/// A built-in profile by name, or a snapshot file.
fn open_named(name: &str) -> Result<OpenTarget, String> {
    let model = if name.ends_with(".json") || Path::new(name).is_file() {
        crate::snapshot::load_snapshot(Path::new(name)).map_err(|e| e.to_string())?
    } else {
        crate::profiles::profile(name).ok_or_else(|| {
            let near = crate::profiles::suggest(name);
            let hint = match near.as_slice() {
                [] => String::new(),
                [one] => format!("; did you mean {one}?"),
                more => format!("; did you mean one of {}?", more.join(", ")),
            };
            format!("no built-in target named {name:?} and no such snapshot file{hint} (`whyrun check --list-targets` lists the profiles)")
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
        image: None,
    })
}
