//! LAUNCH010: the program carries file capabilities the unit's bounding set does not
//! hold, so the kernel refuses to execute it.

use crate::finding::{Finding, Severity};
use crate::launch::LaunchSubject;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A program whose file capabilities (the `security.capability` attribute `setcap`
    /// writes, with the effective flag: `cap_net_bind_service=ep`) include a capability
    /// that the unit's `CapabilityBoundingSet=` leaves out.
    ///
    /// ## Why it breaks
    /// At `execve` the kernel computes the new permitted set as the file's permitted
    /// capabilities masked by the bounding set; when the file has the effective flag and a
    /// capability is lost that way, it refuses to run the program rather than start a
    /// "capability-dumb" binary without what it was marked to have. `execve` fails with
    /// `EPERM` and the service's child exits with status 203:
    /// `Failed to execute /opt/app/server: Operation not permitted`,
    /// `Main process exited, code=exited, status=203/EXEC`. It holds for root too, and
    /// `NoNewPrivileges=yes` does not avoid it.
    ///
    /// ## Example
    /// ```text
    /// LAUNCH010 blocks start  app.service cannot start: /opt/app/server has file capabilities cap_net_bind_service=ep, and CapabilityBoundingSet= lacks CAP_NET_BIND_SERVICE: the kernel refuses to execute it (status=203/EXEC, Operation not permitted)
    ///   · cap_net_bind_service=ep  [/opt/app/server (security.capability)]
    ///   · CapabilityBoundingSet= does not hold CAP_NET_BIND_SERVICE  [/etc/systemd/system/app.service:6]
    ///   fix Keep the file's capabilities in the bounding set, or take them off the file and use AmbientCapabilities=
    ///       CapabilityBoundingSet=CAP_NET_BIND_SERVICE (with the others it keeps)
    ///       setcap -r /opt/app/server
    /// ```
    ///
    /// ## Fix
    /// Add the capabilities to `CapabilityBoundingSet=`, or remove them from the file
    /// (`setcap -r`) and grant them with `AmbientCapabilities=`.
    ///
    /// ## References
    /// - capabilities(7), "Safety checking for capability-dumb binaries".
    /// - Linux security/commoncap.c, `bprm_caps_from_vfs_caps()`: "insufficient to
    ///   execute correctly" (`-EPERM` when the effective flag is set).
    /// - systemd.exec(5), `CapabilityBoundingSet=`; "Process Exit Codes": 203 `EXIT_EXEC`.
    pub struct LaunchFileCapabilitiesRefused {
        code: "LAUNCH010",
        name: "file-capabilities-refused",
        family: Family::Launch,
        subject: Subject::Launch,
        severity: Severity::BlocksStart,
        stage: Stage::Launch,
        summary: "The program's file capabilities are outside CapabilityBoundingSet=, so execve fails (status=203/EXEC, Operation not permitted)",
    }
}

impl LaunchFileCapabilitiesRefused {
    pub fn run(s: &LaunchSubject) -> Vec<Finding> {
        let Some(e) = &s.exec else {
            return Vec::new();
        };
        if e.privileged || s.run_as.uid.is_none() {
            return Vec::new();
        }
        let Some((path, caps)) = e
            .found
            .as_ref()
            .and_then(|f| f.caps.as_ref().map(|c| (f.path.as_str(), c)))
        else {
            return Vec::new();
        };
        let refused = s.caps.refused_file_caps(caps);
        if refused.is_empty() {
            return Vec::new();
        }
        vec![Self::META
            .finding(format!(
                "{} cannot start: {path} has file capabilities {}, and CapabilityBoundingSet= lacks {}: the kernel refuses to execute it (status=203/EXEC, Operation not permitted)",
                s.what(),
                caps.describe(),
                refused.join(", ")
            ))
            .evidence(caps.describe(), format!("{path} (security.capability)").as_str())
            .evidence(
                format!("CapabilityBoundingSet= does not hold {}", refused.join(", ")),
                s.caps.bounding_at.clone().unwrap_or_else(|| s.unit_file()).as_str(),
            )
            .fix(
                "Keep the file's capabilities in the bounding set, or take them off the file and use AmbientCapabilities=",
                vec![
                    format!("CapabilityBoundingSet={} (with the others it keeps)", refused.join(" ")),
                    format!("setcap -r {path}"),
                ],
            )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launch::{app_user, sample, Exec, ExecFile, FileCaps};

    fn with_caps(effective: bool) -> LaunchSubject {
        let mut s = sample();
        s.run_as = app_user();
        s.exec = Some(Exec {
            key: "ExecStart",
            written: "/opt/app/server".into(),
            at: "u:2".into(),
            found: Some(ExecFile {
                path: "/opt/app/server".into(),
                file: None,
                dirs: Vec::new(),
                is_regular: true,
                caps: Some(FileCaps {
                    permitted: vec!["CAP_NET_BIND_SERVICE".into()],
                    inheritable: Vec::new(),
                    effective,
                    root_uid: None,
                }),
            }),
            searched: Vec::new(),
            privileged: false,
            ignore_failure: false,
        });
        s
    }

    #[test]
    fn effective_file_caps_outside_the_bounding_set_are_refused() {
        let mut s = with_caps(true);
        s.caps.bounding = Some(vec!["CAP_CHOWN".into()]);
        let f = LaunchFileCapabilitiesRefused::run(&s);
        assert!(
            f[0].message.contains("Operation not permitted"),
            "{}",
            f[0].message
        );
        s.run_as.uid = Some(0);
        assert_eq!(LaunchFileCapabilitiesRefused::run(&s).len(), 1, "root too");
    }

    #[test]
    fn inside_the_bounding_set_or_without_effective_is_fine() {
        let s = with_caps(true);
        assert!(LaunchFileCapabilitiesRefused::run(&s).is_empty());
        let mut s = with_caps(false);
        s.caps.bounding = Some(vec!["CAP_CHOWN".into()]);
        assert!(LaunchFileCapabilitiesRefused::run(&s).is_empty());
    }
}
