//! LAUNCH015: a path a container's program writes is not writable by the user it runs as.

use crate::access::{self, Perm};
use crate::finding::{Finding, Severity};
use crate::launch::{parents, LaunchSubject};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A path the program writes (`--writes PATH`) in a container whose user may not
    /// write it, by the image's modes and owners: the file exists and its mode does not
    /// let the user write it, or it does not exist and its directory does not let the user
    /// create files there, or a directory on the way is not searchable. The classic case:
    /// a `USER app` (or `runAsUser`) image whose data directory was created by a `RUN
    /// mkdir` as root (`root:root 0755`). Root is not judged (it has `CAP_DAC_OVERRIDE`),
    /// nor are paths on a mounted volume (`emptyDir`, `tmpfs`, named volumes: the image
    /// does not say their modes) or on a read-only one (LAUNCH006).
    ///
    /// ## Why it breaks
    /// The program starts; its `open(2)` for writing fails with `EACCES`. Go prints
    /// `open /var/lib/app/state: permission denied`.
    ///
    /// ## Example
    /// ```text
    /// LAUNCH015 fails at run time  the container (the image config) cannot write /var/lib/app/state: the directory /var/lib/app (0755, owner uid 0) does not let app (uid 1000, gid 1000) create files (permission denied)
    ///   · mode 0755 (rwxr-xr-x), owner uid 0, group gid 0  [/var/lib/app]
    ///   · runs as app (uid 1000, gid 1000)  [image config User]
    ///   · writes /var/lib/app/state  [--writes]
    ///   fix Give the user the directory in the image, or mount a volume there
    ///       RUN mkdir -p /var/lib/app && chown 1000:1000 /var/lib/app   (in the Dockerfile)
    /// ```
    ///
    /// ## Fix
    /// Create the directory owned by the container's user in the image (`RUN chown`,
    /// `COPY --chown`), or mount a volume there (`emptyDir`, a named volume, `tmpfs`); with
    /// Kubernetes, `fsGroup` makes most volume types group-writable.
    ///
    /// ## References
    /// - open(2), `EACCES`; path_resolution(7) (search permission on every directory).
    /// - capabilities(7), `CAP_DAC_OVERRIDE` (kept by root in every runtime's default set).
    pub struct LaunchWritePermissionDenied {
        code: "LAUNCH015",
        name: "write-permission-denied",
        family: Family::Launch,
        subject: Subject::Launch,
        severity: Severity::FailsAtRuntime,
        stage: Stage::RunTime,
        summary: "A container's program writes where its user may not (permission denied)",
    }
}

impl LaunchWritePermissionDenied {
    pub fn run(s: &LaunchSubject) -> Vec<Finding> {
        let Some(c) = &s.container else {
            return Vec::new();
        };
        let who = &s.run_as;
        if who.uid.is_none() || who.is_root() {
            return Vec::new();
        }
        for w in &c.writes {
            if c.write_blocked(&w.path).is_some() {
                continue;
            }
            let parent = parents(&w.path).pop().unwrap_or_else(|| "/".into());
            // A directory on the way must be searchable; the parent must exist.
            let Some((_, pm)) = w.dirs.iter().find(|(d, _)| *d == parent) else {
                continue;
            };
            let blocked_dir = w
                .dirs
                .iter()
                .find(|(_, m)| access::decide(m, who, Perm::Exec).allowed == Some(false));
            let (path, mode, how) = match (blocked_dir, w.file) {
                (Some((d, m)), _) => (
                    d.clone(),
                    *m,
                    format!(
                        "the directory {d} has no search permission for {}",
                        who.describe()
                    ),
                ),
                (None, Some(f)) if access::decide(&f, who, Perm::Write).allowed == Some(false) => (
                    w.path.clone(),
                    f,
                    format!(
                        "its mode {} does not let {} write it",
                        access::mode_text(f.mode),
                        who.describe()
                    ),
                ),
                (None, None) if access::decide(pm, who, Perm::Write).allowed == Some(false) => (
                    parent.clone(),
                    *pm,
                    format!(
                        "the directory {parent} ({:04o}, owner uid {}) does not let {} create files",
                        pm.mode & 0o7777,
                        pm.uid.map_or("?".into(), |u| u.to_string()),
                        who.describe()
                    ),
                ),
                _ => continue,
            };
            let owner = match (who.uid, who.gid) {
                (Some(u), Some(g)) => format!("{u}:{g}"),
                (Some(u), None) => u.to_string(),
                _ => "USER".into(),
            };
            let dir = if w.file.is_some() {
                w.path.clone()
            } else {
                parent
            };
            return vec![Self::META
                .finding(format!(
                    "{} cannot write {}: {how} (permission denied)",
                    s.what(),
                    w.path
                ))
                .evidence(
                    format!(
                        "mode {}, owner uid {}, group gid {}",
                        access::mode_text(mode.mode),
                        mode.uid.map_or("?".into(), |u| u.to_string()),
                        mode.gid.map_or("?".into(), |g| g.to_string())
                    ),
                    path.as_str(),
                )
                .evidence(
                    format!("runs as {}", who.describe()),
                    s.user
                        .as_ref()
                        .map_or("image config User", |u| u.at.as_str()),
                )
                .evidence(format!("writes {}", w.path), w.at.as_str())
                .fix(
                    "Give the user the directory in the image, or mount a volume there",
                    vec![format!(
                        "RUN mkdir -p {dir} && chown {owner} {dir}   (in the Dockerfile)"
                    )],
                )];
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::FileMode;
    use crate::container::{sample as container, RuntimeName, WriteTarget};
    use crate::launch::{app_user, sample};

    fn dir(mode: u32, uid: u32) -> FileMode {
        FileMode {
            mode,
            uid: Some(uid),
            gid: Some(uid),
            is_dir: true,
        }
    }

    fn subject(parent: FileMode) -> LaunchSubject {
        let mut c = container(Some(RuntimeName::Docker));
        c.writes.push(WriteTarget {
            path: "/var/lib/app/state".into(),
            at: "--writes".into(),
            file: None,
            dirs: vec![
                ("/".into(), dir(0o755, 0)),
                ("/var".into(), dir(0o755, 0)),
                ("/var/lib".into(), dir(0o755, 0)),
                ("/var/lib/app".into(), parent),
            ],
        });
        let mut s = sample();
        s.unit = None;
        s.run_as = app_user();
        s.container = Some(c);
        s
    }

    #[test]
    fn a_root_owned_directory_refuses_a_user() {
        let f = LaunchWritePermissionDenied::run(&subject(dir(0o755, 0)));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("create files"), "{}", f[0].message);
    }

    #[test]
    fn an_owned_directory_root_or_a_volume_pass() {
        assert!(LaunchWritePermissionDenied::run(&subject(dir(0o755, 1000))).is_empty());
        let mut s = subject(dir(0o755, 0));
        s.run_as = sample().run_as;
        assert!(LaunchWritePermissionDenied::run(&s).is_empty());
        let mut s = subject(dir(0o755, 0));
        s.container
            .as_mut()
            .unwrap()
            .mounts
            .push(crate::container::Mount {
                target: "/var/lib/app".into(),
                read_only: true,
                what: "configMap c".into(),
                at: "k:1".into(),
            });
        assert!(LaunchWritePermissionDenied::run(&s).is_empty());
    }
}
