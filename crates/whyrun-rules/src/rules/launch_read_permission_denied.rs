//! LAUNCH007: a file the program reads is not readable by the user it runs as.

use crate::access::{self, Perm};
use crate::finding::{Finding, Severity};
use crate::launch::LaunchSubject;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A file the program reads (`--reads PATH`) whose mode does not let the user it runs
    /// as read it, or a directory above it that user may not search. The user's groups
    /// are its primary group, the groups of `/etc/group` that list it and the unit's
    /// `SupplementaryGroups=`; the kernel's rule applies (owner bits, else group bits, else
    /// others'). Root reads everything.
    ///
    /// ## Why it breaks
    /// The program starts; its `open(2)` fails with `EACCES`. Go prints
    /// `open /etc/app/config.yaml: permission denied`. The classic case: a config installed
    /// `root:app 0640` for a service whose user is not in the group `app`.
    ///
    /// ## Example
    /// ```text
    /// LAUNCH007 fails at run time  app.service cannot read /etc/app/config.yaml: its mode 0640 (rw-r-----) does not let app (uid 1000, gid 1000) read it (permission denied)
    ///   · mode 0640 (rw-r-----), owner uid 0, group gid 0  [/etc/app/config.yaml]
    ///   · runs as app (uid 1000, gid 1000), no supplementary groups  [/etc/passwd]
    ///   · reads /etc/app/config.yaml  [--reads]
    ///   fix Give the service's user read access: put it in the file's group, or widen the mode
    ///       SupplementaryGroups=root
    ///       chmod o+r /etc/app/config.yaml
    /// ```
    ///
    /// ## Fix
    /// Put the service's user in the file's group (`SupplementaryGroups=GROUP` in the
    /// unit, or in /etc/group), change the file's group to the service's, or widen its
    /// mode.
    ///
    /// ## References
    /// - path_resolution(7), "Permissions"; open(2) `EACCES`.
    /// - systemd.exec(5), `SupplementaryGroups=`.
    pub struct LaunchReadPermissionDenied {
        code: "LAUNCH007",
        name: "read-permission-denied",
        family: Family::Launch,
        subject: Subject::Launch,
        severity: Severity::FailsAtRuntime,
        stage: Stage::RunTime,
        summary: "A file the program reads is not readable by its user (permission denied)",
    }
}

impl LaunchReadPermissionDenied {
    pub fn run(s: &LaunchSubject) -> Vec<Finding> {
        let who = &s.run_as;
        for r in &s.reads {
            let rp = &r.value;
            let dir = rp
                .dirs
                .iter()
                .find(|(_, m)| access::decide(m, who, Perm::Exec).allowed == Some(false));
            let (path, mode, how) = match (dir, rp.file) {
                (Some((d, m)), _) => (
                    d.clone(),
                    *m,
                    format!(
                        "the directory {d} has no search permission for {}",
                        who.describe()
                    ),
                ),
                (None, Some(m)) if access::decide(&m, who, Perm::Read).allowed == Some(false) => (
                    rp.path.clone(),
                    m,
                    format!(
                        "its mode {} does not let {} read it",
                        access::mode_text(m.mode),
                        who.describe()
                    ),
                ),
                _ => continue,
            };
            let gid = mode.gid.map_or("?".into(), |g| g.to_string());
            let group = rp.group_name.clone().unwrap_or_else(|| gid.clone());
            let groups = match who.groups.as_slice() {
                [] => "no supplementary groups".to_string(),
                g => format!(
                    "supplementary groups {}",
                    g.iter()
                        .map(|g| g.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            return vec![Self::META
                .finding(format!(
                    "{} cannot read {}: {how} (permission denied)",
                    s.what(),
                    rp.path
                ))
                .evidence(
                    format!(
                        "mode {}, owner uid {}, group gid {gid}",
                        access::mode_text(mode.mode),
                        mode.uid.map_or("?".into(), |u| u.to_string())
                    ),
                    path.as_str(),
                )
                .evidence(format!("runs as {}, {groups}", who.describe()), "/etc/passwd")
                .evidence(format!("reads {}", rp.path), r.at.as_str())
                .fix(
                    "Give the service's user read access: put it in the file's group, or widen the mode",
                    match &s.container {
                        None => vec![
                            format!("SupplementaryGroups={group}"),
                            format!("chmod o+r {}", rp.path),
                        ],
                        Some(c) if c.kubernetes => vec![
                            "securityContext: {fsGroup: GID}   (the pod's: kubelet gives a ConfigMap or Secret file that group and g+r)".into(),
                            format!("or a mode that lets uid {} read it (defaultMode: 0444)", who.uid.map_or("?".into(), |u| u.to_string())),
                        ],
                        Some(_) => vec![
                            format!("--group-add {gid}   (Compose: group_add)"),
                            format!("chmod o+r {}   (in the image)", rp.path),
                        ],
                    },
                )];
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::FileMode;
    use crate::launch::{app_user, sample, ReadPath, Set};

    fn read(mode: u32, gid: u32) -> Set<ReadPath> {
        Set {
            value: ReadPath {
                path: "/etc/app/config.yaml".into(),
                file: Some(FileMode {
                    mode,
                    uid: Some(0),
                    gid: Some(gid),
                    is_dir: false,
                }),
                dirs: Vec::new(),
                group_name: None,
            },
            at: "--reads".into(),
        }
    }

    #[test]
    fn a_user_outside_the_group_cannot_read_0640() {
        let mut s = sample();
        s.run_as = app_user();
        s.reads.push(read(0o640, 50));
        assert_eq!(LaunchReadPermissionDenied::run(&s).len(), 1);
    }

    #[test]
    fn a_supplementary_group_or_root_can() {
        let mut s = sample();
        s.reads.push(read(0o640, 50));
        assert!(LaunchReadPermissionDenied::run(&s).is_empty());
        s.run_as = app_user();
        s.run_as.groups.push(50);
        assert!(LaunchReadPermissionDenied::run(&s).is_empty());
    }
}
