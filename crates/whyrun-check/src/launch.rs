//! `whyrun check --unit …` and the plain launch flags (`--port`, `--reads`, `--writes`):
//! reads the unit in each target (or once from this machine), resolves what systemd would
//! start and as whom, reads the modes and owners the LAUNCH rules need, and joins their
//! findings with those of the program itself (checked as it sits in the target, or as the
//! BINARY argument placed at the unit's path). All I/O of a launch happens here; the
//! rules only see the `LaunchSubject`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use whyrun_report::{BinaryReport, CheckReport, TargetReport};
use whyrun_rules::access::{FileMode, RunAs};
use whyrun_rules::launch::{
    parents, Account, Capabilities, Exec, ExecFile, LaunchSubject, PathSetting, Port, ReadPath,
    Sandbox, Set,
};
use whyrun_rules::{CheckOptions, Input, Verdict};
use whyrun_target::fs::{FileKind, FileView};
use whyrun_target::model::TargetModel;
use whyrun_target::open::{OpenError, OpenTarget};
use whyrun_target::unit::{self, Unit, UnitSource};
use whyrun_target::TargetSpec;

use crate::{Config, InputError, Outcome, Placement};

/// How the program is launched, as the command line says.
#[derive(Debug, Clone, Default)]
pub struct LaunchRequest {
    /// `--unit NAME|PATH`.
    pub unit: Option<String>,
    /// The BINARY argument: overrides the unit's program.
    pub binary: Option<PathBuf>,
    /// `--user`: overrides `User=`.
    pub user: Option<String>,
    pub ports: Vec<u16>,
    pub reads: Vec<String>,
    pub writes: Vec<String>,
}

const SERVICE: &str = "Service";

/// Checks the launch against every target of `spec`.
pub fn check(spec: &TargetSpec, req: &LaunchRequest, config: &Config) -> Outcome {
    let (opened, failed) = whyrun_target::open_all(spec);
    let mut errors: Vec<InputError> = failed
        .into_iter()
        .map(|OpenError { name, error }| InputError::new(name, error))
        .collect();
    let source = req.unit.as_deref().map(UnitSource::of);
    let local_unit = match &source {
        Some(UnitSource::File(p)) => match unit::load_file(p) {
            Ok(u) => Some(u),
            Err(e) => {
                // The error names its file and line itself.
                let at = match e.line {
                    Some(l) => format!("{}:{l}", e.file),
                    None => e.file.clone(),
                };
                errors.push(InputError::new(at, &e.message));
                return Outcome {
                    report: CheckReport::default(),
                    errors,
                };
            }
        },
        _ => None,
    };
    let mut targets = Vec::new();
    let mut summary = String::new();
    let mut shown = req
        .binary
        .as_ref()
        .map(|b| b.display().to_string())
        .unwrap_or_default();
    for t in &opened {
        let unit = match (&source, &local_unit, &t.view) {
            (_, Some(u), _) => Some(u.clone()),
            (Some(UnitSource::Name(n)), _, Some(v)) => match unit::load(v.as_ref(), n) {
                Ok(u) => Some(u),
                Err(e) => {
                    errors.push(InputError::new(t.model.name.clone(), e));
                    continue;
                }
            },
            (Some(UnitSource::Name(n)), _, None) => {
                errors.push(InputError::new(
                    t.model.name.clone(),
                    format!("--unit {n} is looked up in the target's unit paths: name a --root or --image, or give the unit file's path"),
                ));
                continue;
            }
            _ => None,
        };
        match evaluate(t, unit.as_ref(), req) {
            Ok((mut report, program, about)) => {
                if shown.is_empty() {
                    shown = program;
                }
                if summary.is_empty() {
                    summary = about;
                }
                config.apply(&mut report, &shown);
                targets.push(report);
            }
            Err(e) => errors.push(InputError::new(t.model.name.clone(), e)),
        }
    }
    let mut report = CheckReport::default();
    if !targets.is_empty() {
        report.binaries.push(BinaryReport {
            path: match &req.unit {
                Some(u) => format!("{shown} ({u})"),
                None => shown,
            },
            summary,
            targets,
        });
    }
    if let Some(input) = config.report() {
        report.inputs.push(input);
    }
    Outcome { report, errors }
}

