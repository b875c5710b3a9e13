//! The pipeline of `whyrun check`, without the CLI: reads the program once (an ELF binary,
//! or a script judged by its `#!` line: `script`), opens every target, places the program
//! in each (an overlay for a local file about to be deployed), resolves its libraries
//! there, runs the rules and applies the configuration's ignores and severities. Targets are checked in parallel; a target that cannot be opened or
//! evaluated is returned with its error, and the others are still checked. Prints nothing.

pub mod build;
pub mod config;
pub mod container;
pub mod docker;
pub mod launch;
mod script;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use whyrun_facts::Facts;
use whyrun_report::{BinaryReport, CheckReport, TargetReport};
use whyrun_rules::access::FileMode;
use whyrun_rules::{Binary, CheckContext, CheckOptions, Finding, Verdict};
use whyrun_target::fs::{FileView, Overlay};
use whyrun_target::loader::Loader;
use whyrun_target::open::{OpenError, OpenTarget};
use whyrun_target::{resolution, Target, TargetSpec};

pub use config::{Config, ConfigError};

/// The program to judge: an ELF binary's facts, or a script's `#!` line.
#[derive(Debug, Clone)]
pub enum Program {
    Elf(Arc<Facts>),
    Script(whyrun_facts::script::Shebang),
}

impl Program {
    /// Reads the program in `bytes`: a script when it starts with `#!`.
    fn of_bytes(bytes: &[u8]) -> Result<Program, whyrun_facts::FactsError> {
        match whyrun_facts::script::shebang(bytes) {
            Some(sb) => Ok(Program::Script(sb)),
            None => whyrun_facts::inspect_bytes(bytes).map(|f| Program::Elf(Arc::new(f))),
        }
    }

    fn of_file(file: &Path) -> Result<Program, whyrun_facts::FactsError> {
        use std::io::Read;
        let mut head = Vec::with_capacity(256);
        // A file whose start cannot be read gets the facts reader's own words for it (a
        // directory, a device, a missing file).
        let read =
            whyrun_facts::open_nonblocking(file).and_then(|f| f.take(256).read_to_end(&mut head));
        if read.is_err() {
            return whyrun_facts::inspect_path(file).map(|f| Program::Elf(Arc::new(f)));
        }
        match whyrun_facts::script::shebang(&head) {
            Some(sb) => Ok(Program::Script(sb)),
            None => whyrun_facts::inspect_path(file).map(|f| Program::Elf(Arc::new(f))),
        }
    }
}

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

impl Placement {
    /// How the binary is named in the report.
    pub fn display(&self) -> String {
        match self {
            Placement::Local { file, .. } => file.display().to_string(),
            Placement::Inside(p) => p.clone(),
            Placement::Entrypoint => "the image entrypoint".into(),
        }
    }
}

/// An error of the pipeline: the input it concerns, and what went wrong.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{input}: {message}")]
pub struct InputError {
    pub input: String,
    pub message: String,
}

impl InputError {
    fn new(input: impl Into<String>, message: impl std::fmt::Display) -> InputError {
        InputError {
            input: input.into(),
            message: message.to_string(),
        }
    }
}

/// What a check produced: the report, and every input that could not be read.
#[derive(Debug)]
pub struct Outcome {
    pub report: CheckReport,
    pub errors: Vec<InputError>,
}

