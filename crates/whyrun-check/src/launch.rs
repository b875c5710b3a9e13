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
    parents, Account, AddressFamilies, Capabilities, Exec, ExecFile, FileCaps, LaunchSubject,
    NamespacePath, PathSetting, Port, ReadPath, Sandbox, SelinuxLabel, Set,
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
    /// The program's own arguments (after `--`), instead of the unit's ExecStart=
    /// arguments: ports and files are learned from them.
    pub args: Vec<String>,
}

const SERVICE: &str = "Service";

/// The first number systemd allocates for `DynamicUser=` (61184, 0xEF00; the range ends at
/// 65519): the rules only need a uid that owns nothing in the target and is in no group.
const DYNAMIC_UID: u32 = 61184;

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
        // A unit's missing User= is LAUNCH002's; a plain --user is judged with the binary.
        let options = CheckOptions {
            run_as: match (&subject.unit, &req.user) {
                (None, Some(user)) => Some(user.clone()),
                _ => subject.run_as.uid.map(|_| subject.run_as.spec.clone()),
            },
            user_from_launch: subject.unit.is_some(),
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

/// The file capabilities of `path` in the target; `None` when it has none, or when the
/// view cannot tell (an image) or the attribute is malformed.
fn file_caps(view: &dyn FileView, path: &str) -> Option<FileCaps> {
    match view.xattr(Path::new(path), whyrun_target::filecaps::XATTR)? {
        Ok(Some(bytes)) => whyrun_target::filecaps::decode(&bytes).ok(),
        _ => None,
    }
}

/// The target's SELinux mode and the program's label against its policy; `None` when the
/// target has no SELinux configuration. A policy that cannot be read is an input error.
fn selinux_label(
    view: &dyn FileView,
    model: &TargetModel,
    path: &str,
) -> Result<Option<SelinuxLabel>, String> {
    use whyrun_target::selinux;
    let Some(mut config) = selinux::config(view) else {
        return Ok(None);
    };
    // The running kernel's mode, when the target is this machine, over the configured one.
    if let Some(live) = model.security.get("selinux") {
        config.mode = live.value.clone();
        config.at = live.from.clone();
    }
    let contexts = selinux::file_contexts(view, &config.policy)?;
    let label = match view.xattr(Path::new(path), "security.selinux") {
        Some(Ok(Some(bytes))) => Some(
            String::from_utf8_lossy(&bytes)
                .trim_end_matches('\0')
                .to_string(),
        ),
        _ => None,
    };
    Ok(Some(SelinuxLabel {
        mode: config.mode,
        mode_at: config.at,
        policy: config.policy,
        path: path.to_string(),
        label,
        expected: contexts
            .and_then(|c| c.lookup(path, selinux::Kind::File))
            .map(|l| (l.context, l.at)),
    }))
}

/// The first setting of the unit that makes systemd set `no_new_privs` for a user other
/// than root (systemd.exec(5), under each setting: "If running in user mode, or in system
/// mode, but without the CAP_SYS_ADMIN capability (e.g. setting User=),
/// NoNewPrivileges=yes is implied"; src/core/execute.c, context_has_no_new_privileges()).
fn implies_no_new_privileges(u: &Unit) -> Option<Set<String>> {
    // Settings that take a list (on when not empty) and booleans (on when yes).
    const LISTS: &[&str] = &[
        "SystemCallFilter",
        "SystemCallArchitectures",
        "RestrictAddressFamilies",
        "RestrictNamespaces",
        "RestrictFileSystems",
    ];
    const BOOLEANS: &[&str] = &[
        "PrivateDevices",
        "ProtectKernelTunables",
        "ProtectKernelModules",
        "ProtectKernelLogs",
        "ProtectClock",
        "ProtectHostname",
        "MemoryDenyWriteExecute",
        "RestrictRealtime",
        "RestrictSUIDSGID",
        "LockPersonality",
        "DynamicUser",
    ];
    u.assignments
        .iter()
        .filter(|a| a.section == SERVICE)
        .filter(|a| {
            let v = a.value.trim();
            let key = a.key.as_str();
            let on = if BOOLEANS.contains(&key) {
                yes(v)
            } else {
                LISTS.contains(&key) && !v.is_empty()
            };
            // The last assignment of the key decides: an empty one resets a list.
            on && u.last(SERVICE, key).is_some_and(|l| std::ptr::eq(l, *a))
        })
        .map(|a| Set {
            value: format!("{}={}", a.key, a.value.trim()),
            at: a.location(),
        })
        .next()
}

/// `RestrictAddressFamilies=` as systemd combines assignments (systemd.exec(5)): the first
/// decides allow-list or `~` deny-list; later lists of the same kind add to it, of the
/// other kind remove from it; an empty assignment resets; `none` allows nothing.
fn address_families(u: &Unit) -> Option<AddressFamilies> {
    let mut out: Option<AddressFamilies> = None;
    for a in u.all(SERVICE, "RestrictAddressFamilies") {
        let v = a.value.trim();
        if v.is_empty() {
            out = None;
            continue;
        }
        if v == "none" {
            out = Some(AddressFamilies {
                allow: true,
                families: Vec::new(),
                at: a.location(),
            });
            continue;
        }
        let (deny, list) = match v.strip_prefix('~') {
            Some(l) => (true, l),
            None => (false, v),
        };
        let words: Vec<String> = list.split_whitespace().map(str::to_string).collect();
        let cur = out.get_or_insert(AddressFamilies {
            allow: !deny,
            families: Vec::new(),
            at: a.location(),
        });
        cur.at = a.location();
        if cur.allow != deny {
            for w in words {
                if !cur.families.contains(&w) {
                    cur.families.push(w);
                }
            }
        } else {
            cur.families.retain(|f| !words.contains(f));
        }
    }
    out
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

/// Files the program will read and write, learned from its command line and environment
/// where that is unambiguous: each path and where it was learned.
#[derive(Debug, Default)]
struct Learned {
    reads: Vec<(String, String)>,
    writes: Vec<(String, String)>,
}

/// `--config /etc/app/config.yaml` (also `-config`, `--config-file`, `-c`, `=` forms) and
/// `CONFIG_FILE=` are read; `--log-file PATH` and `LOG_FILE=` are written. Only absolute
/// paths: a relative one depends on the working directory.
fn learned_files(args: &[String], env: &[(String, String, String)], at: &str) -> Learned {
    let mut out = Learned::default();
    let mut i = 0;
    while i < args.len() {
        if let Some(a) = args[i].strip_prefix('-') {
            let a = a.trim_start_matches('-');
            let (flag, inline) = match a.split_once('=') {
                Some((f, v)) => (f, Some(v.to_string())),
                None => (a, None),
            };
            let value = inline.or_else(|| args.get(i + 1).cloned());
            let how = |v: &str| {
                format!(
                    "{at} (argument {} {v})",
                    args[i].split('=').next().unwrap_or("")
                )
            };
            match (flag, value) {
                ("config" | "config-file" | "configfile" | "conf" | "c", Some(v))
                    if v.starts_with('/') =>
                {
                    out.reads.push((v.clone(), how(&v)))
                }
                ("log-file" | "logfile", Some(v)) if v.starts_with('/') => {
                    out.writes.push((v.clone(), how(&v)))
                }
                _ => {}
            }
        }
        i += 1;
    }
    for (k, v, at) in env {
        if !v.starts_with('/') {
            continue;
        }
        match k.as_str() {
            "CONFIG_FILE" => out
                .reads
                .push((v.clone(), format!("{at} (Environment= {k})"))),
            "LOG_FILE" => out
                .writes
                .push((v.clone(), format!("{at} (Environment= {k})"))),
            _ => {}
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
    let dynamic = last("DynamicUser").filter(|a| yes(&a.value));
    if dynamic.is_some() && user.as_ref().is_none_or(|u| !u.found) {
        // systemd.exec(5), DynamicUser=: a user allocated from 61184–65519 when the start
        // begins (and the name of User=, or the unit's), with a group of the same number;
        // a statically allocated user of that name is used as it is.
        let name = user
            .as_ref()
            .map(|u| u.name.clone())
            .unwrap_or_else(|| u.name.trim_end_matches(".service").to_string());
        run_as = RunAs {
            spec: name.clone(),
            source: "DynamicUser=",
            name: Some(name),
            uid: Some(DYNAMIC_UID),
            gid: Some(DYNAMIC_UID),
            groups: Vec::new(),
        };
    } else if user.as_ref().is_some_and(|u| !u.found) && unit.is_some() {
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
    // The program found for a command: its mode, the directories above it and its file
    // capabilities; `None` when it is not there.
    let locate = |candidates: &[String]| -> Option<ExecFile> {
        let v = view?;
        candidates.iter().find_map(|c| {
            let (mode, kind) = file_mode(v, c)?;
            Some(ExecFile {
                path: c.clone(),
                file: Some(mode),
                dirs: dirs_of(v, c),
                is_regular: kind == FileKind::File,
                caps: file_caps(v, c),
            })
        })
    };
    let command =
        |key: &'static str, a: &unit::Assignment| -> Result<(Exec, Vec<String>), String> {
            let cmd = unit::split_exec(&resolve(&a.value)?)
                .map_err(|e| format!("{}: {e}", a.location()))?;
            let args: Vec<String> = if cmd.no_env_expansion {
                cmd.args.clone()
            } else {
                cmd.args.iter().map(|w| unit::expand_env(w, &env)).collect()
            };
            let candidates: Vec<String> = if cmd.program.starts_with('/') {
                vec![cmd.program.clone()]
            } else {
                unit::EXEC_SEARCH_PATH
                    .iter()
                    .map(|d| format!("{d}/{}", cmd.program))
                    .collect()
            };
            let found = match (&req.binary, key) {
                // The BINARY argument, placed at the unit's path: its mode and capabilities
                // there are not known (`cp` and `install` drop file capabilities).
                (Some(_), "ExecStart") => Some(ExecFile {
                    path: candidates[0].clone(),
                    file: None,
                    dirs: Vec::new(),
                    is_regular: true,
                    caps: None,
                }),
                _ => locate(&candidates),
            };
            Ok((
                Exec {
                    key,
                    written: cmd.program.clone(),
                    at: a.location(),
                    found,
                    searched: candidates,
                    privileged: cmd.privileged.is_some(),
                    ignore_failure: cmd.ignore_failure,
                },
                args,
            ))
        };
    let mut exec_pre = Vec::new();
    for a in u.list(SERVICE, "ExecStartPre") {
        exec_pre.push(command("ExecStartPre", a)?.0);
    }
    let mut learned = Learned::default();
    const GIVEN: &str = "the arguments after --";
    if let Some(a) = u.list(SERVICE, "ExecStart").first() {
        let (e, args) = command("ExecStart", a)?;
        let (args, at) = if req.args.is_empty() {
            (args, a.location())
        } else {
            (req.args.clone(), GIVEN.to_string())
        };
        if req.ports.is_empty() {
            ports.extend(
                learned_ports(&args, &env_lines, &at)
                    .into_iter()
                    .map(|mut p| {
                        if at == GIVEN {
                            p.how = p.how.replace("ExecStart argument", "argument");
                        }
                        p
                    }),
            );
        }
        learned = learned_files(&args, &env_lines, &at);
        exec = Some(e);
    } else if unit.is_some() {
        return Err(format!(
            "{}: the unit has no ExecStart=",
            u.files.first().cloned().unwrap_or_default()
        ));
    } else if !req.args.is_empty() {
        if req.ports.is_empty() {
            ports.extend(
                learned_ports(&req.args, &[], GIVEN)
                    .into_iter()
                    .map(|mut p| {
                        p.how = p.how.replace("ExecStart argument", "argument");
                        p
                    }),
            );
        }
        learned = learned_files(&req.args, &[], GIVEN);
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
    let dynamic_user = dynamic.is_some();
    let caps = Capabilities {
        ambient: ambient.unwrap_or_default(),
        ambient_at,
        bounding,
        bounding_at,
        no_new_privileges: last("NoNewPrivileges").map(|a| Set {
            value: yes(&a.value),
            at: a.location(),
        }),
        no_new_privileges_implied_by: implies_no_new_privileges(u),
    };
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
    let mut protect_home = last("ProtectHome").map(set_of);
    if dynamic_user && protect_home.is_none() {
        protect_home = Some(Set {
            value: "read-only".into(),
            at: last("DynamicUser")
                .map(|a| a.location())
                .unwrap_or_default(),
        });
    }
    let sandbox = Sandbox {
        protect_system,
        protect_home,
        read_only: paths("ReadOnlyPaths")?,
        read_write: paths("ReadWritePaths")?,
        managed,
        temporary: paths("TemporaryFileSystem")?,
        no_exec: paths("NoExecPaths")?,
        exec: paths("ExecPaths")?,
    };
    let mut namespace_paths = Vec::new();
    for key in [
        "ReadWritePaths",
        "ReadOnlyPaths",
        "InaccessiblePaths",
        "ExecPaths",
        "NoExecPaths",
        "BindPaths",
        "BindReadOnlyPaths",
    ] {
        for a in u.list(SERVICE, key) {
            for word in resolve(&a.value)?.split_whitespace() {
                // `-` ignores a missing path, `+` takes it inside RootDirectory=; a bind
                // is SOURCE[:DEST[:OPTIONS]] and only its source must exist.
                let mut w = word;
                let mut optional = false;
                while let Some(r) = w.strip_prefix(['-', '+']) {
                    optional |= w.starts_with('-');
                    w = r;
                }
                let path = if key.starts_with("Bind") {
                    w.split(':').next().unwrap_or(w)
                } else {
                    w
                };
                namespace_paths.push(NamespacePath {
                    key: key.to_string(),
                    path: path.to_string(),
                    optional,
                    exists: exists(path),
                    at: a.location(),
                });
            }
        }
    }
    let address_families = address_families(u);
    let selinux = match (view, exec.as_ref().and_then(|e| e.found.as_ref())) {
        (Some(v), Some(f)) if unit.is_some() => selinux_label(v, model, &f.path)?,
        _ => None,
    };
    let apparmor = match (view, exec.as_ref().and_then(|e| e.found.as_ref())) {
        (Some(v), Some(f)) if unit.is_some() => whyrun_target::apparmor::profile_for(
            v,
            &f.path,
            last("AppArmorProfile")
                .map(|a| a.value.trim().trim_start_matches('-'))
                .filter(|n| !n.is_empty()),
        ),
        _ => None,
    };

    let read_paths: Vec<(String, String)> = req
        .reads
        .iter()
        .map(|p| (p.clone(), "--reads".to_string()))
        .chain(
            learned
                .reads
                .into_iter()
                .filter(|(p, _)| !req.reads.contains(p)),
        )
        .collect();
    let reads = read_paths
        .iter()
        .map(|(p, at)| Set {
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
            at: at.clone(),
        })
        .collect();
    let writes = req
        .writes
        .iter()
        .map(|p| Set {
            value: p.clone(),
            at: "--writes".into(),
        })
        .chain(
            learned
                .writes
                .into_iter()
                .filter(|(p, _)| !req.writes.contains(p))
                .map(|(value, at)| Set { value, at }),
        )
        .collect();
    let private_network = last("PrivateNetwork").filter(|a| yes(&a.value));
    let unprivileged_port_start = match (
        private_network,
        model.sysctls.get("net.ipv4.ip_unprivileged_port_start"),
    ) {
        // Each new network namespace starts at 1024 (net/ipv4/af_inet.c,
        // inet_init_net(): sysctl_ip_prot_sock = PROT_SOCK); the host's setting is not
        // inherited.
        (Some(a), _) => Set {
            value: 1024,
            at: format!(
                "the kernel's default in the new network namespace of PrivateNetwork=yes ({})",
                a.location()
            ),
        },
        (None, Some(s)) => Set {
            value: s.value.trim().parse().unwrap_or(1024),
            at: format!(
                "{} = {} in {}",
                "net.ipv4.ip_unprivileged_port_start", s.value, s.from
            ),
        },
        (None, None) => Set {
            value: 1024,
            at: "the kernel's default; the target's sysctl configuration does not change it".into(),
        },
    };
    Ok(LaunchSubject {
        target: model.name.clone(),
        unit: unit.map(|u| (u.name.clone(), u.files.clone())),
        user,
        group,
        supplementary,
        dynamic_user,
        run_as,
        exec,
        exec_pre,
        working_directory,
        environment_files,
        ports,
        caps,
        sandbox,
        namespace_paths,
        address_families,
        selinux,
        apparmor,
        writes,
        reads,
        unprivileged_port_start,
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
    fn files_are_learned_from_arguments_and_environment() {
        let args: Vec<String> = [
            "--config",
            "/etc/app/config.yaml",
            "-log-file=/var/log/app.log",
            "-c",
            "rel.yaml",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let env = vec![("CONFIG_FILE".into(), "/etc/app/b.yaml".into(), "u:3".into())];
        let l = learned_files(&args, &env, "u:2");
        let reads: Vec<&str> = l.reads.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(reads, ["/etc/app/config.yaml", "/etc/app/b.yaml"]);
        assert_eq!(l.writes[0].0, "/var/log/app.log");
        assert_eq!(l.reads[0].1, "u:2 (argument --config /etc/app/config.yaml)");
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
