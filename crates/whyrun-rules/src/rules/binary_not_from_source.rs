//! BUILD014: a binary whose build info does not match the source tree it is said to come
//! from.

use crate::build::{at_line, BuildSubject};
use crate::finding::{Finding, Location, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// `whyrun check BINARY --source DIR`: what the Go binary's build info records against
    /// the source tree — its main module path against the go.mod's `module` line, the
    /// commit it was built from (`vcs.revision`) against the commit the repository's
    /// `HEAD` names, and each dependency's version and replacement against the go.mod's
    /// `require` and `replace` lines. A binary built with uncommitted changes
    /// (`vcs.modified=true`) is said so too.
    ///
    /// ## Why it breaks
    /// A binary deployed from other code than the repository — an old build, a local
    /// build with edits, a dependency bumped since — behaves as that code does, not as the
    /// repository reads; a fix that is in the repository is not in the binary. Nothing
    /// fails at start, which is why it goes unnoticed.
    ///
    /// ## Example
    /// ```text
    /// BUILD014 risk  server was not built from this source: built from module example.com/hello, the source is module example.com/greeter
    ///   · mod example.com/hello  [server]
    ///   · module example.com/greeter  [app/go.mod:1:1]
    ///   fix Build the binary again from the source it should come from, and deploy that one
    ///       go build -o server .
    /// ```
    ///
    /// ## Fix
    /// Rebuild from the repository (in CI, from the commit being deployed), and keep the
    /// build info (no `-buildvcs=false`) so the next check can tell.
    ///
    /// ## References
    /// - `go help buildinfo`, `runtime/debug.BuildInfo`: `vcs.revision`, `vcs.modified`,
    ///   the `dep` and `=>` lines `go version -m` prints.
    /// - gitrepository-layout(5): `HEAD`, loose refs and `packed-refs`.
    pub struct BinaryNotFromSource {
        code: "BUILD014",
        name: "binary-not-from-source",
        family: Family::Build,
        subject: Subject::BuildInputs,
        severity: Severity::Risk,
        stage: Stage::Notes,
        summary: "A binary's build info differs from the source it is said to come from",
    }
}

/// One difference: what differs, then the evidence from the binary and from the source.
type Difference = (String, (String, Location), (String, Location));

fn short(rev: &str) -> &str {
    rev.get(..12).unwrap_or(rev)
}

