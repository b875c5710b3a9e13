//! GO001: a Go package that needs cgo is linked in the stub form it takes without cgo.

use whyrun_target::model::LibcFamily;

use crate::context::CheckContext;
use crate::finding::{Finding, Severity};
use crate::fixes;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::rules::go_runtime;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A Go binary that links a package which needs cgo, built without cgo
    /// (`CGO_ENABLED=0`), so that the package compiled to its stub: today
    /// `github.com/mattn/go-sqlite3`. The stub is recognised by the absence of the cgo call
    /// wrappers (`_Cfunc_…`) the real package has. It fires on every target: the binary is
    /// broken wherever it runs.
    ///
    /// ## Why it breaks
    /// Without cgo, go-sqlite3 compiles a stub driver so that the program still builds. It
    /// starts and runs until it opens a database; then every `sql.Open`, `Ping` or query
    /// fails with `Binary was compiled with 'CGO_ENABLED=0', go-sqlite3 requires cgo to
    /// work. This is a stub`.
    ///
    /// ## Example
    /// ```text
    /// GO001 fails at run time  github.com/mattn/go-sqlite3 is linked as its CGO_ENABLED=0 stub: opening a database fails
    ///   · github.com/mattn/go-sqlite3 has no cgo call wrappers (_Cfunc_…): it is the stub  [/usr/local/bin/ginsqlite]
    ///   · build setting CGO_ENABLED=0  [/usr/local/bin/ginsqlite]
    ///   · the stub answers "Binary was compiled with 'CGO_ENABLED=0', go-sqlite3 requires cgo to work. This is a stub"  [/usr/local/bin/ginsqlite]
    ///   fix Rebuild with cgo; it then links glibc, which distroless-static-debian12 lacks: run it on gcr.io/distroless/base-debian12. Or switch to the pure-Go driver modernc.org/sqlite (driver name "sqlite"), which needs no cgo
    ///       CGO_ENABLED=1 GOOS=linux GOARCH=amd64 GOAMD64=v1 go build -o ginsqlite example.com/ginapp/cmd/ginsqlite
    ///       FROM gcr.io/distroless/base-debian12
    ///       import _ "modernc.org/sqlite"
    /// ```
    ///
    /// ## Fix
    /// Rebuild with `CGO_ENABLED=1` (the exact line is computed from the binary's recorded
    /// build settings). The binary then links libc: run it on a base image with the libc it
    /// was built against (for a glibc build, `gcr.io/distroless/base-debian12`; for Alpine,
    /// build it in `golang:alpine`). Or replace the driver by a pure-Go one that needs no
    /// cgo: `modernc.org/sqlite` (driver name `sqlite`).
    ///
    /// ## References
    /// - go-sqlite3's `static_mock.go` (build constraint `!cgo`), which returns the error above.
    /// - `cmd/cgo` documentation: `CGO_ENABLED`, and the `_Cfunc_` wrappers cgo generates.
    pub struct CgoStubLinked {
        code: "GO001",
        name: "cgo-stub-linked",
        family: Family::Go,
        subject: Subject::BinaryOnTarget,
        severity: Severity::FailsAtRuntime,
        stage: Stage::RunTime,
        summary: "A package that needs cgo is linked as its stub: it fails when used",
    }
}

impl CgoStubLinked {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let facts = ctx.facts();
        let Some(needs) = go_runtime::needs(facts) else {
            return Vec::new();
        };
        let binary = ctx.binary.display_path.clone();
        let cgo_setting = go_runtime::build_info(facts).and_then(|b| b.typed.cgo_enabled);
        needs
            .cgo_stubs
            .iter()
            .map(|stub| {
                let mut finding = Self::META
                    .finding(format!(
                        "{} is linked as its CGO_ENABLED=0 stub: {}",
                        stub.package,
                        what_fails(&stub.package)
                    ))
                    .evidence(
                        format!(
                            "{} has no cgo call wrappers (_Cfunc_…): it is the stub",
                            stub.package
                        ),
                        binary.clone(),
                    );
                if let Some(cgo) = cgo_setting {
                    finding = finding.evidence(
                        format!("build setting CGO_ENABLED={}", if cgo { 1 } else { 0 }),
                        binary.clone(),
                    );
                }
                finding = finding.evidence(
                    format!("the stub answers \"{}\"", stub.message),
                    binary.clone(),
                );
                fix(ctx, finding, &stub.package)
            })
            .collect()
    }
}

