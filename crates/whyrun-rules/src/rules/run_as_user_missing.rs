//! LAUNCH016: the user (or group) `--user` names is not in the target's /etc/passwd (or
//! /etc/group), for a program started without a unit or a container.

use whyrun_target::model::{LibcFamily, SourceKind, TargetModel};

use crate::context::CheckContext;
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::rules::go_runtime::{self, RuntimeFile};
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// `--user NAME` (or `NAME:GROUP`) for a program started on its own, neither by a
    /// systemd unit (LAUNCH002 judges `User=`) nor by a container runtime (LAUNCH002 and
    /// LAUNCH013), where the target's `/etc/passwd` has no user `NAME` (or its
    /// `/etc/group` no group `GROUP`), or where the target has no `/etc/passwd` at all. A
    /// number needs no entry and is not flagged. The verdict is *cannot tell* on a
    /// built-in profile (a profile lists the users the system or image has as shipped, and
    /// the machine or image deployed may add the user) and where the `passwd:` line of
    /// `/etc/nsswitch.conf` names a source besides the local files (`sss`, `ldap`,
    /// `winbind`, `nis`, ...): the user may come from a directory whyrun does not read.
    ///
    /// ## Why it breaks
    /// Whatever starts the program as that user looks the name up first and stops when it
    /// is not there: `runuser: user app does not exist or the user entry does not contain
    /// all the required fields` (util-linux 2.38; `su` says the same), `sudo: unknown user
    /// app`, `runuser: group staff does not exist` for a group, and in a container `unable to find user app: no matching entries in passwd file`. The
    /// program is never executed.
    ///
    /// ## Example
    /// ```text
    /// LAUNCH016 blocks start  --user app: app-01 has no user app, so nothing can start the program as it
    ///   · --user app  [command line]
    ///   · no entry for app  [/etc/passwd]
    ///   · runuser says "runuser: user app does not exist or the user entry does not contain all the required fields"; sudo "sudo: unknown user app"  [app-01]
    ///   fix Create the user in the target, or run as a number
    ///       useradd --system --no-create-home --shell /usr/sbin/nologin app
    /// ```
    ///
    /// ## Fix
    /// Create the user (`useradd --system` on glibc systems, `adduser -S -D` on Alpine),
    /// ship a `sysusers.d(5)` file with the program, or run it as a numeric uid, which
    /// needs no entry.
    ///
    /// ## References
    /// - util-linux `login-utils/su-common.c` (`user %s does not exist`, used by runuser
    ///   and su).
    /// - sudo `plugins/sudoers/sudoers.c` (`unknown user %s`).
    /// - runc `libcontainer/user` (`unable to find user %s: no matching entries in passwd
    ///   file`).
    /// - Seen here (`crates/whyrun/tests/it/run_as.rs`, a Debian 12 root): `runuser -u app`
    ///   exits 1 with that message before executing anything, `runuser -g nogrp` with
    ///   `runuser: group nogrp does not exist`; `setpriv --reuid 4242` runs the program.
    pub struct RunAsUserMissing {
        code: "LAUNCH016",
        name: "run-as-user-missing",
        family: Family::Launch,
        subject: Subject::BinaryOnTarget,
        severity: Severity::BlocksStart,
        stage: Stage::Launch,
        summary: "The user --user names is not in the target's /etc/passwd",
    }
}

/// The name a spec part gives, unless it is a number (which needs no entry).
fn name_of(part: &str) -> Option<&str> {
    (!part.is_empty() && part.parse::<u32>().is_err()).then_some(part)
}

/// The sources of the `passwd:` line of nsswitch.conf that are not local files (`files`,
/// `compat`; `systemd` adds only the users of running `DynamicUser=` services), with the
/// `[STATUS=action]` items left out.
fn directory_sources(target: &TargetModel) -> Vec<&str> {
    target
        .runtime_files
        .nsswitch_passwd
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .filter(|w| !w.starts_with('[') && !w.ends_with(']'))
        .filter(|w| !matches!(*w, "files" | "compat" | "systemd"))
        .collect()
}

/// How to create a user or group on `target`.
fn create(target: &TargetModel, what: &str, name: &str) -> String {
    let alpine = target
        .libc
        .as_ref()
        .is_some_and(|l| l.family == LibcFamily::Musl);
    match (what, alpine) {
        ("user", true) => format!("adduser -S -D -H {name}"),
        ("user", false) => {
            format!("useradd --system --no-create-home --shell /usr/sbin/nologin {name}")
        }
        (_, true) => format!("addgroup -S {name}"),
        (_, false) => format!("groupadd --system {name}"),
    }
}