/// The launch on one target: the LAUNCH findings and the program's own, ranked together.
fn evaluate(
    t: &OpenTarget,
    unit: Option<&Unit>,
    req: &LaunchRequest,
) -> Result<(TargetReport, String, String), String> {
    let view = t.view.as_deref();
    let subject = subject(t, view, unit, req)?;
    let mut findings = whyrun_rules::run(Input::Launch(&subject));
    let exec_path = subject
        .exec
        .as_ref()
        .and_then(|e| e.found.as_ref().map(|f| f.path.clone()))
        .or_else(|| subject.exec.as_ref().map(|e| e.written.clone()));
    let placement = match (&req.binary, &subject.exec) {
        (Some(file), _) => Some(Placement::Local {
            file: file.clone(),
            at: exec_path.clone(),
        }),
        (None, Some(Exec { found: Some(f), .. })) => Some(Placement::Inside(f.path.clone())),
        _ => None,
    };
    let shown = match &placement {
        Some(p) => p.display(),
        None => exec_path.clone().unwrap_or_else(|| "the program".into()),
    };
    let mut path_in_target = exec_path.unwrap_or_default();
    let mut about = String::new();
    // The program itself, judged for the user systemd runs it as. Its execute permission
    // is LAUNCH004's, with systemd's words.
    if let Some(p) = &placement {
        let options = CheckOptions {
            run_as: subject.run_as.uid.map(|_| subject.run_as.spec.clone()),
        };
        let local = match p {
            Placement::Local { file, .. } => Some(
                crate::Program::of_file(file).map_err(|e| format!("{}: {e}", file.display()))?,
            ),
            _ => None,
        };
        let e = crate::evaluate(t, p, local, &options)?;
        path_in_target = e.report.path_in_target.clone();
        about = e.facts.as_deref().map(crate::summarize).unwrap_or_default();
        findings.extend(
            e.report
                .findings
                .into_iter()
                .filter(|f| !(subject.unit.is_some() && f.code == "FS001")),
        );
    }
    whyrun_rules::precedence::rank(&mut findings);
    Ok((
        TargetReport {
            target: t.model.name.clone(),
            kind: t.model.source.label().to_string(),
            path_in_target,
            verdict: Verdict::of(&findings),
            findings,
            ignored: Vec::new(),
            image: t.image.clone(),
            rebuild: None,
        },
        shown,
        about,
    ))
}

pub(crate) fn file_mode(view: &dyn FileView, path: &str) -> Option<(FileMode, FileKind)> {
    view.metadata(Path::new(path)).ok().map(|m| {
        (
            FileMode {
                mode: m.mode,
                uid: Some(m.uid),
                gid: Some(m.gid),
                is_dir: m.kind == FileKind::Dir,
            },
            m.kind,
        )
    })
}

pub(crate) fn dirs_of(view: &dyn FileView, path: &str) -> Vec<(String, FileMode)> {
    parents(path)
        .into_iter()
        .filter_map(|d| file_mode(view, &d).map(|(m, _)| (d, m)))
        .collect()
}

fn yes(v: &str) -> bool {
    matches!(v, "yes" | "true" | "on" | "1")
}

/// `CapabilityBoundingSet=` and `AmbientCapabilities=` as systemd combines assignments
/// (systemd.exec(5), "Capabilities"): the listed capabilities are added to what earlier
/// lines gave; a list prefixed with `~` removes them; an empty assignment resets the set
/// (the bounding set to all capabilities, the ambient set to none).
fn cap_set(unit: &Unit, key: &str, all_when_unset: bool) -> (Option<Vec<String>>, Option<String>) {
    let mut set: Option<Vec<String>> = None;
    let mut at = None;
    for a in unit.all(SERVICE, key) {
        at = Some(a.location());
        let v = a.value.trim();
        if v.is_empty() {
            set = None;
            continue;
        }
        let (invert, list) = match v.strip_prefix('~') {
            Some(l) => (true, l),
            None => (false, v),
        };
        let caps: Vec<String> = list
            .split_whitespace()
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let mut cur = set.take();
        if invert {
            let base = cur.unwrap_or_else(|| {
                if all_when_unset {
                    ALL_CAPS.iter().map(|c| c.to_string()).collect()
                } else {
                    Vec::new()
                }
            });
            cur = Some(base.into_iter().filter(|c| !caps.contains(c)).collect());
        } else {
            let mut base = cur.unwrap_or_default();
            base.extend(caps);
            cur = Some(base);
        }
        set = cur;
    }
    (set, at)
}

