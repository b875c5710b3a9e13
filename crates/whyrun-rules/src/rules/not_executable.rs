//! FS001: the mode bits of the binary, or of the script started as a program, do not let
//! the user that runs it execute it.

use whyrun_target::model::SourceKind;

use crate::access::{self, Class, Decision, FileMode, Perm, RunAs};
use crate::context::CheckContext;
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::{Family, Input};
use crate::subject::{ScriptSubject, Subject};

crate::declare_rule! {
    /// ## What it finds
    /// A binary, or a script started as a program (a checked file, an image's
    /// entrypoint), whose mode does not grant execute permission to the user it will
    /// run as: `--user`, else the target's default user (an image's `USER`, the current
    /// user on the host), else root. The kernel's rule applies: the owner's bits if
    /// that user owns the file (even when group or others may do more), else the
    /// group's bits if the user is in the file's group (primary or listed in
    /// `/etc/group`), else the others' bits. Root may execute a file when any of the
    /// three `x` bits is set. When the target does not say enough to decide (the user
    /// is not in its `/etc/passwd`, or the file's owner is unknown and the bits differ
    /// by class), it is reported as undecided.
    ///
    /// ## Why it breaks
    /// `execve(2)` fails with `EACCES`: the shell prints `permission denied`, Docker
    /// `exec: "/app": permission denied`. A script is no exception: the kernel checks the
    /// script's own mode before it reads the `#!` line, so an executable interpreter does
    /// not help (`sh run.sh` works, `./run.sh` does not). Execute bits are lost by `unzip`,
    /// by copies from a Windows checkout or an artifact store, by `COPY` of a file that was
    /// never executable (a script written by an editor), and an owner-only mode (`0700`)
    /// stops everyone else once `USER nonroot` is set.
    ///
    /// ## Example
    /// ```text
    /// FS001 blocks start  /usr/local/bin/hello is not executable by root (uid 0, gid 0): its mode 0644 (rw-r--r--) has no execute bit (permission denied)
    ///   · mode 0644 (rw-r--r--), owner uid unknown, group gid unknown  [/usr/local/bin/hello]
    ///   · runs as root (uid 0, gid 0), from the default (root)  [/etc/passwd]
    ///   · execve(2) fails with EACCES (Permission denied); runc and Docker print: exec: "/usr/local/bin/hello": permission denied  [/usr/local/bin/hello]
    ///   fix Give everyone execute permission
    ///       chmod a+x /usr/local/bin/hello
    /// ```
    ///
    /// ## Fix
    /// Add the execute bits: `chmod a+x FILE` on a host or root; in a Dockerfile
    /// `COPY --chmod=755 …` (BuildKit) or `RUN chmod 755 …` after the copy; or make the
    /// user that runs it its owner (`COPY --chown=…`).
    ///
    /// ## References
    /// - execve(2): EACCES "Execute permission is denied for the file or a script or ELF
    ///   interpreter".
    /// - path_resolution(7) and the kernel's `generic_permission` (owner, then group, then
    ///   other bits); capabilities(7), CAP_DAC_OVERRIDE ("execute permission … if at least
    ///   one of the file's execute permission bits is set").
    /// - Dockerfile reference: `COPY --chmod`, `USER` (a bare uid not in /etc/passwd runs
    ///   with gid 0).
    pub struct NotExecutable {
        code: "FS001",
        name: "not-executable",
        family: Family::Fs,
        subject: Subject::BinaryOnTarget,
        severity: Severity::BlocksStart,
        stage: Stage::Access,
        summary: "The binary or script lacks execute permission for the user that runs it",
    }
}

/// The file `execve(2)` is asked to run: a binary, or a script (whose own mode is checked
/// before its `#!` line is read).
struct Exec<'a> {
    /// Its path in the target.
    path: &'a str,
    /// Its file name, for a `COPY` line.
    name: &'a str,
    file: FileMode,
    who: RunAs,
    source: SourceKind,
    script: bool,
}

impl NotExecutable {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let Some(mode) = ctx.binary.mode else {
            return Vec::new();
        };
        let name = ctx
            .binary
            .display_path
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or("app");
        judge(&Exec {
            path: &ctx.binary.path_in_target,
            name,
            file: FileMode {
                mode,
                uid: ctx.binary.uid,
                gid: ctx.binary.gid,
                is_dir: false,
            },
            who: RunAs::of_context(ctx),
            source: ctx.target.source,
            script: false,
        })
    }

    /// The same check for a script started as a program.
    pub fn run_script(s: &ScriptSubject) -> Vec<Finding> {
        let Some(file) = s.file else {
            return Vec::new();
        };
        judge(&Exec {
            path: &s.path,
            name: s.path.rsplit('/').next().unwrap_or("script"),
            file,
            who: s.run_as.clone(),
            source: s.source,
            script: true,
        })
    }

    /// Runs over the two subjects it judges: a binary on a target, and a script.
    pub fn check_input(input: Input<'_>) -> Vec<Finding> {
        match input {
            Input::Binary(ctx) => Self::run(ctx),
            Input::Script(s) => Self::run_script(s),
            _ => Vec::new(),
        }
    }
}

