//! BUILD010: a `require` whose version's major does not match its module path.

use crate::build::{at_line, go_says, BuildSubject, Mode};
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A `require` in the go.mod of a version v2 or later for a module path without the
    /// matching `/vN` suffix (`require example.com/lib v2.0.0`), or a `/vN` path with
    /// another major (`example.com/lib/v2 v3.1.0`). A `+incompatible` version (a v2+ tag
    /// of a repository without a go.mod) and `gopkg.in` paths are fine.
    ///
    /// ## Why it breaks
    /// Semantic import versioning: from v2 on, a module's path ends in its major version,
    /// so `example.com/lib` at v2.0.0 does not exist. The go.mod parser refuses the line
    /// before anything is loaded, whichever Go builds it: `go: errors parsing go.mod:`
    /// `go.mod:5: require example.com/lib: version "v2.0.0" invalid: should be v0 or v1,
    /// not v2`.
    ///
    /// ## Example
    /// ```text
    /// BUILD010 blocks build  go.mod requires example.com/lib at v2.0.0, which needs the module path example.com/lib/v2
    ///   · require example.com/lib: version "v2.0.0" invalid: should be v0 or v1, not v2  [app/go.mod:5:1]
    ///   · go build stops with "require example.com/lib: version "v2.0.0" invalid: should be v0 or v1, not v2"  [go build]
    ///   fix Require the major version's module path, and import its packages by it
    ///       go mod edit -droprequire=example.com/lib -require=example.com/lib/v2@v2.0.0
    ///       import "example.com/lib/v2"
    /// ```
    ///
    /// ## Fix
    /// Require (and import) `example.com/lib/v2`; or stay on the v1 line. A repository
    /// that has no go.mod is required as `v2.0.0+incompatible`.
    ///
    /// ## References
    /// - Go modules reference, "Major version suffixes":
    ///   <https://go.dev/ref/mod#major-version-suffixes>.
    /// - `golang.org/x/mod/module`, `CheckPathMajor` ("should be v0 or v1, not v2").
    pub struct MajorVersionWithoutSuffix {
        code: "BUILD010",
        name: "major-version-without-suffix",
        family: Family::Build,
        subject: Subject::BuildInputs,
        severity: Severity::BlocksBuild,
        stage: Stage::Build,
        summary: "A v2+ requirement without the /vN module path (version invalid: should be v0 or v1)",
    }
}

impl MajorVersionWithoutSuffix {
    pub fn run(s: &BuildSubject) -> Vec<Finding> {
        if s.mode() != Mode::Modules {
            return Vec::new();
        }
        let errors = s.major_version_errors();
        let Some((line, first)) = errors.first() else {
            return Vec::new();
        };
        let Some(m) = &s.gomod else {
            return Vec::new();
        };
        let Some(req) = m.parsed.require.iter().find(|r| r.line == *line) else {
            return Vec::new();
        };
        let major = req
            .version
            .strip_prefix('v')
            .and_then(|v| v.split('.').next())
            .unwrap_or("2");
        let base = req
            .path
            .rsplit_once("/v")
            .filter(|(_, n)| n.parse::<u64>().is_ok())
            .map_or(req.path.as_str(), |(b, _)| b);
        let want = if major == "0" || major == "1" {
            base.to_string()
        } else {
            format!("{base}/v{major}")
        };
        let path = s.gomod_path();
        let mut f = Self::META.finding(format!(
            "go.mod requires {} at {}, which needs the module path {want}",
            req.path, req.version
        ));
        for (l, e) in &errors {
            f = f.evidence(e.clone(), at_line(&path, *l, 1));
        }
        let (said, at) = go_says(first);
        vec![f.evidence(said, at).fix(
            "Require the major version's module path, and import its packages by it",
            vec![
                format!(
                    "go mod edit -droprequire={} -require={want}@{}",
                    req.path, req.version
                ),
                format!("import \"{want}\""),
            ],
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::testing::subject;

    #[test]
    fn a_v2_version_without_a_v2_path() {
        let s = subject(
            "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v2.0.0\n",
            None,
        );
        let f = MajorVersionWithoutSuffix::run(&s);
        assert_eq!(
            f[0].evidence[0].what,
            "require example.com/lib: version \"v2.0.0\" invalid: should be v0 or v1, not v2"
        );
        let s = subject(
            "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib/v2 v3.1.0\n",
            None,
        );
        assert!(MajorVersionWithoutSuffix::run(&s)[0].evidence[0]
            .what
            .ends_with("should be v2, not v3"));
    }

    #[test]
    fn matching_incompatible_and_gopkg_in_are_fine() {
        for req in [
            "example.com/lib/v2 v2.3.0",
            "example.com/lib v1.9.0",
            "example.com/lib v2.0.0+incompatible",
            "gopkg.in/yaml.v3 v3.0.1",
        ] {
            let s = subject(
                &format!("module example.com/app\n\ngo 1.21\n\nrequire {req}\n"),
                None,
            );
            assert!(MajorVersionWithoutSuffix::run(&s).is_empty(), "{req}");
        }
    }
}
