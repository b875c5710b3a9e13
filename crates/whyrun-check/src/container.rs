//! `whyrun check --image IMG` with a container launch: the image config's `User`,
//! `WorkingDir`, `Entrypoint`/`Cmd`, `Env` and `ExposedPorts`, overridden by a Kubernetes
//! manifest (`--manifest`, `--container`), a Compose file (`--compose`, `--service`) or the
//! plain flags (`--user`, `--port`, `--reads`, `--writes`, `--cap`, `--read-only`,
//! `--workdir`, `--sysctl`, `--host-network`), judged for the runtime that starts it
//! (`--runtime`; a manifest means containerd, a Compose file Docker). Reads the files and
//! the image; builds one `LaunchSubject` with its `Container` per container and image; the
//! rules decide. Bad manifest documents and Compose services are one line each with file
//! and line; the others are still checked.

use std::path::{Path, PathBuf};

use whyrun_report::{BinaryReport, CheckReport, TargetReport};
use whyrun_rules::access::{FileMode, RunAs};
use whyrun_rules::container::{cap_name, Container, Decided, Mount, Runtime, WriteTarget};
use whyrun_rules::launch::{Account, Capabilities, LaunchSubject, Port, ReadPath, Sandbox, Set};
use whyrun_rules::{CheckOptions, Input, Verdict};
use whyrun_target::container::{self as spec, ContainerSpec, SpecKind, Volume};
use whyrun_target::model::ImageConfig;
use whyrun_target::open::{OpenError, OpenTarget};
use whyrun_target::TargetSpec;

use crate::launch::{dirs_of, file_mode, learned_ports};
use crate::{Config, InputError, Outcome, Placement};

/// A container launch, as the command line says.
#[derive(Debug, Clone, Default)]
pub struct ContainerRequest {
    pub manifest: Option<PathBuf>,
    pub container: Option<String>,
    pub compose: Option<PathBuf>,
    pub service: Option<String>,
    pub runtime: Option<String>,
    pub user: Option<String>,
    pub caps: Vec<String>,
    pub read_only: bool,
    pub workdir: Option<String>,
    pub sysctls: Vec<String>,
    pub host_network: bool,
    pub ports: Vec<u16>,
    pub reads: Vec<String>,
    pub writes: Vec<String>,
}

impl ContainerRequest {
    /// Whether the command line asks for a container launch (beyond a plain `--image`).
    pub fn any(&self) -> bool {
        self.manifest.is_some()
            || self.compose.is_some()
            || self.runtime.is_some()
            || !self.caps.is_empty()
            || self.read_only
            || self.workdir.is_some()
            || !self.sysctls.is_empty()
            || self.host_network
    }
}

/// The containers to check: those of the manifest or Compose file (the one named), or one
/// described by the image and the flags alone (`None`).
fn specs(req: &ContainerRequest, errors: &mut Vec<InputError>) -> Vec<Option<ContainerSpec>> {
    let (file, kind, wanted) = match (&req.manifest, &req.compose) {
        (Some(m), _) => (m, SpecKind::Kubernetes, &req.container),
        (None, Some(c)) => (c, SpecKind::Compose, &req.service),
        (None, None) => return vec![None],
    };
    let name = file.display().to_string();
    let text = match spec::read_text(file) {
        Ok(t) => t,
        Err(e) => {
            errors.push(InputError::new(e.file.clone(), e.message));
            return Vec::new();
        }
    };
    let (found, bad) = match kind {
        SpecKind::Kubernetes => spec::k8s::read(&name, &text),
        SpecKind::Compose => spec::compose::read(&name, &text),
    };
    let unreadable = !bad.is_empty();
    for e in bad {
        let input = match e.line {
            Some(l) => format!("{}:{l}", e.file),
            None => e.file.clone(),
        };
        errors.push(InputError::new(input, e.message));
    }
    let what = match kind {
        SpecKind::Kubernetes => "container",
        SpecKind::Compose => "service",
    };
    let chosen: Vec<Option<ContainerSpec>> = found
        .into_iter()
        .filter(|s| wanted.as_ref().is_none_or(|w| &s.name == w))
        .map(Some)
        .collect();
    // A file that could not be read has said why already.
    if chosen.is_empty() && !(unreadable && wanted.is_none()) {
        errors.push(InputError::new(
            name,
            match wanted {
                Some(w) => format!("no {what} named {w}"),
                None => format!("no {what} found"),
            },
        ));
    }
    chosen
}

