//! What a container really gets from its runtime: the capabilities a process ends up
//! with, `net.ipv4.ip_unprivileged_port_start` in its network namespace, which paths are
//! read-only, whether a missing working directory is created, and the messages each
//! runtime and kubelet print when they refuse. Each fact names the runtime's source it
//! comes from; where runtimes differ and none is named, the answer is "depends on the
//! runtime" and the rules say "cannot tell", naming `--runtime`. Pure data and functions:
//! nothing here reads a file.

use crate::access::FileMode;
use crate::launch::{Blocked, Set};

/// A container runtime, as `--runtime NAME[@VERSION]` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeName {
    Docker,
    Podman,
    Containerd,
    CriO,
    Runc,
}

impl RuntimeName {
    pub fn label(self) -> &'static str {
        match self {
            RuntimeName::Docker => "Docker",
            RuntimeName::Podman => "podman",
            RuntimeName::Containerd => "containerd",
            RuntimeName::CriO => "CRI-O",
            RuntimeName::Runc => "runc",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runtime {
    pub name: RuntimeName,
    /// `(major, minor)` when a version was given.
    pub version: Option<(u32, u32)>,
    /// `--runtime`, or why it is assumed (`a Kubernetes manifest without --runtime`).
    pub at: String,
}

impl Runtime {
    /// `docker`, `podman@4.3`, `containerd@1.7.2`, `cri-o@1.30`, `runc`.
    pub fn parse(s: &str, at: &str) -> Result<Runtime, String> {
        let (name, version) = match s.split_once('@') {
            Some((n, v)) => (n, Some(v)),
            None => (s, None),
        };
        let name = match name.to_ascii_lowercase().as_str() {
            "docker" | "moby" => RuntimeName::Docker,
            "podman" => RuntimeName::Podman,
            "containerd" => RuntimeName::Containerd,
            "cri-o" | "crio" => RuntimeName::CriO,
            "runc" => RuntimeName::Runc,
            other => {
                return Err(format!(
                    "{other}: not a runtime whyrun knows (docker, podman, containerd, cri-o, runc)"
                ))
            }
        };
        let version = match version {
            None => None,
            Some(v) => {
                let mut it = v.trim_start_matches('v').split('.');
                let major = it.next().and_then(|x| x.parse().ok());
                let minor = it.next().map_or(Some(0), |x| x.parse().ok());
                match (major, minor) {
                    (Some(a), Some(b)) => Some((a, b)),
                    _ => return Err(format!("{s}: the version must be MAJOR[.MINOR[.PATCH]]")),
                }
            }
        };
        Ok(Runtime {
            name,
            version,
            at: at.to_string(),
        })
    }

    /// `containerd 1.7`, `Docker`.
    pub fn describe(&self) -> String {
        match self.version {
            Some((a, b)) => format!("{} {a}.{b}", self.name.label()),
            None => self.name.label().to_string(),
        }
    }

    fn older_than(&self, v: (u32, u32)) -> bool {
        self.version.is_some_and(|x| x < v)
    }
}

/// A mount of the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub target: String,
    pub read_only: bool,
    /// `volumeMount config (configMap app-config)`, `--tmpfs`, `volume ./conf`.
    pub what: String,
    pub at: String,
}

/// A path the program writes, with the modes the permission check needs, as the image
/// has them (paths on a mounted volume are not listed: the image does not say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteTarget {
    pub path: String,
    pub at: String,
    /// The file's mode and owner, when it exists in the image.
    pub file: Option<FileMode>,
    /// Every directory from `/` down to the file's parent, with its mode.
    pub dirs: Vec<(String, FileMode)>,
}