fn judge(e: &Exec<'_>) -> Vec<Finding> {
    let decision = access::decide(&e.file, &e.who, Perm::Exec);
    if decision.allowed == Some(true) {
        return Vec::new();
    }
    let owner = |id: Option<u32>| id.map_or("unknown".to_string(), |i| i.to_string());
    let mut finding = NotExecutable::META
        .finding(message(e, decision))
        .evidence(
            format!(
                "mode {}, owner uid {}, group gid {}",
                access::mode_text(e.file.mode),
                owner(e.file.uid),
                owner(e.file.gid)
            ),
            e.path,
        )
        .evidence(
            format!("runs as {}, from {}", e.who.describe(), e.who.source),
            "/etc/passwd",
        );
    finding = match decision.allowed {
        None => finding.undecided(),
        _ => finding.evidence(
            format!(
                "execve(2) fails with EACCES (Permission denied); runc and Docker print: exec: \"{path}\": permission denied",
                path = e.path
            ),
            e.path,
        ),
    };
    vec![with_fix(e, finding)]
}

fn message(e: &Exec<'_>, decision: Decision) -> String {
    let path = match e.script {
        true => format!("the script {}", e.path),
        false => e.path.to_string(),
    };
    let user = e.who.describe();
    let mode = access::mode_text(e.file.mode);
    match decision.allowed {
        None if e.who.uid.is_none() => format!(
            "{path} may not be executable by {user}: its mode {mode} does not let everyone execute it"
        ),
        None => format!(
            "{path} may not be executable by {user}: its mode {mode} does not let everyone execute it, and the file's owner is not known"
        ),
        _ if e.file.mode & 0o111 == 0 => format!(
            "{path} is not executable by {user}: its mode {mode} has no execute bit (permission denied)"
        ),
        _ => {
            let x = |shift: u32| e.file.mode >> shift & 1 != 0;
            let allowed: Vec<&str> = [(6, "its owner"), (3, "its group"), (0, "others")]
                .iter()
                .filter(|(s, _)| x(*s))
                .map(|(_, n)| *n)
                .collect();
            let class = match decision.class {
                Some(Class::Owner) => " (the user owns it, and the owner's bits are the ones that apply)",
                Some(Class::Group) => " (the group's bits apply to this user)",
                _ => "",
            };
            format!(
                "{path} is not executable by {user}: its mode {mode} lets only {} execute it{class} (permission denied)",
                allowed.join(" and ")
            )
        }
    }
}