/// Checks each container of the request against each image of `spec`.
pub fn check(targets: &TargetSpec, req: &ContainerRequest, config: &Config) -> Outcome {
    let mut errors = Vec::new();
    let runtime = match (&req.runtime, &req.manifest, &req.compose) {
        (Some(r), _, _) => match Runtime::parse(r, "--runtime") {
            Ok(r) => Some(r),
            Err(e) => {
                errors.push(InputError::new("--runtime", e));
                return Outcome {
                    report: CheckReport::default(),
                    errors,
                };
            }
        },
        (None, Some(_), _) => Some(
            Runtime::parse(
                "containerd",
                "a Kubernetes manifest without --runtime: containerd, the default of the major distributions",
            )
            .expect("a known runtime"),
        ),
        (None, None, Some(_)) => Some(
            Runtime::parse("docker", "a Compose file without --runtime: Docker")
                .expect("a known runtime"),
        ),
        _ => None,
    };
    if targets.images.is_empty() {
        errors.push(InputError::new(
            "--image",
            "a container launch is judged on its image: name it with --image ARCHIVE",
        ));
        return Outcome {
            report: CheckReport::default(),
            errors,
        };
    }
    let specs = specs(req, &mut errors);
    let (opened, failed) = whyrun_target::open_all(targets);
    errors.extend(
        failed
            .into_iter()
            .map(|OpenError { name, error }| InputError::new(name, error)),
    );
    let mut report = CheckReport::default();
    for s in &specs {
        let mut reports = Vec::new();
        let mut shown = String::new();
        let mut summary = String::new();
        for t in &opened {
            match evaluate(t, s.as_ref(), req, runtime.clone()) {
                Ok((mut r, program, about)) => {
                    if shown.is_empty() {
                        shown = program;
                    }
                    if summary.is_empty() {
                        summary = about;
                    }
                    config.apply(&mut r, &shown);
                    reports.push(r);
                }
                Err(e) => errors.push(InputError::new(t.model.name.clone(), e)),
            }
        }
        if reports.is_empty() {
            continue;
        }
        let origin = s
            .as_ref()
            .map(|s| s.describe())
            .unwrap_or_else(|| "the image config".into());
        let rt = match &runtime {
            Some(r) => format!("runtime {} ({})", r.describe(), r.at),
            None => "runtime not named (--runtime)".into(),
        };
        report.binaries.push(BinaryReport {
            path: format!("{shown} ({origin})"),
            summary: if summary.is_empty() {
                rt
            } else {
                format!("{summary}; {rt}")
            },
            targets: reports,
        });
    }
    if let Some(input) = config.report() {
        report.inputs.push(input);
    }
    Outcome { report, errors }
}

fn at_set<T: Clone>(a: &spec::At<T>) -> Set<T> {
    Set {
        value: a.value.clone(),
        at: a.at.clone(),
    }
}

/// The image config as the launch overrides it: Kubernetes `command` (or Compose
/// `entrypoint`) replaces the Entrypoint and drops the Cmd; `args` (Compose `command`)
/// replaces the Cmd (Kubernetes: "Define a Command and Arguments for a Container"; Docker
/// run reference, ENTRYPOINT and CMD).
fn launched_config(
    image: &ImageConfig,
    s: Option<&ContainerSpec>,
    workdir: Option<&str>,
) -> ImageConfig {
    let mut c = image.clone();
    if let Some(s) = s {
        if let Some(cmd) = &s.command {
            c.entrypoint = cmd.value.clone();
            c.cmd.clear();
        }
        if let Some(a) = &s.args {
            c.cmd = a.value.clone();
        }
        for (k, v, _) in &s.env {
            c.env.push(format!("{k}={v}"));
        }
        if let Some(w) = &s.working_dir {
            c.working_dir = Some(w.value.clone());
        }
    }
    if let Some(w) = workdir {
        c.working_dir = Some(w.to_string());
    }
    c
}