/// How a container is started, beyond what any launch has (user, ports, paths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    /// `the image config`, `k8s.yaml: Deployment web, container app`, `compose.yaml: service web`.
    pub origin: String,
    pub runtime: Option<Runtime>,
    /// Started by kubelet (a manifest): kubelet's own checks apply.
    pub kubernetes: bool,
    pub host_network: Option<Set<bool>>,
    pub privileged: Option<Set<bool>>,
    pub cap_add: Vec<Set<String>>,
    pub cap_drop: Vec<Set<String>>,
    /// `net.ipv4.ip_unprivileged_port_start` set by the launch (`--sysctl`, `sysctls`).
    pub sysctl_port_start: Option<Set<u16>>,
    pub read_only_root: Option<Set<bool>>,
    pub mounts: Vec<Mount>,
    /// Kubernetes `runAsNonRoot` and `runAsUser`, and the image config's `User`.
    pub run_as_non_root: Option<Set<bool>>,
    pub run_as_user: Option<Set<i64>>,
    pub image_user: Option<String>,
    /// The working directory, when the launch names it (`--workdir`, Compose
    /// `working_dir`, `workingDir`) rather than the image: path, exists in the image, where.
    pub workdir: Option<(String, bool, String)>,
    /// The paths written outside any mount, with their modes in the image.
    pub writes: Vec<WriteTarget>,
}

/// An answer, or what runtimes disagree on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided<T> {
    Known(T),
    /// Runtimes differ: this sentence says how.
    DependsOnRuntime(String),
}

const NET_BIND: &str = "CAP_NET_BIND_SERVICE";

/// `NET_BIND_SERVICE` → `CAP_NET_BIND_SERVICE`.
pub fn cap_name(c: &str) -> String {
    let c = c.trim().to_ascii_uppercase();
    if c.starts_with("CAP_") || c == "ALL" {
        c
    } else {
        format!("CAP_{c}")
    }
}

/// Whether a runtime's default capability set holds `cap`. Every runtime's default set
/// holds `CAP_NET_BIND_SERVICE`: moby `daemon/pkg/oci/caps/defaults.go` (DefaultCapabilities),
/// containerd `pkg/oci/spec.go` (defaultUnixCaps), CRI-O
/// `internal/config/capabilities/capabilities_linux.go` (DefaultCapabilities),
/// containers/common `pkg/config/default.go` (DefaultCapAdd, podman), and `runc spec`
/// (bounding, effective, permitted: `CAP_AUDIT_WRITE`, `CAP_KILL`, `CAP_NET_BIND_SERVICE`).
fn in_default_set(cap: &str) -> bool {
    cap == NET_BIND
}

impl Container {
    /// Where the runtime comes from, for evidence: `--runtime podman`.
    pub fn runtime_at(&self) -> String {
        self.runtime
            .as_ref()
            .map(|r| r.at.clone())
            .unwrap_or_else(|| "--runtime".into())
    }

    /// Whether `cap` is in the container's bounding (and, for root, effective) set: the
    /// runtime's default set, `ALL` or the capability dropped, then added back. Kubernetes
    /// (containerd internal/cri/server/container_create_linux.go, CRI-O
    /// internal/factory/container) and Docker (moby daemon/pkg/oci/caps, TweakCapabilities)
    /// start from their defaults, clear them for a drop of `ALL`, add, and drop the named
    /// ones; `privileged` gives all.
    pub fn in_bounding(&self, cap: &str) -> bool {
        if self.privileged.as_ref().is_some_and(|p| p.value) {
            return true;
        }
        let named = |list: &[Set<String>], c: &str| list.iter().any(|x| cap_name(&x.value) == c);
        let mut has = in_default_set(cap);
        if named(&self.cap_drop, "ALL") {
            has = false;
        }
        if named(&self.cap_add, "ALL") || named(&self.cap_add, cap) {
            has = true;
        }
        if named(&self.cap_drop, cap) {
            has = false;
        }
        has
    }

