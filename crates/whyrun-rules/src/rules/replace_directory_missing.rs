//! BUILD007: a `replace` by a directory that does not exist.

use crate::build::{at_line, go_says, BuildSubject, Gate, Mode};
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A `replace example.com/lib => ../lib` in the go.mod, for a module the build
    /// requires, whose directory does not exist (relative paths are relative to the
    /// directory of the go.mod).
    ///
    /// ## Why it breaks
    /// A directory replacement makes the go command read the module from that directory
    /// instead of the module cache. When it is not there — a sibling checkout that CI does
    /// not clone, a Docker build context that holds only the module itself — loading the
    /// package stops with `example.com/lib@v0.0.0: replacement directory ../lib does not
    /// exist`.
    ///
    /// ## Example
    /// ```text
    /// BUILD007 blocks build  replace example.com/lib => ../lib: the directory does not exist
    ///   · replace example.com/lib => ../lib  [app/go.mod:7:1]
    ///   · no such directory  [app/../lib]
    ///   · go build stops with "example.com/lib@v0.0.0: replacement directory ../lib does not exist"  [go build]
    ///   fix Put the replacement where the go.mod points, or drop the replace and require a published version
    ///       go mod edit -dropreplace=example.com/lib
    /// ```
    ///
    /// ## Fix
    /// Check out (or `COPY`) the replacement next to the module where the path points;
    /// or drop the `replace` and require a published version of the module.
    ///
    /// ## References
    /// - Go modules reference, "replace directive": <https://go.dev/ref/mod#go-mod-file-replace>.
    /// - `cmd/go/internal/modload` (`replacement directory … does not exist`).
    pub struct ReplaceDirectoryMissing {
        code: "BUILD007",
        name: "replace-directory-missing",
        family: Family::Build,
        subject: Subject::BuildInputs,
        severity: Severity::BlocksBuild,
        stage: Stage::Build,
        summary: "A replace directive points at a directory that does not exist",
    }
}

impl ReplaceDirectoryMissing {
    pub fn run(s: &BuildSubject) -> Vec<Finding> {
        if s.mode() != Mode::Modules || matches!(s.gate(), Gate::Unparsable | Gate::NeedsNewer) {
            return Vec::new();
        }
        let Some(m) = &s.gomod else {
            return Vec::new();
        };
        let path = s.gomod_path();
        let dir = std::path::Path::new(&path)
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let mut out = Vec::new();
        for rd in s.replace_dirs.iter().filter(|r| !r.exists) {
            let Some(r) = m.parsed.replace.get(rd.index) else {
                continue;
            };
            // Only a replacement the build uses: of a required module (and version).
            let Some(req) =
                m.parsed.require.iter().find(|q| {
                    q.path == r.path && r.version.as_ref().is_none_or(|v| *v == q.version)
                })
            else {
                continue;
            };
            let words = match &rd.no_go_mod_at {
                Some(abs) => {
                    // cmd/go's base.ShortPath: the path relative to the working directory
                    // (the module's) when that is shorter than the absolute one.
                    let abs_mod = format!("{}/go.mod", abs.trim_end_matches('/'));
                    let rel_mod = format!("{}/go.mod", r.new_path.trim_end_matches('/'));
                    let short = if rel_mod.len() < abs_mod.len() {
                        &rel_mod
                    } else {
                        &abs_mod
                    };
                    format!(
                        "{}@{} (replaced by {}): reading {short}: open {abs_mod}: no such file or directory",
                        req.path, req.version, r.new_path
                    )
                }
                None => format!(
                    "{}@{}: replacement directory {} does not exist",
                    req.path, req.version, r.new_path
                ),
            };
            let (said, at) = go_says(&words);
            let message = match &rd.no_go_mod_at {
                Some(abs) => format!(
                    "replace {} => {}: the build sees {abs}, which is not the module",
                    r.path, r.new_path
                ),
                None => format!(
                    "replace {} => {}: the directory does not exist",
                    r.path, r.new_path
                ),
            };
            let shown = if dir.is_empty() {
                r.new_path.clone()
            } else {
                format!("{dir}/{}", r.new_path)
            };
            out.push(
                Self::META
                    .finding(message)
                    .evidence(
                        format!("replace {} => {}", r.path, r.new_path),
                        at_line(&path, r.line, 1),
                    )
                    .evidence(
                        match &rd.no_go_mod_at {
                            Some(abs) => format!("{abs} in the build holds no go.mod"),
                            None => "no such directory".to_string(),
                        },
                        shown.as_str(),
                    )
                    .evidence(said, at)
                    .fix(
                        "Put the replacement where the go.mod points, or drop the replace and require a published version",
                        vec![format!("go mod edit -dropreplace={}", r.path)],
                    ),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::testing::subject;
    use crate::build::ReplaceDir;

    const GOMOD: &str = "module example.com/app\n\ngo 1.19\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\nreplace example.com/other => ../other\n";

    #[test]
    fn fires_for_a_missing_directory_of_a_required_module() {
        let mut s = subject(GOMOD, Some("1.22.1"));
        s.replace_dirs = vec![ReplaceDir {
            index: 0,
            exists: false,
            no_go_mod_at: None,
        }];
        let f = ReplaceDirectoryMissing::run(&s);
        assert_eq!(f.len(), 1);
        assert!(f[0].evidence[2]
            .what
            .contains("example.com/lib@v0.0.0: replacement directory ../lib does not exist"));
    }

    #[test]
    fn does_not_fire_when_present_or_not_required() {
        let mut s = subject(GOMOD, Some("1.22.1"));
        s.replace_dirs = vec![
            ReplaceDir {
                index: 0,
                exists: true,
                no_go_mod_at: None,
            },
            ReplaceDir {
                index: 1,
                exists: false,
                no_go_mod_at: None,
            },
        ];
        assert!(ReplaceDirectoryMissing::run(&s).is_empty());
    }
}
