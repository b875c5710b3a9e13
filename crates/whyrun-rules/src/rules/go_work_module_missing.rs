//! BUILD011: a go.work `use` names a directory without a go.mod.

use crate::build::{at_line, go_says, BuildSubject, Mode};
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A build inside a Go workspace — a `go.work` in DIR or a directory above it, or the
    /// file `GOWORK` names (`GOWORK=off` turns workspaces off) — whose `use` directives
    /// name a directory that holds no go.mod: a sibling module not checked out, a Docker
    /// build context that holds only one module of the workspace.
    ///
    /// ## Why it breaks
    /// The go command loads every module of the workspace before it builds anything, so
    /// one missing module stops every build in it: `go: cannot load module ../lib listed
    /// in go.work file: open ../lib/go.mod: no such file or directory` (Go 1.21 and
    /// later; Go 1.18 to 1.20 print `go: open /abs/path/lib/go.mod: no such file or
    /// directory`).
    ///
    /// ## Example
    /// ```text
    /// BUILD011 blocks build  go.work uses ../lib, which has no go.mod
    ///   · use ../lib  [app/go.work:5:1]
    ///   · no go.mod there  [lib/go.mod]
    ///   · go build stops with "cannot load module ../lib listed in go.work file: open ../lib/go.mod: no such file or directory"  [go build]
    ///   fix Check the module out where go.work points, or build without the workspace
    ///       go work edit -dropuse=../lib
    ///       GOWORK=off go build ./...
    /// ```
    ///
    /// ## Fix
    /// Check out (or `COPY`) the module where the `use` points; or drop it with
    /// `go work edit -dropuse=DIR`; or build the module on its own with `GOWORK=off` (a
    /// go.work is usually not meant for release builds).
    ///
    /// ## References
    /// - Go modules reference, "Workspaces": <https://go.dev/ref/mod#workspaces>.
    /// - `cmd/go/internal/modload/init.go` (`cannot load module %s listed in %s`).
    pub struct GoWorkModuleMissing {
        code: "BUILD011",
        name: "go-work-module-missing",
        family: Family::Build,
        subject: Subject::BuildInputs,
        severity: Severity::BlocksBuild,
        stage: Stage::Build,
        summary: "A go.work use directive names a directory without a go.mod",
    }
}

impl GoWorkModuleMissing {
    pub fn run(s: &BuildSubject) -> Vec<Finding> {
        if s.mode() != Mode::Modules {
            return Vec::new();
        }
        let Some(w) = &s.gowork else {
            return Vec::new();
        };
        let Some(u) = w.uses.iter().find(|u| !u.has_gomod) else {
            return Vec::new();
        };
        let old = s.toolchain.as_ref().is_some_and(|t| !t.at_least(1, 21));
        let words = if old {
            format!("open {}/go.mod: no such file or directory", u.absolute)
        } else {
            format!(
                "cannot load module {d} listed in go.work file: open {d}/go.mod: no such file or directory",
                d = u.dir
            )
        };
        let (said, at) = go_says(&words);
        vec![Self::META
            .finding(format!("go.work uses {}, which has no go.mod", u.dir))
            .evidence(format!("use {}", u.dir), at_line(&w.path, u.line, 1))
            .evidence("no go.mod there", format!("{}/go.mod", u.absolute).as_str())
            .evidence(said, at)
            .fix(
                "Check the module out where go.work points, or build without the workspace",
                vec![
                    format!("go work edit -dropuse={}", u.dir),
                    "GOWORK=off go build ./...".into(),
                ],
            )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::testing::subject;
    use crate::build::{GoWorkFile, WorkUse};

    fn with_use(has_gomod: bool, go: &str) -> BuildSubject {
        let mut s = subject("module example.com/app\n\ngo 1.21\n", Some(go));
        s.gowork = Some(GoWorkFile {
            path: "app/go.work".into(),
            uses: vec![WorkUse {
                dir: "../lib".into(),
                absolute: "/work/lib".into(),
                line: 5,
                has_gomod,
            }],
        });
        s
    }

    #[test]
    fn a_use_without_go_mod_in_each_wording() {
        let f = GoWorkModuleMissing::run(&with_use(false, "1.22.1"));
        assert!(f[0].evidence[2]
            .what
            .contains("cannot load module ../lib listed in go.work file"));
        let f = GoWorkModuleMissing::run(&with_use(false, "1.19.8"));
        assert!(f[0].evidence[2]
            .what
            .contains("open /work/lib/go.mod: no such file"));
    }

    #[test]
    fn present_modules_or_no_workspace_are_fine() {
        assert!(GoWorkModuleMissing::run(&with_use(true, "1.22.1")).is_empty());
        let s = subject("module example.com/app\n\ngo 1.21\n", Some("1.22.1"));
        assert!(GoWorkModuleMissing::run(&s).is_empty());
    }
}
