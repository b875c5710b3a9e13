//! `whyrun check DIR`: a Go source tree judged against a Go toolchain (`--go`) and the
//! build's environment (`--env`). Reads the tree once (`whyrun_facts::gosrc`), looks up
//! what the rules cannot (replacement directories, `$GOPATH/src`), runs the `BUILD`
//! rules and reports the tree as a binary-to-be with one target: the toolchain.

use std::path::{Path, PathBuf};

use whyrun_facts::gosrc::{self, BuildContext, GoVersion};
use whyrun_report::{BinaryReport, CheckReport, TargetReport};
use whyrun_rules::build::{
    BuildEnv, BuildSubject, BuiltBinary, GoModFile, GoWorkFile, ReplaceDir, WorkUse,
};
use whyrun_rules::{Input, Verdict};

use crate::{Config, InputError, Outcome};

/// What to build, and with what.
#[derive(Debug, Clone, Default)]
pub struct BuildRequest {
    /// The directory `go build` runs in.
    pub dir: PathBuf,
    /// The toolchain's version (`1.22.1`, `go1.22.1`), `None` when not named.
    pub go: Option<String>,
    /// `KEY=VALUE` pairs of the build's environment.
    pub env: Vec<(String, String)>,
    /// `whyrun check BINARY --source DIR`: a Go binary said to be built from `dir`. Its
    /// Go version is the toolchain unless `go` names one.
    pub binary: Option<PathBuf>,
}

/// The environment variables `--env` takes.
pub const ENV_KEYS: &[&str] = &[
    "GOTOOLCHAIN",
    "GO111MODULE",
    "GOFLAGS",
    "CGO_ENABLED",
    "GOOS",
    "GOARCH",
    "GOPATH",
    "GOPROXY",
    "GOWORK",
];

/// Splits `KEY=VALUE`; the key must be one `ENV_KEYS` names.
pub fn parse_env(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("--env {s}: expected KEY=VALUE"))?;
    if !ENV_KEYS.contains(&k) {
        return Err(format!(
            "--env {k}: not a variable whyrun judges builds by (one of {})",
            ENV_KEYS.join(", ")
        ));
    }
    Ok((k.to_string(), v.to_string()))
}

/// The GOARCH of this machine.
fn host_goarch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "x86" => "386",
        "aarch64" => "arm64",
        "powerpc64" => "ppc64le",
        other => other,
    }
}

/// `path` with `.` and `..` taken out lexically, as Go's filepath.Clean does.
fn clean(path: &Path) -> String {
    let mut out = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    out.display().to_string()
}

/// Whether `dir` looks like Go sources: a go.mod in it or above, or `.go` files in it.
pub fn is_go_tree(dir: &Path) -> bool {
    gosrc::find_module_root(dir).is_some()
        || std::fs::read_dir(dir).is_ok_and(|rd| {
            rd.filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().ends_with(".go"))
        })
}

/// Judges the tree in `req.dir`.
pub fn check(req: &BuildRequest, config: &Config) -> Outcome {
    let (subject, warnings) = match subject(req) {
        Ok(s) => s,
        Err(e) => {
            return Outcome {
                report: CheckReport::default(),
                errors: vec![e],
            }
        }
    };
    let shown = subject.dir.clone();
    let findings = whyrun_rules::run(Input::Build(&subject));
    let (path, summary) = match &subject.built_from {
        Some(b) => (
            b.path.clone(),
            format!(
                "{}, against the source in {shown}: {}",
                b.build_info.go_version,
                summary(&subject)
            ),
        ),
        None => (shown.clone(), summary(&subject)),
    };
    let mut report = CheckReport::default();
    report.binaries.push(BinaryReport {
        path,
        summary,
        targets: vec![toolchain_report(&subject, findings, config)],
    });
    if let Some(input) = config.report() {
        report.inputs.push(input);
    }
    Outcome {
        report,
        errors: warnings
            .into_iter()
            .map(|w| InputError::new(shown.clone(), w))
            .collect(),
    }
}

/// The report of the toolchain as a target, with the configuration applied.
pub fn toolchain_report(
    subject: &BuildSubject,
    findings: Vec<whyrun_rules::Finding>,
    config: &Config,
) -> TargetReport {
    let mut target = TargetReport {
        target: match &subject.toolchain {
            Some(t) => format!("go {t}"),
            None => "go (not named)".into(),
        },
        kind: "toolchain".into(),
        path_in_target: subject.dir.clone(),
        verdict: Verdict::of(&findings),
        findings,
        ignored: Vec::new(),
        image: None,
        rebuild: None,
    };
    config.apply(&mut target, &subject.dir);
    target
}