fn with_fix(e: &Exec<'_>, finding: Finding) -> Finding {
    let path = e.path;
    let new_mode = format!("{:o}", (e.file.mode & 0o7777) | 0o111);
    match e.source {
        SourceKind::Image | SourceKind::Profile => finding.fix(
            "Give everyone execute permission when the file is copied into the image",
            vec![
                format!("COPY --chmod={new_mode} {} {path}", e.name),
                format!("RUN chmod {new_mode} {path}"),
            ],
        ),
        _ => finding.fix(
            "Give everyone execute permission",
            vec![format!("chmod a+x {path}")],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Binary, CheckOptions};
    use crate::testing::*;
    use whyrun_target::model::{TargetModel, User};

    fn fs001(
        mode: u32,
        uid: Option<u32>,
        target: &TargetModel,
        run_as: Option<&str>,
    ) -> Vec<Finding> {
        let facts = fixture("go124-hello");
        let libs = resolution(None);
        let options = CheckOptions {
            run_as: run_as.map(String::from),
            user_from_launch: false,
        };
        let ctx = CheckContext {
            binary: Binary {
                display_path: "./server".into(),
                path_in_target: "/app/server".into(),
                facts: &facts,
                mode: Some(mode),
                uid,
                gid: uid,
            },
            target,
            libraries: &libs,
            options: &options,
        };
        NotExecutable::run(&ctx)
    }

    fn distroless() -> TargetModel {
        let mut t = scratch();
        t.source = SourceKind::Image;
        t.users = vec![
            User {
                name: "root".into(),
                uid: 0,
                gid: 0,
                ..Default::default()
            },
            User {
                name: "nonroot".into(),
                uid: 65532,
                gid: 65532,
                ..Default::default()
            },
        ];
        t
    }

    #[test]
    fn fires_without_any_execute_bit() {
        let f = fs001(0o100644, Some(0), &scratch(), None);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::BlocksStart);
        assert!(
            f[0].message.contains("0644 (rw-r--r--) has no execute bit"),
            "{}",
            f[0].message
        );
        assert_eq!(
            f[0].fix.as_ref().unwrap().commands[0],
            "COPY --chmod=755 server /app/server"
        );
    }

    #[test]
    fn fires_for_an_owner_only_mode_and_a_nonroot_user() {
        let mut t = distroless();
        t.default_user = Some("nonroot".into());
        let f = fs001(0o744, Some(0), &t, None);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("lets only its owner execute it"),
            "{}",
            f[0].message
        );
        assert!(f[0].evidence[1]
            .what
            .contains("nonroot (uid 65532, gid 65532)"));
        // --user wins over the default user: root runs it.
        assert!(fs001(0o744, Some(0), &t, Some("root")).is_empty());
    }

    #[test]
    fn undecided_when_the_user_or_owner_is_unknown() {
        let t = distroless();
        let f = fs001(0o700, Some(0), &t, Some("ghost"));
        assert!(f[0].undecided);
        let f = fs001(0o744, None, &t, Some("nonroot"));
        assert!(f[0].undecided);
        // A host target's fix is a chmod.
        let mut host = distroless();
        host.source = SourceKind::Host;
        let f = fs001(0o600, Some(0), &host, None);
        assert_eq!(
            f[0].fix.as_ref().unwrap().commands,
            ["chmod a+x /app/server"]
        );
    }

    fn script(
        mode: u32,
        uid: Option<u32>,
        target: &TargetModel,
        run_as: Option<&str>,
    ) -> Vec<Finding> {
        let s = ScriptSubject {
            path: "/app/run.sh".into(),
            target: target.name.clone(),
            shebang: whyrun_facts::script::shebang(b"#!/bin/sh\n").unwrap(),
            interpreter: crate::Presence::Found("/bin/sh".into()),
            env_lookup: None,
            file: Some(FileMode {
                mode,
                uid,
                gid: uid,
                is_dir: false,
            }),
            run_as: RunAs::of(run_as, target),
            source: target.source,
        };
        crate::run(Input::Script(&s))
    }

    #[test]
    fn fires_for_a_script_without_its_execute_bit() {
        let f = script(0o644, Some(0), &distroless(), None);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "FS001");
        assert!(
            f[0].message
                .starts_with("the script /app/run.sh is not executable by root"),
            "{}",
            f[0].message
        );
        assert!(f[0].evidence[2]
            .what
            .contains(r#"exec: "/app/run.sh": permission denied"#));
        assert_eq!(
            f[0].fix.as_ref().unwrap().commands[0],
            "COPY --chmod=755 run.sh /app/run.sh"
        );
        // Owner-only: the owner may, nonroot may not; a copy of unknown owner cannot tell.
        assert!(script(0o700, Some(65532), &distroless(), Some("nonroot")).is_empty());
        assert!(!script(0o700, Some(0), &distroless(), Some("nonroot"))[0].undecided);
        assert!(script(0o700, None, &distroless(), Some("nonroot"))[0].undecided);
    }

    #[test]
    fn silent_for_an_executable_script_or_an_unknown_mode() {
        assert!(script(0o755, Some(0), &distroless(), Some("nonroot")).is_empty());
        let s = ScriptSubject {
            path: "/app/run.sh".into(),
            target: "debian-12".into(),
            shebang: whyrun_facts::script::shebang(b"#!/bin/sh\n").unwrap(),
            interpreter: crate::Presence::Unknown,
            env_lookup: None,
            file: None,
            run_as: RunAs::of(None, &scratch()),
            source: SourceKind::Profile,
        };
        assert!(NotExecutable::run_script(&s).is_empty());
    }

    #[test]
    fn silent_when_executable() {
        assert!(fs001(0o755, Some(0), &scratch(), None).is_empty());
        assert!(fs001(0o100, Some(0), &scratch(), None).is_empty());
        assert!(fs001(0o755, None, &distroless(), Some("nonroot")).is_empty());
        assert!(fs001(0o700, Some(65532), &distroless(), Some("nonroot")).is_empty());
        // The common path through the registry (mode 0755, root).
        assert!(!codes(&fixture("go124-hello"), &scratch(), &resolution(None)).contains(&"FS001"));
    }
}