    /// Whether a process run as `uid` has `cap` effective, and why.
    ///
    /// Root gets the bounding list as its effective and permitted sets from every runtime.
    /// A non-root user keeps after `execve` only its ambient set (capabilities(7), no file
    /// capabilities), and the runtimes differ on it:
    /// - podman puts `--cap-add` capabilities of a non-root user in all five sets, ambient
    ///   included (containers/podman pkg/specgen/generate/security_linux.go,
    ///   securityConfigureGenerator: `Ambient = userCaps`, `Inheritable = userCaps`); seen
    ///   with podman 4.3 here.
    /// - Docker sets bounding, effective and permitted only (moby daemon/oci_linux.go
    ///   WithCapabilities → containerd pkg/oci WithCapabilities): no ambient set.
    /// - containerd's CRI removes the ambient set (internal/cri/opts/spec_opts.go,
    ///   WithoutAmbientCaps) and CRI-O clears it ("Kubernetes is not yet ambient
    ///   capabilities aware", internal/factory/container/container.go).
    /// - runc does what config.json says; `runc spec` lists its defaults in bounding,
    ///   effective, permitted and ambient but not inheritable, and the kernel raises no
    ///   ambient capability outside the inheritable set: nothing stays after `execve`.
    pub fn effective(&self, cap: &str, uid: u32) -> Decided<(bool, String)> {
        if !self.in_bounding(cap) {
            let why =
                match self.cap_drop.iter().find(|d| {
                    matches!(cap_name(&d.value).as_str(), "ALL") || cap_name(&d.value) == cap
                }) {
                    Some(d) => format!("dropped by {} ({})", d.value, d.at),
                    None => "not in the runtime's default set".into(),
                };
            return Decided::Known((false, format!("{cap} is {why}, so not even root has it")));
        }
        if uid == 0 {
            return Decided::Known((true, format!("root gets {cap} from the bounding set")));
        }
        let added = self
            .cap_add
            .iter()
            .find(|a| cap_name(&a.value) == cap || cap_name(&a.value) == "ALL");
        let Some(a) = added else {
            return Decided::Known((
                false,
                format!(
                    "{cap} is not added for the user, and a non-root process keeps no capability after execve"
                ),
            ));
        };
        match self.runtime.as_ref().map(|r| r.name) {
            Some(RuntimeName::Podman) => Decided::Known((
                true,
                format!(
                    "podman puts {} ({}) of a non-root user in the ambient set too",
                    a.value, a.at
                ),
            )),
            Some(n) => Decided::Known((
                false,
                format!(
                    "{} ({}) reaches the bounding set only: {} sets no ambient capabilities, so uid {uid} loses it at execve",
                    a.value,
                    a.at,
                    n.label()
                ),
            )),
            None => Decided::DependsOnRuntime(format!(
                "{} ({}) for uid {uid}: podman makes it effective (ambient set), Docker, containerd, CRI-O and runc do not",
                a.value, a.at
            )),
        }
    }

    /// `net.ipv4.ip_unprivileged_port_start` in the container's network namespace.
    ///
    /// - A sysctl set by the launch wins.
    /// - The host's network namespace (`--network host`, `hostNetwork`) keeps the host's
    ///   value: the kernel's default is 1024.
    /// - Docker 20.10 and later set it to 0 for a container with its own network namespace
    ///   (moby daemon/oci_linux.go, WithCommonOptions: "allow opening any port less than
    ///   1024 without CAP_NET_BIND_SERVICE"; commit dae652e2e5, first in v20.10.0).
    /// - containerd's CRI sets 0 when `enable_unprivileged_ports` is true
    ///   (internal/cri/server/podsandbox/sandbox_run_linux.go), the default from
    ///   containerd 2.0 (internal/cri/config/config_unix.go, commit 7b9fcfd7c); 1.x
    ///   defaulted to false. Every supported containerd is 2.x (RELEASES.md: 1.7's support
    ///   ended in September 2026).
    /// - CRI-O sets only its `default_sysctls`, empty by default (docs/crio.conf.5.md).
    /// - podman sets only containers.conf's `default_sysctls`, empty by default
    ///   (containers/common pkg/config/default.go); seen as 1024 with podman 4.3 here.
    /// - runc sets what config.json says; `runc spec` says nothing.
    pub fn port_start(&self) -> Decided<Set<u16>> {
        if let Some(s) = &self.sysctl_port_start {
            return Decided::Known(s.clone());
        }
        let known = |v: u16, why: String| Decided::Known(Set { value: v, at: why });
        if let Some(h) = self.host_network.as_ref().filter(|h| h.value) {
            return known(
                1024,
                format!(
                    "the host's network namespace ({}): the kernel's default",
                    h.at
                ),
            );
        }
        let Some(r) = &self.runtime else {
            return Decided::DependsOnRuntime(
                "Docker 20.10+ and containerd 2.x set net.ipv4.ip_unprivileged_port_start=0 in the container's network namespace; podman, CRI-O and runc leave 1024".into(),
            );
        };
        match r.name {
            RuntimeName::Docker if r.older_than((20, 10)) => known(
                1024,
                format!(
                    "{} leaves the kernel's default (0 only from 20.10)",
                    r.describe()
                ),
            ),
            RuntimeName::Docker => known(
                0,
                format!(
                    "{} sets it to 0 in the container's network namespace",
                    r.describe()
                ),
            ),
            RuntimeName::Containerd if r.older_than((2, 0)) => known(
                1024,
                format!(
                    "{}: enable_unprivileged_ports defaults to false before 2.0",
                    r.describe()
                ),
            ),
            RuntimeName::Containerd => known(
                0,
                format!(
                    "{}: enable_unprivileged_ports (default true since 2.0) sets it to 0",
                    r.describe()
                ),
            ),
            RuntimeName::CriO => known(
                1024,
                format!("{}: default_sysctls is empty by default", r.describe()),
            ),
            RuntimeName::Podman => known(
                1024,
                format!(
                    "{}: containers.conf default_sysctls is empty by default",
                    r.describe()
                ),
            ),
            RuntimeName::Runc => known(1024, "runc: config.json sets no sysctl".into()),
        }
    }

