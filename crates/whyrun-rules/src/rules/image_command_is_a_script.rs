//! FS004: a container image whose command is a shell script too complex to follow to the
//! program it starts.

use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::{MissingCommand, Subject};

crate::declare_rule! {
    /// ## What it finds
    /// An image whose command is a shell form (`/bin/sh -c "…"`, what a Dockerfile's
    /// `ENTRYPOINT ./migrate && ./app` or `CMD ["sh", "-c", "…"]` becomes) with a script
    /// longer than `exec X …`, `X …` or `cd D && exec X …`: variables, several commands,
    /// pipes, redirections.
    ///
    /// ## Why it breaks
    /// The program that must start is whatever the script runs, and only running the
    /// script tells which. Judging `/bin/sh` instead would say "runs" for an image whose
    /// program cannot start, so whyrun says it cannot tell. A shell form also makes the
    /// shell PID 1: signals (`docker stop`) reach the shell, not the program, unless the
    /// script ends in `exec`.
    ///
    /// ## Example
    /// ```text
    /// FS004 cannot tell  the image's command is a shell script whyrun cannot follow to the program it starts: /bin/sh -c "./migrate && exec ./app --port $PORT"
    ///   · /bin/sh -c "./migrate && exec ./app --port $PORT"  [image config]
    ///   fix Check the program itself (whyrun check --image IMAGE --inside /path/of/the/program), or use the exec form
    ///       ENTRYPOINT ["/path/of/the/program"]
    /// ```
    ///
    /// ## Fix
    /// Check the program the script starts with `--inside PATH`, or give the image an exec
    /// form `ENTRYPOINT ["/app/server", "--port", "8080"]` (with an init script, end it in
    /// `exec "$@"`).
    ///
    /// ## References
    /// - Dockerfile reference, `ENTRYPOINT`: shell form and exec form.
    pub struct ImageCommandIsAScript {
        code: "FS004",
        name: "image-command-is-a-script",
        family: Family::Fs,
        subject: Subject::Image,
        severity: Severity::BlocksStart,
        stage: Stage::Launch,
        summary: "The image's command is a shell script whyrun cannot follow to a program",
    }
}

impl ImageCommandIsAScript {
    pub fn run(cmd: &MissingCommand) -> Vec<Finding> {
        let Some((shell, script)) = &cmd.script else {
            return Vec::new();
        };
        let form = format!("{shell} -c \"{script}\"");
        vec![Self::META
            .finding(format!(
                "the image's command is a shell script whyrun cannot follow to the program it starts: {form}"
            ))
            .undecided()
            .evidence(form, "image config")
            .fix(
                "Check the program itself (whyrun check --image IMAGE --inside /path/of/the/program), or use the exec form",
                vec!["ENTRYPOINT [\"/path/of/the/program\"]".into()],
            )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_undecided_for_a_script_it_cannot_follow() {
        let f = ImageCommandIsAScript::run(&MissingCommand {
            image: "app.tar".into(),
            program: "/bin/sh".into(),
            script: Some(("/bin/sh".into(), "./migrate && exec ./app".into())),
            ..Default::default()
        });
        assert_eq!(f.len(), 1);
        assert!(f[0].undecided);
        assert_eq!(crate::Verdict::of(&f), crate::Verdict::CannotTell);
    }

    #[test]
    fn silent_for_a_missing_program() {
        assert!(ImageCommandIsAScript::run(&MissingCommand {
            image: "app.tar".into(),
            program: "/app/server".into(),
            ..Default::default()
        })
        .is_empty());
    }
}
