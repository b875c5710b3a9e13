//! BUILD001: a go.mod whose `go` line is newer than the Go 1.21+ toolchain that builds it.

use crate::build::{at_line, go_says, BuildSubject, Gate, Mode};
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A module whose go.mod says `go 1.23.0` (or any version) newer than the Go toolchain
    /// that builds it, when that toolchain is Go 1.21 or newer; and a module judged with no
    /// toolchain named at all (`--go`), where nothing about versions can be decided.
    ///
    /// ## Why it breaks
    /// Since Go 1.21 the `go` line is a minimum requirement, not advice: a go command
    /// older than it will not build the module. With `GOTOOLCHAIN=local` (what many CI
    /// images and distribution packages set) it stops at once with `go: go.mod requires go
    /// >= 1.23.0 (running go 1.22.1; GOTOOLCHAIN=local)`. With the default
    /// `GOTOOLCHAIN=auto` it downloads the newer toolchain instead, which works only with
    /// network access and a GOPROXY that serves it: with `GOPROXY=off` it stops with `go:
    /// download go1.23.0 for linux/amd64: toolchain not available`. whyrun cannot see the
    /// network, so for `auto` with a proxy (or `path`, which looks for `go1.23.0` in
    /// PATH) the finding is "cannot tell".
    ///
    /// ## Example
    /// ```text
    /// BUILD001 blocks build  go.mod needs go 1.23.0; Go 1.22.1 refuses it with GOTOOLCHAIN=local
    ///   · go 1.23.0  [app/go.mod:3:1]
    ///   · GOTOOLCHAIN=local: the go command never downloads a newer toolchain  [environment]
    ///   · go build stops with "go: go.mod requires go >= 1.23.0 (running go 1.22.1; GOTOOLCHAIN=local)"  [go build]
    ///   fix Build with Go 1.23.0 or newer (a golang:1.23 image), let the go command fetch it, or lower the go line if the code allows
    ///       GOTOOLCHAIN=go1.23.0 go build ./...
    ///       go mod edit -go=1.22.1
    /// ```
    ///
    /// ## Fix
    /// Use a toolchain at least as new as the `go` line (the build image's Go version),
    /// or allow the switch (`GOTOOLCHAIN=auto` with network, or `GOTOOLCHAIN=go1.23.0`).
    /// If the code does not need the newer release, lower the line with `go mod edit -go=`.
    ///
    /// ## References
    /// - Go toolchains: <https://go.dev/doc/toolchain> (the `go` line, GOTOOLCHAIN).
    /// - `cmd/go/internal/gover`, `cmd/go/internal/toolchain` (`go.mod requires go >= …`).
    pub struct GoVersionNewerThanToolchain {
        code: "BUILD001",
        name: "go-version-newer-than-toolchain",
        family: Family::Build,
        subject: Subject::BuildInputs,
        severity: Severity::BlocksBuild,
        stage: Stage::Build,
        summary: "The go.mod's go line is newer than the Go 1.21+ toolchain that builds it",
    }
}

