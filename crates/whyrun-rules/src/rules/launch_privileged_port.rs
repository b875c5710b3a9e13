//! LAUNCH005: the program listens on a port below the unprivileged limit without
//! `CAP_NET_BIND_SERVICE` in its effective set.

use crate::container::{Container, Decided};
use crate::finding::{Finding, Severity};
use crate::launch::LaunchSubject;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

const CAP: &str = "CAP_NET_BIND_SERVICE";

crate::declare_rule! {
    /// ## What it finds
    /// A port the program listens on (`--port N`, or learned from the unit without
    /// ambiguity: an `ExecStart=` argument such as `--addr :80`, `--listen=0.0.0.0:443`,
    /// `--port 80`, or `PORT=80` in `Environment=`) below
    /// `net.ipv4.ip_unprivileged_port_start` (the running machine's `/proc/sys`, else the
    /// target's sysctl.d configuration, else the kernel's 1024; a new 1024 under
    /// `PrivateNetwork=yes`), for
    /// a process that will not have `CAP_NET_BIND_SERVICE` effective. The capability sets
    /// are computed as the kernel and systemd do: root has every capability of the
    /// bounding set; another user has only its ambient capabilities
    /// (`AmbientCapabilities=`), and an ambient capability outside
    /// `CapabilityBoundingSet=` is dropped without a word. `NoNewPrivileges=` does not
    /// remove ambient capabilities. File capabilities (`setcap cap_net_bind_service+ep`,
    /// the `security.capability` attribute of the program in the target) grant it too,
    /// unless the process has `no_new_privs`: `NoNewPrivileges=yes`, or for a user other
    /// than root a setting systemd enforces with seccomp (`RestrictAddressFamilies=`,
    /// `SystemCallFilter=`, `DynamicUser=`, …), which implies it.
    ///
    /// In a container (`--image`, `--manifest`, `--compose`), the runtime decides: Docker
    /// 20.10+ and containerd 2.x set `ip_unprivileged_port_start=0` in the container's
    /// network namespace (any user binds :80); podman, CRI-O and runc leave 1024, and of
    /// them only podman makes an added capability (`--cap-add`) effective for a non-root
    /// user. When the answer depends on a runtime that was not named, the finding is
    /// "cannot tell" and names `--runtime`.
    ///
    /// ## Why it breaks
    /// The program starts; its `bind(2)` fails with `EACCES`. Go prints
    /// `listen tcp :80: bind: permission denied` and a server that cannot listen exits.
    ///
    /// ## Example
    /// ```text
    /// LAUNCH005 fails at run time  app.service: port 80 needs CAP_NET_BIND_SERVICE, which app (uid 1000, gid 1000) will not have (bind: permission denied)
    ///   · listens on port 80: ExecStart argument --addr :80  [/etc/systemd/system/app.service:6]
    ///   · ports below 1024 need CAP_NET_BIND_SERVICE (the kernel's default; the target's sysctl configuration does not change it)  [net.ipv4.ip_unprivileged_port_start]
    ///   · CAP_NET_BIND_SERVICE is not in AmbientCapabilities=, and a non-root user has no other capabilities  [/etc/systemd/system/app.service]
    ///   fix Give the service the capability, keeping it in the bounding set
    ///       AmbientCapabilities=CAP_NET_BIND_SERVICE
    /// ```
    ///
    /// ## Fix
    /// `AmbientCapabilities=CAP_NET_BIND_SERVICE` in `[Service]`, and if
    /// `CapabilityBoundingSet=` is set, `CAP_NET_BIND_SERVICE` in it too; or listen on a
    /// port ≥ 1024 behind a proxy or socket activation.
    ///
    /// ## References
    /// - capabilities(7): `CAP_NET_BIND_SERVICE`, "Transformation of capabilities during
    ///   execve()" (P'(ambient), P'(effective) for a non-root user without file
    ///   capabilities), the ambient set "cannot contain a capability that is not both
    ///   permitted and inheritable".
    /// - systemd.exec(5), `AmbientCapabilities=`, `CapabilityBoundingSet=`,
    ///   `NoNewPrivileges=` (and the settings that imply it); ip-sysctl (Linux
    ///   documentation), `ip_unprivileged_port_start`.
    /// - security/commoncap.c (Linux), cap_bprm_creds_from_file(): file capabilities
    ///   clear the ambient set, and `no_new_privs` cuts the new permitted set to the old.
    pub struct LaunchPrivilegedPort {
        code: "LAUNCH005",
        name: "privileged-port-without-capability",
        family: Family::Launch,
        subject: Subject::Launch,
        severity: Severity::FailsAtRuntime,
        stage: Stage::RunTime,
        summary: "A port below 1024 without CAP_NET_BIND_SERVICE effective (bind: permission denied)",
    }
}