impl RunAsUserMissing {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let Some(spec) = ctx.options.run_as.as_deref() else {
            return Vec::new();
        };
        if ctx.options.user_from_launch {
            return Vec::new();
        }
        let target = ctx.target;
        let (user, group) = match spec.split_once(':') {
            Some((u, g)) => (u, Some(g)),
            None => (spec, None),
        };
        let has_passwd = RuntimeFile::Passwd.present(target) || !target.users.is_empty();
        // A passwd whose users were not read says nothing either way.
        let user_missing = |u: &str| {
            u != "root"
                && if target.users.is_empty() {
                    !has_passwd
                } else {
                    !target.users.iter().any(|entry| entry.name == u)
                }
        };
        let missing = if let Some(u) = name_of(user).filter(|u| user_missing(u)) {
            ("user", u, "passwd")
        } else if let Some(g) = group.and_then(name_of).filter(|g| {
            *g != "root"
                && if target.groups.is_empty() {
                    !has_passwd
                } else {
                    !target.groups.iter().any(|entry| entry.name == *g)
                }
        }) {
            ("group", g, "group")
        } else {
            return Vec::new();
        };
        let (what, name, file) = missing;
        // A profile whose passwd is not stated says nothing about users.
        if target.source == SourceKind::Profile
            && what == "user"
            && !go_runtime::knows(target, RuntimeFile::Passwd)
        {
            return Vec::new();
        }
        let profile = target.source == SourceKind::Profile;
        let directories = directory_sources(target);
        let said = if what == "user" {
            format!("runuser says \"runuser: user {name} does not exist or the user entry does not contain all the required fields\"; sudo \"sudo: unknown user {name}\"")
        } else {
            format!("runuser says \"runuser: group {name} does not exist\"")
        };
        let finding = if !directories.is_empty() {
            Self::META
                .finding(format!(
                    "--user {spec}: {} has no {what} {name} in /etc/{file}, and its nsswitch.conf also asks {}: whether that directory has it decides",
                    target.name,
                    directories.join(", ")
                ))
                .undecided()
        } else if profile {
            Self::META
                .finding(format!(
                    "--user {spec}: {} as shipped has no {what} {name}; whether the machine or image you deploy adds it decides",
                    target.name
                ))
                .undecided()
        } else {
            Self::META.finding(format!(
                "--user {spec}: {} has no {what} {name}, so nothing can start the program as it",
                target.name
            ))
        };
        let absent = if what == "user" && !has_passwd {
            "does not exist".to_string()
        } else {
            format!("no entry for {name}")
        };
        let mut finding = finding
            .evidence(format!("--user {spec}"), "command line")
            .evidence(absent, format!("/etc/{file}"));
        if let Some(line) = target
            .runtime_files
            .nsswitch_passwd
            .as_deref()
            .filter(|_| !directories.is_empty())
        {
            finding = finding.evidence(format!("passwd: {line}"), "/etc/nsswitch.conf");
        }
        vec![finding.evidence(said, target.name.as_str()).fix(
            format!("Create the {what} in the target, or run as a number"),
            vec![create(target, what, name)],
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Binary, CheckOptions};
    use crate::testing::*;
    use whyrun_target::model::{Group, User};

    fn check(target: &TargetModel, user: Option<&str>) -> Vec<Finding> {
        check_with(
            target,
            &CheckOptions {
                run_as: user.map(String::from),
                user_from_launch: false,
            },
        )
    }

    fn check_with(target: &TargetModel, options: &CheckOptions) -> Vec<Finding> {
        let facts = fixture("go124-hello");
        let libs = resolution(None);
        let ctx = CheckContext {
            binary: Binary {
                display_path: "./server".into(),
                path_in_target: "/app/server".into(),
                facts: &facts,
                mode: Some(0o755),
                uid: Some(0),
                gid: Some(0),
            },
            target,
            libraries: &libs,
            options,
        };
        RunAsUserMissing::run(&ctx)
    }

    fn root_with_daemon() -> TargetModel {
        let mut t = debian12();
        t.source = SourceKind::Root;
        t.users = [("root", 0), ("daemon", 1)]
            .map(|(name, uid)| User {
                name: name.into(),
                uid,
                gid: uid,
                ..Default::default()
            })
            .to_vec();
        t.groups = vec![Group {
            name: "root".into(),
            gid: 0,
            members: Vec::new(),
        }];
        t
    }

    #[test]
    fn a_name_missing_from_a_roots_passwd_blocks_the_start() {
        let t = root_with_daemon();
        let f = check(&t, Some("app"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::BlocksStart);
        assert!(!f[0].undecided);
        assert!(f[0].message.contains("has no user app"), "{}", f[0].message);
        assert!(check(&t, Some("daemon")).is_empty());
        assert!(
            check(&t, Some("4242")).is_empty(),
            "a number needs no entry"
        );
        assert!(check(&t, Some("root")).is_empty());
        assert!(check(&t, None).is_empty());
        let g = check(&t, Some("daemon:staff"));
        assert_eq!(g.len(), 1);
        assert!(g[0].message.contains("no group staff"), "{}", g[0].message);
        assert!(check(&t, Some("daemon:0")).is_empty());
    }

    #[test]
    fn a_user_a_launch_names_is_left_to_that_launchs_rules() {
        let options = CheckOptions {
            run_as: Some("app".into()),
            user_from_launch: true,
        };
        assert!(check_with(&root_with_daemon(), &options).is_empty());
    }

    #[test]
    fn without_a_passwd_every_name_but_root_is_missing() {
        let mut t = scratch();
        t.source = SourceKind::Root;
        let f = check(&t, Some("app"));
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(!f[0].undecided);
    }

    #[test]
    fn a_directory_in_nsswitch_makes_it_cannot_tell() {
        let mut t = root_with_daemon();
        t.runtime_files.nsswitch_passwd = Some("files sss [NOTFOUND=return] systemd".into());
        let f = check(&t, Some("app"));
        assert_eq!(f.len(), 1);
        assert!(f[0].undecided);
        assert!(f[0].message.contains("also asks sss"), "{}", f[0].message);
        t.runtime_files.nsswitch_passwd = Some("files systemd".into());
        assert!(!check(&t, Some("app"))[0].undecided);
        t.runtime_files.nsswitch_passwd = Some("compat".into());
        assert!(!check(&t, Some("app"))[0].undecided);
    }

    #[test]
    fn on_a_profile_it_cannot_tell() {
        let mut t = root_with_daemon();
        t.source = SourceKind::Profile;
        t.sources
            .insert("runtime_files".into(), "cited for the test".into());
        let f = check(&t, Some("app"));
        assert_eq!(f.len(), 1);
        assert!(f[0].undecided);
        assert!(f[0].message.contains("as shipped"), "{}", f[0].message);
    }
}