    /// What a write to `path` meets: the most specific mount decides, then a read-only
    /// root file system. With `--read-only`, Docker keeps /dev writable (a tmpfs) and
    /// nothing else; podman also mounts tmpfs on /tmp, /var/tmp and /run
    /// (`--read-only-tmpfs`, default true: containers/podman
    /// pkg/specgen/generate/storage.go, addReadWriteTmpfsMounts).
    pub fn write_blocked(&self, path: &str) -> Option<Blocked> {
        let under = |dir: &str| {
            let d = dir.trim_end_matches('/');
            d.is_empty() || path == d || path.starts_with(&format!("{d}/"))
        };
        if let Some(m) = self
            .mounts
            .iter()
            .filter(|m| under(&m.target))
            .max_by_key(|m| m.target.trim_end_matches('/').len())
        {
            return m.read_only.then(|| Blocked {
                by: format!("{} is mounted read-only at {}", m.what, m.target),
                at: m.at.clone(),
                errno: "read-only file system",
            });
        }
        let ro = self.read_only_root.as_ref().filter(|r| r.value)?;
        if under("/dev") || under("/proc") {
            return None;
        }
        let podman = matches!(
            self.runtime.as_ref().map(|r| r.name),
            Some(RuntimeName::Podman)
        );
        if podman && (under("/tmp") || under("/var/tmp") || under("/run")) {
            return None;
        }
        let setting = if ro.at == "--read-only" {
            "--read-only"
        } else if self.kubernetes {
            "readOnlyRootFilesystem: true"
        } else {
            "read_only: true"
        };
        Some(Blocked {
            by: format!("the root file system is read-only ({setting})"),
            at: ro.at.clone(),
            errno: "read-only file system",
        })
    }

    /// Whether the runtime refuses to start when the working directory the launch names
    /// does not exist. podman refuses a missing `--workdir` ("workdir %q does not exist on
    /// container %s", libpod/container_internal_common.go, resolveWorkDir) but creates
    /// an image's `WorkingDir`; Docker creates it (moby daemon/container,
    /// SetupWorkingDirectory); runc, and with it containerd and CRI-O, creates the
    /// process's `cwd` (seen with runc 1.1 here).
    pub fn missing_workdir_refused(&self) -> Decided<bool> {
        match self.runtime.as_ref().map(|r| r.name) {
            Some(RuntimeName::Podman) => Decided::Known(true),
            Some(_) => Decided::Known(false),
            None => Decided::DependsOnRuntime(
                "podman refuses a missing --workdir; Docker, containerd, CRI-O and runc create it"
                    .into(),
            ),
        }
    }

    /// Whether this container's process can bind `port` as `uid`.
    pub fn can_bind(&self, port: u16, uid: u32) -> Decided<(bool, Vec<String>)> {
        let start = self.port_start();
        match &start {
            Decided::Known(s) if port >= s.value => {
                return Decided::Known((
                    true,
                    vec![format!(
                        "ports from {} are unprivileged ({})",
                        s.value, s.at
                    )],
                ));
            }
            // No runtime raises the limit above the kernel's default.
            Decided::DependsOnRuntime(_) if port >= 1024 => {
                return Decided::Known((true, vec!["ports from 1024 are unprivileged".into()]));
            }
            _ => {}
        }
        let cap = self.effective(NET_BIND, uid);
        match (start, cap) {
            (_, Decided::Known((true, why))) => Decided::Known((true, vec![why])),
            (Decided::Known(s), Decided::Known((false, why))) => Decided::Known((
                false,
                vec![
                    format!("ports below {} need {NET_BIND} ({})", s.value, s.at),
                    why,
                ],
            )),
            (Decided::DependsOnRuntime(a), Decided::DependsOnRuntime(b)) => {
                Decided::DependsOnRuntime(format!("{a}; {b}"))
            }
            (Decided::DependsOnRuntime(a), _) | (_, Decided::DependsOnRuntime(a)) => {
                Decided::DependsOnRuntime(a)
            }
        }
    }
}

