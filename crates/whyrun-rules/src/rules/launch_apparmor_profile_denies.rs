//! LAUNCH012: an AppArmor profile in enforce mode confines the program and does not let
//! it open its listening socket or bind a port below the unprivileged limit.

use crate::finding::{Finding, Severity};
use crate::launch::LaunchSubject;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A systemd unit whose program is confined by an AppArmor profile of the target's
    /// `/etc/apparmor.d` (one whose attachment glob matches the program's path, or the one
    /// `AppArmorProfile=` names; not one listed in `disable/`), in enforce mode, when the
    /// program listens on a TCP port and the profile, with its includes, grants no
    /// `network inet stream` or `network inet6 stream` (or grants them and `deny`s them),
    /// or when the port is below `net.ipv4.ip_unprivileged_port_start` and the profile
    /// grants no `capability net_bind_service`. Profiles in complain mode only log.
    ///
    /// whyrun reads the profile's files, not a running kernel: the finding is evidence
    /// from the profile, and says so. A profile whose includes cannot all be read is not
    /// judged.
    ///
    /// ## Why it breaks
    /// AppArmor allows a confined program only what its profile lists. A socket of a
    /// family the profile does not grant fails with `EACCES`: Go prints
    /// `listen tcp :8080: socket: permission denied`; a capability it does not grant is
    /// not usable even by root, so a bind below 1024 fails with
    /// `bind: permission denied`. The kernel logs `apparmor="DENIED"` with the operation.
    ///
    /// ## Example
    /// ```text
    /// LAUNCH012 fails at run time  app.service: the AppArmor profile app (enforce) grants no TCP socket, so listening on port 8080 fails (socket: permission denied)
    ///   · profile app /usr/local/bin/app, enforce mode  [/etc/apparmor.d/app:3]
    ///   · no network inet/inet6 stream rule in the profile or its includes  [/etc/apparmor.d/app]
    ///   · listens on port 8080: ExecStart argument --addr :8080  [/etc/systemd/system/app.service:5]
    ///   · read from the profile's files; not confirmed by a live AppArmor kernel  [apparmor]
    ///   fix Grant the server its socket in the profile, then reload it
    ///       network inet stream,
    ///       network inet6 stream,
    ///       apparmor_parser -r /etc/apparmor.d/app
    /// ```
    ///
    /// ## Fix
    /// Add `network inet stream,` and `network inet6 stream,` (and for a port below 1024
    /// `capability net_bind_service,`) to the profile and reload it with
    /// `apparmor_parser -r`; or put the profile in complain mode (`aa-complain`) while it
    /// is being written.
    ///
    /// ## References
    /// - apparmor.d(5): profile attachment, `flags=(complain)`, network and capability
    ///   rules, `include`; apparmor_parser(8) `-r`, `-p`.
    /// - Go src/net/ipsock_posix.go: a wildcard listen falls back to IPv4 when IPv6
    ///   sockets are refused.
    pub struct LaunchApparmorProfileDenies {
        code: "LAUNCH012",
        name: "apparmor-profile-denies",
        family: Family::Launch,
        subject: Subject::Launch,
        severity: Severity::FailsAtRuntime,
        stage: Stage::RunTime,
        summary: "An enforcing AppArmor profile of the program grants no TCP socket or no net_bind_service (permission denied)",
    }
}

const CAP: &str = "CAP_NET_BIND_SERVICE";

