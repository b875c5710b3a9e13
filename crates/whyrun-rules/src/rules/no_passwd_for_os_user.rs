//! GO004: a Go binary looks up users with os/user and the target has no /etc/passwd (or
//! no entry for the user it runs as).

use whyrun_target::model::SourceKind;

use crate::context::CheckContext;
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::rules::go_runtime::{self, RuntimeFile};
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A Go binary that links `os/user` on a target without `/etc/passwd`, or whose
    /// `/etc/passwd` has no entry for the user the binary runs as (`--user`, the image's
    /// `User`, else root). Who calls `os/user` bounds the severity, as for GO002 and GO003:
    /// at start-up it *fails at run time*, from a function of the main module it is a
    /// *risk*, linked only it is *info*.
    ///
    /// ## Why it breaks
    /// Go's own implementation (CGO_ENABLED=0, or `-tags osusergo`) reads `/etc/passwd` and
    /// `/etc/group`. When the user is not found, `user.Current()` falls back to `$USER` and
    /// `$HOME`, and fails without them: `user: Current requires cgo or $USER, $HOME set in
    /// environment`. `user.Lookup`, `user.LookupId` and group lookups have no fallback
    /// (`open /etc/group: no such file or directory`). The cgo implementation asks libc,
    /// which finds nothing either, and has no fallback at all: `user: unknown userid 0`.
    /// Whether this breaks the program depends on whether it asks; libraries do, for a
    /// home directory or a cache path.
    ///
    /// ## Example
    /// ```text
    /// GO004 risk  os/user lookups fail in scratch: there is no /etc/passwd (when the code that looks up users runs)
    ///   · os/user is linked (Go's implementation, which reads /etc/passwd and /etc/group)  [/usr/local/bin/ginapp]
    ///   · called by the program's own code (a handler or a command, say), so it fails when that code runs: example.com/ginapp/internal/selfcheck.Default.func3 → os/user.Current  [/usr/local/bin/ginapp]
    ///   · does not exist  [/etc/passwd]
    ///   · USER is not set: user.Current() fails with "user: Current requires cgo or $USER set in environment" (HOME is set by the container runtime)  [environment]
    ///   fix Copy /etc/passwd and /etc/group with root (uid 0) into the image from the build stage, or start from gcr.io/distroless/static-debian12, which has root and nonroot; or set USER and HOME, which is enough for user.Current()
    ///       COPY --from=build /etc/passwd /etc/passwd
    ///       COPY --from=build /etc/group /etc/group
    ///       FROM gcr.io/distroless/static-debian12
    ///       ENV USER=root HOME=/root
    /// ```
    ///
    /// ## Fix
    /// Give the target an `/etc/passwd` with the user the binary runs as: in a scratch
    /// image copy one from the build stage (`COPY --from=build /etc/passwd /etc/passwd`,
    /// and `/etc/group`), or start from `gcr.io/distroless/static-debian12`, which has
    /// `root` and `nonroot`. With Go's implementation, setting `USER` and `HOME` is enough
    /// for `user.Current()`.
    ///
    /// ## References
    /// - Go `src/os/user/lookup_stubs.go` (the `$USER`/`$HOME` fallback and its error),
    ///   `lookup_unix.go` (reads `/etc/passwd` and `/etc/group`), `cgo_lookup_unix.go`.
    /// - Seen here: a CGO_ENABLED=0 Go 1.24 binary in an empty root: `user: Current requires
    ///   cgo or $USER, $HOME set in environment`; with HOME=/ only, `... requires cgo or
    ///   $USER set in environment`; with both, `user.Current()` succeeded.
    pub struct NoPasswdForOsUser {
        code: "GO004",
        name: "no-passwd-for-os-user",
        family: Family::Go,
        subject: Subject::BinaryOnTarget,
        severity: Severity::FailsAtRuntime,
        stage: Stage::RunTime,
        summary: "The binary looks up users and the target has no passwd entry for them",
    }
}

/// The user the binary runs as: how it is named, and its uid if known.
struct RunAs {
    name: String,
    uid: Option<u32>,
}

