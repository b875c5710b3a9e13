//! LAUNCH004: the unit's `ExecStart=` program (or an `ExecStartPre=` one) is missing in
//! the target, hidden or `noexec` in the unit's sandbox, or the unit's user cannot execute
//! it (its mode, or a directory on its path).

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
    /// permission for that user. The same for each `ExecStartPre=` command without the `-`
    /// prefix (systemd runs them first, and the first failure ends the start). A program
    /// under `/home`, `/root` or `/run/user` with `ProtectHome=yes` or `tmpfs`, or under a
    /// `TemporaryFileSystem=` path, is hidden from the service (`No such file or
    /// directory`); one under `NoExecPaths=` (not undone by a deeper `ExecPaths=`) is on a
    /// `noexec` mount (`Permission denied`). A command prefixed with `+`, `!` or `!!` runs
    /// as root, outside the sandbox.
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
    /// - systemd.exec(5), `ProtectHome=`, `TemporaryFileSystem=`, `NoExecPaths=`,
    ///   `ExecPaths=`; systemd.service(5), `ExecStartPre=`.
    pub struct LaunchExecNotRunnable {
        code: "LAUNCH004",
        name: "exec-not-runnable",
        family: Family::Launch,
        subject: Subject::Launch,
        severity: Severity::BlocksStart,
        stage: Stage::Launch,
        summary: "The unit's ExecStart= (or ExecStartPre=) program is missing, hidden or not executable by its user (status=203/EXEC)",
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
        // systemd runs the ExecStartPre= commands first; the first failure (of one without
        // `-`) ends the start.
        s.exec_pre
            .iter()
            .filter(|e| !e.ignore_failure)
            .chain(&s.exec)
            .find_map(|e| Self::judge(s, e))
            .into_iter()
            .collect()
    }

    fn judge(s: &LaunchSubject, e: &Exec) -> Option<Finding> {
        let what = match e.key {
            "ExecStart" => "its program".to_string(),
            key => format!("its {key}= program"),
        };
        let setting = format!("{}={}", e.key, e.written);
        let who = if e.privileged {
            root()
        } else {
            s.run_as.clone()
        };
        // An unknown user: LAUNCH002 says why the start fails first.
        who.uid?;
        let hidden = match &e.found {
            Some(f) if !e.privileged => s.sandbox.exec_blocked(&f.path).map(|b| (f, b)),
            _ => None,
        };
        let finding = match &e.found {
            None => Self::META
                .finding(format!(
                    "{} cannot start: {what} {} does not exist in the target (status=203/EXEC, No such file or directory)",
                    s.what(),
                    e.written
                ))
                .evidence(setting, e.at.as_str())
                .evidence(
                    format!("looked for at {}", e.searched.join(", ")),
                    e.searched.first().map(String::as_str).unwrap_or("/"),
                )
                .fix(
                    format!(
                        "Install the program at {}, or correct {}= in {}",
                        e.searched.first().map(String::as_str).unwrap_or(&e.written),
                        e.key,
                        s.unit_file()
                    ),
                    Vec::new(),
                ),
            Some(found) if !found.is_regular => Self::META
                .finding(format!(
                    "{} cannot start: {what} {} is not a regular file (status=203/EXEC, Permission denied)",
                    s.what(),
                    found.path
                ))
                .evidence(setting, e.at.as_str()),
            Some(found) if hidden.is_some() => {
                let (_, b) = hidden.as_ref()?;
                let (how, errno) = if b.errno == "permission denied" {
                    ("is on a noexec mount", "Permission denied")
                } else {
                    ("is hidden", "No such file or directory")
                };
                Self::META
                    .finding(format!(
                        "{} cannot start: {what} {} {how} in the unit's sandbox by {} (status=203/EXEC, {errno})",
                        s.what(),
                        found.path,
                        b.by
                    ))
                    .evidence(setting, e.at.as_str())
                    .evidence(b.by.clone(), b.at.as_str())
                    .fix(
                        format!(
                            "Install the program outside what {} covers (under /usr/local/bin or /opt), or relax the setting in {}",
                            b.by,
                            s.unit_file()
                        ),
                        vec![format!("install -m 0755 {} /usr/local/bin/", found.path)],
                    )
            }
            Some(_) => {
                let (path, mode, is_dir) = denied(e, &who)?;
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
                    .evidence(setting, e.at.as_str())
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
        Some(finding)
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
            key: "ExecStart",
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
                caps: None,
            }),
            searched: vec!["/opt/app/server".into()],
            privileged: false,
            ignore_failure: false,
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

    #[test]
    fn exec_start_pre_without_dash_and_sandboxed_paths() {
        let mut s = sample();
        s.exec = Some(exec(0o755, 0o755));
        let mut pre = exec(0o755, 0o755);
        pre.key = "ExecStartPre";
        pre.found = None;
        pre.ignore_failure = true;
        s.exec_pre.push(pre.clone());
        assert!(LaunchExecNotRunnable::run(&s).is_empty());
        s.exec_pre[0].ignore_failure = false;
        let f = LaunchExecNotRunnable::run(&s);
        assert!(
            f[0].message.contains("ExecStartPre= program"),
            "{}",
            f[0].message
        );
        s.exec_pre.clear();
        s.sandbox.no_exec.push(crate::launch::set("/opt"));
        let f = LaunchExecNotRunnable::run(&s);
        assert!(f[0].message.contains("noexec"), "{}", f[0].message);
        s.exec.as_mut().unwrap().privileged = true;
        assert!(LaunchExecNotRunnable::run(&s).is_empty());
    }
}