impl BinaryNotFromSource {
    pub fn run(s: &BuildSubject) -> Vec<Finding> {
        let Some(b) = &s.built_from else {
            return Vec::new();
        };
        let Some(m) = &s.gomod else {
            return Vec::new();
        };
        let bin = Location::Named {
            name: b.path.clone(),
        };
        let path = s.gomod_path();
        let mut diffs: Vec<Difference> = Vec::new();
        let main = b.build_info.main.as_ref().map(|m| m.path.clone());
        if let (Some(main), Some(module)) = (&main, m.parsed.module.as_ref()) {
            if *main != module.value {
                diffs.push((
                    format!(
                        "built from module {main}, the source is module {}",
                        module.value
                    ),
                    (format!("mod {main}"), bin.clone()),
                    (
                        format!("module {}", module.value),
                        at_line(&path, module.line, 1),
                    ),
                ));
            }
        }
        let vcs = b.build_info.typed.vcs.as_ref();
        if let (Some(rev), Some((head, from))) = (vcs.and_then(|v| v.revision.as_ref()), &b.head) {
            if rev != head {
                diffs.push((
                    format!(
                        "built from commit {}, the repository is at {}",
                        short(rev),
                        short(head)
                    ),
                    (format!("vcs.revision={rev}"), bin.clone()),
                    (
                        format!("HEAD is at {head}"),
                        Location::Named { name: from.clone() },
                    ),
                ));
            }
        }
        for r in &m.parsed.require {
            let Some(dep) = b.build_info.deps.iter().find(|d| d.path == r.path) else {
                continue;
            };
            if dep.version != r.version {
                diffs.push((
                    format!(
                        "built with {} {}, the go.mod requires {}",
                        r.path, dep.version, r.version
                    ),
                    (format!("dep {} {}", dep.path, dep.version), bin.clone()),
                    (
                        format!("require {} {}", r.path, r.version),
                        at_line(&path, r.line, 1),
                    ),
                ));
            }
            let replaced =
                m.parsed.replace.iter().find(|x| {
                    x.path == r.path && x.version.as_ref().is_none_or(|v| *v == r.version)
                });
            let in_binary = dep.replace.as_ref().map(|x| x.path.clone());
            let in_source = replaced.map(|x| x.new_path.clone());
            if in_binary != in_source {
                let said =
                    |w: &Option<String>| w.clone().unwrap_or_else(|| "no replacement".into());
                diffs.push((
                    format!(
                        "{} is replaced by {} in the binary and by {} in the go.mod",
                        r.path,
                        said(&in_binary),
                        said(&in_source)
                    ),
                    (
                        format!("dep {} => {}", r.path, said(&in_binary)),
                        bin.clone(),
                    ),
                    match replaced {
                        Some(x) => (
                            format!("replace {} => {}", x.path, x.new_path),
                            at_line(&path, x.line, 1),
                        ),
                        None => (
                            format!("require {} {}", r.path, r.version),
                            at_line(&path, r.line, 1),
                        ),
                    },
                ));
            }
        }
        let modified = vcs.and_then(|v| v.modified) == Some(true);
        let Some((first, _, _)) = diffs.first().cloned() else {
            if modified {
                return vec![Self::META
                    .finding(format!(
                        "{} was built from this commit with uncommitted changes (vcs.modified=true): the repository does not hold what it runs",
                        b.path
                    ))
                    .evidence("vcs.modified=true", bin)
                    .fix(
                        "Commit the changes and build again from the commit, and deploy that one",
                        vec!["go build -o BINARY .".replace("BINARY", &b.path)],
                    )];
            }
            return Vec::new();
        };
        let mut f = Self::META.finding(format!(
            "{} was not built from this source: {first}",
            b.path
        ));
        for (_, from_bin, from_src) in diffs.iter().take(6) {
            f = f
                .evidence(from_bin.0.clone(), from_bin.1.clone())
                .evidence(from_src.0.clone(), from_src.1.clone());
        }
        if modified {
            f = f.evidence("vcs.modified=true: built with uncommitted changes", bin);
        }
        vec![f.fix(
            "Build the binary again from the source it should come from, and deploy that one",
            vec![format!("go build -o {} .", b.path)],
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::testing::subject;
    use crate::build::BuiltBinary;
    use whyrun_facts::go::{BuildInfo, Layout, Module, TypedSettings, Vcs};

    fn built(main: &str, rev: &str, deps: &[(&str, &str)]) -> BuiltBinary {
        let bi = BuildInfo {
            layout: Layout::InlineStrings,
            go_version: "go1.22.1".into(),
            module_mode: true,
            path: Some(main.into()),
            main: Some(Module {
                path: main.into(),
                version: "(devel)".into(),
                sum: None,
                replace: None,
            }),
            deps: deps
                .iter()
                .map(|(p, v)| Module {
                    path: p.to_string(),
                    version: v.to_string(),
                    sum: None,
                    replace: None,
                })
                .collect(),
            settings: Vec::new(),
            typed: TypedSettings {
                vcs: Some(Vcs {
                    system: Some("git".into()),
                    revision: Some(rev.into()),
                    time: None,
                    modified: Some(false),
                }),
                ..Default::default()
            },
        };
        BuiltBinary {
            path: "./server".into(),
            build_info: bi,
            head: Some(("a".repeat(40), "src/.git/HEAD".into())),
        }
    }

    const GOMOD: &str = "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v1.1.0\n";

    #[test]
    fn each_difference_is_named() {
        let mut s = subject(GOMOD, Some("1.22.1"));
        s.built_from = Some(built(
            "example.com/app",
            &"b".repeat(40),
            &[("example.com/lib", "v1.0.0")],
        ));
        let f = BinaryNotFromSource::run(&s);
        assert!(
            f[0].message.contains("built from commit bbbbbbbbbbbb"),
            "{}",
            f[0].message
        );
        assert!(f[0]
            .evidence
            .iter()
            .any(|e| e.what == "dep example.com/lib v1.0.0"));
        s.built_from = Some(built(
            "example.com/other",
            &"a".repeat(40),
            &[("example.com/lib", "v1.1.0")],
        ));
        assert!(BinaryNotFromSource::run(&s)[0]
            .message
            .contains("module example.com/other"));
    }

    #[test]
    fn the_same_source_is_fine() {
        let mut s = subject(GOMOD, Some("1.22.1"));
        s.built_from = Some(built(
            "example.com/app",
            &"a".repeat(40),
            &[("example.com/lib", "v1.1.0")],
        ));
        assert!(BinaryNotFromSource::run(&s).is_empty());
    }
}
