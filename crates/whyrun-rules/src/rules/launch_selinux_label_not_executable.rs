//! LAUNCH011: under an enforcing SELinux policy, the program carries a home-directory or
//! temporary-file label that systemd's domain may not execute.

use crate::finding::{Finding, Severity};
use crate::launch::LaunchSubject;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

/// Types of files in home and temporary directories: the RHEL/Fedora "targeted" policy
/// gives `init_t` no `execute` on them, and a program keeps its label when `mv` brings it
/// from there. Debian's policy (`default`) lets `init_t` execute any file type (it is a
/// `files_unconfined_type`: `sesearch -A -s init_t -t user_home_t -c file -p execute`
/// finds the rule; `tests/it/selinux.rs` asks it), so only `targeted` is judged.
const NOT_EXECUTABLE_BY_INIT: &[&str] = &[
    "user_home_t",
    "user_home_dir_t",
    "admin_home_t",
    "user_tmp_t",
    "tmp_t",
];

crate::declare_rule! {
    /// ## What it finds
    /// A systemd unit on a target whose `/etc/selinux/config` says `SELINUX=enforcing`
    /// and `SELINUXTYPE=targeted` (Fedora, RHEL, CentOS, Rocky, Alma), whose program's own
    /// label (its `security.selinux` attribute) has a home-directory
    /// or temporary-file type (`user_home_t`, `admin_home_t`, `user_home_dir_t`,
    /// `user_tmp_t`, `tmp_t`) that differs from what the policy's `file_contexts` give its
    /// path (what `matchpathcon` prints, such as `bin_t` for `/usr/local/bin`). The classic
    /// cause: the binary was built or downloaded in a home directory and moved with `mv`,
    /// which keeps the label, instead of copied.
    ///
    /// whyrun reads the policy's files, not a running kernel: the finding is evidence
    /// from the policy, and says so. With `SELINUX=permissive` the access is only logged.
    /// Debian's own policy (`default`) lets systemd execute files of any type, so it is
    /// not judged there.
    ///
    /// ## Why it breaks
    /// systemd executes the program in its own domain, `init_t`, which the policy does not
    /// allow to execute files of those types. `execve` fails with `EACCES` although the
    /// mode is right: `Failed to execute /usr/local/bin/app: Permission denied`,
    /// `Main process exited, code=exited, status=203/EXEC`, and an AVC denial
    /// (`avc: denied { execute } … tcontext=…:user_home_t`) in the audit log.
    ///
    /// ## Example
    /// ```text
    /// LAUNCH011 blocks start  app.service cannot start: /usr/local/bin/app is labelled user_home_t, which SELinux (enforcing) does not let systemd execute; the policy gives the path bin_t (status=203/EXEC, Permission denied)
    ///   · security.selinux = system_u:object_r:user_home_t:s0  [/usr/local/bin/app]
    ///   · the policy gives /usr/local/bin/app system_u:object_r:bin_t:s0  [/etc/selinux/targeted/contexts/files/file_contexts:1]
    ///   · SELINUX=enforcing  [/etc/selinux/config:1]
    ///   · read from the policy's files; not confirmed by a live SELinux kernel  [selinux]
    ///   fix Give the program the label its path should have
    ///       restorecon -v /usr/local/bin/app
    /// ```
    ///
    /// ## Fix
    /// `restorecon -v PATH` (or `chcon -t bin_t PATH`), and copy programs into place with
    /// `cp` or `install` rather than `mv`, so they take the label of their new directory.
    ///
    /// ## References
    /// - libselinux, src/label_file.c (how `file_contexts` give a path its label);
    ///   matchpathcon(8), restorecon(8).
    /// - mv(1) (GNU coreutils), `-Z`: only with it does the moved file get its new
    ///   directory's default context; it keeps its own otherwise.
    /// - "The SELinux Label That Decides Whether Your Binary Runs or Dies in systemd"
    ///   (thomaspowell.com, 2026-04-03): the same binary and unit on Fedora give
    ///   `status=203/EXEC` or run depending only on the file's label.
    pub struct LaunchSelinuxLabelNotExecutable {
        code: "LAUNCH011",
        name: "selinux-label-not-executable",
        family: Family::Launch,
        subject: Subject::Launch,
        severity: Severity::BlocksStart,
        stage: Stage::Launch,
        summary: "Under enforcing SELinux, the program keeps a home or tmp label systemd may not execute (status=203/EXEC, Permission denied)",
    }
}

