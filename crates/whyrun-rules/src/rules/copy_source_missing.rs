//! BUILD016: a Dockerfile `COPY` whose source is not there.

use crate::build::at_line;
use crate::build::docker::DockerSubject;
use crate::finding::{Finding, Location, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A `COPY` (or `ADD`) whose source does not exist: a file missing from the build
    /// context (`COPY go.mod go.sum ./` in a module without a `go.sum`, or a file
    /// `.dockerignore` leaves out), or a path that the stage named by `--from` never
    /// wrote (`COPY --from=build /out/app /app` when the build wrote `/src/app`).
    ///
    /// ## Why it breaks
    /// The builder resolves every source before it copies anything; a source that
    /// matches nothing stops the build at that step. buildah says `copier: stat:
    /// "/go.sum": no such file or directory` (for a file `.dockerignore` leaves out: `no
    /// items matching glob … copied (1 filtered out using …/.dockerignore)`), BuildKit
    /// `failed to compute cache key: … "/go.sum": not found`. A glob that matches at least
    /// one file is fine.
    ///
    /// ## Example
    /// ```text
    /// BUILD016 blocks build  COPY go.sum: not in the build context
    ///   · COPY go.sum  [app/Dockerfile:3:1]
    ///   · no such file  [go.sum]
    ///   · the build stops with "copier: stat: "/go.sum": no such file or directory"  [buildah]
    ///   fix Create the file (go mod tidy writes go.sum), or copy only what exists
    ///       go mod tidy
    /// ```
    ///
    /// ## Fix
    /// For `go.sum`: run `go mod tidy` and commit it (a module without dependencies has
    /// none: copy `go.mod` alone). For `--from`: copy from the path the build stage wrote
    /// (its `go build -o`), or change `-o`.
    ///
    /// ## References
    /// - Dockerfile reference, `COPY` (`--from`, sources relative to the context).
    /// - buildah `copier/copier.go` (`copier: stat:`); BuildKit `cache/contenthash` (`not found`).
    pub struct CopySourceMissing {
        code: "BUILD016",
        name: "copy-source-missing",
        family: Family::Build,
        subject: Subject::BuildInputs,
        severity: Severity::BlocksBuild,
        stage: Stage::Build,
        summary: "A COPY source does not exist in the build context or the stage it names",
    }
}

impl CopySourceMissing {
    pub fn run(s: &DockerSubject) -> Vec<Finding> {
        s.missing_sources
            .iter()
            .take(1)
            .map(|m| {
                let (message, fix) = match &m.from {
                    None => (
                        format!("COPY {}: not in the build context", m.source),
                        if m.ignored_by.is_some() {
                            (
                                "Take the file out of .dockerignore (a !PATTERN line after the one that leaves it out), or drop it from the COPY".to_string(),
                                vec![format!("echo '!{}' >> .dockerignore", m.looked_for)],
                            )
                        } else if m.source.ends_with("go.sum") {
                            (
                                "Create the file (go mod tidy writes go.sum), or copy only what exists".to_string(),
                                vec!["go mod tidy".to_string()],
                            )
                        } else {
                            (
                                "Add the file to the build context (and out of .dockerignore), or drop it from the COPY".to_string(),
                                Vec::new(),
                            )
                        },
                    ),
                    Some(stage) => (
                        format!(
                            "COPY --from={stage} {}: the stage never wrote it",
                            m.source
                        ),
                        (
                            "Copy from the path the stage's go build -o wrote, or change -o".to_string(),
                            vec![format!("RUN go build -o {} .", m.looked_for)],
                        ),
                    ),
                };
                let words = match &m.ignored_by {
                    Some((file, ignore)) => format!(
                        "no items matching glob \"{file}\" copied (1 filtered out using {ignore}): no such file or directory"
                    ),
                    None => format!("copier: stat: \"{}\": no such file or directory", {
                        let p = m.looked_for.trim_start_matches("./");
                        if p.starts_with('/') {
                            p.to_string()
                        } else {
                            format!("/{p}")
                        }
                    }),
                };
                Self::META
                    .finding(message)
                    .evidence(
                        format!("COPY {}", m.source),
                        at_line(&s.dockerfile, m.line, 1),
                    )
                    .evidence(
                        if m.from.is_some() {
                            "nothing in the stage wrote it"
                        } else if m.ignored_by.is_some() {
                            ".dockerignore leaves it out of the context"
                        } else {
                            "no such file"
                        },
                        m.looked_for.as_str(),
                    )
                    .evidence(
                        format!("the build stops with \"{words}\""),
                        Location::Named {
                            name: "buildah".into(),
                        },
                    )
                    .fix(fix.0, fix.1)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::docker::MissingSource;

    #[test]
    fn fires_for_a_missing_go_sum() {
        let s = DockerSubject {
            dockerfile: "Dockerfile".into(),
            missing_sources: vec![MissingSource {
                line: 3,
                source: "go.sum".into(),
                from: None,
                looked_for: "go.sum".into(),
                ignored_by: None,
            }],
            ..Default::default()
        };
        let f = CopySourceMissing::run(&s);
        assert_eq!(f[0].message, "COPY go.sum: not in the build context");
        assert!(f[0].evidence[2]
            .what
            .contains("copier: stat: \"/go.sum\": no such file or directory"));
    }

    #[test]
    fn silent_without_it() {
        assert!(CopySourceMissing::run(&DockerSubject::default()).is_empty());
    }
}
