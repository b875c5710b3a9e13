//! LAUNCH003: the unit's `WorkingDirectory=` does not exist in the target.

use crate::container::{Container, Decided};
use crate::finding::{Finding, Severity};
use crate::launch::LaunchSubject;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A systemd unit whose `WorkingDirectory=` names a directory that does not exist in
    /// the target, without the `-` prefix that makes a missing directory fine.
    ///
    ///
    /// In a container, a working directory named by the launch (`--workdir`, Compose
    /// `working_dir`, `workingDir`) that the image lacks: podman refuses it, Docker,
    /// containerd, CRI-O and runc create it; an image's own `WorkingDir` is created by all.
    ///
    /// ## Why it breaks
    /// The service's child process changes into the directory after it has taken the
    /// unit's user and before it executes the program (`apply_working_directory()` in
    /// src/core/execute.c); `chdir()` fails with `ENOENT` and the child exits with status
    /// 200: `Main process exited, code=exited, status=200/CHDIR`, after
    /// `Changing to the requested working directory failed: No such file or directory`.
    ///
    /// ## Example
    /// ```text
    /// LAUNCH003 blocks start  app.service cannot start: its WorkingDirectory=/srv/app does not exist (status=200/CHDIR)
    ///   · WorkingDirectory=/srv/app  [/etc/systemd/system/app.service:5]
    ///   · does not exist in the target  [/srv/app]
    ///   fix Create /srv/app, or write WorkingDirectory=-/srv/app
    ///       install -d /srv/app
    /// ```
    ///
    /// ## Fix
    /// Create the directory (with the owner the service needs), let systemd create one
    /// with `StateDirectory=` and point `WorkingDirectory=` at it, or prefix the path with
    /// `-` when the program does not care.
    ///
    /// ## References
    /// - systemd.exec(5), `WorkingDirectory=`: "If the path is prefixed with "-", it is
    ///   ignored if the directory does not exist"; "Process Exit Codes": 200 `EXIT_CHDIR`.
    /// - systemd src/core/execute.c, `apply_working_directory()`.
    pub struct LaunchWorkingDirectoryMissing {
        code: "LAUNCH003",
        name: "working-directory-missing",
        family: Family::Launch,
        subject: Subject::Launch,
        severity: Severity::BlocksStart,
        stage: Stage::Launch,
        summary: "The unit's WorkingDirectory= does not exist (status=200/CHDIR)",
    }
}

impl LaunchWorkingDirectoryMissing {
    pub fn run(s: &LaunchSubject) -> Vec<Finding> {
        if let Some(c) = &s.container {
            return Self::in_container(s, c);
        }
        let Some(w) = s
            .working_directory
            .as_ref()
            .filter(|w| !w.exists && !w.optional)
        else {
            return Vec::new();
        };
        vec![Self::META
            .finding(format!(
                "{} cannot start: its WorkingDirectory={} does not exist (status=200/CHDIR)",
                s.what(),
                w.path
            ))
            .evidence(format!("WorkingDirectory={}", w.path), w.at.as_str())
            .evidence("does not exist in the target", w.path.as_str())
            .fix(
                format!("Create {p}, or write WorkingDirectory=-{p}", p = w.path),
                vec![format!("install -d {}", w.path)],
            )]
    }
}

impl LaunchWorkingDirectoryMissing {
    /// A container whose launch names a working directory the image lacks: podman refuses
    /// it; the other runtimes create it (`crate::container`).
    fn in_container(s: &LaunchSubject, c: &Container) -> Vec<Finding> {
        let Some((path, false, at)) = &c.workdir else {
            return Vec::new();
        };
        let f = |m: String| {
            Self::META
                .finding(m)
                .evidence(format!("working directory {path}"), at.as_str())
                .evidence("does not exist in the image", path.as_str())
        };
        match c.missing_workdir_refused() {
            Decided::Known(false) => Vec::new(),
            Decided::Known(true) => vec![f(format!(
                "{} cannot start: workdir \"{path}\" does not exist on container (podman refuses a missing --workdir)",
                s.what()
            ))
            .fix(
                "Create the directory in the image",
                vec![format!("RUN mkdir -p {path}   (or WORKDIR {path} in the Dockerfile)")],
            )],
            Decided::DependsOnRuntime(why) => vec![f(format!(
                "{}: whether a missing working directory {path} stops it depends on the container runtime: name it with --runtime",
                s.what()
            ))
            .evidence(why, "--runtime")
            .fix(
                "Name the runtime, or create the directory in the image",
                vec![format!("RUN mkdir -p {path}")],
            )
            .undecided()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launch::{sample, PathSetting};

    fn wd(optional: bool, exists: bool) -> Option<PathSetting> {
        Some(PathSetting {
            path: "/srv/app".into(),
            optional,
            exists,
            at: "app.service:7".into(),
        })
    }

    #[test]
    fn a_missing_directory_is_200() {
        let mut s = sample();
        s.working_directory = wd(false, false);
        let f = LaunchWorkingDirectoryMissing::run(&s);
        assert!(f[0].message.contains("200/CHDIR"));
    }

    #[test]
    fn optional_or_present_is_fine() {
        let mut s = sample();
        s.working_directory = wd(true, false);
        assert!(LaunchWorkingDirectoryMissing::run(&s).is_empty());
        s.working_directory = wd(false, true);
        assert!(LaunchWorkingDirectoryMissing::run(&s).is_empty());
    }
}