fn run_as(ctx: &CheckContext<'_>) -> RunAs {
    let target = ctx.target;
    let spec = ctx
        .options
        .run_as
        .clone()
        .or_else(|| target.default_user.clone())
        .unwrap_or_else(|| "root".into());
    // `user`, `uid`, `user:group` or `uid:gid`, as Docker's USER takes it.
    let user = spec.split(':').next().unwrap_or(&spec).to_string();
    let uid = user.parse::<u32>().ok().or_else(|| {
        target
            .users
            .iter()
            .find(|u| u.name == user)
            .map(|u| u.uid)
            .or_else(|| (user == "root").then_some(0))
    });
    RunAs { name: user, uid }
}

impl NoPasswdForOsUser {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let facts = ctx.facts();
        let Some(os_user) = go_runtime::needs(facts).and_then(|n| n.os_user.as_ref()) else {
            return Vec::new();
        };
        let target = ctx.target;
        let who = run_as(ctx);
        let binary = ctx.binary.display_path.clone();
        let implementation = if os_user.cgo {
            "os/user is linked (the cgo implementation, which asks libc)"
        } else {
            "os/user is linked (Go's implementation, which reads /etc/passwd and /etc/group)"
        };

        let (message, passwd_evidence, undecided) = if !RuntimeFile::Passwd.present(target) {
            let known = go_runtime::knows(target, RuntimeFile::Passwd);
            let message = format!(
                "os/user lookups fail in {}: there is no /etc/passwd",
                target.name
            );
            if known {
                (message, "does not exist".to_string(), false)
            } else {
                (
                    message,
                    format!(
                        "the profile {} does not say whether it has one",
                        target.name
                    ),
                    true,
                )
            }
        } else {
            // The file is there: the question is whether the user is in it.
            let Some(uid) = who.uid else {
                return Vec::new();
            };
            if target.users.is_empty() || target.users.iter().any(|u| u.uid == uid) {
                return Vec::new();
            }
            (
                format!(
                    "os/user lookups of the current user fail in {}: uid {uid} ({}) is not in /etc/passwd",
                    target.name, who.name
                ),
                format!("has no entry for uid {uid}"),
                false,
            )
        };

        let user = go_runtime::env(target, "USER");
        let home = go_runtime::env(target, "HOME");
        let mut missing = Vec::new();
        if user.is_none() {
            missing.push("$USER");
        }
        // Container runtimes set HOME when the image does not (to "/" for a user without a
        // passwd entry); USER they leave alone.
        let home_by_runtime = home.is_none() && go_runtime::is_container_image(target);
        if home.is_none() && !home_by_runtime {
            missing.push("$HOME");
        }
        let (severity, env_evidence) = if os_user.cgo {
            let uid = who.uid.map_or("N".to_string(), |u| u.to_string());
            (
                Severity::FailsAtRuntime,
                format!("the cgo implementation has no $USER/$HOME fallback: user.Current() fails with \"user: unknown userid {uid}\""),
            )
        } else if missing.is_empty() {
            (
                Severity::Info,
                "USER and HOME are set: user.Current() answers from them; user.Lookup, user.LookupId and group lookups still fail".to_string(),
            )
        } else {
            let vars: Vec<&str> = missing.iter().map(|v| &v[1..]).collect();
            let verb = if vars.len() > 1 { "are" } else { "is" };
            (
                Severity::FailsAtRuntime,
                format!(
                    "{} {verb} not set: user.Current() fails with \"user: Current requires cgo or {} set in environment\"",
                    vars.join(" and "),
                    missing.join(", ")
                ),
            )
        };
        // Who calls os/user bounds what its failure costs: at start-up, the program fails;
        // from a handler, that feature does; linked only, nothing is known to fail.
        let severity = match &os_user.reach {
            Some(reach) => severity.max(go_runtime::reach_severity(reach)),
            None => severity,
        };
        // An info finding on a target that does not say is not worth a "cannot tell".
        if undecided && severity == Severity::Info {
            return Vec::new();
        }
        let env_evidence = if home_by_runtime && !os_user.cgo {
            format!("{env_evidence} (HOME is set by the container runtime)")
        } else {
            env_evidence
        };
        let message = match severity {
            Severity::Risk => format!("{message} (when the code that looks up users runs)"),
            Severity::Info if os_user.reach.is_some() => {
                format!("os/user is linked but the program's own code does not call it; {message}")
            }
            _ => message,
        };
        let mut finding = Self::META
            .finding(message)
            .severity(severity)
            .evidence(implementation, binary.clone());
        if let Some(reach) = &os_user.reach {
            finding = finding.evidence(go_runtime::reach_evidence(reach), binary);
        }
        finding = finding.evidence(passwd_evidence, "/etc/passwd");
        if !RuntimeFile::Group.present(target) && go_runtime::knows(target, RuntimeFile::Group) {
            finding = finding.evidence(
                "does not exist: group lookups fail (\"open /etc/group: no such file or directory\")",
                "/etc/group",
            );
        }
        finding = finding.evidence(env_evidence, "environment");
        if undecided {
            finding = finding.undecided();
        }
        vec![fix(ctx, finding, &who, os_user.cgo)]
    }
}

