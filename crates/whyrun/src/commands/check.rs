//! `whyrun check`: the arguments turned into a placement, targets and a configuration;
//! `whyrun_check` does the work; the report printed in the chosen format; the exit code.

use std::io::Write;

use anstream::eprintln;
use anyhow::{bail, Result};
use whyrun_check::{Config, Placement};
use whyrun_report::CheckReport;
use whyrun_rules::{CheckOptions, Verdict};

use crate::cli::{CheckArgs, ConfigArgs, FailOn, Format};
use crate::exit;

pub fn run(args: &CheckArgs) -> Result<u8> {
    if args.list_targets {
        crate::commands::rules::print_profiles();
        return Ok(exit::OK);
    }
    let config = match load_config(&args.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("whyrun: {e}");
            return Ok(exit::INPUT_ERROR);
        }
    };
    if !args.more.is_empty()
        && (args.dockerfile.is_some()
            || args.source.is_some()
            || args.launch.any()
            || args.binary.as_deref().is_some_and(|p| p.is_dir()))
    {
        bail!("several binaries are checked against targets only: --dockerfile, --source, --unit and the launch flags take one");
    }
    if let Some(file) = &args.dockerfile {
        let t = &args.targets;
        if t.targets.len() > 1 || !t.roots.is_empty() || !t.images.is_empty() {
            bail!("with --dockerfile, --target names the one stage to build; --root and --image do not apply");
        }
        let request = whyrun_check::docker::DockerRequest {
            dockerfile: file.clone(),
            context: args.context.clone(),
            build_args: args.build_args.clone(),
            target: t.targets.first().cloned(),
            platform: t.platform.clone(),
        };
        let outcome = whyrun_check::docker::check(&request, &config);
        return finish(args, &outcome);
    }
    if let (Some(dir), Some(binary)) = (&args.source, &args.binary) {
        return crate::commands::check_build::run_source(args, binary, dir, &config);
    }
    if let Some(dir) = args.binary.as_deref().filter(|p| p.is_dir()) {
        return crate::commands::check_build::run(args, dir, &config);
    }
    if args.go.is_some() || !args.env.is_empty() {
        bail!("--go and --env judge a directory of Go sources (whyrun check DIR --go VERSION)");
    }
    let mut spec = args.targets.spec();
    let none_named = spec.targets.is_empty() && spec.roots.is_empty() && spec.images.is_empty();
    if none_named {
        spec.targets = config.targets.clone();
    }
    let creq = whyrun_check::container::ContainerRequest {
        manifest: args.container.manifest.clone(),
        container: args.container.container.clone(),
        compose: args.container.compose.clone(),
        service: args.container.service.clone(),
        runtime: args.container.runtime.clone(),
        user: args.user.clone(),
        caps: args.container.caps.clone(),
        read_only: args.container.read_only,
        workdir: args.container.workdir.clone(),
        sysctls: args.container.sysctls.clone(),
        host_network: args.container.host_network,
        ports: args.launch.port.clone(),
        reads: args.launch.reads.clone(),
        writes: args.launch.writes.clone(),
    };
    let image_launch = !args.targets.images.is_empty()
        && args.launch.unit.is_none()
        && args.binary.is_none()
        && args.inside.is_none()
        && (creq.any() || args.launch.any());
    let outcome = if image_launch {
        whyrun_check::container::check(&spec, &creq, &config)
    } else if args.launch.any() && args.inside.is_none() {
        let req = whyrun_check::launch::LaunchRequest {
            unit: args.launch.unit.clone(),
            binary: args.binary.clone(),
            user: args.user.clone(),
            ports: args.launch.port.clone(),
            reads: args.launch.reads.clone(),
            writes: args.launch.writes.clone(),
            args: args.launch.program_args.clone(),
        };
        if req.unit.is_none() && req.binary.is_none() {
            bail!("--port, --reads and --writes judge a program: name a BINARY or a --unit");
        }
        whyrun_check::launch::check(&spec, &req, &config)
    } else if let Some(files) = several(args)? {
        let options = CheckOptions {
            run_as: args.user.clone(),
            user_from_launch: false,
        };
        let mut all = whyrun_check::Outcome {
            report: CheckReport::default(),
            errors: Vec::new(),
        };
        for file in files {
            let placement = Placement::Local {
                file,
                at: args.deploy_as.clone(),
            };
            let o = whyrun_check::check(&spec, &placement, &options, &config);
            all.report.binaries.extend(o.report.binaries);
            if all.report.inputs.is_empty() {
                all.report.inputs = o.report.inputs;
            }
            all.errors.extend(o.errors);
        }
        let code = finish(args, &all)?;
        if args.format == Format::Human && !args.quiet {
            crate::style::write_stdout(&summary_line(&all.report))?;
        }
        return Ok(code);
    } else {
        let placement = placement(args)?;
        let options = CheckOptions {
            run_as: args.user.clone(),
            user_from_launch: false,
        };
        whyrun_check::check(&spec, &placement, &options, &config)
    };
    finish(args, &outcome)
}