/// Checks the binary placed as `placement` against every target of `spec`, with the
/// configuration's ignores and severities applied, and reports the configuration's own
/// findings as an input.
pub fn check(
    spec: &TargetSpec,
    placement: &Placement,
    options: &CheckOptions,
    config: &Config,
) -> Outcome {
    let (opened, failed) = whyrun_target::open_all(spec);
    let mut errors: Vec<InputError> = failed
        .into_iter()
        .map(|OpenError { name, error }| InputError::new(name, error))
        .collect();
    let local = match placement {
        Placement::Local { file, .. } => match Program::of_file(file) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(InputError::new(file.display().to_string(), e));
                return Outcome {
                    report: CheckReport::default(),
                    errors,
                };
            }
        },
        _ => None,
    };
    let evaluations: Vec<Result<Evaluation, String>> = opened
        .par_iter()
        .map(|t| evaluate(t, placement, local.clone(), options))
        .collect();

    let mut targets = Vec::new();
    let mut summary_facts = match &local {
        Some(Program::Elf(f)) => Some(f.clone()),
        _ => None,
    };
    let script_summary = match &local {
        Some(Program::Script(sb)) => Some(script::summarize(sb)),
        _ => None,
    };
    for (t, e) in opened.iter().zip(evaluations) {
        match e {
            Ok(mut e) => {
                if matches!(placement, Placement::Entrypoint) {
                    // The image config is a launch too: its User, ExposedPorts, command.
                    let launch = container::image_config_findings(t);
                    if !launch.is_empty() {
                        e.report.findings.extend(launch);
                        whyrun_rules::precedence::rank(&mut e.report.findings);
                        e.report.verdict = Verdict::of(&e.report.findings);
                    }
                }
                config.apply(&mut e.report, &placement.display());
                if let Some(facts) = e.facts.as_deref() {
                    e.report.rebuild =
                        whyrun_rules::fixes::combined_rebuild(facts, &e.report.findings);
                }
                summary_facts = summary_facts.or(e.facts);
                targets.push(e.report);
            }
            Err(err) => errors.push(InputError::new(t.model.name.clone(), err)),
        }
    }
    let mut report = CheckReport::default();
    if !targets.is_empty() {
        report.binaries.push(BinaryReport {
            path: placement.display(),
            summary: script_summary
                .or_else(|| summary_facts.as_deref().map(summarize))
                .unwrap_or_default(),
            targets,
        });
    }
    if let Some(input) = config.report() {
        report.inputs.push(input);
    }
    Outcome { report, errors }
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
    parts.push(match (&e.interpreter, e.file_type.as_str()) {
        // A library loaded by others: it has no interpreter of its own to name.
        (None, "shared-object") => "shared library".into(),
        (Some(i), "shared-object") => format!("shared library, runnable ({i})"),
        (Some(i), _) => format!("dynamic ({i})"),
        (None, _) => "static".into(),
    });
    parts.join(", ")
}

/// The outcome for one target.
pub struct Evaluation {
    pub report: TargetReport,
    pub facts: Option<Arc<Facts>>,
}

fn default_deploy_path(file: &Path) -> String {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "app".into());
    format!("/usr/local/bin/{name}")
}

/// An image whose command names no executable file (FS003), or runs a script whyrun
/// cannot follow (FS004): the image's own finding, and no binary to judge.
fn missing_command(t: &OpenTarget, e: &whyrun_target::image::EntrypointError) -> Evaluation {
    use whyrun_target::image::EntrypointError;
    let mut subject = whyrun_rules::MissingCommand {
        image: t.model.name.clone(),
        ..Default::default()
    };
    match e {
        EntrypointError::NotFound { name, searched } => {
            subject.program = name.clone();
            subject.searched = searched.iter().map(|p| p.display().to_string()).collect();
        }
        EntrypointError::Script { shell, script } => {
            subject.program = shell.clone();
            subject.script = Some((shell.clone(), script.clone()));
        }
        _ => {}
    }
    let findings = whyrun_rules::run(whyrun_rules::Input::ImageCommand(&subject));
    Evaluation {
        report: TargetReport {
            target: t.model.name.clone(),
            kind: t.model.source.label().to_string(),
            path_in_target: subject.program.clone(),
            verdict: Verdict::of(&findings),
            findings,
            ignored: Vec::new(),
            image: t.image.clone(),
            rebuild: None,
        },
        facts: None,
    }
}