impl LaunchPrivilegedPort {
    /// The finding for port `p`, with the port and where it was learned.
    fn denied(s: &LaunchSubject, p: &crate::launch::Port) -> Finding {
        Self::META
            .finding(format!(
                "{}: port {} needs {CAP}, which {} will not have (bind: permission denied)",
                s.what(),
                p.port,
                s.run_as.describe()
            ))
            .evidence(
                format!("listens on port {}: {}", p.port, p.how),
                p.at.as_str(),
            )
    }

    pub fn run(s: &LaunchSubject) -> Vec<Finding> {
        if let Some(c) = &s.container {
            return Self::in_container(s, c);
        }
        let limit = s.unprivileged_port_start.value;
        let Some(p) = s.ports.iter().find(|p| p.port < limit) else {
            return Vec::new();
        };
        let Some(uid) = s.run_as.uid else {
            return Vec::new();
        };
        let file = s
            .exec
            .as_ref()
            .and_then(|e| e.found.as_ref())
            .and_then(|f| f.caps.as_ref().map(|c| (f.path.as_str(), c)));
        if s.caps.effective(CAP, uid, file.map(|(_, c)| c)) {
            return Vec::new();
        }
        if file.is_some_and(|(_, c)| !s.caps.refused_file_caps(c).is_empty()) {
            // The kernel refuses the exec itself (LAUNCH010).
            return Vec::new();
        }
        let mut f = Self::denied(s, p).evidence(
            format!(
                "ports below {limit} need {CAP} ({})",
                s.unprivileged_port_start.at
            ),
            "net.ipv4.ip_unprivileged_port_start",
        );
        let nnp = s.caps.no_new_privileges(uid);
        f = if let (Some((path, c)), Some((setting, at))) = (file, &nnp) {
            f.evidence(
                format!("{path} has file capabilities {}", c.describe()),
                path,
            )
            .evidence(
                format!("{setting} sets no_new_privs: execve grants no file capabilities"),
                at.as_str(),
            )
        } else if s.caps.ambient_dropped(CAP) {
            f.evidence(
                format!("AmbientCapabilities= has {CAP}, but CapabilityBoundingSet= does not: systemd drops it without an error"),
                s.caps.bounding_at.clone().unwrap_or_default().as_str(),
            )
        } else if uid == 0 {
            f.evidence(
                format!("CapabilityBoundingSet= does not hold {CAP}, so not even root has it"),
                s.caps.bounding_at.clone().unwrap_or_default().as_str(),
            )
        } else {
            f.evidence(
                format!("{CAP} is not in AmbientCapabilities=, and a non-root user has no other capabilities"),
                s.caps.ambient_at.clone().unwrap_or_else(|| s.unit_file()).as_str(),
            )
        };
        if let (Some(_), Some((setting, at))) = (file, nnp) {
            return vec![f.fix(
                format!("Grant the capability through the unit instead of the file: {setting} ({at}) keeps file capabilities from taking effect"),
                vec![format!("AmbientCapabilities={CAP}")],
            )];
        }
        let mut lines = vec![format!("AmbientCapabilities={CAP}")];
        if s.caps.bounding.is_some() {
            lines.push(format!(
                "CapabilityBoundingSet={CAP} (with the others it keeps)"
            ));
        }
        vec![f.fix(
            "Give the service the capability, keeping it in the bounding set",
            lines,
        )]
    }
}