impl LaunchSelinuxLabelNotExecutable {
    pub fn run(s: &LaunchSubject) -> Vec<Finding> {
        let Some(se) = &s.selinux else {
            return Vec::new();
        };
        if se.mode != "enforcing" || se.policy != "targeted" {
            return Vec::new();
        }
        let Some(label) = &se.label else {
            return Vec::new();
        };
        let Some(actual) = whyrun_target::selinux::type_of(label) else {
            return Vec::new();
        };
        if !NOT_EXECUTABLE_BY_INIT.contains(&actual) {
            return Vec::new();
        }
        let expected = se
            .expected
            .as_ref()
            .and_then(|(c, at)| whyrun_target::selinux::type_of(c).map(|t| (c, t, at)));
        if expected.is_some_and(|(_, t, _)| t == actual) {
            // The policy itself gives the path that type (a program kept in a home
            // directory): relabelling does not help, and nothing says how the site's own
            // policy treats it.
            return Vec::new();
        }
        let mut f = Self::META
            .finding(format!(
                "{} cannot start: {} is labelled {actual}, which SELinux ({}) does not let systemd execute{} (status=203/EXEC, Permission denied)",
                s.what(),
                se.path,
                se.mode,
                match expected {
                    Some((_, t, _)) => format!("; the policy gives the path {t}"),
                    None => String::new(),
                }
            ))
            .evidence(format!("security.selinux = {label}"), se.path.as_str());
        if let Some((c, _, at)) = expected {
            f = f.evidence(format!("the policy gives {} {c}", se.path), at.as_str());
        }
        vec![f
            .evidence(format!("SELINUX={}", se.mode), se.mode_at.as_str())
            .evidence(
                "read from the policy's files; not confirmed by a live SELinux kernel",
                "selinux",
            )
            .fix(
                "Give the program the label its path should have",
                vec![format!("restorecon -v {}", se.path)],
            )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launch::{sample, SelinuxLabel};

    fn with(mode: &str, label: &str, expected: &str) -> LaunchSubject {
        let mut s = sample();
        s.selinux = Some(SelinuxLabel {
            mode: mode.into(),
            mode_at: "/etc/selinux/config:1".into(),
            policy: "targeted".into(),
            path: "/usr/local/bin/app".into(),
            label: Some(format!("system_u:object_r:{label}:s0")),
            expected: Some((format!("system_u:object_r:{expected}:s0"), "fc:1".into())),
        });
        s
    }

    #[test]
    fn a_home_label_under_enforcing_blocks_the_start() {
        let f = LaunchSelinuxLabelNotExecutable::run(&with("enforcing", "user_home_t", "bin_t"));
        assert!(f[0].message.contains("user_home_t"), "{}", f[0].message);
        assert!(f[0]
            .evidence
            .iter()
            .any(|e| e.what.contains("not confirmed")));
    }

    #[test]
    fn permissive_the_right_label_or_the_policys_own_type_pass() {
        let mut debian = with("enforcing", "user_home_t", "bin_t");
        debian.selinux.as_mut().unwrap().policy = "default".into();
        for s in [
            debian,
            with("permissive", "user_home_t", "bin_t"),
            with("enforcing", "bin_t", "bin_t"),
            with("enforcing", "usr_t", "bin_t"),
            with("enforcing", "user_home_t", "user_home_t"),
        ] {
            assert!(LaunchSelinuxLabelNotExecutable::run(&s).is_empty(), "{s:?}");
        }
    }
}