/// The permission bits of a local file.
fn local_mode(file: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(file)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

/// The mode and owner of the program at `path` in the target, as execve will see them. A
/// target without files (a profile, a snapshot) still gets the local file's mode: the
/// copy keeps it. A copy does not keep the owner (COPY makes it root's, scp the user's):
/// the owner is known only for a file already in place.
fn file_mode(
    t: &OpenTarget,
    placement: &Placement,
    view: Option<&dyn FileView>,
    path: &str,
) -> Option<FileMode> {
    let in_place = match placement {
        Placement::Local { at, .. } => t.is_host() && at.is_none(),
        _ => true,
    };
    match (view, placement) {
        (Some(v), _) => v.metadata(Path::new(path)).ok().map(|m| FileMode {
            mode: m.mode,
            uid: in_place.then_some(m.uid),
            gid: in_place.then_some(m.gid),
            is_dir: false,
        }),
        (None, Placement::Local { file, .. }) => local_mode(file).map(|mode| FileMode {
            mode,
            uid: None,
            gid: None,
            is_dir: false,
        }),
        (None, _) => None,
    }
}

/// The binary inside a target: its path there, the view that holds it, and its facts.
struct Placed {
    path: String,
    view: Option<Arc<dyn FileView>>,
    program: Program,
}

fn place(t: &OpenTarget, placement: &Placement, local: Option<Program>) -> Result<Placed, String> {
    let inside = |p: &str, v: &Arc<dyn FileView>| -> Result<Placed, String> {
        let bytes = v.map(Path::new(p)).map_err(|e| e.to_string())?;
        let program =
            Program::of_bytes(&bytes).map_err(|e| format!("{p} in {}: {e}", t.model.name))?;
        Ok(Placed {
            path: p.to_string(),
            view: Some(v.clone()),
            program,
        })
    };
    match placement {
        Placement::Local { file, at } => {
            let program = local.ok_or("the binary's facts are missing")?;
            Ok(match (&t.view, at, t.is_host()) {
                // On the host a local file already is where it will run.
                (Some(v), None, true) => {
                    let abs = std::fs::canonicalize(file)
                        .map_err(|e| format!("{}: {e}", file.display()))?;
                    Placed {
                        path: abs.display().to_string(),
                        view: Some(v.clone()),
                        program,
                    }
                }
                (Some(v), at, _) => {
                    let at = at.clone().unwrap_or_else(|| default_deploy_path(file));
                    let overlay: Arc<dyn FileView> =
                        Arc::new(Overlay::new(v.clone(), PathBuf::from(&at), file.clone()));
                    Placed {
                        path: at,
                        view: Some(overlay),
                        program,
                    }
                }
                (None, at, _) => Placed {
                    path: at.clone().unwrap_or_else(|| default_deploy_path(file)),
                    view: None,
                    program,
                },
            })
        }
        Placement::Inside(p) => match &t.view {
            Some(v) => inside(p, v),
            None => Err(
                "--inside needs a target with files (--root, --image or the host), not a profile"
                    .into(),
            ),
        },
        Placement::Entrypoint => match (&t.view, &t.entrypoint) {
            (Some(v), Some(Ok(p))) => inside(p, v),
            _ => Err("no binary named, and this target has no entrypoint".into()),
        },
    }
}

/// Checks the binary against one target.
pub fn evaluate(
    t: &OpenTarget,
    placement: &Placement,
    local: Option<Program>,
    options: &CheckOptions,
) -> Result<Evaluation, String> {
    if let (Placement::Entrypoint, Some(Err(e))) = (placement, &t.entrypoint) {
        return Ok(missing_command(t, e));
    }
    let Placed {
        path,
        view,
        program,
    } = place(t, placement, local)?;
    let facts = match program {
        Program::Elf(f) => f,
        Program::Script(sb) => {
            let file = file_mode(t, placement, view.as_deref(), &path);
            return Ok(script::evaluate_script(
                t,
                &path,
                view.as_deref(),
                (&sb, file),
                options,
            ));
        }
    };
    let libraries = match &view {
        Some(v) => {
            let mut target = Target::from_view(v.clone(), t.cpu.clone());
            target.ld_library_path = t.model.env.get("LD_LIBRARY_PATH").cloned();
            let loader = Loader::new(target);
            let tree = loader
                .resolve(Path::new(&path))
                .map_err(|e| e.to_string())?;
            resolution::from_tree_with_symbols(&tree, &loader)
        }
        None => resolution::from_index(&facts, &t.model, &path),
    };
    let file = file_mode(t, placement, view.as_deref(), &path);
    let ctx = CheckContext {
        binary: Binary {
            display_path: path.clone(),
            path_in_target: path.clone(),
            facts: &facts,
            mode: file.map(|f| f.mode),
            uid: file.and_then(|f| f.uid),
            gid: file.and_then(|f| f.gid),
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
            kind: t.model.source.label().to_string(),
            path_in_target: path,
            verdict,
            findings,
            ignored: Vec::new(),
            image: t.image.clone(),
            rebuild: None,
        },
        facts: Some(facts),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary_of(path: &str) -> String {
        let small = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small");
        summarize(&whyrun_facts::inspect_path(&small.join(path)).unwrap())
    }

    /// Regression: a shared library (ET_DYN without an interpreter) was called static.
    #[test]
    fn a_shared_library_is_not_called_static() {
        assert_eq!(
            summary_of("lib/libhello.so"),
            "x86_64 ELF64, shared library"
        );
        assert_eq!(
            summary_of("c-glibc-dynamic"),
            "x86_64 ELF64, dynamic (/lib64/ld-linux-x86-64.so.2)"
        );
        assert!(summary_of("go124-hello").ends_with(", static"));
    }
}