impl LaunchApparmorProfileDenies {
    pub fn run(s: &LaunchSubject) -> Vec<Finding> {
        let Some(p) = &s.apparmor else {
            return Vec::new();
        };
        if p.mode != "enforce" || !p.missing_includes.is_empty() {
            return Vec::new();
        }
        let Some(port) = s.ports.first() else {
            return Vec::new();
        };
        let file = p.at.rsplit_once(':').map_or(p.at.as_str(), |(f, _)| f);
        let header = match &p.attachment {
            Some(a) if *a != p.name => format!("profile {} {a}, enforce mode", p.name),
            _ => format!("profile {}, enforce mode", p.name),
        };
        let not_confirmed =
            "read from the profile's files; not confirmed by a live AppArmor kernel";
        if !p.allows_tcp_server() {
            let denied: Vec<String> = p
                .network
                .iter()
                .filter(|r| r.deny)
                .map(|r| r.at.clone())
                .collect();
            let why = if denied.is_empty() {
                "no network inet/inet6 stream rule in the profile or its includes".to_string()
            } else {
                "its network rules deny inet and inet6 stream sockets".to_string()
            };
            return vec![Self::META
                .finding(format!(
                    "{}: the AppArmor profile {} (enforce) grants no TCP socket, so listening on port {} fails (socket: permission denied)",
                    s.what(),
                    p.name,
                    port.port
                ))
                .evidence(header, p.at.as_str())
                .evidence(why, denied.first().map_or(file, String::as_str))
                .evidence(format!("listens on port {}: {}", port.port, port.how), port.at.as_str())
                .evidence(not_confirmed, "apparmor")
                .fix(
                    "Grant the server its socket in the profile, then reload it",
                    vec![
                        "network inet stream,".into(),
                        "network inet6 stream,".into(),
                        format!("apparmor_parser -r {file}"),
                    ],
                )];
        }
        let low = s
            .ports
            .iter()
            .find(|p| p.port < s.unprivileged_port_start.value);
        let Some(uid) = s.run_as.uid else {
            return Vec::new();
        };
        let file_caps = s
            .exec
            .as_ref()
            .and_then(|e| e.found.as_ref())
            .and_then(|f| f.caps.as_ref());
        match low {
            // Without the capability LAUNCH005 says why; with it, the profile takes it away.
            Some(low)
                if s.caps.effective(CAP, uid, file_caps)
                    && !p.allows_capability("net_bind_service") =>
            {
                vec![Self::META
                    .finding(format!(
                        "{}: the AppArmor profile {} (enforce) does not grant net_bind_service, so binding port {} fails (bind: permission denied)",
                        s.what(),
                        p.name,
                        low.port
                    ))
                    .evidence(header, p.at.as_str())
                    .evidence("no capability net_bind_service rule in the profile or its includes", file)
                    .evidence(format!("listens on port {}: {}", low.port, low.how), low.at.as_str())
                    .evidence(not_confirmed, "apparmor")
                    .fix(
                        "Grant the capability in the profile, then reload it",
                        vec![
                            "capability net_bind_service,".into(),
                            format!("apparmor_parser -r {file}"),
                        ],
                    )]
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launch::{sample, AppArmorProfile, Port};
    use whyrun_target::apparmor::{CapabilityRule, NetworkRule};

    fn subject(mode: &str, network: &[(&str, bool)], caps: &[&str], port: u16) -> LaunchSubject {
        let mut s = sample();
        s.ports.push(Port {
            port,
            how: "--port".into(),
            at: "--port".into(),
        });
        s.apparmor = Some(AppArmorProfile {
            name: "app".into(),
            attachment: Some("/usr/local/bin/app".into()),
            mode: mode.into(),
            at: "/etc/apparmor.d/app:3".into(),
            network: network
                .iter()
                .map(|(f, deny)| NetworkRule {
                    deny: *deny,
                    family: Some(f.to_string()),
                    kind: Some("stream".into()),
                    at: "/etc/apparmor.d/app:4".into(),
                })
                .collect(),
            capabilities: caps
                .iter()
                .map(|c| CapabilityRule {
                    deny: false,
                    caps: vec![c.to_string()],
                    at: "/etc/apparmor.d/app:5".into(),
                })
                .collect(),
            missing_includes: Vec::new(),
        });
        s
    }

    #[test]
    fn no_socket_or_no_capability_under_enforce() {
        let f = LaunchApparmorProfileDenies::run(&subject("enforce", &[], &[], 8080));
        assert!(
            f[0].message.contains("socket: permission denied"),
            "{}",
            f[0].message
        );
        let f = LaunchApparmorProfileDenies::run(&subject("enforce", &[("inet", false)], &[], 80));
        assert!(
            f[0].message.contains("net_bind_service"),
            "{}",
            f[0].message
        );
        let f = LaunchApparmorProfileDenies::run(&subject(
            "enforce",
            &[("inet", false), ("inet", true)],
            &[],
            8080,
        ));
        assert_eq!(f.len(), 1, "a deny wins");
    }

    #[test]
    fn granted_complain_or_unknown_includes_pass() {
        assert!(LaunchApparmorProfileDenies::run(&subject("complain", &[], &[], 8080)).is_empty());
        assert!(LaunchApparmorProfileDenies::run(&subject(
            "enforce",
            &[("inet6", false)],
            &["net_bind_service"],
            80
        ))
        .is_empty());
        let mut s = subject("enforce", &[], &[], 8080);
        s.apparmor
            .as_mut()
            .unwrap()
            .missing_includes
            .push("x".into());
        assert!(LaunchApparmorProfileDenies::run(&s).is_empty());
    }
}