/// The binaries of `check BIN1 BIN2 …` (globs in a path's last part expanded), when
/// there are several; `None` for one.
fn several(args: &CheckArgs) -> Result<Option<Vec<std::path::PathBuf>>> {
    let named: Vec<&std::path::PathBuf> = args.binary.iter().chain(&args.more).collect();
    let mut files = Vec::new();
    for p in named {
        files.extend(expand_glob(p));
    }
    let globbed = args.binary.as_deref().is_some_and(is_glob);
    if files.len() < 2 && args.more.is_empty() && !globbed {
        return Ok(None);
    }
    if args.inside.is_some() {
        bail!("several binaries are checked as local files: --inside names one");
    }
    Ok(Some(files))
}

/// Whether `p` is a pattern to expand: its last part has `*`, `?` or `[` and no file of
/// that very name exists (coreutils installs a program named `[`).
fn is_glob(p: &std::path::Path) -> bool {
    p.file_name()
        .is_some_and(|n| n.to_string_lossy().contains(['*', '?', '[']))
        && std::fs::symlink_metadata(p).is_err()
}

/// `dir/*.bin` → the files of `dir` whose names match, sorted; any other path as it is.
/// A pattern that is not valid or matches nothing is kept as it is, so reading it fails
/// with one line naming it and the other binaries are still checked.
fn expand_glob(p: &std::path::Path) -> Vec<std::path::PathBuf> {
    let literal = || vec![p.to_path_buf()];
    if !is_glob(p) {
        return literal();
    }
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Ok(glob) = globset::Glob::new(&name) else {
        return literal();
    };
    let matcher = glob.compile_matcher();
    let dir = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return literal();
    };
    let mut out: Vec<std::path::PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| matcher.is_match(e.file_name()))
        .map(|e| {
            if p.parent().is_some_and(|d| !d.as_os_str().is_empty()) {
                dir.join(e.file_name())
            } else {
                std::path::PathBuf::from(e.file_name())
            }
        })
        .collect();
    out.sort();
    if out.is_empty() {
        return literal();
    }
    out
}

/// One line after several binaries: how many run everywhere, and how many do not.
fn summary_line(report: &CheckReport) -> String {
    let n = report.binaries.len();
    let worst = |b: &whyrun_report::BinaryReport| {
        let v: Vec<Verdict> = b.targets.iter().map(|t| t.verdict).collect();
        if v.contains(&Verdict::WontBuild) || v.contains(&Verdict::WontStart) {
            2
        } else if v.contains(&Verdict::FailsAtRuntime) {
            1
        } else if v.contains(&Verdict::CannotTell) {
            3
        } else {
            0
        }
    };
    let count = |k| report.binaries.iter().filter(|b| worst(b) == k).count();
    format!(
        "\n{n} binaries: {} run on every target, {} will not start on some, {} fail at run time on some, {} cannot tell\n",
        count(0),
        count(2),
        count(1),
        count(3)
    )
}

