//! LAUNCH004: the unit's `ExecStart=` program is missing in the target, or the unit's
//! user cannot execute it (its mode, or a directory on its path).

use crate::access::{self, FileMode, Perm, RunAs};
use crate::finding::{Finding, Severity};
use crate::launch::{Exec, LaunchSubject};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A systemd unit whose `ExecStart=` program does not exist in the target (an absolute
    /// path, or a bare name searched in systemd's fixed search path), or that the unit's
    /// user may not execute: no execute bit for that user (owner, group with the
    /// supplementary groups, others), or a directory on the way without search (`x`)
    /// permission for that user. A command prefixed with `+`, `!` or `!!` runs as root.
    ///
    /// ## Why it breaks
    /// The service's child process looks the program up and executes it after it took the
    /// unit's user (`exec_child()` → `find_executable_full()` and `execve()`, src/core/execute.c);
    /// a failure exits with status 203: `Main process exited, code=exited, status=203/EXEC`,
    /// after `Failed to locate executable /opt/app/server: No such file or directory` or
    /// `Failed to execute /opt/app/server: Permission denied`.
    ///
    /// ## Example
    /// ```text
    /// LAUNCH004 blocks start  app.service cannot start: /opt/app/server is not executable by app (uid 1000, gid 1000): a directory on its path, /opt/app, has no search permission for that user (status=203/EXEC, Permission denied)
    ///   · ExecStart=/opt/app/server  [/etc/systemd/system/app.service:6]
    ///   · mode 0700 (rwx------), owner uid 0, group gid 0  [/opt/app]
    ///   · runs as app (uid 1000, gid 1000)  [/etc/passwd]
    ///   fix Let the service's user search every directory on the path and execute the program
    ///       chmod o+x /opt/app
    /// ```
    ///
    /// ## Fix
    /// Install the program where the unit says (or fix the path), `chmod a+x` it, and give
    /// the service's user search permission on each directory above it (`chmod o+x DIR`,
    /// or group ownership with `g+x`).
    ///
    /// ## References
    /// - systemd.service(5), "Command lines": absolute paths, and since systemd 239 a
    ///   fixed search path for other names; systemd.exec(5) "Process Exit Codes": 203
    ///   `EXIT_EXEC`.
    /// - path_resolution(7) (search permission on every directory), execve(2) `EACCES`.
    pub struct LaunchExecNotRunnable {
        code: "LAUNCH004",
        name: "exec-not-runnable",
        family: Family::Launch,
        subject: Subject::Launch,
        severity: Severity::BlocksStart,
        stage: Stage::Launch,
        summary: "The unit's ExecStart= program is missing or not executable by its user (status=203/EXEC)",
    }
}

fn root() -> RunAs {
    RunAs {
        spec: "root".into(),
        source: "a privileged (+, !, !!) command",
        name: Some("root".into()),
        uid: Some(0),
        gid: Some(0),
        groups: Vec::new(),
    }
}

/// The first directory the user may not search, or the file itself when it may not be
/// executed: `(path, mode)`.
fn denied(e: &Exec, who: &RunAs) -> Option<(String, FileMode, bool)> {
    let found = e.found.as_ref()?;
    for (dir, mode) in &found.dirs {
        if access::decide(mode, who, Perm::Exec).allowed == Some(false) {
            return Some((dir.clone(), *mode, true));
        }
    }
    let file = found.file?;
    (access::decide(&file, who, Perm::Exec).allowed == Some(false))
        .then(|| (found.path.clone(), file, false))
}

