//! LAUNCH013: the final stage's `USER` is not in its `/etc/passwd`.

use crate::build::at_line;
use crate::build::docker::DockerSubject;
use crate::finding::{Finding, Location, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A `USER name` in the final stage of a Dockerfile where `name` is not a user of
    /// the stage's `/etc/passwd` (or the stage has no passwd at all: `scratch`). A
    /// numeric `USER 65532` needs no entry and is not flagged.
    ///
    /// ## Why it breaks
    /// The runtime resolves the user in the container's own passwd before it starts the
    /// process; a name it cannot find stops the container: runc (podman) says `unable to
    /// find user appuser: no matching entries in passwd file`, Docker the same inside
    /// `OCI runtime create failed`. The image builds; every start fails.
    ///
    /// ## Example
    /// ```text
    /// LAUNCH013 blocks start  USER appuser: alpine:3.19 has no such user
    ///   · USER appuser  [app/Dockerfile:8:1]
    ///   · the runtime stops with "unable to find user appuser: no matching entries in passwd file"  [container runtime]
    ///   fix Create the user in the final stage, or run as a numeric uid
    ///       RUN adduser -D -u 10001 appuser
    ///       USER 10001
    /// ```
    ///
    /// ## Fix
    /// Create the user in the final stage (`RUN adduser -D appuser` on Alpine,
    /// `useradd` on Debian), copy a passwd into a `scratch` stage, or use a numeric uid
    /// (`USER 65532`), which needs no entry.
    ///
    /// ## References
    /// - runc `libcontainer/user` (`no matching entries in passwd file`).
    /// - Dockerfile reference, `USER`.
    pub struct ContainerUserMissing {
        code: "LAUNCH013",
        name: "container-user-missing",
        family: Family::Launch,
        subject: Subject::BuildInputs,
        severity: Severity::BlocksStart,
        stage: Stage::Launch,
        summary: "The final stage's USER is not in its /etc/passwd",
    }
}

impl ContainerUserMissing {
    pub fn run(s: &DockerSubject) -> Vec<Finding> {
        let Some(u) = &s.missing_user else {
            return Vec::new();
        };
        let name = u.user.split(':').next().unwrap_or(&u.user);
        let said = format!("unable to find user {name}: no matching entries in passwd file");
        let why = if u.has_passwd {
            format!("USER {}: {} has no such user", u.user, u.image)
        } else {
            format!("USER {}: {} has no /etc/passwd", u.user, u.image)
        };
        vec![Self::META
            .finding(why)
            .evidence(
                format!("USER {}", u.user),
                at_line(&s.dockerfile, u.line, 1),
            )
            .evidence(
                format!("the runtime stops with \"{said}\""),
                Location::Named {
                    name: "container runtime".into(),
                },
            )
            .fix(
                "Create the user in the final stage, or run as a numeric uid",
                vec![
                    format!("RUN adduser -D -u 10001 {name}"),
                    "USER 10001".into(),
                ],
            )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::docker::MissingUser;

    #[test]
    fn fires_with_the_runtimes_words() {
        let s = DockerSubject {
            dockerfile: "Dockerfile".into(),
            missing_user: Some(MissingUser {
                line: 9,
                user: "appuser".into(),
                image: "alpine:3.19".into(),
                has_passwd: true,
            }),
            ..Default::default()
        };
        let f = ContainerUserMissing::run(&s);
        assert_eq!(f[0].message, "USER appuser: alpine:3.19 has no such user");
        assert!(f[0].evidence[1]
            .what
            .contains("unable to find user appuser: no matching entries in passwd file"));
    }

    #[test]
    fn silent_without_it() {
        assert!(ContainerUserMissing::run(&DockerSubject::default()).is_empty());
    }
}