fn fix(ctx: &CheckContext<'_>, finding: Finding, who: &RunAs, cgo: bool) -> Finding {
    let target = ctx.target;
    let uid = who.uid.unwrap_or(10001);
    let name = if who.name.parse::<u32>().is_ok() {
        "app"
    } else {
        who.name.as_str()
    };
    let home = if uid == 0 { "/root" } else { "/nonexistent" };
    let entry = format!("{name}:x:{uid}:{uid}:{name}:{home}:/sbin/nologin");
    let mut commands = Vec::new();
    let summary = if RuntimeFile::Passwd.present(target) {
        commands.push(go_runtime::write_line(target, "/etc/passwd", &entry, true));
        format!("Add uid {uid} to /etc/passwd in {}", target.name)
    } else if target.source == SourceKind::Root {
        commands.push(go_runtime::write_line(target, "/etc/passwd", &entry, false));
        commands.push(go_runtime::write_line(
            target,
            "/etc/group",
            &format!("{name}:x:{uid}:"),
            false,
        ));
        format!("Give the root an /etc/passwd and /etc/group with {name} (uid {uid})")
    } else {
        commands.push(go_runtime::copy_into(target, "/etc/passwd"));
        commands.push(go_runtime::copy_into(target, "/etc/group"));
        commands.push(format!("FROM {}", go_runtime::STATIC_BASE_IMAGE));
        format!(
            "Copy /etc/passwd and /etc/group with {name} (uid {uid}) {}, or start from {}, which has root and nonroot",
            go_runtime::copy_from(target),
            go_runtime::STATIC_BASE_IMAGE
        )
    };
    let summary = if cgo {
        summary
    } else {
        let home = if uid == 0 { "/root" } else { "/home/app" };
        commands.push(if go_runtime::is_container_image(target) {
            format!("ENV USER={name} HOME={home}")
        } else {
            format!("export USER={name} HOME={home}")
        });
        format!("{summary}; or set USER and HOME, which is enough for user.Current()")
    };
    finding.fix(summary, commands)
}

#[cfg(test)]
mod tests {
    use whyrun_facts::go::{OsUserNeeds, Reach, Reached};
    use whyrun_facts::Facts;
    use whyrun_target::model::{OsRelease, TargetModel, User};

    use crate::finding::Severity;
    use crate::testing::*;
    use crate::Finding;

    /// go124-nethello with os/user linked, as a program calling user.Current() has it.
    fn with_os_user(cgo: bool) -> Facts {
        let mut facts = fixture("go124-nethello");
        let symtab = facts.go.as_mut().unwrap().symtab.as_mut().unwrap();
        symtab.packages.push("os/user".into());
        symtab.needs.os_user = Some(OsUserNeeds { cgo, reach: None });
        facts
    }

    fn go004(facts: &Facts, target: &TargetModel) -> Option<Finding> {
        run(facts, target, &resolution(None))
            .into_iter()
            .find(|f| f.code == "GO004")
    }

    /// Places os/user's call as `how`, from a handler of package main.
    fn reached(facts: &mut Facts, how: Reached) {
        let symtab = facts.go.as_mut().unwrap().symtab.as_mut().unwrap();
        symtab.needs.os_user.as_mut().unwrap().reach = Some(Reach {
            how,
            chain: vec!["main.router.func3".into(), "os/user.Current".into()],
        });
    }