fn mount_of(m: &spec::MountSpec) -> Mount {
    let what = match &m.volume {
        Volume::EmptyDir => "an emptyDir volume".to_string(),
        Volume::Projected { kind, name, .. } => format!("{kind} {name}"),
        Volume::HostPath(p) => format!("the host path {p}"),
        Volume::Other(v) if v.is_empty() => "a volume".to_string(),
        Volume::Other(v) => format!("volume {v}"),
        Volume::Tmpfs => "a tmpfs".to_string(),
    };
    Mount {
        target: m.target.clone(),
        // ConfigMap and Secret volumes are always mounted read-only by kubelet.
        read_only: m.read_only || matches!(m.volume, Volume::Projected { .. }),
        what,
        at: m.at.clone(),
    }
}

fn under(path: &str, dir: &str) -> bool {
    let d = dir.trim_end_matches('/');
    path == d || path.starts_with(&format!("{d}/"))
}

/// A file read from a ConfigMap or Secret volume, as kubelet writes it: owned by root,
/// with the item's `mode`, else `defaultMode`, else 0644 (k8s.io/api core/v1
/// ConfigMapVolumeSourceDefaultMode, SecretVolumeSourceDefaultMode); with `fsGroup`, its
/// group is the fsGroup and the mode gains 0440 (pkg/volume/volume_linux.go,
/// SetVolumeOwnership, read-only volumes).
fn projected_file(m: &spec::MountSpec, path: &str, fs_group: Option<u32>) -> Option<FileMode> {
    let Volume::Projected {
        default_mode,
        items,
        ..
    } = &m.volume
    else {
        return None;
    };
    let rel = path
        .strip_prefix(m.target.trim_end_matches('/'))
        .unwrap_or("")
        .trim_start_matches('/');
    let item_mode = items.iter().find_map(|(k, mode)| {
        (k == rel || (k.starts_with('@') && rel.is_empty())).then_some(*mode)
    });
    let mut mode = item_mode.flatten().or(*default_mode).unwrap_or(0o644);
    if fs_group.is_some() {
        mode |= 0o440;
    }
    Some(FileMode {
        mode,
        uid: Some(0),
        gid: Some(fs_group.unwrap_or(0)),
        is_dir: false,
    })
}

type Evaluated = (TargetReport, String, String);

/// The LAUNCH findings of an image's own config (`whyrun check --image IMG` with no
/// launch flags): its `User`, `ExposedPorts`, command line and environment, for a
/// runtime nobody named.
pub fn image_config_findings(t: &OpenTarget) -> Vec<whyrun_rules::Finding> {
    if t.model.image.is_none() {
        return Vec::new();
    }
    match subject(t, None, &ContainerRequest::default(), None) {
        Ok((s, _)) => whyrun_rules::run(Input::Launch(&s)),
        Err(_) => Vec::new(),
    }
}