impl GoVersionNewerThanToolchain {
    pub fn run(s: &BuildSubject) -> Vec<Finding> {
        if s.mode() != Mode::Modules || s.gomod.is_none() {
            return Vec::new();
        }
        let path = s.gomod_path();
        match s.gate() {
            Gate::Unknown => vec![Self::META
                .finding("no Go toolchain named: whether this module builds depends on its version")
                .evidence(
                    match s.go_line() {
                        Some((_, _, raw)) => format!("the module asks for go {raw}"),
                        None => "the module has no go line".to_string(),
                    },
                    s.go_line()
                        .map_or(at_line(&path, 1, 1), |(_, l, _)| at_line(&path, l, 1)),
                )
                .evidence("--go was not given", "command line")
                .fix(
                    "Name the toolchain the build uses (the Go of the build image)",
                    vec![format!("whyrun check {} --go 1.22.1", s.dir)],
                )
                .undecided()],
            Gate::NeedsNewer => {
                let (Some(tc), Some((_, line, raw))) = (&s.toolchain, s.go_line()) else {
                    return Vec::new();
                };
                let gotoolchain = s.gotoolchain();
                let fix = |f: Finding| {
                    f.fix(
                        format!(
                            "Build with Go {raw} or newer (a golang:{} image), let the go command fetch it, or lower the go line if the code allows",
                            s.go_line().map(|(v, _, _)| v.language()).unwrap_or_default()
                        ),
                        vec![
                            s.go_build_line(&[("GOTOOLCHAIN", &format!("go{raw}"))]),
                            format!("go mod edit -go={tc}"),
                        ],
                    )
                };
                let base = Self::META
                    .finding(String::new())
                    .evidence(format!("go {raw}"), at_line(&path, line, 1));
                // The toolchain it would switch to: the go line, as a release (1.23 → 1.23.0).
                let release = match s.go_line() {
                    Some((v, _, _)) if v.is_two_part() => format!("{raw}.0"),
                    _ => raw.to_string(),
                };
                let switching = matches!(gotoolchain, "auto" | "path")
                    || gotoolchain.ends_with("+auto")
                    || gotoolchain.ends_with("+path");
                if gotoolchain == "local" {
                    let words = format!(
                        "go: go.mod requires go >= {raw} (running go {tc}; GOTOOLCHAIN=local)"
                    );
                    let (said, at) = go_says(&words);
                    let mut f = base
                        .evidence(
                            "GOTOOLCHAIN=local: the go command never downloads a newer toolchain",
                            "environment",
                        )
                        .evidence(said, at);
                    f.message =
                        format!("go.mod needs go {raw}; Go {tc} refuses it with GOTOOLCHAIN=local");
                    vec![fix(f)]
                } else if switching && gotoolchain.contains("auto") && s.offline() {
                    let words = format!(
                        "go: download go{release} for {}: toolchain not available",
                        s.host
                    );
                    let (said, at) = go_says(&words);
                    let mut f = base
                        .evidence(
                            format!("GOTOOLCHAIN={gotoolchain} with GOPROXY=off: the go command tries to download go{release} and cannot"),
                            "environment",
                        )
                        .evidence(said, at);
                    f.message = format!("go.mod needs go {raw}; Go {tc} would download go{release}, and GOPROXY=off forbids it");
                    vec![fix(f)]
                } else {
                    let mut f = base
                        .evidence(
                            format!(
                                "GOTOOLCHAIN={gotoolchain}: the go command switches to go{release} when it can get it (GOPROXY, PATH); offline, or with GOTOOLCHAIN=local, it stops with \"go: go.mod requires go >= {raw}\""
                            ),
                            "environment",
                        )
                        .undecided();
                    f.message = format!("go.mod needs go {raw}; Go {tc} builds it only by switching to go{release} (GOTOOLCHAIN={gotoolchain})");
                    vec![fix(f)]
                }
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::testing::subject;
    use crate::Verdict;

    #[test]
    fn fires_with_gotoolchain_local() {
        let mut s = subject("module example.com/app\n\ngo 1.23.0\n", Some("1.22.1"));
        s.env.gotoolchain = Some("local".into());
        let f = GoVersionNewerThanToolchain::run(&s);
        assert_eq!(f.len(), 1);
        assert!(!f[0].undecided);
        assert!(f[0].evidence[2]
            .what
            .contains("go: go.mod requires go >= 1.23.0 (running go 1.22.1; GOTOOLCHAIN=local)"));
        assert_eq!(Verdict::of(&f), Verdict::WontBuild);
    }

    #[test]
    fn fires_with_gotoolchain_auto_offline() {
        let mut s = subject("module example.com/app\n\ngo 1.23\n", Some("1.21.13"));
        s.env.goproxy = Some("off".into());
        s.host = "linux/amd64".into();
        let f = GoVersionNewerThanToolchain::run(&s);
        assert!(!f[0].undecided);
        assert!(f[0].evidence[2]
            .what
            .contains("go: download go1.23.0 for linux/amd64: toolchain not available"));
    }

    #[test]
    fn cannot_tell_with_auto_or_without_a_toolchain() {
        let s = subject("module example.com/app\n\ngo 1.23\n", Some("1.22.1"));
        let f = GoVersionNewerThanToolchain::run(&s);
        assert!(f[0].undecided);
        assert_eq!(Verdict::of(&f), Verdict::CannotTell);
        let s = subject("module example.com/app\n\ngo 1.21\n", None);
        let f = GoVersionNewerThanToolchain::run(&s);
        assert!(f[0].undecided && f[0].message.contains("no Go toolchain named"));
    }

    #[test]
    fn does_not_fire_when_the_toolchain_is_new_enough_or_old() {
        for (go, tc) in [
            ("1.22", "1.22.1"),
            ("1.22.1", "1.22.1"),
            ("1.21", "1.24.0"),
            ("1.22", "1.19"),
        ] {
            let mut s = subject(&format!("module example.com/app\n\ngo {go}\n"), Some(tc));
            s.env.gotoolchain = Some("local".into());
            assert!(GoVersionNewerThanToolchain::run(&s).is_empty(), "{go} {tc}");
        }
        let mut s = subject("module example.com/app\n\ngo 1.23.0\n", Some("1.22.1"));
        s.env.go111module = Some("off".into());
        assert!(GoVersionNewerThanToolchain::run(&s).is_empty());
    }
}
