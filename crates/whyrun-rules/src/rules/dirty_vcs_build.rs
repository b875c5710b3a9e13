//! GO007: the binary was built from a work tree with uncommitted changes.

use crate::context::CheckContext;
use crate::finding::{Finding, Severity};
use crate::fixes;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::rules::go_runtime;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A Go binary whose build info says `vcs.modified=true`: the go command stamped the
    /// version control state (Go 1.18+, `-buildvcs`) and the work tree had uncommitted
    /// changes when it was built.
    ///
    /// ## Why it breaks
    /// It runs. But the recorded `vcs.revision` does not describe the code in the binary:
    /// rebuilding that revision gives a different program, and a bug report or a
    /// vulnerability scan that goes by the revision looks at the wrong code.
    ///
    /// ## Example
    /// ```text
    /// GO007 info  built from a work tree with uncommitted changes: revision f025eb9572f2 does not describe this binary
    ///   · build setting vcs.modified=true  [/usr/local/bin/hello]
    ///   · build setting vcs.revision=f025eb9572f244110275769a66df510549fdce16, vcs.time=2025-06-02T10:14:03Z (git)  [/usr/local/bin/hello]
    ///   fix Commit or stash the changes, then rebuild from the clean work tree
    ///       git status --porcelain
    ///       git commit -a (or git stash)
    ///       CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOAMD64=v1 go build -trimpath -o hello example.com/hello
    /// ```
    ///
    /// ## Fix
    /// Commit (or stash) the changes and rebuild from the clean work tree, so the stamped
    /// revision is the code: release builds should come from a clean checkout.
    ///
    /// ## References
    /// - `go help buildvcs` and `runtime/debug.BuildSetting`: `vcs`, `vcs.revision`,
    ///   `vcs.time`, `vcs.modified`.
    pub struct DirtyVcsBuild {
        code: "GO007",
        name: "dirty-vcs-build",
        family: Family::Go,
        subject: Subject::BinaryOnTarget,
        severity: Severity::Info,
        stage: Stage::Notes,
        summary: "The binary was built from a work tree with uncommitted changes",
    }
}

impl DirtyVcsBuild {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let facts = ctx.facts();
        let Some(vcs) = go_runtime::build_info(facts).and_then(|b| b.typed.vcs.as_ref()) else {
            return Vec::new();
        };
        if vcs.modified != Some(true) {
            return Vec::new();
        }
        let binary = ctx.binary.display_path.clone();
        let short = vcs
            .revision
            .as_deref()
            .map(|r| r.get(..12).unwrap_or(r).to_string());
        let message = match &short {
            Some(rev) => format!(
                "built from a work tree with uncommitted changes: revision {rev} does not describe this binary"
            ),
            None => "built from a work tree with uncommitted changes".to_string(),
        };
        let mut finding = Self::META
            .finding(message)
            .evidence("build setting vcs.modified=true", binary.clone());
        let mut stamp = Vec::new();
        if let Some(r) = &vcs.revision {
            stamp.push(format!("vcs.revision={r}"));
        }
        if let Some(t) = &vcs.time {
            stamp.push(format!("vcs.time={t}"));
        }
        if !stamp.is_empty() {
            let system = vcs
                .system
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            finding = finding.evidence(
                format!("build setting {}{system}", stamp.join(", ")),
                binary,
            );
        }
        let system = vcs.system.as_deref().unwrap_or("git");
        let mut commands = match system {
            "git" => vec![
                "git status --porcelain".to_string(),
                "git commit -a (or git stash)".to_string(),
            ],
            "hg" => vec!["hg status".to_string(), "hg commit".to_string()],
            other => vec![format!("{other} status")],
        };
        if let Some(cmd) = fixes::go_build_command(facts, &[], &[], &[]) {
            commands.push(cmd);
        }
        vec![finding
            .fix(
                "Commit or stash the changes, then rebuild from the clean work tree",
                commands,
            )
            .rebuild(fixes::GoChange::new())]
    }
}

#[cfg(test)]
mod tests {
    use whyrun_facts::go::Vcs;

    use crate::finding::Severity;
    use crate::testing::*;

    fn with_vcs(modified: Option<bool>) -> whyrun_facts::Facts {
        let mut facts = fixture("go124-hello");
        let bi = facts.go.as_mut().unwrap().build_info.as_mut().unwrap();
        bi.typed.vcs = Some(Vcs {
            system: Some("git".into()),
            revision: Some("3f2a9c1d0e5b7a8c9d0e1f2a3b4c5d6e7f8a9b0c".into()),
            time: Some("2026-11-02T10:14:03Z".into()),
            modified,
        });
        facts
    }

    #[test]
    fn fires_for_a_modified_tree() {
        let found = run(&with_vcs(Some(true)), &scratch(), &resolution(None));
        let f = found.iter().find(|f| f.code == "GO007").expect("GO007");
        assert_eq!(f.severity, Severity::Info);
        assert!(f.message.contains("revision 3f2a9c1d0e5b"), "{}", f.message);
        assert!(f
            .evidence
            .iter()
            .any(|e| e.what.contains("vcs.time=2026-11-02T10:14:03Z")));
        assert!(f
            .fix
            .as_ref()
            .unwrap()
            .commands
            .iter()
            .any(|c| c.contains("go build")));
    }

    #[test]
    fn silent_for_a_clean_or_unstamped_build() {
        for facts in [
            with_vcs(Some(false)),
            with_vcs(None),
            fixture("go124-hello"),
        ] {
            assert!(!codes(&facts, &scratch(), &resolution(None)).contains(&"GO007"));
        }
    }
}
