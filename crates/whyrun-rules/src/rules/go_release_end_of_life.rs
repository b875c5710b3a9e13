//! GO006: the Go release that built the binary no longer gets security fixes.

use crate::context::CheckContext;
use crate::finding::{Finding, Severity};
use crate::fixes;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::rules::go_runtime;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A Go binary built by a Go release that is past its end of life. Go supports each
    /// major release until two newer major releases exist: Go 1.24 was supported until
    /// Go 1.26 came out. The decision uses whyrun's own table of Go release dates (up to
    /// Go 1.27, released 2026-08-19), never the clock, so it is the same on every run; a
    /// release newer than the table is taken as supported.
    ///
    /// ## Why it breaks
    /// It runs. But the standard library and runtime in it (crypto/tls, net/http, the
    /// x509 verifier, the DNS resolver) get no more security fixes: vulnerabilities fixed
    /// in later point releases stay in the binary until it is rebuilt with a supported
    /// toolchain.
    ///
    /// ## Example
    /// ```text
    /// GO006 info  built with go1.19.8: Go 1.19 has had no security fixes since 2023-08-08 (Go 1.21 came out)
    ///   · Go build info: go1.19.8  [/usr/local/bin/hello]
    ///   fix Rebuild with a supported Go release (the newest patch release of Go 1.27 or 1.26), keeping the other build settings
    ///       go install golang.org/dl/go1.27.0@latest && go1.27.0 download
    ///       CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOAMD64=v1 go1.27.0 build -trimpath -o hello example.com/hello/cmd/hello
    /// ```
    ///
    /// ## Fix
    /// Rebuild with a supported release (the newest patch release of Go 1.27 or 1.26):
    /// install it, or with Go 1.21+ ask the go command for it with `GOTOOLCHAIN`, keeping
    /// every other recorded build setting.
    ///
    /// ## References
    /// - go.dev/doc/devel/release, "Release Policy": each major release is supported until
    ///   there are two newer major releases; the release dates in the table below.
    pub struct GoReleaseEndOfLife {
        code: "GO006",
        name: "go-release-end-of-life",
        family: Family::Go,
        subject: Subject::BinaryOnTarget,
        severity: Severity::Info,
        stage: Stage::Notes,
        summary: "The Go release that built the binary no longer gets security fixes",
    }
}

/// Go major releases and the dates of their `.0` release (go.dev/doc/devel/release).
pub(crate) const GO_RELEASES: &[(u32, &str)] = &[
    (11, "2018-08-24"),
    (12, "2019-02-25"),
    (13, "2019-09-03"),
    (14, "2020-02-25"),
    (15, "2020-08-11"),
    (16, "2021-02-16"),
    (17, "2021-08-16"),
    (18, "2022-03-15"),
    (19, "2022-08-02"),
    (20, "2023-02-01"),
    (21, "2023-08-08"),
    (22, "2024-02-06"),
    (23, "2024-08-13"),
    (24, "2025-02-11"),
    (25, "2025-08-12"),
    (26, "2026-02-10"),
    (27, "2026-08-19"),
];

fn released(minor: u32) -> Option<&'static str> {
    GO_RELEASES
        .iter()
        .find(|(m, _)| *m == minor)
        .map(|(_, d)| *d)
}

/// When Go 1.`minor` lost support: the release of Go 1.`minor+2`. `Some(None)`: before
/// the table starts; `None`: still supported as far as the table knows.
pub(crate) fn end_of_life(minor: u32) -> Option<Option<(u32, &'static str)>> {
    let (first, _) = GO_RELEASES[0];
    if minor + 2 < first {
        return Some(None);
    }
    released(minor + 2).map(|d| Some((minor + 2, d)))
}

