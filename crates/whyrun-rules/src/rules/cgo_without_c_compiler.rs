//! BUILD015: a Dockerfile stage builds Go with cgo on and has no C compiler.

use crate::build::at_line;
use crate::build::docker::DockerSubject;
use crate::finding::{Finding, Location, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A `go build` (or `go install`) in a Dockerfile stage with `CGO_ENABLED=1` — on the
    /// `RUN` line or in an `ENV` — whose base image has no C compiler (`golang:*-alpine`
    /// installs none), for a program that imports a package built with cgo (`net`,
    /// `os/user`, or its own `import "C"`), with Go 1.20 or newer. Go 1.19 and older ship
    /// a precompiled standard library and build `net` without a compiler (dynamically
    /// linked): whyrun does not predict those builds.
    ///
    /// ## Why it breaks
    /// With cgo on, the go command compiles the C parts of those packages with `gcc`
    /// (`$CC`). Since Go 1.20 the standard library is no longer shipped precompiled, so
    /// even `net` needs the compiler; when `gcc` is not in `PATH` the build stops with
    /// `cgo: C compiler "gcc" not found: exec: "gcc": executable file not found in $PATH`.
    /// Without `CGO_ENABLED=1` the go command turns cgo off by itself when it finds no
    /// compiler, and the same program builds.
    ///
    /// ## Example
    /// ```text
    /// BUILD015 blocks build  go build with CGO_ENABLED=1 in golang:1.22-alpine, which has no C compiler
    ///   · CGO_ENABLED=1 on the RUN line  [app/Dockerfile:4:1]
    ///   · packages built with cgo: net/http  [go build]
    ///   · go build stops with "cgo: C compiler "gcc" not found: exec: "gcc": executable file not found in $PATH"  [go build]
    ///   fix Build without cgo, or install a C compiler in the build stage
    ///       RUN CGO_ENABLED=0 go build ...
    ///       RUN apk add --no-cache gcc musl-dev
    /// ```
    ///
    /// ## Fix
    /// `CGO_ENABLED=0` for a pure-Go program (static, runs in any final image); or
    /// install the compiler in the stage (`apk add --no-cache gcc musl-dev`), and give
    /// the final stage the same libc.
    ///
    /// ## References
    /// - Go 1.20 release notes: the standard library is no longer precompiled; cgo is
    ///   off by default when no C compiler is found.
    /// - `cmd/go/internal/work/exec.go` (`C compiler %q not found`).
    /// - docker-library/golang `1.26/alpine3.23/Dockerfile`: no gcc in the alpine variant.
    pub struct CgoWithoutCCompiler {
        code: "BUILD015",
        name: "cgo-without-c-compiler",
        family: Family::Build,
        subject: Subject::BuildInputs,
        severity: Severity::BlocksBuild,
        stage: Stage::Build,
        summary: "A Dockerfile stage builds Go with cgo on and has no C compiler",
    }
}

/// What the go command says.
pub const SAYS: &str =
    "cgo: C compiler \"gcc\" not found: exec: \"gcc\": executable file not found in $PATH";

impl CgoWithoutCCompiler {
    pub fn run(s: &DockerSubject) -> Vec<Finding> {
        let Some(c) = &s.cgo_without_compiler else {
            return Vec::new();
        };
        vec![Self::META
            .finding(format!(
                "go build with CGO_ENABLED=1 in {}, which has no C compiler",
                c.image
            ))
            .evidence(c.why.as_str(), at_line(&s.dockerfile, c.line, 1))
            .evidence(
                format!("packages built with cgo: {}", c.cgo_packages.join(", ")),
                Location::Named {
                    name: "go build".into(),
                },
            )
            .evidence(
                format!("go build stops with \"{SAYS}\""),
                Location::Named {
                    name: "go build".into(),
                },
            )
            .fix(
                "Build without cgo, or install a C compiler in the build stage",
                vec![
                    "RUN CGO_ENABLED=0 go build ...".into(),
                    "RUN apk add --no-cache gcc musl-dev".into(),
                ],
            )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::docker::CgoWithoutCompiler;

    #[test]
    fn fires_with_the_go_commands_words() {
        let s = DockerSubject {
            dockerfile: "Dockerfile".into(),
            cgo_without_compiler: Some(CgoWithoutCompiler {
                line: 4,
                image: "golang:1.22-alpine".into(),
                why: "CGO_ENABLED=1 on the RUN line".into(),
                cgo_packages: vec!["net".into()],
            }),
            ..Default::default()
        };
        let f = CgoWithoutCCompiler::run(&s);
        assert_eq!(f[0].code, "BUILD015");
        assert!(f[0].evidence[2]
            .what
            .contains("C compiler \"gcc\" not found"));
        assert_eq!(f[0].evidence[0].location.to_string(), "Dockerfile:4:1");
    }

    #[test]
    fn silent_without_it() {
        assert!(CgoWithoutCCompiler::run(&DockerSubject::default()).is_empty());
    }
}
