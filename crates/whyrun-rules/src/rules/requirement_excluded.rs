//! BUILD013: a `require` of a version the go.mod itself excludes.

use crate::build::{at_line, go_says, BuildSubject, Gate, ModMode, Mode};
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A go.mod that requires a module version and also `exclude`s that same version,
    /// in the go command's default `-mod=readonly` mode (or vendor mode).
    ///
    /// ## Why it breaks
    /// An excluded version is skipped: the go command would have to require another one,
    /// which means changing go.mod, which it does not do during a build. It stops before
    /// compiling: `go: ignoring requirement on excluded version example.com/lib v1.0.0`,
    /// then `go: updates to go.mod needed; to update it: go mod tidy`.
    ///
    /// ## Example
    /// ```text
    /// BUILD013 blocks build  go.mod requires example.com/lib v1.0.0, which it also excludes
    ///   · require example.com/lib v1.0.0  [app/go.mod:5:1]
    ///   · exclude example.com/lib v1.0.0  [app/go.mod:7:1]
    ///   · go build stops with "ignoring requirement on excluded version example.com/lib v1.0.0"  [go build]
    ///   fix Require a version that is not excluded (go mod tidy picks one), or drop the exclude
    ///       go mod tidy
    ///       go mod edit -dropexclude=example.com/lib@v1.0.0
    /// ```
    ///
    /// ## Fix
    /// `go mod tidy` where modules can be downloaded (it requires the next version that
    /// is not excluded), or remove the `exclude`.
    ///
    /// ## References
    /// - Go modules reference, "exclude directive":
    ///   <https://go.dev/ref/mod#go-mod-file-exclude>.
    /// - `cmd/go/internal/modload` (`ignoring requirement on excluded version`,
    ///   `updates to go.mod needed`).
    pub struct RequirementExcluded {
        code: "BUILD013",
        name: "requirement-excluded",
        family: Family::Build,
        subject: Subject::BuildInputs,
        severity: Severity::BlocksBuild,
        stage: Stage::Build,
        summary: "A required version is also excluded (updates to go.mod needed)",
    }
}

impl RequirementExcluded {
    pub fn run(s: &BuildSubject) -> Vec<Finding> {
        if s.mode() != Mode::Modules
            || s.mod_mode() == ModMode::Mod
            || matches!(s.gate(), Gate::Unparsable | Gate::NeedsNewer)
        {
            return Vec::new();
        }
        let Some(m) = &s.gomod else {
            return Vec::new();
        };
        let path = s.gomod_path();
        for r in &m.parsed.require {
            let Some(x) = m
                .parsed
                .exclude
                .iter()
                .find(|x| x.path == r.path && x.version == r.version)
            else {
                continue;
            };
            let (said, at) = go_says(&format!(
                "ignoring requirement on excluded version {} {}",
                r.path, r.version
            ));
            return vec![Self::META
                .finding(format!(
                    "go.mod requires {} {}, which it also excludes",
                    r.path, r.version
                ))
                .evidence(
                    format!("require {} {}", r.path, r.version),
                    at_line(&path, r.line, 1),
                )
                .evidence(
                    format!("exclude {} {}", x.path, x.version),
                    at_line(&path, x.line, 1),
                )
                .evidence(said, at)
                .fix(
                    "Require a version that is not excluded (go mod tidy picks one), or drop the exclude",
                    vec![
                        "go mod tidy".into(),
                        format!("go mod edit -dropexclude={}@{}", r.path, r.version),
                    ],
                )];
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::testing::subject;

    #[test]
    fn a_required_version_that_is_excluded() {
        let s = subject(
            "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v1.0.0\n\nexclude example.com/lib v1.0.0\n",
            Some("1.22.1"),
        );
        assert_eq!(RequirementExcluded::run(&s).len(), 1);
    }

    #[test]
    fn another_version_or_mod_mode_is_fine() {
        let mut s = subject(
            "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v1.0.1\n\nexclude example.com/lib v1.0.0\n",
            Some("1.22.1"),
        );
        assert!(RequirementExcluded::run(&s).is_empty());
        s = subject(
            "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v1.0.0\n\nexclude example.com/lib v1.0.0\n",
            Some("1.22.1"),
        );
        s.env.goflags = Some("-mod=mod".into());
        assert!(RequirementExcluded::run(&s).is_empty());
    }
}