impl GoReleaseEndOfLife {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let facts = ctx.facts();
        let Some(version) = facts.go.as_ref().and_then(|g| g.version.as_deref()) else {
            return Vec::new();
        };
        let Some((1, minor)) = go_runtime::release_of(version) else {
            return Vec::new();
        };
        let Some(eol) = end_of_life(minor) else {
            return Vec::new();
        };
        let message = match eol {
            Some((successor, date)) => format!(
                "built with {version}: Go 1.{minor} has had no security fixes since {date} (Go 1.{successor} came out)"
            ),
            None => format!(
                "built with {version}: Go 1.{minor} has had no security fixes since before {}",
                GO_RELEASES[0].1
            ),
        };
        let source = if facts.go.as_ref().is_some_and(|g| g.build_info.is_some()) {
            "Go build info"
        } else {
            "runtime.buildVersion"
        };
        let (newest, _) = GO_RELEASES[GO_RELEASES.len() - 1];
        let toolchain = format!("go1.{newest}.0");
        let commands = fixes::go_build_with_release(facts, &toolchain);
        let finding = Self::META
            .finding(message)
            .evidence(
                format!("{source}: {version}"),
                ctx.binary.display_path.clone(),
            )
            .fix(
                format!(
                    "Rebuild with a supported Go release (the newest patch release of Go 1.{newest} or 1.{}), keeping the other build settings",
                    newest - 1
                ),
                commands,
            );
        vec![finding]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn with_version(name: &str, version: &str) -> whyrun_facts::Facts {
        let mut facts = fixture(name);
        let go = facts.go.as_mut().unwrap();
        go.version = Some(version.into());
        if let Some(bi) = go.build_info.as_mut() {
            bi.go_version = version.into();
        }
        facts
    }

    #[test]
    fn the_table_is_ordered_and_complete() {
        for w in GO_RELEASES.windows(2) {
            assert_eq!(w[0].0 + 1, w[1].0);
            assert!(w[0].1 < w[1].1);
        }
        assert_eq!(end_of_life(24), Some(Some((26, "2026-02-10"))));
        assert_eq!(end_of_life(25), Some(Some((27, "2026-08-19"))));
        assert_eq!(end_of_life(26), None);
        assert_eq!(end_of_life(8), Some(None));
    }

    #[test]
    fn fires_for_go_1_19() {
        let facts = fixture("go119-hello");
        let found = run(&facts, &scratch(), &resolution(None));
        let f = found.iter().find(|f| f.code == "GO006").expect("GO006");
        assert_eq!(f.severity, Severity::Info);
        assert_eq!(
            f.message,
            "built with go1.19.8: Go 1.19 has had no security fixes since 2023-08-08 (Go 1.21 came out)"
        );
        // Go 1.19's go command has no GOTOOLCHAIN: the new release's own go command.
        let commands = &f.fix.as_ref().unwrap().commands;
        assert_eq!(
            commands[0],
            "go install golang.org/dl/go1.27.0@latest && go1.27.0 download"
        );
        assert!(
            commands[1].starts_with("CGO_ENABLED=0 GOOS=linux GOARCH=amd64"),
            "{}",
            commands[1]
        );
        assert!(commands[1].contains(" go1.27.0 build "), "{}", commands[1]);
        assert!(!commands[1].contains("GOTOOLCHAIN"), "{}", commands[1]);
    }

    #[test]
    fn a_go_1_21_or_later_build_switches_with_gotoolchain() {
        let found = run(
            &with_version("go124-hello", "go1.24.4"),
            &scratch(),
            &resolution(None),
        );
        let f = found.iter().find(|f| f.code == "GO006").expect("GO006");
        let commands = &f.fix.as_ref().unwrap().commands;
        assert_eq!(commands.len(), 1, "{commands:?}");
        assert!(
            commands[0].contains("GOTOOLCHAIN=go1.27.0"),
            "{}",
            commands[0]
        );
    }

    #[test]
    fn fires_for_go_1_25_and_very_old_releases() {
        let found = run(
            &with_version("go124-hello", "go1.25.3"),
            &scratch(),
            &resolution(None),
        );
        let f = found.iter().find(|f| f.code == "GO006").expect("GO006");
        assert!(f.message.contains("since 2026-08-19"), "{}", f.message);
        let found = run(
            &with_version("go124-hello", "go1.8.7"),
            &scratch(),
            &resolution(None),
        );
        let f = found.iter().find(|f| f.code == "GO006").expect("GO006");
        assert!(
            f.message.contains("since before 2018-08-24"),
            "{}",
            f.message
        );
    }

    #[test]
    fn silent_for_supported_and_unknown_releases() {
        for v in ["go1.26.2", "go1.27.0", "go1.28rc1", "devel go1.28-abcdef"] {
            let facts = with_version("go124-hello", v);
            assert!(
                !codes(&facts, &scratch(), &resolution(None)).contains(&"GO006"),
                "{v}"
            );
        }
        assert!(
            !codes(&fixture("c-glibc-dynamic"), &scratch(), &resolution(None)).contains(&"GO006")
        );
    }
}
