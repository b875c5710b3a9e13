//! BUILD017: a Dockerfile step whyrun cannot follow, where it decides the outcome.

use crate::build::at_line;
use crate::build::docker::DockerSubject;
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A step of the Dockerfile that decides whether the build or the container works and
    /// that whyrun cannot follow: a base image it has no profile of (what it holds — a C
    /// compiler, a libc, a CA bundle, users — is unknown), a `RUN` line with shell syntax
    /// it does not read (command substitution, `if`, loops) or a command it does not know
    /// that may write the file a later `COPY --from` takes.
    ///
    /// ## Why it breaks
    /// It does not break by itself: the verdict is "cannot tell", with what would decide
    /// it, instead of a guess.
    ///
    /// ## Example
    /// ```text
    /// BUILD017 cannot tell  the base image "corp/go-builder:3" is not one whyrun knows
    ///   · FROM corp/go-builder:3: its libc, C compiler, files and users decide the outcome  [app/Dockerfile:1:1]
    ///   fix Check against a known base, or build the image and check it with --image
    ///       whyrun check --image app.tar
    /// ```
    ///
    /// ## Fix
    /// Build the image and check it (`docker save app -o app.tar; whyrun check --image
    /// app.tar`), or use a base image whyrun has a profile of (`whyrun check --list-targets`).
    ///
    /// ## References
    /// - Dockerfile reference, `FROM`, `RUN`.
    pub struct DockerfileNotFollowed {
        code: "BUILD017",
        name: "dockerfile-not-followed",
        family: Family::Build,
        subject: Subject::BuildInputs,
        severity: Severity::Risk,
        stage: Stage::Build,
        summary: "A Dockerfile step that decides the outcome cannot be followed",
    }
}

impl DockerfileNotFollowed {
    pub fn run(s: &DockerSubject) -> Vec<Finding> {
        s.undecided
            .iter()
            .map(|u| {
                Self::META
                    .finding(u.what.clone())
                    .evidence(u.decide.as_str(), at_line(&s.dockerfile, u.line, 1))
                    .fix(
                        "Check against a known base, or build the image and check it with --image",
                        vec!["whyrun check --image app.tar".into()],
                    )
                    .undecided()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::docker::Undecided;

    #[test]
    fn an_unknown_base_is_undecided() {
        let s = DockerSubject {
            dockerfile: "Dockerfile".into(),
            undecided: vec![Undecided {
                line: 1,
                what: "the base image \"corp/go:1\" is not one whyrun knows".into(),
                decide: "FROM corp/go:1".into(),
            }],
            ..Default::default()
        };
        let f = DockerfileNotFollowed::run(&s);
        assert!(f[0].undecided);
        assert_eq!(crate::Verdict::of(&f), crate::Verdict::CannotTell);
    }

    #[test]
    fn silent_when_all_is_followed() {
        assert!(DockerfileNotFollowed::run(&DockerSubject::default()).is_empty());
    }
}