impl LaunchPrivilegedPort {
    /// A container: the runtime decides both the port limit of its network namespace and
    /// what an added capability gives a non-root user (`crate::container`).
    fn in_container(s: &LaunchSubject, c: &Container) -> Vec<Finding> {
        let Some(uid) = s.run_as.uid else {
            return Vec::new();
        };
        for p in &s.ports {
            match c.can_bind(p.port, uid) {
                Decided::Known((true, _)) => continue,
                Decided::Known((false, why)) => {
                    let mut f = Self::denied(s, p);
                    for w in &why {
                        f = f.evidence(w.clone(), c.runtime_at().as_str());
                    }
                    let fix = if c.kubernetes {
                        vec![
                            "securityContext:  # of the pod".to_string(),
                            "  sysctls: [{name: net.ipv4.ip_unprivileged_port_start, value: \"0\"}]"
                                .to_string(),
                        ]
                    } else {
                        vec![
                            "--sysctl net.ipv4.ip_unprivileged_port_start=0   (Compose: sysctls:)"
                                .to_string(),
                        ]
                    };
                    return vec![f.fix(
                        "Let the container's network namespace open low ports, or listen on a port from 1024",
                        fix,
                    )];
                }
                Decided::DependsOnRuntime(why) => {
                    return vec![Self::META
                        .finding(format!(
                            "{}: whether {} can bind port {} depends on the container runtime: name it with --runtime",
                            s.what(),
                            s.run_as.describe(),
                            p.port
                        ))
                        .evidence(
                            format!("listens on port {}: {}", p.port, p.how),
                            p.at.as_str(),
                        )
                        .evidence(why, "--runtime")
                        .fix(
                            "Name the runtime that starts the container",
                            vec!["--runtime docker|podman|containerd|cri-o|runc[@VERSION]".to_string()],
                        )
                        .undecided()];
                }
            }
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launch::{app_user, sample, Port};

    fn with_port(port: u16) -> LaunchSubject {
        let mut s = sample();
        s.ports.push(Port {
            port,
            how: "--port".into(),
            at: "--port".into(),
        });
        s
    }

    #[test]
    fn a_user_without_ambient_cannot_bind_80() {
        let mut s = with_port(80);
        s.run_as = app_user();
        assert_eq!(LaunchPrivilegedPort::run(&s).len(), 1);
        s.caps.ambient = vec![CAP.into()];
        s.caps.bounding = Some(vec!["CAP_CHOWN".into()]);
        let f = LaunchPrivilegedPort::run(&s);
        assert!(f[0].evidence.iter().any(|e| e.what.contains("drops it")));
    }

    #[test]
    fn in_a_container_the_runtime_decides() {
        use crate::container::{sample as container, RuntimeName};
        let mut s = with_port(80);
        s.run_as = app_user();
        s.container = Some(container(None));
        let f = LaunchPrivilegedPort::run(&s);
        assert_eq!(crate::Verdict::of(&f), crate::Verdict::CannotTell);
        assert!(f[0].message.contains("--runtime"));
        s.container = Some(container(Some(RuntimeName::Docker)));
        assert!(LaunchPrivilegedPort::run(&s).is_empty());
        s.container = Some(container(Some(RuntimeName::Podman)));
        assert_eq!(
            crate::Verdict::of(&LaunchPrivilegedPort::run(&s)),
            crate::Verdict::FailsAtRuntime
        );
        s.run_as = crate::launch::sample().run_as;
        assert!(LaunchPrivilegedPort::run(&s).is_empty());
    }

    #[test]
    fn root_ambient_or_high_ports_pass() {
        let s = with_port(80);
        assert!(LaunchPrivilegedPort::run(&s).is_empty());
        let mut s = with_port(8080);
        s.run_as = app_user();
        assert!(LaunchPrivilegedPort::run(&s).is_empty());
        let mut s = with_port(80);
        s.run_as = app_user();
        s.caps.ambient = vec![CAP.into()];
        assert!(LaunchPrivilegedPort::run(&s).is_empty());
    }

    #[test]
    fn file_capabilities_count_unless_no_new_privileges() {
        let mut s = with_port(80);
        s.run_as = app_user();
        s.exec = Some(crate::launch::Exec {
            key: "ExecStart",
            written: "/opt/app/server".into(),
            at: "u:2".into(),
            found: Some(crate::launch::ExecFile {
                path: "/opt/app/server".into(),
                file: None,
                dirs: Vec::new(),
                is_regular: true,
                caps: Some(crate::launch::FileCaps {
                    permitted: vec![CAP.into()],
                    inheritable: Vec::new(),
                    effective: true,
                    root_uid: None,
                }),
            }),
            searched: Vec::new(),
            privileged: false,
            ignore_failure: false,
        });
        assert!(LaunchPrivilegedPort::run(&s).is_empty());
        s.caps.no_new_privileges = Some(crate::launch::Set {
            value: true,
            at: "u:3".into(),
        });
        let f = LaunchPrivilegedPort::run(&s);
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.what.contains("no_new_privs")),
            "{:?}",
            f[0].evidence
        );
        s.caps.no_new_privileges = None;
        s.caps.bounding = Some(vec!["CAP_CHOWN".into()]);
        assert!(LaunchPrivilegedPort::run(&s).is_empty(), "LAUNCH010's");
    }
}