/// The text of kubelet's refusals (kubernetes pkg/kubelet/kuberuntime/
/// security_context_others.go, verifyRunAsNonRoot), with `%s`/`%d` where kubelet
/// formats a value. The container never starts: the pod shows `CreateContainerConfigError`.
pub const KUBELET_NON_NUMERIC: &str =
    "container has runAsNonRoot and image has non-numeric user (%s), cannot verify user is non-root";
pub const KUBELET_IMAGE_ROOT: &str = "container has runAsNonRoot and image will run as root";
pub const KUBELET_RUN_AS_USER_ROOT: &str = "container's runAsUser breaks non-root policy";

/// What kubelet says of `runAsNonRoot` for this container, when it refuses.
///
/// kubelet (verifyRunAsNonRoot): with `runAsNonRoot: true`, a `runAsUser` of 0 is refused
/// and any other `runAsUser` accepted; without `runAsUser`, the image's user decides: a
/// name (`app`, `app:app`) cannot be verified and is refused, uid 0 or no user at all
/// (kubelet's getImageUser treats a missing user as root) is refused.
pub fn kubelet_non_root_refusal(c: &Container) -> Option<(String, String)> {
    let nr = c.run_as_non_root.as_ref().filter(|n| n.value)?;
    if let Some(u) = &c.run_as_user {
        return (u.value == 0).then(|| (KUBELET_RUN_AS_USER_ROOT.to_string(), u.at.clone()));
    }
    let user = c
        .image_user
        .as_deref()
        .map(|u| u.split(':').next().unwrap_or(""))
        .unwrap_or("");
    match user.parse::<i64>() {
        _ if user.is_empty() => Some((KUBELET_IMAGE_ROOT.to_string(), nr.at.clone())),
        Ok(0) => Some((KUBELET_IMAGE_ROOT.to_string(), nr.at.clone())),
        Ok(_) => None,
        Err(_) => Some((KUBELET_NON_NUMERIC.replace("%s", user), nr.at.clone())),
    }
}