/// Prints the outcome (errors on stderr, the report on stdout) and returns the exit code.
pub fn finish(args: &CheckArgs, outcome: &whyrun_check::Outcome) -> Result<u8> {
    for e in &outcome.errors {
        eprintln!("whyrun: {e}");
    }
    // The configuration's own findings are input errors too: one line each on stderr.
    if !matches!(args.format, Format::Human) {
        for input in &outcome.report.inputs {
            for f in &input.findings {
                let at = f.evidence.first().map(|e| e.location.to_string());
                eprintln!(
                    "whyrun: {}: {} {}",
                    at.unwrap_or_else(|| input.path.clone()),
                    f.code,
                    f.message
                );
            }
        }
    }
    if outcome.report.binaries.is_empty() {
        return Ok(exit::INPUT_ERROR);
    }
    if args.quiet && args.format == Format::Human {
        let mut shown = outcome.report.clone();
        for b in &mut shown.binaries {
            b.targets
                .retain(|t| !matches!(t.verdict, Verdict::Runs | Verdict::Risky));
        }
        shown.binaries.retain(|b| !b.targets.is_empty());
        if !shown.binaries.is_empty() {
            emit(&shown, args.format, args.config.show_ignored)?;
        }
    } else {
        emit(&outcome.report, args.format, args.config.show_ignored)?;
    }
    Ok(fail_on(exit_code(outcome), outcome, args.fail_on))
}

/// The exit code once `--fail-on` has said which verdicts fail the run: input errors
/// always do (2); below the threshold a code becomes 0; `risk` also fails on a risky
/// target (1).
pub fn fail_on(code: u8, outcome: &whyrun_check::Outcome, threshold: FailOn) -> u8 {
    let verdicts = || {
        outcome
            .report
            .binaries
            .iter()
            .flat_map(|b| &b.targets)
            .map(|t| t.verdict)
    };
    match (code, threshold) {
        (exit::INPUT_ERROR, _) => code,
        (_, FailOn::Never) => exit::OK,
        (exit::CANNOT_TELL, FailOn::WillNotStart | FailOn::FailsAtRunTime) => exit::OK,
        (exit::FAILS, FailOn::WillNotStart) if !verdicts().any(|v| v == Verdict::WontStart) => {
            exit::OK
        }
        (exit::OK, FailOn::Risk) if verdicts().any(|v| v == Verdict::Risky) => exit::FAILS,
        _ => code,
    }
}

/// The exit code of a check: input errors, then will not build, then failures, then
/// cannot tell.
pub fn exit_code(outcome: &whyrun_check::Outcome) -> u8 {
    let config_errors = outcome.report.inputs.iter().any(|i| !i.findings.is_empty());
    let cannot_tell = outcome
        .report
        .binaries
        .iter()
        .flat_map(|b| &b.targets)
        .any(|t| t.verdict == Verdict::CannotTell);
    let wont_build = outcome
        .report
        .binaries
        .iter()
        .flat_map(|b| &b.targets)
        .flat_map(|t| &t.findings)
        .any(|f| {
            f.severity == whyrun_rules::Severity::BlocksBuild
                && f.level == whyrun_rules::Level::Error
        });
    if !outcome.errors.is_empty() || config_errors {
        exit::INPUT_ERROR
    } else if wont_build {
        exit::WONT_BUILD
    } else if outcome.report.has_errors() {
        exit::FAILS
    } else if cannot_tell {
        exit::CANNOT_TELL
    } else {
        exit::OK
    }
}

/// The configuration in force: `--config FILE`, none with `--no-config`, else the
/// whyrun.toml found from the current directory upwards; then `--ignore` and `--severity`.
pub fn load_config(args: &ConfigArgs) -> Result<Config, String> {
    let file = match (&args.config, args.no_config) {
        (Some(f), _) => Some(f.clone()),
        (None, true) => None,
        (None, false) => std::env::current_dir()
            .ok()
            .and_then(|d| whyrun_check::config::discover(&d)),
    };
    let config = match file {
        Some(f) => Config::load(&f).map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    config.with_overrides(&args.ignore, &args.severity)
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

pub fn emit(report: &CheckReport, format: Format, show_ignored: bool) -> Result<()> {
    let version = env!("CARGO_PKG_VERSION");
    match format {
        Format::Human => {
            let mut text = Vec::new();
            whyrun_report::human::write(&mut text, report, show_ignored)?;
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
