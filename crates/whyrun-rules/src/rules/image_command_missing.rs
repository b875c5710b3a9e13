//! FS003: a container image whose command (Entrypoint and Cmd) names no executable file
//! in the image.

use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::{MissingCommand, Subject};

crate::declare_rule! {
    /// ## What it finds
    /// An image whose `Entrypoint` (or, without one, `Cmd`) starts a program that is not
    /// an executable file in the image: the path does not exist, or a bare name is in
    /// none of the directories of the image's `PATH`. Also an image with neither.
    ///
    /// ## Why it breaks
    /// The runtime looks the program up in the container before it runs anything, as Go's
    /// `exec.LookPath` does in runc: a bare name through `PATH`, a path as it is. When
    /// nothing is there the container never starts: runc says `exec: "server": executable
    /// file not found in $PATH` or `exec: "/app/server": stat /app/server: no such file or
    /// directory`, and Docker and Podman wrap that in `OCI runtime create failed`. It is
    /// typical of a `COPY` to another directory than the `ENTRYPOINT` names, of a build
    /// stage whose output path changed, or of `WORKDIR` and a relative path that do not
    /// meet.
    ///
    /// ## Example
    /// ```text
    /// FS003 blocks start  the image's command "/app/server" is not an executable file in the image
    ///   · not there  [/app/server]
    ///   · the runtime stops with "exec: "/app/server": stat /app/server: no such file or directory"  [image config]
    ///   fix Copy the program to where the command names it, or point ENTRYPOINT at where it is
    ///       ENTRYPOINT ["/path/in/the/image/server"]
    /// ```
    ///
    /// ## Fix
    /// Make the two agree: `COPY --from=build /out/server /app/server` where the
    /// `ENTRYPOINT` looks, or change the `ENTRYPOINT` to the path the program has. For a
    /// bare name, put the program in a directory of the image's `PATH`.
    ///
    /// ## References
    /// - runc `libcontainer/standard_init_linux.go` (`exec.LookPath` before `execve`).
    /// - OCI image spec, config `Entrypoint`, `Cmd`, `Env` (`PATH`), `WorkingDir`.
    pub struct ImageCommandMissing {
        code: "FS003",
        name: "image-command-missing",
        family: Family::Fs,
        subject: Subject::Image,
        severity: Severity::BlocksStart,
        stage: Stage::Launch,
        summary: "The image's command names no executable file in the image",
    }
}

impl ImageCommandMissing {
    pub fn run(cmd: &MissingCommand) -> Vec<Finding> {
        if cmd.script.is_some() {
            return Vec::new();
        }
        let image = &cmd.image;
        if cmd.program.is_empty() {
            return vec![Self::META
                .finding(format!(
                    "{image} sets neither Entrypoint nor Cmd: there is nothing to run"
                ))
                .evidence("no Entrypoint, no Cmd", "image config")
                .evidence("docker run says \"No command specified\"", "image config")
                .fix(
                    "Give the image a command",
                    vec!["ENTRYPOINT [\"/app/server\"]".into()],
                )];
        }
        let program = &cmd.program;
        let mut f = Self::META.finding(format!(
            "the image's command {program:?} is not an executable file in the image"
        ));
        for place in &cmd.searched {
            f = f.evidence("not there", place.as_str());
        }
        let said = if program.contains('/') {
            format!("exec: \"{program}\": stat {program}: no such file or directory")
        } else {
            format!("exec: \"{program}\": executable file not found in $PATH")
        };
        let name = program.rsplit('/').next().unwrap_or(program);
        vec![f
            .evidence(format!("the runtime stops with \"{said}\""), "image config")
            .fix(
                "Copy the program to where the command names it, or point ENTRYPOINT at where it is",
                vec![format!("ENTRYPOINT [\"/path/in/the/image/{name}\"]")],
            )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_with_every_place_looked_and_the_runtimes_message() {
        let f = ImageCommandMissing::run(&MissingCommand {
            image: "app.tar".into(),
            program: "server".into(),
            searched: vec!["/usr/local/bin/server".into(), "/usr/bin/server".into()],
            script: None,
        });
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "the image's command \"server\" is not an executable file in the image"
        );
        assert_eq!(f[0].evidence.len(), 3);
        assert!(f[0].evidence[2]
            .what
            .contains("executable file not found in $PATH"));
    }

    #[test]
    fn an_image_without_a_command() {
        let f = ImageCommandMissing::run(&MissingCommand {
            image: "app.tar".into(),
            ..Default::default()
        });
        assert!(f[0].message.contains("neither Entrypoint nor Cmd"));
    }
}