/// The capabilities whose presence matters to the rules; `~` lists are taken against
/// these.
const ALL_CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_KILL",
    "CAP_NET_ADMIN",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SYS_ADMIN",
];

/// Ports learned from the unit without ambiguity: `--addr :80`, `--listen=0.0.0.0:443`,
/// `--port 80`, `-port=80` arguments, and `PORT=80` in `Environment=`.
pub(crate) fn learned_ports(
    args: &[String],
    env: &[(String, String, String)],
    at: &str,
) -> Vec<Port> {
    let mut out = Vec::new();
    let port_of = |flag: &str, v: &str| -> Option<u16> {
        if flag == "port" {
            v.parse().ok()
        } else {
            v.rsplit_once(':').and_then(|(_, p)| p.parse().ok())
        }
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].trim_start_matches('-');
        if args[i].starts_with('-') {
            let (flag, inline) = match a.split_once('=') {
                Some((f, v)) => (f, Some(v.to_string())),
                None => (a, None),
            };
            if matches!(
                flag,
                "addr" | "address" | "listen" | "bind" | "port" | "http"
            ) {
                let v = inline.or_else(|| args.get(i + 1).cloned());
                if let Some(p) = v.as_deref().and_then(|v| port_of(flag, v)) {
                    out.push(Port {
                        port: p,
                        how: format!(
                            "ExecStart argument {}",
                            args[i..]
                                .iter()
                                .take(2)
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(" ")
                        ),
                        at: at.to_string(),
                    });
                }
            }
        }
        i += 1;
    }
    for (k, v, at) in env {
        if k == "PORT" {
            if let Ok(p) = v.parse() {
                out.push(Port {
                    port: p,
                    how: format!("Environment= {k}={v}"),
                    at: at.clone(),
                });
            }
        }
    }
    out
}

fn account(model: &TargetModel, name: &str, at: String, group: bool) -> Account {
    let n = name.parse::<u32>().ok();
    let found = if group {
        model
            .groups
            .iter()
            .any(|g| n.map_or(g.name == name, |n| g.gid == n))
    } else {
        model
            .users
            .iter()
            .any(|u| n.map_or(u.name == name, |n| u.uid == n))
    };
    Account {
        name: name.to_string(),
        found,
        at,
    }
}

