//! LAUNCH008: a path the unit's mount namespace is built from does not exist in the target.

use crate::finding::{Finding, Severity};
use crate::launch::LaunchSubject;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A systemd unit whose `ReadWritePaths=`, `ReadOnlyPaths=`, `InaccessiblePaths=`,
    /// `ExecPaths=`, `NoExecPaths=`, or the source of a `BindPaths=` or
    /// `BindReadOnlyPaths=` entry, names a path that does not exist in the target, without
    /// the `-` prefix that makes a missing path fine.
    ///
    /// ## Why it breaks
    /// These settings are bind mounts in the service's own mount namespace, set up by the
    /// service's child process before it changes user or directory (`setup_namespace()`,
    /// src/core/namespace.c). A missing path fails the set-up and the child exits with
    /// status 226: `Failed to set up mount namespacing: /run/systemd/unit-root/srv/app: No
    /// such file or directory`, `Main process exited, code=exited, status=226/NAMESPACE`.
    /// `StateDirectory=`, `LogsDirectory=`, `CacheDirectory=` and `RuntimeDirectory=` are
    /// created by systemd and never cause it.
    ///
    /// ## Example
    /// ```text
    /// LAUNCH008 blocks start  app.service cannot start: ReadWritePaths=/srv/app names a path that does not exist (status=226/NAMESPACE)
    ///   · ReadWritePaths=/srv/app  [/etc/systemd/system/app.service:5]
    ///   · does not exist in the target  [/srv/app]
    ///   fix Create /srv/app, or write ReadWritePaths=-/srv/app
    ///       install -d /srv/app
    /// ```
    ///
    /// ## Fix
    /// Create the path before the service starts, let systemd create it
    /// (`StateDirectory=app` for `/var/lib/app`, `LogsDirectory=` for `/var/log/…`), or
    /// prefix it with `-` so a missing path is skipped.
    ///
    /// ## References
    /// - systemd.exec(5), `ReadWritePaths=`: "Paths listed … must exist … prefixed with
    ///   "-", in which case they will be ignored when they do not exist"; "Process Exit
    ///   Codes": 226 `EXIT_NAMESPACE`.
    /// - systemd src/core/namespace.c, `setup_namespace()` and `apply_one_mount()`.
    pub struct LaunchNamespacePathMissing {
        code: "LAUNCH008",
        name: "namespace-path-missing",
        family: Family::Launch,
        subject: Subject::Launch,
        severity: Severity::BlocksStart,
        stage: Stage::Launch,
        summary: "A path of ReadWritePaths=, ReadOnlyPaths=, BindPaths= and the like does not exist (status=226/NAMESPACE)",
    }
}

impl LaunchNamespacePathMissing {
    pub fn run(s: &LaunchSubject) -> Vec<Finding> {
        if s.exec.as_ref().is_some_and(|e| e.privileged) {
            // `+` commands run outside the unit's namespace.
            return Vec::new();
        }
        let Some(p) = s.namespace_paths.iter().find(|p| !p.exists && !p.optional) else {
            return Vec::new();
        };
        let key = p.key.as_str();
        vec![Self::META
            .finding(format!(
                "{} cannot start: {key}={} names a path that does not exist (status=226/NAMESPACE)",
                s.what(),
                p.path
            ))
            .evidence(format!("{key}={}", p.path), p.at.as_str())
            .evidence("does not exist in the target", p.path.as_str())
            .fix(
                format!("Create {path}, or write {key}=-{path}", path = p.path),
                vec![format!("install -d {}", p.path)],
            )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launch::{sample, NamespacePath};

    fn path(optional: bool, exists: bool) -> NamespacePath {
        NamespacePath {
            key: "ReadWritePaths".into(),
            path: "/srv/app".into(),
            optional,
            exists,
            at: "app.service:7".into(),
        }
    }

    #[test]
    fn a_missing_path_is_226() {
        let mut s = sample();
        s.namespace_paths.push(path(false, false));
        let f = LaunchNamespacePathMissing::run(&s);
        assert!(f[0].message.contains("226/NAMESPACE"), "{}", f[0].message);
    }

    #[test]
    fn optional_or_present_is_fine() {
        let mut s = sample();
        s.namespace_paths.push(path(true, false));
        s.namespace_paths.push(path(false, true));
        assert!(LaunchNamespacePathMissing::run(&s).is_empty());
    }
}