fn is_sqlite3(package: &str) -> bool {
    package.ends_with("github.com/mattn/go-sqlite3")
}

fn what_fails(package: &str) -> &'static str {
    if is_sqlite3(package) {
        "opening a database fails"
    } else {
        "it fails when first used"
    }
}

/// Rebuild with cgo, and say what the cgo build then needs from this target.
fn fix(ctx: &CheckContext<'_>, finding: Finding, package: &str) -> Finding {
    let facts = ctx.facts();
    let mut commands = Vec::new();
    let change = fixes::GoChange::of(&[("CGO_ENABLED", "1")], &[], &[]);
    if let Some(cmd) = fixes::go_rebuild(facts, &change) {
        commands.push(cmd);
    }
    let target = ctx.target;
    let runs_on = match &target.libc {
        Some(libc) if libc.family == LibcFamily::Glibc => format!(
            "it then links glibc, which {} has ({}): build it against glibc {} or older",
            target.name, libc.version, libc.version
        ),
        Some(libc) => format!(
            "it then links libc: build it against {} {} (in golang:alpine for an Alpine target)",
            libc.family.name(),
            libc.version
        ),
        None => {
            commands.push("FROM gcr.io/distroless/base-debian12".into());
            format!(
                "it then links glibc, which {} lacks: run it on gcr.io/distroless/base-debian12",
                target.name
            )
        }
    };
    let mut summary = format!("Rebuild with cgo; {runs_on}");
    if is_sqlite3(package) {
        let libsqlite3 = go_runtime::build_info(facts)
            .is_some_and(|b| b.typed.tags.iter().any(|t| t == "libsqlite3"));
        if libsqlite3 {
            summary.push_str(" (with -tags libsqlite3 it also needs libsqlite3.so.0)");
        }
        summary.push_str(
            ". Or switch to the pure-Go driver modernc.org/sqlite (driver name \"sqlite\"), which needs no cgo",
        );
        commands.push("import _ \"modernc.org/sqlite\"".into());
    }
    finding.fix(summary, commands).rebuild(change)
}

#[cfg(test)]
mod tests {
    use whyrun_facts::go::CgoStub;
    use whyrun_facts::Facts;

    use crate::testing::*;

    /// go124-hello with go-sqlite3 linked as its stub, as in a CGO_ENABLED=0 build of a
    /// program importing it.
    fn sqlite_stub() -> Facts {
        let mut facts = fixture("go124-hello");
        let symtab = facts.go.as_mut().unwrap().symtab.as_mut().unwrap();
        symtab.packages.push("github.com/mattn/go-sqlite3".into());
        symtab.needs.cgo_stubs.push(CgoStub {
            package: "github.com/mattn/go-sqlite3".into(),
            message: "Binary was compiled with 'CGO_ENABLED=0', go-sqlite3 requires cgo to work. This is a stub".into(),
        });
        facts
    }

    #[test]
    fn fires_on_every_target() {
        let facts = sqlite_stub();
        for target in [debian12(), alpine(), scratch()] {
            let found = run(&facts, &target, &resolution(None));
            let f = found.iter().find(|f| f.code == "GO001").expect("GO001");
            assert_eq!(f.severity, crate::Severity::FailsAtRuntime);
            assert!(!f.undecided);
            assert!(
                f.message.contains("github.com/mattn/go-sqlite3"),
                "{}",
                f.message
            );
            let fix = f.fix.as_ref().unwrap();
            assert!(
                fix.commands[0].starts_with("CGO_ENABLED=1 "),
                "{:?}",
                fix.commands
            );
            assert!(
                fix.commands[0]
                    .ends_with("go build -trimpath -o hello example.com/hello/cmd/hello"),
                "{:?}",
                fix.commands
            );
            assert!(fix
                .commands
                .iter()
                .any(|c| c.contains("modernc.org/sqlite")));
        }
        let found = run(&facts, &scratch(), &resolution(None));
        let f = found.iter().find(|f| f.code == "GO001").unwrap();
        assert!(f
            .fix
            .as_ref()
            .unwrap()
            .commands
            .iter()
            .any(|c| c.contains("distroless/base-debian12")));
    }

    #[test]
    fn silent_without_a_stub() {
        for name in [
            "go124-hello",
            "go124-nethello",
            "go119-hello",
            "c-glibc-dynamic",
        ] {
            let facts = fixture(name);
            assert!(
                !codes(&facts, &scratch(), &resolution(None)).contains(&"GO001"),
                "{name}"
            );
        }
    }
}
