//! `whyrun check`: reads the binary once, opens every target, resolves the binary's
//! libraries in each (the loader's emulation where the target has files, the library list
//! where it has not), runs the rules, and reports a verdict per target. Targets are checked
//! in parallel; a target that cannot be opened gets one line naming it and the run goes on.

mod overlay;
mod resolve;
pub mod targets;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anstream::eprintln;
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use whyrun_facts::Facts;
use whyrun_report::{BinaryReport, CheckReport, TargetReport};
use whyrun_rules::{Binary, CheckContext, CheckOptions, Finding, Verdict};
use whyrun_target::fs::FileView;
use whyrun_target::loader::Loader;
use whyrun_target::Target;

use crate::cli::{CheckArgs, Format};
use crate::exit;
use targets::OpenTarget;

/// Where the binary comes from.
#[derive(Debug, Clone)]
pub enum Placement {
    /// A file on this machine, to be placed at `at` in each target (`None`: the host keeps
    /// it where it is; other targets get `/usr/local/bin/NAME`).
    Local { file: PathBuf, at: Option<String> },
    /// A path inside the target.
    Inside(String),
    /// The image's entrypoint.
    Entrypoint,
}

/// The outcome for one target.
pub struct Evaluation {
    pub report: TargetReport,
    pub facts: Option<Arc<Facts>>,
}

pub fn run(args: &CheckArgs) -> Result<u8> {
    if args.list_targets {
        targets::print_profiles();
        return Ok(exit::OK);
    }
    let placement = placement(args)?;
    let (opened, mut failed) = targets::open_all(&args.targets);
    if opened.is_empty() {
        return Ok(exit::INPUT_ERROR);
    }
    let options = CheckOptions {
        run_as: args.user.clone(),
    };
    let local_facts = match &placement {
        Placement::Local { file, .. } => Some(Arc::new(
            whyrun_facts::inspect_path(file).with_context(|| file.display().to_string())?,
        )),
        _ => None,
    };
    let evaluations: Vec<Result<Evaluation>> = opened
        .par_iter()
        .map(|t| evaluate(t, &placement, local_facts.clone(), &options))
        .collect();

    let display = match &placement {
        Placement::Local { file, .. } => file.display().to_string(),
        Placement::Inside(p) => p.clone(),
        Placement::Entrypoint => "the image entrypoint".into(),
    };
    let mut reports = Vec::new();
    let mut summary_facts = local_facts.clone();
    for (t, e) in opened.iter().zip(evaluations) {
        match e {
            Ok(e) => {
                summary_facts = summary_facts.or(e.facts);
                reports.push(e.report);
            }
            Err(err) => {
                failed = true;
                eprintln!("whyrun: {}: {err:#}", t.model.name);
            }
        }
    }
    if reports.is_empty() {
        return Ok(exit::INPUT_ERROR);
    }
    let report = CheckReport {
        binaries: vec![BinaryReport {
            path: display,
            summary: summary_facts.as_deref().map(summarize).unwrap_or_default(),
            targets: reports,
        }],
    };
    emit(&report, args.format)?;
    let fails = report.worst().is_some_and(Verdict::is_failure);
    Ok(if failed {
        exit::INPUT_ERROR
    } else if fails {
        exit::FAILS
    } else {
        exit::OK
    })
}

fn placement(args: &CheckArgs) -> Result<Placement> {
    Ok(match (&args.binary, &args.inside) {
        (Some(file), None) => Placement::Local {
            file: file.clone(),
            at: args.deploy_as.clone(),
        },
        (None, Some(p)) => Placement::Inside(p.clone()),
        (None, None) if !args.targets.images.is_empty() => Placement::Entrypoint,
        (None, None) => {
            bail!("name a BINARY, or --inside PATH for a binary already in the target (see --help)")
        }
        (Some(_), Some(_)) => bail!("BINARY and --inside exclude each other"),
    })
}

pub fn emit(report: &CheckReport, format: Format) -> Result<()> {
    let version = env!("CARGO_PKG_VERSION");
    match format {
        Format::Human => {
            let mut text = Vec::new();
            whyrun_report::human::write(&mut text, report)?;
            crate::style::write_stdout(&String::from_utf8_lossy(&text))?;
        }
        Format::Json | Format::Sarif => {
            // A JSON document is written in many small pieces: buffered, not line by line.
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            if format == Format::Json {
                whyrun_report::json::write(&mut out, report, version)?;
            } else {
                whyrun_report::sarif::write(&mut out, report, version)?;
            }
            out.flush()?;
        }
    }
    Ok(())
}