fn evaluate(
    t: &OpenTarget,
    s: Option<&ContainerSpec>,
    req: &ContainerRequest,
    runtime: Option<Runtime>,
) -> Result<Evaluated, String> {
    let (subject, config) = subject(t, s, req, runtime)?;
    let mut findings = whyrun_rules::run(Input::Launch(&subject));
    let run_as = subject.run_as.clone();
    let view = t.view.as_deref();
    let origin = s
        .map(|s| s.describe())
        .unwrap_or_else(|| "the image config".into());
    // The program itself, judged for the user the container runs as.
    let view_ok = view.ok_or("the image has no files")?;
    let (placement, shown) = match whyrun_target::image::entrypoint(view_ok, &config) {
        Ok(e) => {
            let p = e.path.display().to_string();
            (Some(Placement::Inside(p.clone())), p)
        }
        // The image's own command, unchanged, that cannot be named: the image check says
        // why (FS004, a missing command).
        Err(_)
            if whyrun_target::image::command(&config)
                == whyrun_target::image::command(model_image(t)) =>
        {
            (
                Some(Placement::Entrypoint),
                "the image entrypoint".to_string(),
            )
        }
        Err(e) => {
            let first = whyrun_target::image::command(&config)
                .first()
                .cloned()
                .unwrap_or_default();
            return Err(format!(
                "{origin}: the program {first} cannot be named: {e}"
            ));
        }
    };
    let mut path_in_target = shown.clone();
    let mut about = String::new();
    if let Some(p) = &placement {
        let options = CheckOptions {
            run_as: run_as.uid.map(|u| match run_as.gid {
                Some(g) => format!("{u}:{g}"),
                None => u.to_string(),
            }),
            user_from_launch: true,
        };
        let e = crate::evaluate(t, p, None, &options)?;
        path_in_target = e.report.path_in_target.clone();
        about = e.facts.as_deref().map(crate::summarize).unwrap_or_default();
        findings.extend(e.report.findings);
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

fn model_image(t: &OpenTarget) -> &ImageConfig {
    static EMPTY: std::sync::OnceLock<ImageConfig> = std::sync::OnceLock::new();
    t.model
        .image
        .as_ref()
        .unwrap_or_else(|| EMPTY.get_or_init(ImageConfig::default))
}

/// The launch subject of container `s` (or of the image config alone) on image `t`, and
/// the image config as the launch overrides it.
fn subject(
    t: &OpenTarget,
    s: Option<&ContainerSpec>,
    req: &ContainerRequest,
    runtime: Option<Runtime>,
) -> Result<(LaunchSubject, ImageConfig), String> {
    let model = &t.model;
    let view = t.view.as_deref();
    let image = model.image.clone().unwrap_or_default();
    let config = launched_config(&image, s, req.workdir.as_deref());
    let origin = s
        .map(|s| s.describe())
        .unwrap_or_else(|| "the image config".into());

    // Who it runs as: --user, else the manifest/Compose user (runAsUser[:runAsGroup]),
    // else the image's User, else root.
    let image_user = image.user.clone().filter(|u| !u.is_empty());
    let (spec_user, user_at): (Option<String>, String) = match (&req.user, s) {
        (Some(u), _) => (Some(u.clone()), "--user".into()),
        (None, Some(s)) if s.user.is_some() || s.group.is_some() => {
            let u = s
                .user
                .as_ref()
                .map(|u| u.value.clone())
                .or_else(|| {
                    image_user
                        .as_ref()
                        .map(|u| u.split(':').next().unwrap_or("").to_string())
                })
                .unwrap_or_else(|| "0".into());
            let spec = match &s.group {
                Some(g) => format!("{u}:{}", g.value),
                None => u,
            };
            let at = s
                .user
                .as_ref()
                .or(s.group.as_ref())
                .map(|a| a.at.clone())
                .unwrap_or_default();
            (Some(spec), at)
        }
        _ => (image_user.clone(), "image config User".into()),
    };
    let spec_text = spec_user.clone().unwrap_or_else(|| "root".into());
    let mut run_as = RunAs::resolve(&spec_text, "the container's user", model);
    let (uname, gname) = match spec_text.split_once(':') {
        Some((u, g)) => (u.to_string(), Some(g.to_string())),
        None => (spec_text.clone(), None),
    };
    let user = spec_user.as_ref().map(|_| {
        let numeric = uname.parse::<u32>().ok();
        Account {
            found: model
                .users
                .iter()
                .any(|u| numeric.map_or(u.name == uname, |n| u.uid == n)),
            name: uname.clone(),
            at: user_at.clone(),
        }
    });
    let group = gname.map(|g| {
        let numeric = g.parse::<u32>().ok();
        Account {
            found: model
                .groups
                .iter()
                .any(|x| numeric.map_or(x.name == g, |n| x.gid == n)),
            name: g,
            at: user_at.clone(),
        }
    });
    if user
        .as_ref()
        .is_some_and(|u| !u.found && u.name.parse::<u32>().is_err())
    {
        // The runtime refuses a name without an entry (LAUNCH002).
        run_as.uid = None;
    }
    let fs_group = s.and_then(|s| s.fs_group.as_ref()).map(|g| g.value);
    if let Some(g) = fs_group {
        run_as.groups.push(g);
    }
    for g in s
        .map(|s| s.supplemental_groups.as_slice())
        .unwrap_or_default()
    {
        let gid = g.value.parse::<u32>().ok().or_else(|| {
            model
                .groups
                .iter()
                .find(|x| x.name == g.value)
                .map(|x| x.gid)
        });
        run_as.groups.extend(gid);
    }

    // What it listens on: --port, else the file's ports, else what the command line and
    // environment say, else the image's ExposedPorts.
    let mut ports: Vec<Port> = req
        .ports
        .iter()
        .map(|p| Port {
            port: *p,
            how: "--port".into(),
            at: "--port".into(),
        })
        .collect();
    if ports.is_empty() {
        if let Some(s) = s {
            ports.extend(s.ports.iter().map(|p| Port {
                port: p.value,
                how: match s.kind {
                    SpecKind::Kubernetes => format!("containerPort {}", p.value),
                    SpecKind::Compose => format!("ports: container port {}", p.value),
                },
                at: p.at.clone(),
            }));
        }
    }
    if ports.is_empty() {
        let argv: Vec<String> = whyrun_target::image::command(&config);
        let env: Vec<(String, String, String)> = config
            .env
            .iter()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string(), "Env".to_string()))
            .collect();
        let mut learned = learned_ports(&argv, &env, &origin);
        for p in &mut learned {
            p.how = p
                .how
                .replace("ExecStart argument", "argument")
                .replace("Environment=", "environment");
        }
        ports.extend(learned);
    }
    if ports.is_empty() {
        ports.extend(image.exposed_ports.iter().filter_map(|e| {
            let (p, proto) = e.split_once('/').unwrap_or((e.as_str(), "tcp"));
            (proto == "tcp")
                .then(|| p.parse().ok())
                .flatten()
                .map(|port| Port {
                    port,
                    how: format!("ExposedPorts {e}"),
                    at: "image config".into(),
                })
        }));
    }

    // The container's settings.
    let sets = |l: &[spec::At<String>]| l.iter().map(at_set).collect::<Vec<_>>();
    let mut cap_add = s.map(|s| sets(&s.cap_add)).unwrap_or_default();
    cap_add.extend(req.caps.iter().map(|c| Set {
        value: cap_name(c),
        at: "--cap".into(),
    }));
    let cap_drop = s.map(|s| sets(&s.cap_drop)).unwrap_or_default();
    let mut sysctls: Vec<(String, String, String)> = s
        .map(|s| {
            s.sysctls
                .iter()
                .map(|x| (x.value.0.clone(), x.value.1.clone(), x.at.clone()))
                .collect()
        })
        .unwrap_or_default();
    for kv in &req.sysctls {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("--sysctl {kv}: expected KEY=VALUE"))?;
        sysctls.push((k.trim().into(), v.trim().into(), "--sysctl".into()));
    }
    let sysctl_port_start = sysctls
        .iter()
        .rev()
        .find(|(k, _, _)| k == "net.ipv4.ip_unprivileged_port_start")
        .map(|(_, v, at)| {
            v.parse::<u16>()
                .map(|value| Set {
                    value,
                    at: format!("net.ipv4.ip_unprivileged_port_start={v} ({at})"),
                })
                .map_err(|_| format!("{at}: net.ipv4.ip_unprivileged_port_start={v} is not a port"))
        })
        .transpose()?;
    let mut read_only_root = s.and_then(|s| s.read_only_root.as_ref()).map(at_set);
    if req.read_only {
        read_only_root = Some(Set {
            value: true,
            at: "--read-only".into(),
        });
    }
    let mut host_network = s.and_then(|s| s.host_network.as_ref()).map(at_set);
    if req.host_network {
        host_network = Some(Set {
            value: true,
            at: "--host-network".into(),
        });
    }
    let mounts: Vec<Mount> = s
        .map(|s| s.mounts.iter().map(mount_of).collect())
        .unwrap_or_default();
    // A working directory the launch names (not the image's own): podman refuses a
    // missing one.
    let named_workdir = req
        .workdir
        .as_ref()
        .map(|w| (w.clone(), "--workdir".to_string()))
        .or_else(|| {
            s.and_then(|s| s.working_dir.as_ref())
                .map(|w| (w.value.clone(), w.at.clone()))
        });
    let workdir = named_workdir.map(|(p, at)| {
        let on_mount = mounts.iter().any(|m| under(&p, &m.target));
        let exists = on_mount || view.is_some_and(|v| v.exists(Path::new(&p)));
        (p, exists, at)
    });
    let spec_mounts = s.map(|s| s.mounts.as_slice()).unwrap_or_default();
    let container = Container {
        origin: origin.clone(),
        runtime,
        kubernetes: s.is_some_and(|s| s.kind == SpecKind::Kubernetes),
        host_network,
        privileged: s.and_then(|s| s.privileged.as_ref()).map(at_set),
        cap_add,
        cap_drop,
        sysctl_port_start,
        read_only_root,
        mounts,
        run_as_non_root: s.and_then(|s| s.run_as_non_root.as_ref()).map(at_set),
        run_as_user: s.and_then(|s| s.user.as_ref()).and_then(|u| {
            (s.is_some_and(|s| s.kind == SpecKind::Kubernetes))
                .then(|| u.value.parse::<i64>().ok())
                .flatten()
                .map(|value| Set {
                    value,
                    at: u.at.clone(),
                })
        }),
        image_user: image_user.clone(),
        workdir,
        writes: req
            .writes
            .iter()
            .filter(|p| !spec_mounts.iter().any(|m| under(p, &m.target)))
            .map(|p| WriteTarget {
                path: p.clone(),
                at: "--writes".into(),
                file: view.and_then(|v| file_mode(v, p)).map(|(m, _)| m),
                dirs: view.map(|v| dirs_of(v, p)).unwrap_or_default(),
            })
            .collect(),
    };

    // What it reads: ConfigMap and Secret files as kubelet writes them; other volumes
    // are not in the image (not judged); the rest from the image.
    let mut reads = Vec::new();
    for p in &req.reads {
        let mount = spec_mounts
            .iter()
            .filter(|m| under(p, &m.target))
            .max_by_key(|m| m.target.len());
        let file = match mount {
            Some(m) => match projected_file(m, p, fs_group) {
                Some(f) => Some(f),
                None => continue,
            },
            None => view.and_then(|v| file_mode(v, p)).map(|(m, _)| m),
        };
        let dirs = match mount {
            Some(_) => Vec::new(),
            None => view.map(|v| dirs_of(v, p)).unwrap_or_default(),
        };
        let group_name = file
            .and_then(|m| m.gid)
            .and_then(|g| model.groups.iter().find(|x| x.gid == g))
            .map(|g| g.name.clone());
        reads.push(Set {
            value: ReadPath {
                path: p.clone(),
                file,
                dirs,
                group_name,
            },
            at: "--reads".into(),
        });
    }
    let writes = req
        .writes
        .iter()
        .map(|p| Set {
            value: p.clone(),
            at: "--writes".into(),
        })
        .collect();
    let subject = LaunchSubject {
        target: model.name.clone(),
        unit: None,
        user,
        group,
        supplementary: Vec::new(),
        dynamic_user: false,
        run_as: run_as.clone(),
        exec: None,
        exec_pre: Vec::new(),
        working_directory: None,
        environment_files: Vec::new(),
        ports,
        caps: Capabilities::default(),
        sandbox: Sandbox::default(),
        namespace_paths: Vec::new(),
        address_families: None,
        selinux: None,
        apparmor: None,
        writes,
        reads,
        unprivileged_port_start: match container.port_start() {
            Decided::Known(s) => s,
            Decided::DependsOnRuntime(_) => Set {
                value: 1024,
                at: "the kernel's default".into(),
            },
        },
        container: Some(container),
    };
    Ok((subject, config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_map_file_as_kubelet_writes_it() {
        let m = spec::MountSpec {
            target: "/etc/app".into(),
            read_only: true,
            volume: Volume::Projected {
                kind: "configMap",
                name: "c".into(),
                default_mode: Some(0o400),
                items: Vec::new(),
            },
            at: "k:1".into(),
        };
        let f = projected_file(&m, "/etc/app/config.yaml", None).unwrap();
        assert_eq!((f.mode, f.uid, f.gid), (0o400, Some(0), Some(0)));
        let f = projected_file(&m, "/etc/app/config.yaml", Some(2000)).unwrap();
        assert_eq!((f.mode, f.gid), (0o440, Some(2000)));
    }

    #[test]
    fn command_replaces_entrypoint_and_drops_cmd() {
        let image = ImageConfig {
            entrypoint: vec!["/app".into()],
            cmd: vec!["--serve".into()],
            ..Default::default()
        };
        let mut s = ContainerSpec::new(SpecKind::Kubernetes, "k", "Pod p".into(), "c".into());
        s.command = Some(spec::At {
            value: vec!["/other".into()],
            at: "k:2".into(),
        });
        let c = launched_config(&image, Some(&s), None);
        assert_eq!(c.entrypoint, ["/other"]);
        assert!(c.cmd.is_empty());
    }
}