    #[test]
    fn who_calls_it_bounds_the_severity() {
        let mut facts = with_os_user(false);
        reached(&mut facts, Reached::Feature);
        let f = go004(&facts, &scratch()).expect("GO004");
        assert_eq!(f.severity, Severity::Risk);
        assert!(f
            .message
            .ends_with("(when the code that looks up users runs)"));
        assert!(f
            .evidence
            .iter()
            .any(|e| e.what.ends_with("main.router.func3 → os/user.Current")));
        reached(&mut facts, Reached::LinkedOnly);
        assert_eq!(go004(&facts, &scratch()).unwrap().severity, Severity::Info);
        reached(&mut facts, Reached::StartUp);
        assert_eq!(
            go004(&facts, &scratch()).unwrap().severity,
            Severity::FailsAtRuntime
        );
    }

    #[test]
    fn fires_in_scratch() {
        let f = go004(&with_os_user(false), &scratch()).expect("GO004");
        // Proven for real (crates/whyrun/tests/it/e2e.rs, scratch with CA certificates and
        // zoneinfo only): user.Current() and user.LookupGroupId() fail.
        assert_eq!(f.severity, Severity::FailsAtRuntime);
        assert!(!f.undecided);
        // A container runtime sets HOME.
        assert!(f.evidence.iter().any(|e| e
            .what
            .contains("user: Current requires cgo or $USER set in environment")));
        let fix = f.fix.unwrap();
        assert_eq!(fix.commands[0], "COPY --from=build /etc/passwd /etc/passwd");
        assert!(fix
            .commands
            .contains(&"ENV USER=root HOME=/root".to_string()));
    }

    #[test]
    fn a_chroot_lacks_home_too() {
        let mut target = scratch();
        target.source = whyrun_target::model::SourceKind::Root;
        target.name = "/srv/root".into();
        let f = go004(&with_os_user(false), &target).expect("GO004");
        let fix = f.fix.as_ref().unwrap();
        assert_eq!(
            fix.commands[..2],
            [
                "echo 'root:x:0:0:root:/root:/sbin/nologin' > /srv/root/etc/passwd",
                "echo 'root:x:0:' > /srv/root/etc/group"
            ]
        );
        assert!(f.evidence.iter().any(|e| e
            .what
            .contains("user: Current requires cgo or $USER, $HOME set in environment")));
    }

    #[test]
    fn user_and_home_make_it_info() {
        let mut target = scratch();
        target.env.insert("USER".into(), "app".into());
        target.env.insert("HOME".into(), "/".into());
        let f = go004(&with_os_user(false), &target).expect("GO004");
        assert_eq!(f.severity, Severity::Info);
        // The cgo implementation does not read them.
        let f = go004(&with_os_user(true), &target).expect("GO004");
        assert_eq!(f.severity, Severity::FailsAtRuntime);
        assert!(f
            .evidence
            .iter()
            .any(|e| e.what.contains("user: unknown userid 0")));
    }

    #[test]
    fn a_uid_missing_from_passwd() {
        let mut target = debian12();
        target.users = vec![User {
            name: "root".into(),
            uid: 0,
            gid: 0,
            home: "/root".into(),
            shell: "/bin/sh".into(),
        }];
        target.default_user = Some("1000".into());
        target.os = Some(OsRelease {
            id: "debian".into(),
            version_id: Some("12".into()),
            pretty_name: None,
        });
        let f = go004(&with_os_user(false), &target).expect("GO004");
        assert!(f.message.contains("uid 1000"), "{}", f.message);
        let fix = f.fix.unwrap();
        assert_eq!(
            fix.commands[0],
            "RUN echo 'app:x:1000:1000:app:/nonexistent:/sbin/nologin' >> /etc/passwd"
        );
        target.default_user = None;
        assert!(go004(&with_os_user(false), &target).is_none());
    }

    #[test]
    fn silent_with_passwd_or_without_os_user() {
        assert!(go004(&with_os_user(false), &debian12()).is_none());
        assert!(go004(&fixture("go124-nethello"), &scratch()).is_none());
    }

    #[test]
    fn undecided_for_a_profile_that_does_not_say() {
        let mut target = debian12();
        target.runtime_files.passwd = false;
        let f = go004(&with_os_user(false), &target).expect("GO004");
        assert!(f.undecided);
    }
}