#[cfg(test)]
pub(crate) fn sample(runtime: Option<RuntimeName>) -> Container {
    Container {
        origin: "the image config".into(),
        runtime: runtime.map(|name| Runtime {
            name,
            version: None,
            at: "--runtime".into(),
        }),
        kubernetes: false,
        host_network: None,
        privileged: None,
        cap_add: Vec::new(),
        cap_drop: Vec::new(),
        sysctl_port_start: None,
        read_only_root: None,
        mounts: Vec::new(),
        run_as_non_root: None,
        run_as_user: None,
        image_user: None,
        workdir: None,
        writes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launch::set;

    fn known<T: std::fmt::Debug>(d: Decided<T>) -> T {
        match d {
            Decided::Known(t) => t,
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn runtimes_parse_with_versions() {
        let r = Runtime::parse("containerd@1.7.2", "--runtime").unwrap();
        assert_eq!((r.name, r.version), (RuntimeName::Containerd, Some((1, 7))));
        assert_eq!(Runtime::parse("podman", "x").unwrap().version, None);
        assert!(Runtime::parse("lxc", "x").is_err());
        assert!(Runtime::parse("docker@x", "x").is_err());
    }

    #[test]
    fn an_added_capability_reaches_a_non_root_user_only_under_podman() {
        let mut c = sample(Some(RuntimeName::Podman));
        c.cap_add.push(set("NET_BIND_SERVICE"));
        assert!(known(c.effective(NET_BIND, 1000)).0);
        c.runtime = Some(Runtime::parse("docker", "--runtime").unwrap());
        assert!(!known(c.effective(NET_BIND, 1000)).0);
        c.runtime = None;
        assert!(matches!(
            c.effective(NET_BIND, 1000),
            Decided::DependsOnRuntime(_)
        ));
        // Root has it from the default set, unless dropped.
        assert!(known(c.effective(NET_BIND, 0)).0);
        let mut d = sample(None);
        d.cap_drop.push(set("ALL"));
        assert!(!known(d.effective(NET_BIND, 0)).0);
        d.cap_add.push(set("CAP_NET_BIND_SERVICE"));
        assert!(known(d.effective(NET_BIND, 0)).0);
    }

    #[test]
    fn the_port_limit_per_runtime_and_version() {
        let at = |s: &str| {
            known(
                Container {
                    runtime: Some(Runtime::parse(s, "--runtime").unwrap()),
                    ..sample(None)
                }
                .port_start(),
            )
            .value
        };
        assert_eq!(at("docker"), 0);
        assert_eq!(at("docker@19.03"), 1024);
        assert_eq!(at("containerd"), 0);
        assert_eq!(at("containerd@1.7"), 1024);
        assert_eq!(at("cri-o"), 1024);
        assert_eq!(at("podman@4.3"), 1024);
        assert_eq!(at("runc"), 1024);
        let mut host = Container {
            runtime: Some(Runtime::parse("docker", "--runtime").unwrap()),
            ..sample(None)
        };
        host.host_network = Some(Set {
            value: true,
            at: "--network host".into(),
        });
        assert_eq!(known(host.port_start()).value, 1024);
        assert!(matches!(
            sample(None).port_start(),
            Decided::DependsOnRuntime(_)
        ));
        // A non-root user on port 80 without a runtime: cannot tell; with Docker: binds.
        assert!(matches!(
            sample(None).can_bind(80, 1000),
            Decided::DependsOnRuntime(_)
        ));
        let docker = Container {
            runtime: Some(Runtime::parse("docker", "--runtime").unwrap()),
            ..sample(None)
        };
        assert!(known(docker.can_bind(80, 1000)).0);
        assert!(!known(sample(Some(RuntimeName::CriO)).can_bind(80, 1000)).0);
        assert!(known(sample(None).can_bind(8080, 1000)).0);
    }

    #[test]
    fn read_only_roots_and_mounts() {
        let mut c = sample(Some(RuntimeName::Docker));
        c.read_only_root = Some(Set {
            value: true,
            at: "--read-only".into(),
        });
        assert!(c.write_blocked("/var/lib/app/db").is_some());
        assert!(c.write_blocked("/tmp/x").is_some());
        assert!(c.write_blocked("/dev/shm/x").is_none());
        c.runtime = Some(Runtime::parse("podman", "--runtime").unwrap());
        assert!(c.write_blocked("/tmp/x").is_none());
        c.mounts.push(Mount {
            target: "/var/lib/app".into(),
            read_only: false,
            what: "emptyDir data".into(),
            at: "k:3".into(),
        });
        c.mounts.push(Mount {
            target: "/var/lib/app/ro".into(),
            read_only: true,
            what: "configMap c".into(),
            at: "k:4".into(),
        });
        assert!(c.write_blocked("/var/lib/app/db").is_none());
        assert!(c.write_blocked("/var/lib/app/ro/x").is_some());
    }

    #[test]
    fn kubelet_refuses_what_it_cannot_verify() {
        let mut c = sample(None);
        c.run_as_non_root = Some(Set {
            value: true,
            at: "k:5".into(),
        });
        c.image_user = Some("app".into());
        assert_eq!(
            kubelet_non_root_refusal(&c).unwrap().0,
            "container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root"
        );
        c.image_user = Some("1000:1000".into());
        assert!(kubelet_non_root_refusal(&c).is_none());
        c.image_user = None;
        assert_eq!(kubelet_non_root_refusal(&c).unwrap().0, KUBELET_IMAGE_ROOT);
        c.run_as_user = Some(Set {
            value: 1000,
            at: "k:6".into(),
        });
        assert!(kubelet_non_root_refusal(&c).is_none());
        c.run_as_user.as_mut().unwrap().value = 0;
        assert_eq!(
            kubelet_non_root_refusal(&c).unwrap().0,
            KUBELET_RUN_AS_USER_ROOT
        );
    }
}