impl LaunchExecNotRunnable {
    pub fn run(s: &LaunchSubject) -> Vec<Finding> {
        let Some(e) = &s.exec else {
            return Vec::new();
        };
        let who = if e.privileged {
            root()
        } else {
            s.run_as.clone()
        };
        if who.uid.is_none() {
            // An unknown user: LAUNCH002 says why the start fails first.
            return Vec::new();
        }
        let finding = match &e.found {
            None => Self::META
                .finding(format!(
                    "{} cannot start: its program {} does not exist in the target (status=203/EXEC, No such file or directory)",
                    s.what(),
                    e.written
                ))
                .evidence(format!("ExecStart={}", e.written), e.at.as_str())
                .evidence(
                    format!("looked for at {}", e.searched.join(", ")),
                    e.searched.first().map(String::as_str).unwrap_or("/"),
                )
                .fix(
                    format!(
                        "Install the program at {}, or correct ExecStart= in {}",
                        e.searched.first().map(String::as_str).unwrap_or(&e.written),
                        s.unit_file()
                    ),
                    Vec::new(),
                ),
            Some(found) if !found.is_regular => Self::META
                .finding(format!(
                    "{} cannot start: its program {} is not a regular file (status=203/EXEC, Permission denied)",
                    s.what(),
                    found.path
                ))
                .evidence(format!("ExecStart={}", e.written), e.at.as_str()),
            Some(_) => {
                let Some((path, mode, is_dir)) = denied(e, &who) else {
                    return Vec::new();
                };
                let how = if is_dir {
                    format!("a directory on its path, {path}, has no search permission for that user")
                } else {
                    format!("its mode {} does not let that user execute it", access::mode_text(mode.mode))
                };
                let fix = if is_dir {
                    format!("chmod o+x {path}")
                } else {
                    format!("chmod a+x {path}")
                };
                Self::META
                    .finding(format!(
                        "{} cannot start: {} is not executable by {}: {how} (status=203/EXEC, Permission denied)",
                        s.what(),
                        e.found.as_ref().map(|f| f.path.as_str()).unwrap_or(&e.written),
                        who.describe()
                    ))
                    .evidence(format!("ExecStart={}", e.written), e.at.as_str())
                    .evidence(
                        format!(
                            "mode {}, owner uid {}, group gid {}",
                            access::mode_text(mode.mode),
                            mode.uid.map_or("?".into(), |u| u.to_string()),
                            mode.gid.map_or("?".into(), |g| g.to_string())
                        ),
                        path.as_str(),
                    )
                    .evidence(format!("runs as {}", who.describe()), "/etc/passwd")
                    .fix(
                        "Let the service's user search every directory on the path and execute the program",
                        vec![fix],
                    )
            }
        };
        vec![finding]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launch::{app_user, sample, ExecFile};

    fn exec(dir_mode: u32, file_mode: u32) -> Exec {
        let m = |mode| FileMode {
            mode,
            uid: Some(0),
            gid: Some(0),
            is_dir: true,
        };
        Exec {
            written: "/opt/app/server".into(),
            at: "app.service:8".into(),
            found: Some(ExecFile {
                path: "/opt/app/server".into(),
                file: Some(FileMode {
                    is_dir: false,
                    ..m(file_mode)
                }),
                dirs: vec![
                    ("/".into(), m(0o755)),
                    ("/opt".into(), m(0o755)),
                    ("/opt/app".into(), m(dir_mode)),
                ],
                is_regular: true,
            }),
            searched: vec!["/opt/app/server".into()],
            privileged: false,
        }
    }

    #[test]
    fn fires_on_traversal_mode_and_absence() {
        let mut s = sample();
        s.run_as = app_user();
        s.exec = Some(exec(0o700, 0o755));
        let f = LaunchExecNotRunnable::run(&s);
        assert!(
            f[0].message.contains("/opt/app, has no search"),
            "{}",
            f[0].message
        );
        s.exec = Some(exec(0o755, 0o744));
        assert!(LaunchExecNotRunnable::run(&s)[0]
            .message
            .contains("203/EXEC"));
        let mut e = exec(0o755, 0o755);
        e.found = None;
        s.exec = Some(e);
        assert!(LaunchExecNotRunnable::run(&s)[0]
            .message
            .contains("does not exist"));
    }

    #[test]
    fn root_privileged_and_good_modes_pass() {
        let mut s = sample();
        s.exec = Some(exec(0o700, 0o744));
        assert!(LaunchExecNotRunnable::run(&s).is_empty());
        s.run_as = app_user();
        s.exec = Some(exec(0o755, 0o755));
        assert!(LaunchExecNotRunnable::run(&s).is_empty());
        let mut e = exec(0o700, 0o700);
        e.privileged = true;
        s.exec = Some(e);
        assert!(LaunchExecNotRunnable::run(&s).is_empty());
    }
}
