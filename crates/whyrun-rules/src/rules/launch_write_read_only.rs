//! LAUNCH006: a path the program writes is read-only (or hidden) under the unit's
//! file-system sandboxing.

use crate::finding::{Finding, Severity};
use crate::launch::LaunchSubject;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A path the program writes (`--writes PATH`) that the unit's sandboxing makes
    /// read-only: `ProtectSystem=yes` (/usr, /boot, /efi), `full` (also /etc), `strict`
    /// (everything but /dev, /proc, /sys), `ProtectHome=read-only`, `ReadOnlyPaths=`; or
    /// hides: `ProtectHome=yes` (/home, /root, /run/user). `ReadWritePaths=` and the
    /// directories systemd creates for the unit (`StateDirectory=`, `CacheDirectory=`,
    /// `LogsDirectory=`, `RuntimeDirectory=`) stay writable, and the most specific path
    /// decides, as in systemd's mount table.
    ///
    /// ## Why it breaks
    /// systemd sets up a mount namespace for the service with those trees bind-mounted
    /// read-only; the program starts and its `open(2)` for writing fails with `EROFS`
    /// (Go: `open /var/lib/app/db: read-only file system`), or with `ENOENT` for a hidden
    /// home directory.
    ///
    /// In a container, a read-only root file system (`--read-only`, Compose `read_only`,
    /// `readOnlyRootFilesystem`) makes every path read-only but its writable mounts
    /// (`emptyDir`, `tmpfs`, volumes) and /dev; podman also mounts tmpfs on /tmp,
    /// /var/tmp and /run (`--read-only-tmpfs`, its default). A volume mounted read-only
    /// (`readOnly: true`, `:ro`, ConfigMaps and Secrets) is read-only whatever the root.
    ///
    /// ## Example
    /// ```text
    /// LAUNCH006 fails at run time  app.service cannot write /var/lib/app/state: ProtectSystem=strict makes it read-only (read-only file system)
    ///   · ProtectSystem=strict  [/etc/systemd/system/app.service:5]
    ///   · writes /var/lib/app/state  [--writes]
    ///   fix Make the path writable for the service
    ///       ReadWritePaths=/var/lib/app
    /// ```
    ///
    /// ## Fix
    /// Add the directory to `ReadWritePaths=`, or let systemd create it with
    /// `StateDirectory=`/`LogsDirectory=`/`CacheDirectory=` (writable under every
    /// `ProtectSystem=` level); for a home directory, `ProtectHome=` off or `tmpfs`.
    ///
    /// ## References
    /// - systemd.exec(5), `ProtectSystem=`, `ProtectHome=`, `ReadWritePaths=`,
    ///   `ReadOnlyPaths=`, `RuntimeDirectory=, StateDirectory=, CacheDirectory=,
    ///   LogsDirectory=`.
    /// - systemd src/core/namespace.c (the mounts, ordered by path depth).
    pub struct LaunchWriteReadOnly {
        code: "LAUNCH006",
        name: "write-to-read-only-path",
        family: Family::Launch,
        subject: Subject::Launch,
        severity: Severity::FailsAtRuntime,
        stage: Stage::RunTime,
        summary: "A path the program writes is read-only under the unit's sandboxing (read-only file system)",
    }
}

fn parent(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some(("", _)) | None => "/",
        Some((p, _)) => p,
    }
}

impl LaunchWriteReadOnly {
    pub fn run(s: &LaunchSubject) -> Vec<Finding> {
        if let Some(c) = &s.container {
            return s
                .writes
                .iter()
                .find_map(|w| c.write_blocked(&w.value).map(|b| (w, b)))
                .map(|(w, b)| {
                    Self::META
                        .finding(format!(
                            "{} cannot write {}: {} (read-only file system)",
                            s.what(),
                            w.value,
                            b.by
                        ))
                        .evidence(b.by.clone(), b.at.as_str())
                        .evidence(format!("writes {}", w.value), w.at.as_str())
                        .fix(
                            "Mount a writable volume there (emptyDir, tmpfs, a named volume)",
                            vec![format!(
                                "--tmpfs {dir}   (Kubernetes: an emptyDir volumeMount at {dir})",
                                dir = parent(&w.value)
                            )],
                        )
                })
                .into_iter()
                .collect();
        }
        s.writes
            .iter()
            .find_map(|w| s.sandbox.write_blocked(&w.value).map(|b| (w, b)))
            .map(|(w, b)| {
                Self::META
                    .finding(format!(
                        "{} cannot write {}: {} makes it {} ({})",
                        s.what(),
                        w.value,
                        b.by,
                        if b.errno == "read-only file system" {
                            "read-only"
                        } else {
                            "inaccessible"
                        },
                        b.errno
                    ))
                    .evidence(b.by.clone(), b.at.as_str())
                    .evidence(format!("writes {}", w.value), w.at.as_str())
                    .fix(
                        "Make the path writable for the service",
                        vec![format!("ReadWritePaths={}", parent(&w.value))],
                    )
            })
            .into_iter()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launch::{sample, set};

    #[test]
    fn strict_blocks_and_read_write_paths_allow() {
        let mut s = sample();
        s.sandbox.protect_system = Some(set("strict"));
        s.writes.push(set("/var/lib/app/state"));
        assert_eq!(LaunchWriteReadOnly::run(&s).len(), 1);
        s.sandbox.read_write.push(set("/var/lib/app"));
        assert!(LaunchWriteReadOnly::run(&s).is_empty());
    }

    #[test]
    fn a_read_only_container_root() {
        use crate::container::{sample as container, RuntimeName};
        let mut s = sample();
        s.unit = None;
        let mut c = container(Some(RuntimeName::Docker));
        c.read_only_root = Some(set("true").clone()).map(|x| crate::launch::Set {
            value: true,
            at: x.at,
        });
        s.container = Some(c);
        s.writes.push(set("/var/lib/app/state"));
        let f = LaunchWriteReadOnly::run(&s);
        assert!(f[0].message.contains("read-only"), "{}", f[0].message);
        s.writes = vec![set("/dev/shm/x")];
        assert!(LaunchWriteReadOnly::run(&s).is_empty());
    }

    #[test]
    fn nothing_set_is_fine() {
        let mut s = sample();
        s.writes.push(set("/etc/app.conf"));
        assert!(LaunchWriteReadOnly::run(&s).is_empty());
    }
}
