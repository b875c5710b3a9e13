//! LAUNCH002: the unit's `User=` or `Group=` is not in the target's passwd or group.

use crate::finding::{Finding, Severity};
use crate::launch::LaunchSubject;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A systemd unit whose `User=` is not in the target's `/etc/passwd`, or whose
    /// `Group=` (or a `SupplementaryGroups=` entry) is not in its `/etc/group`. A number
    /// counts as missing too when no entry has it: systemd looks numbers up like names.
    /// `DynamicUser=yes` units are not judged (systemd allocates their user), nor commands
    /// prefixed with `+`, `!` or `!!`.
    ///
    ///
    /// In a container, a user or group *name* (image `USER`, `--user`, Compose `user`)
    /// missing from the image's /etc/passwd or /etc/group; a number needs no entry.
    ///
    /// ## Why it breaks
    /// The service's child process resolves the user before it does anything else
    /// (`exec_child()` → `get_fixed_user()`, src/core/execute.c) and exits with status 217
    /// when that fails; a missing group gives 216. systemd reports
    /// `Main process exited, code=exited, status=217/USER` (`216/GROUP`), after
    /// `Failed to determine user credentials: No such process`. Container runtimes run a
    /// bare number without an entry; systemd does not.
    ///
    /// ## Example
    /// ```text
    /// LAUNCH002 blocks start  app.service cannot start: User=svc is not in the target's /etc/passwd (status=217/USER)
    ///   · User=svc  [/etc/systemd/system/app.service:5]
    ///   · no entry for svc in /etc/passwd  [/etc/passwd]
    ///   fix Create the user in the target, or use DynamicUser=yes
    ///       useradd --system --no-create-home --shell /usr/sbin/nologin svc
    /// ```
    ///
    /// ## Fix
    /// Create the user (`useradd --system`, or a sysusers.d(5) file shipped with the unit),
    /// or let systemd allocate one with `DynamicUser=yes`.
    ///
    /// ## References
    /// - systemd.exec(5), `User=, Group=`; systemd.exec(5) "Process Exit Codes": 216
    ///   `EXIT_GROUP` "Failed to determine or change group credentials", 217 `EXIT_USER`
    ///   "Failed to determine or change user credentials".
    /// - systemd src/core/execute.c, `get_fixed_user()`, `get_fixed_group()`;
    ///   src/basic/user-util.c, `get_user_creds()` (a numeric user without an entry is
    ///   `-ESRCH` unless the caller allows it, which exec_child does not).
    pub struct LaunchServiceUserMissing {
        code: "LAUNCH002",
        name: "service-user-missing",
        family: Family::Launch,
        subject: Subject::Launch,
        severity: Severity::BlocksStart,
        stage: Stage::Launch,
        summary: "The unit's User= or Group= does not exist in the target (status=217/USER, 216/GROUP)",
    }
}

impl LaunchServiceUserMissing {
    pub fn run(s: &LaunchSubject) -> Vec<Finding> {
        if s.container.is_some() {
            return Self::in_container(s);
        }
        if s.unit.is_none() || s.dynamic_user || s.exec.as_ref().is_some_and(|e| e.privileged) {
            return Vec::new();
        }
        if let Some(u) = s.user.as_ref().filter(|u| !u.found) {
            return vec![Self::META
                .finding(format!(
                    "{} cannot start: User={} is not in the target's /etc/passwd (status=217/USER)",
                    s.what(),
                    u.name
                ))
                .evidence(format!("User={}", u.name), u.at.as_str())
                .evidence(
                    format!("no entry for {} in /etc/passwd", u.name),
                    "/etc/passwd",
                )
                .fix(
                    "Create the user in the target, or use DynamicUser=yes",
                    vec![format!(
                        "useradd --system --no-create-home --shell /usr/sbin/nologin {}",
                        u.name
                    )],
                )];
        }
        let missing_group = s.group.iter().chain(&s.supplementary).find(|g| !g.found);
        if let Some(g) = missing_group {
            return vec![Self::META
                .finding(format!(
                    "{} cannot start: group {} is not in the target's /etc/group (status=216/GROUP)",
                    s.what(),
                    g.name
                ))
                .evidence(format!("group {}", g.name), g.at.as_str())
                .evidence(format!("no entry for {} in /etc/group", g.name), "/etc/group")
                .fix(
                    "Create the group in the target",
                    vec![format!("groupadd --system {}", g.name)],
                )];
        }
        Vec::new()
    }
}

impl LaunchServiceUserMissing {
    /// A container: Docker, podman and containerd resolve a user or group name in the
    /// image's /etc/passwd and /etc/group and refuse to create the container without it
    /// (moby/sys/user, GetExecUser: "unable to find user %s: no matching entries in passwd
    /// file"); a number needs no entry.
    fn in_container(s: &LaunchSubject) -> Vec<Finding> {
        let (what, file, a) = match (&s.user, &s.group) {
            (Some(u), _) if !u.found && u.name.parse::<u32>().is_err() => ("user", "passwd", u),
            (_, Some(g)) if !g.found && g.name.parse::<u32>().is_err() => ("group", "group", g),
            _ => return Vec::new(),
        };
        vec![Self::META
            .finding(format!(
                "{} cannot start: unable to find {what} {}: no matching entries in {file} file",
                s.what(),
                a.name
            ))
            .evidence(format!("{what} {}", a.name), a.at.as_str())
            .evidence(
                format!("no entry for {} in the image's /etc/{file}", a.name),
                format!("/etc/{file}").as_str(),
            )
            .fix(
                format!("Create the {what} in the image, or run as a number"),
                vec![if what == "user" {
                    format!(
                        "RUN useradd --system --no-create-home {}   (in the Dockerfile)",
                        a.name
                    )
                } else {
                    format!("RUN groupadd --system {}   (in the Dockerfile)", a.name)
                }],
            )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launch::{sample, Account};

    fn account(name: &str, found: bool) -> Option<Account> {
        Some(Account {
            name: name.into(),
            found,
            at: "app.service:5".into(),
        })
    }

    #[test]
    fn a_missing_user_is_217_and_a_missing_group_216() {
        let mut s = sample();
        s.user = account("4242", false);
        let f = LaunchServiceUserMissing::run(&s);
        assert!(f[0].message.contains("217/USER"), "{}", f[0].message);
        s.user = account("app", true);
        s.group = account("appgroup", false);
        let f = LaunchServiceUserMissing::run(&s);
        assert!(f[0].message.contains("216/GROUP"), "{}", f[0].message);
    }

    #[test]
    fn present_dynamic_or_plain_flags_are_fine() {
        let mut s = sample();
        s.user = account("app", true);
        assert!(LaunchServiceUserMissing::run(&s).is_empty());
        s.user = account("app", false);
        s.dynamic_user = true;
        assert!(LaunchServiceUserMissing::run(&s).is_empty());
        s.dynamic_user = false;
        s.unit = None;
        assert!(LaunchServiceUserMissing::run(&s).is_empty());
    }
}