/// One line on the module: its path, go line and number of imports.
pub fn summary(subject: &BuildSubject) -> String {
    match (&subject.gomod, subject.go_line()) {
        (Some(_), Some((_, _, raw))) => format!(
            "Go module {}, go {raw}, imports: {}",
            subject.module_path().unwrap_or("(no module line)"),
            subject.imports.len()
        ),
        (Some(_), None) => format!(
            "Go module {}, no go line, imports: {}",
            subject.module_path().unwrap_or("(no module line)"),
            subject.imports.len()
        ),
        (None, _) => format!(
            "Go sources without go.mod, imports: {}",
            subject.imports.len()
        ),
    }
}

/// Reads the tree in `req.dir` into the build subject, with the warnings of reading it.
pub fn subject(req: &BuildRequest) -> Result<(BuildSubject, Vec<String>), InputError> {
    let shown = req.dir.display().to_string();
    let fail = |message: String| Err(InputError::new(shown.clone(), message));
    let built = match &req.binary {
        Some(b) => {
            let facts = match whyrun_facts::inspect_path(b) {
                Ok(f) => f,
                Err(e) => return fail(format!("{}: {e}", b.display())),
            };
            match facts.go.and_then(|g| g.build_info) {
                Some(bi) => Some((b.display().to_string(), bi)),
                None => {
                    return fail(format!(
                        "{}: no Go build info, so nothing says what source it was built from",
                        b.display()
                    ))
                }
            }
        }
        None => None,
    };
    let go = req
        .go
        .clone()
        .or_else(|| built.as_ref().map(|(_, bi)| bi.go_version.clone()));
    let toolchain = match &go {
        Some(v) => match GoVersion::parse(v) {
            Some(t) => Some(t),
            None => {
                return fail(format!(
                    "--go {v}: not a Go version (1.22.1, go1.22.1, 1.22)"
                ))
            }
        },
        None => None,
    };
    let get = |k: &str| {
        req.env
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let env = BuildEnv {
        gotoolchain: get("GOTOOLCHAIN"),
        go111module: get("GO111MODULE"),
        goflags: get("GOFLAGS"),
        cgo_enabled: get("CGO_ENABLED"),
        goos: get("GOOS"),
        goarch: get("GOARCH"),
        goproxy: get("GOPROXY"),
        gowork: get("GOWORK"),
    };
    let ctx = BuildContext {
        goos: env.goos.clone().unwrap_or_else(|| "linux".into()),
        goarch: env.goarch.clone().unwrap_or_else(|| host_goarch().into()),
        // The go command's default for a native build where a C compiler is found.
        cgo: env.cgo_enabled.as_deref() != Some("0"),
        go_minor: toolchain.as_ref().map(|t| t.minor),
        tags: tags_of(env.goflags.as_deref().unwrap_or("")),
    };
    if !is_go_tree(&req.dir) {
        return fail("no go.mod here or above, and no .go files: not Go sources".into());
    }
    let sources = gosrc::read(&req.dir, &ctx);
    let root = sources.module_root.clone();
    let gomod = match (&sources.gomod, &root) {
        (Some(Ok(m)), Some(root)) => Some(GoModFile {
            path: shown_path(&req.dir, &root.join("go.mod")),
            parsed: m.clone(),
        }),
        (Some(Err(e)), Some(root)) => {
            return Err(InputError::new(
                format!("{}:{}", shown_path(&req.dir, &root.join("go.mod")), e.line),
                &e.message,
            ))
        }
        _ => None,
    };
    let replace_dirs = match (&gomod, &root) {
        (Some(m), Some(root)) => m
            .parsed
            .replace
            .iter()
            .enumerate()
            .filter(|(_, r)| r.is_directory())
            .map(|(index, r)| ReplaceDir {
                index,
                exists: root.join(&r.new_path).is_dir(),
                no_go_mod_at: None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let gopath = get("GOPATH").unwrap_or_else(|| {
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
        format!("{home}/go")
    });
    let mut in_gopath: Vec<String> = sources
        .imports
        .iter()
        .filter(|i| !gosrc::is_std_path(&i.path))
        .filter(|i| {
            gopath
                .split(':')
                .filter(|p| !p.is_empty())
                .any(|p| Path::new(p).join("src").join(&i.path).is_dir())
        })
        .map(|i| i.path.clone())
        .collect();
    in_gopath.dedup();
    let gowork = match gosrc::find_go_work(&req.dir, env.gowork.as_deref()) {
        Some(p) => match gosrc::read_gomod(&p) {
            Ok(Ok(w)) => {
                let base = p.parent().map(Path::to_path_buf).unwrap_or_default();
                Some(GoWorkFile {
                    path: shown_path(&req.dir, &p),
                    uses: w
                        .uses
                        .iter()
                        .map(|u| WorkUse {
                            dir: u.value.clone(),
                            absolute: clean(
                                &std::path::absolute(base.join(&u.value)).unwrap_or_default(),
                            ),
                            line: u.line,
                            has_gomod: base.join(&u.value).join("go.mod").is_file(),
                        })
                        .collect(),
                })
            }
            Ok(Err(e)) => {
                return Err(InputError::new(
                    format!("{}:{}", shown_path(&req.dir, &p), e.line),
                    &e.message,
                ))
            }
            Err(e) => return fail(format!("{}: {e}", p.display())),
        },
        None => None,
    };
    // Imports that look like the module's own packages under another path: the longest
    // tail of the import that is a directory of the module with Go files.
    let own_dir_elsewhere = match (&root, &gomod) {
        (Some(root), Some(m)) => {
            let module = m
                .parsed
                .module
                .as_ref()
                .map(|m| m.value.clone())
                .unwrap_or_default();
            let mut out = Vec::new();
            for i in &sources.imports {
                if gosrc::is_std_path(&i.path)
                    || i.path == module
                    || i.path.starts_with(&format!("{module}/"))
                {
                    continue;
                }
                let parts: Vec<&str> = i.path.split('/').collect();
                let found = (1..parts.len()).find_map(|k| {
                    let tail = parts[k..].join("/");
                    let d = root.join(&tail);
                    let has_go = std::fs::read_dir(&d).is_ok_and(|rd| {
                        rd.filter_map(Result::ok)
                            .any(|e| e.file_name().to_string_lossy().ends_with(".go"))
                    });
                    has_go.then_some(tail)
                });
                if let Some(tail) = found {
                    out.push((i.path.clone(), tail));
                }
            }
            out
        }
        _ => Vec::new(),
    };
    let built_from = built.map(|(path, build_info)| BuiltBinary {
        path,
        build_info,
        head: gosrc::git::head(root.as_deref().unwrap_or(&req.dir))
            .map(|(h, from)| (h, from.display().to_string())),
    });
    let subject = BuildSubject {
        dir: shown.clone(),
        gomod,
        toolchain: toolchain.clone(),
        env,
        imports: sources.imports.clone(),
        replace_dirs,
        gopath,
        in_gopath,
        host: format!("linux/{}", host_goarch()),
        dir_in_module: root
            .as_ref()
            .and_then(|r| {
                let abs = std::path::absolute(&req.dir).ok()?;
                abs.strip_prefix(r)
                    .ok()
                    .map(|p| p.to_string_lossy().into_owned())
            })
            .unwrap_or_default(),
        vendor_dir: sources.vendor_dir,
        vendor_modules: sources.vendor_modules.clone(),
        gosum: sources.gosum.clone(),
        gowork,
        own_dir_elsewhere,
        built_from,
    };
    Ok((subject, sources.warnings))
}

/// `-tags a,b` or `-tags=a,b` in GOFLAGS.
fn tags_of(goflags: &str) -> Vec<String> {
    let mut words = goflags.split_whitespace();
    let mut tags = Vec::new();
    while let Some(w) = words.next() {
        let list = match w
            .strip_prefix("-tags=")
            .or_else(|| w.strip_prefix("--tags="))
        {
            Some(l) => Some(l.to_string()),
            None if w == "-tags" || w == "--tags" => words.next().map(str::to_string),
            None => None,
        };
        if let Some(l) = list {
            tags.extend(l.split(',').filter(|t| !t.is_empty()).map(str::to_string));
        }
    }
    tags
}

/// `file` as a path under the directory named, when it is under it; else as it is.
fn shown_path(dir: &Path, file: &Path) -> String {
    let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    match file.strip_prefix(&abs) {
        Ok(rel) => dir.join(rel).display().to_string(),
        Err(_) => file.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tags_from_goflags() {
        assert_eq!(tags_of("-mod=mod -tags=a,b"), ["a", "b"]);
        assert_eq!(tags_of("-tags netgo -v"), ["netgo"]);
        assert!(tags_of("").is_empty());
    }

    #[test]
    fn env_keys_are_checked() {
        assert_eq!(parse_env("GOTOOLCHAIN=local").unwrap().1, "local");
        assert!(parse_env("PATH=/bin").is_err());
        assert!(parse_env("GOTOOLCHAIN").is_err());
    }
}