fn subject(
    t: &OpenTarget,
    view: Option<&dyn FileView>,
    unit: Option<&Unit>,
    req: &LaunchRequest,
) -> Result<LaunchSubject, String> {
    let model = &t.model;
    let empty = Unit::default();
    let u = unit.unwrap_or(&empty);
    let specifiers = unit::Specifiers {
        name: u.name.clone(),
    };
    let resolve = |s: &str| specifiers.resolve(s);
    let last = |key: &'static str| u.last(SERVICE, key);
    let exists = |p: &str| view.is_some_and(|v| v.exists(Path::new(p)));

    let user = match (&req.user, last("User")) {
        (Some(s), _) => Some(Account {
            ..account(
                model,
                s.split(':').next().unwrap_or(s),
                "--user".into(),
                false,
            )
        }),
        (None, Some(a)) => Some(account(model, &resolve(&a.value)?, a.location(), false)),
        (None, None) => None,
    };
    let group = match (&req.user, last("Group")) {
        (Some(s), _) => s
            .split_once(':')
            .map(|(_, g)| account(model, g, "--user".into(), true)),
        (None, Some(a)) => Some(account(model, &resolve(&a.value)?, a.location(), true)),
        _ => None,
    };
    let mut supplementary = Vec::new();
    for a in u.list(SERVICE, "SupplementaryGroups") {
        for g in a.value.split_whitespace() {
            supplementary.push(account(model, &resolve(g)?, a.location(), true));
        }
    }
    let spec = match (&user, &group) {
        (Some(u), Some(g)) => Some(format!("{}:{}", u.name, g.name)),
        (Some(u), None) => Some(u.name.clone()),
        _ => None,
    };
    let mut run_as = match &spec {
        Some(s) => RunAs::resolve(
            s,
            if req.user.is_some() {
                "--user"
            } else {
                "User="
            },
            model,
        ),
        None if unit.is_some() => RunAs::resolve("root", "the default (root)", model),
        None => RunAs::of(None, model),
    };
    if user.as_ref().is_some_and(|u| !u.found) && unit.is_some() {
        // systemd refuses a user without an entry, numeric or not (LAUNCH002).
        run_as.uid = None;
    }
    for g in &supplementary {
        let gid = g.name.parse::<u32>().ok().or_else(|| {
            model
                .groups
                .iter()
                .find(|x| x.name == g.name)
                .map(|x| x.gid)
        });
        run_as.groups.extend(gid);
    }

    // Environment= lines, for $VAR in ExecStart= and PORT=.
    let mut env_lines: Vec<(String, String, String)> = Vec::new();
    for a in u.list(SERVICE, "Environment") {
        for (k, v) in unit::parse_environment(&resolve(&a.value)?)
            .map_err(|e| format!("{}: {e}", a.location()))?
        {
            env_lines.push((k, v, a.location()));
        }
    }
    let env: BTreeMap<String, String> = env_lines
        .iter()
        .map(|(k, v, _)| (k.clone(), v.clone()))
        .collect();

    let mut exec = None;
    let mut ports: Vec<Port> = req
        .ports
        .iter()
        .map(|p| Port {
            port: *p,
            how: "--port".into(),
            at: "--port".into(),
        })
        .collect();
    if let Some(a) = u.list(SERVICE, "ExecStart").first() {
        let cmd =
            unit::split_exec(&resolve(&a.value)?).map_err(|e| format!("{}: {e}", a.location()))?;
        let args: Vec<String> = if cmd.no_env_expansion {
            cmd.args.clone()
        } else {
            cmd.args.iter().map(|w| unit::expand_env(w, &env)).collect()
        };
        if req.ports.is_empty() {
            ports.extend(learned_ports(&args, &env_lines, &a.location()));
        }
        let candidates: Vec<String> = if cmd.program.starts_with('/') {
            vec![cmd.program.clone()]
        } else {
            unit::EXEC_SEARCH_PATH
                .iter()
                .map(|d| format!("{d}/{}", cmd.program))
                .collect()
        };
        let found = match (&req.binary, view) {
            (Some(_), _) => Some(ExecFile {
                path: candidates[0].clone(),
                file: None,
                dirs: Vec::new(),
                is_regular: true,
            }),
            (None, Some(v)) => candidates.iter().find_map(|c| {
                let (mode, kind) = file_mode(v, c)?;
                Some(ExecFile {
                    path: c.clone(),
                    file: Some(mode),
                    dirs: dirs_of(v, c),
                    is_regular: kind == FileKind::File,
                })
            }),
            (None, None) => None,
        };
        exec = Some(Exec {
            written: cmd.program.clone(),
            at: a.location(),
            found,
            searched: candidates,
            privileged: cmd.privileged.is_some(),
        });
    } else if unit.is_some() {
        return Err(format!(
            "{}: the unit has no ExecStart=",
            u.files.first().cloned().unwrap_or_default()
        ));
    }

    let path_setting = |a: &unit::Assignment| -> Result<PathSetting, String> {
        let v = resolve(&a.value)?;
        let (optional, path) = match v.strip_prefix('-') {
            Some(p) => (true, p.to_string()),
            None => (false, v),
        };
        Ok(PathSetting {
            exists: exists(&path),
            path,
            optional,
            at: a.location(),
        })
    };
    let working_directory = match last("WorkingDirectory") {
        Some(a) if !a.value.trim().is_empty() && a.value.trim() != "~" => Some(path_setting(a)?),
        _ => None,
    };
    let mut environment_files = Vec::new();
    for a in u.list(SERVICE, "EnvironmentFile") {
        environment_files.push(path_setting(a)?);
    }

    let (ambient, ambient_at) = cap_set(u, "AmbientCapabilities", false);
    let (bounding, bounding_at) = cap_set(u, "CapabilityBoundingSet", true);
    let caps = Capabilities {
        ambient: ambient.unwrap_or_default(),
        ambient_at,
        bounding,
        bounding_at,
        no_new_privileges: last("NoNewPrivileges").map(|a| Set {
            value: yes(&a.value),
            at: a.location(),
        }),
    };

    let dynamic_user = last("DynamicUser").is_some_and(|a| yes(&a.value));
    let set_of = |a: &unit::Assignment| Set {
        value: a.value.trim().to_string(),
        at: a.location(),
    };
    let paths = |key: &'static str| -> Result<Vec<Set<String>>, String> {
        let mut out = Vec::new();
        for a in u.list(SERVICE, key) {
            for p in resolve(&a.value)?.split_whitespace() {
                out.push(Set {
                    value: p.trim_start_matches(['-', '+']).to_string(),
                    at: a.location(),
                });
            }
        }
        Ok(out)
    };
    let mut managed = Vec::new();
    for (key, base) in [
        ("StateDirectory", "/var/lib"),
        ("CacheDirectory", "/var/cache"),
        ("LogsDirectory", "/var/log"),
        ("RuntimeDirectory", "/run"),
    ] {
        for mut s in paths(key)? {
            s.value = format!("{base}/{}", s.value.split(':').next().unwrap_or(""));
            managed.push(s);
        }
    }
    let mut protect_system = last("ProtectSystem").map(set_of);
    if dynamic_user && protect_system.is_none() {
        // systemd.exec(5), DynamicUser=: "ProtectSystem=strict and ProtectHome=read-only
        // are implied".
        protect_system = Some(Set {
            value: "strict".into(),
            at: last("DynamicUser")
                .map(|a| a.location())
                .unwrap_or_default(),
        });
    }
    let sandbox = Sandbox {
        protect_system,
        protect_home: last("ProtectHome").map(set_of),
        read_only: paths("ReadOnlyPaths")?,
        read_write: paths("ReadWritePaths")?,
        managed,
    };

    let reads = req
        .reads
        .iter()
        .map(|p| Set {
            value: ReadPath {
                path: p.clone(),
                file: view.and_then(|v| file_mode(v, p)).map(|(m, _)| m),
                dirs: view.map(|v| dirs_of(v, p)).unwrap_or_default(),
                group_name: view
                    .and_then(|v| file_mode(v, p))
                    .and_then(|(m, _)| m.gid)
                    .and_then(|g| model.groups.iter().find(|x| x.gid == g))
                    .map(|g| g.name.clone()),
            },
            at: "--reads".into(),
        })
        .collect();
    let writes = req
        .writes
        .iter()
        .map(|p| Set {
            value: p.clone(),
            at: "--writes".into(),
        })
        .collect();
    Ok(LaunchSubject {
        target: model.name.clone(),
        unit: unit.map(|u| (u.name.clone(), u.files.clone())),
        user,
        group,
        supplementary,
        dynamic_user,
        run_as,
        exec,
        working_directory,
        environment_files,
        ports,
        caps,
        sandbox,
        writes,
        reads,
        unprivileged_port_start: Set {
            value: 1024,
            at: "the kernel's default for a new network namespace".into(),
        },
        container: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_learned_from_arguments_and_environment() {
        let args: Vec<String> = [
            "--addr",
            ":80",
            "--listen=0.0.0.0:443",
            "-port=8080",
            "--name",
            "x:1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let env = vec![("PORT".into(), "81".into(), "u:3".into())];
        let p: Vec<u16> = learned_ports(&args, &env, "u:2")
            .iter()
            .map(|p| p.port)
            .collect();
        assert_eq!(p, [80, 443, 8080, 81]);
    }

    #[test]
    fn capability_lists_combine_as_systemd_does() {
        let mut u = Unit::default();
        unit::parse_into(
            &mut u,
            "a.service",
            "[Service]\nCapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=CAP_KILL\nAmbientCapabilities=CAP_NET_BIND_SERVICE\nAmbientCapabilities=\n",
        )
        .unwrap();
        let (b, _) = cap_set(&u, "CapabilityBoundingSet", true);
        assert_eq!(b.unwrap(), ["CAP_CHOWN", "CAP_KILL"]);
        let (a, _) = cap_set(&u, "AmbientCapabilities", false);
        assert!(a.is_none());
        let mut u = Unit::default();
        unit::parse_into(
            &mut u,
            "a.service",
            "[Service]\nCapabilityBoundingSet=~CAP_NET_BIND_SERVICE\n",
        )
        .unwrap();
        let (b, _) = cap_set(&u, "CapabilityBoundingSet", true);
        assert!(!b.unwrap().contains(&"CAP_NET_BIND_SERVICE".to_string()));
    }
}