/// A one-line description of the binary: `x86_64 ELF64, Go go1.24.4 (cgo), dynamic (glibc)`.
pub fn summarize(f: &Facts) -> String {
    let e = &f.elf;
    let mut parts = vec![format!("{} {}", e.machine.name, e.class)];
    if let Some(go) = &f.go {
        let cgo = match go.build_info.as_ref().and_then(|b| b.typed.cgo_enabled) {
            Some(true) => ", CGO_ENABLED=1",
            Some(false) => ", CGO_ENABLED=0",
            None => "",
        };
        parts.push(format!("Go {}{cgo}", go.version.as_deref().unwrap_or("?")));
    }
    parts.push(match &e.interpreter {
        Some(i) => format!("dynamic ({i})"),
        None => "static".into(),
    });
    parts.join(", ")
}

fn default_deploy_path(file: &Path) -> String {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "app".into());
    format!("/usr/local/bin/{name}")
}

/// Checks the binary against one target.
pub fn evaluate(
    t: &OpenTarget,
    placement: &Placement,
    local_facts: Option<Arc<Facts>>,
    options: &CheckOptions,
) -> Result<Evaluation> {
    // Where the binary is in the target, the view that holds it, and its facts.
    let (path_in_target, view, facts): (String, Option<Arc<dyn FileView>>, Arc<Facts>) =
        match placement {
            Placement::Local { file, at } => {
                let facts = local_facts.context("the binary's facts")?;
                match (&t.view, at, t.is_host()) {
                    // On the host a local file already is where it will run.
                    (Some(v), None, true) => {
                        let abs = std::fs::canonicalize(file)
                            .with_context(|| file.display().to_string())?;
                        (abs.display().to_string(), Some(v.clone()), facts)
                    }
                    (Some(v), at, _) => {
                        let at = at.clone().unwrap_or_else(|| default_deploy_path(file));
                        let overlay: Arc<dyn FileView> = Arc::new(overlay::Overlay::new(
                            v.clone(),
                            PathBuf::from(&at),
                            file.clone(),
                        ));
                        (at, Some(overlay), facts)
                    }
                    (None, at, _) => (
                        at.clone().unwrap_or_else(|| default_deploy_path(file)),
                        None,
                        facts,
                    ),
                }
            }
            Placement::Inside(p) => {
                let Some(v) = &t.view else {
                    bail!("--inside needs a target with files (--root, --image or the host), not a profile");
                };
                let bytes = v.map(Path::new(p))?;
                let facts = whyrun_facts::inspect_bytes(&bytes)
                    .with_context(|| format!("{p} in {}", t.model.name))?;
                (p.clone(), Some(v.clone()), Arc::new(facts))
            }
            Placement::Entrypoint => {
                let Some(v) = &t.view else {
                    bail!("no binary named, and this target has no entrypoint");
                };
                let p = match t.entrypoint.clone() {
                    Some(Ok(p)) => p,
                    Some(Err(e)) => bail!("{e}: name the binary with --inside PATH"),
                    None => bail!("no binary named, and this target has no entrypoint"),
                };
                let bytes = v.map(Path::new(&p))?;
                let facts = whyrun_facts::inspect_bytes(&bytes)
                    .with_context(|| format!("{p} in {}", t.model.name))?;
                (p, Some(v.clone()), Arc::new(facts))
            }
        };

    let libraries = match &view {
        Some(v) => {
            let mut target = Target::from_view(v.clone(), t.cpu.clone());
            target.ld_library_path = t.model.env.get("LD_LIBRARY_PATH").cloned();
            let tree = Loader::new(target).resolve(Path::new(&path_in_target))?;
            resolve::from_tree(&tree)
        }
        None => resolve::from_index(&facts, &t.model, &path_in_target),
    };
    let meta = view
        .as_ref()
        .and_then(|v| v.metadata(Path::new(&path_in_target)).ok());
    let in_place = match placement {
        Placement::Local { at, .. } => t.is_host() && at.is_none(),
        _ => true,
    };
    let ctx = CheckContext {
        binary: Binary {
            display_path: path_in_target.clone(),
            path_in_target: path_in_target.clone(),
            facts: &facts,
            mode: meta.map(|m| m.mode),
            // A copy keeps the mode but not the owner (COPY makes it root's, scp the
            // user's): the owner is known only for a file already in place.
            uid: meta.filter(|_| in_place).map(|m| m.uid),
            gid: meta.filter(|_| in_place).map(|m| m.gid),
        },
        target: &t.model,
        libraries: &libraries,
        options,
    };
    let findings: Vec<Finding> = whyrun_rules::check(&ctx);
    let verdict = Verdict::of(&findings);
    Ok(Evaluation {
        report: TargetReport {
            target: t.model.name.clone(),
            kind: serde_json::to_value(t.model.source)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            path_in_target,
            verdict,
            findings,
        },
        facts: Some(facts),
    })
}
