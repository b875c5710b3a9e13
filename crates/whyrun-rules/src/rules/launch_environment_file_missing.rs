//! LAUNCH001: an `EnvironmentFile=` of the unit does not exist in the target.

use crate::finding::{Finding, Severity};
use crate::launch::LaunchSubject;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A systemd unit whose `EnvironmentFile=` names a file that does not exist in the
    /// target, without the `-` prefix that makes a missing file fine.
    ///
    /// ## Why it breaks
    /// systemd reads the environment files in the service manager, before it forks the
    /// service's process (`exec_spawn()` → `exec_context_load_environment()` in
    /// src/core/execute.c). A missing file fails the start before any process exists: the
    /// unit ends with `Result=resources` and no exit status, and the journal says
    /// `Failed to load environment files: No such file or directory` and
    /// `Failed with result 'resources'`. Nothing of the program runs, so nothing else of the
    /// launch is reached.
    ///
    /// ## Example
    /// ```text
    /// LAUNCH001 blocks start  app.service cannot start: its EnvironmentFile=/etc/default/app does not exist (Result=resources)
    ///   · EnvironmentFile=/etc/default/app  [/etc/systemd/system/app.service:5]
    ///   · does not exist in the target  [/etc/default/app]
    ///   fix Create /etc/default/app, or write EnvironmentFile=-/etc/default/app if the file is optional
    /// ```
    ///
    /// ## Fix
    /// Install the file (the package or the deployment that should have written it), or
    /// prefix the path with `-` when the settings in it are optional.
    ///
    /// ## References
    /// - systemd.exec(5), `EnvironmentFile=`: "The argument passed should be an absolute
    ///   filename … prefixed with "-", which indicates that if the file does not exist, it
    ///   will not be read and no error or warning message is logged."
    /// - systemd src/core/execute.c, `exec_spawn()`; src/core/service.c,
    ///   `SERVICE_FAILURE_RESOURCES`.
    pub struct LaunchEnvironmentFileMissing {
        code: "LAUNCH001",
        name: "environment-file-missing",
        family: Family::Launch,
        subject: Subject::Launch,
        severity: Severity::BlocksStart,
        stage: Stage::Launch,
        summary: "An EnvironmentFile= of the unit does not exist (Result=resources)",
    }
}

impl LaunchEnvironmentFileMissing {
    pub fn run(s: &LaunchSubject) -> Vec<Finding> {
        s.environment_files
            .iter()
            .filter(|f| !f.exists && !f.optional)
            .take(1)
            .map(|f| {
                Self::META
                    .finding(format!(
                        "{} cannot start: its EnvironmentFile={} does not exist (Result=resources)",
                        s.what(),
                        f.path
                    ))
                    .evidence(format!("EnvironmentFile={}", f.path), f.at.as_str())
                    .evidence("does not exist in the target", f.path.as_str())
                    .fix(
                        format!(
                            "Create {p}, or write EnvironmentFile=-{p} if the file is optional",
                            p = f.path
                        ),
                        Vec::new(),
                    )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launch::{sample, PathSetting};

    #[test]
    fn a_missing_file_without_dash_fails_the_start() {
        let mut s = sample();
        s.environment_files.push(PathSetting {
            path: "/etc/default/app".into(),
            optional: false,
            exists: false,
            at: "app.service:6".into(),
        });
        let f = LaunchEnvironmentFileMissing::run(&s);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("Result=resources"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn an_optional_or_present_file_is_fine() {
        let mut s = sample();
        for (optional, exists) in [(true, false), (false, true)] {
            s.environment_files = vec![PathSetting {
                path: "/etc/default/app".into(),
                optional,
                exists,
                at: "app.service:6".into(),
            }];
            assert!(LaunchEnvironmentFileMissing::run(&s).is_empty());
        }
    }
}
