//! BUILD002: a go.mod the toolchain cannot parse: a three-part go line for Go 1.20 or
//! older, a directive newer than the toolchain (`toolchain`, `godebug`, `tool`, `ignore`).

use crate::build::{at_line, go_says, BuildSubject, Mode};
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A go.mod written by a newer Go than the one that builds it: a three-part
    /// `go 1.22.0` line for Go 1.20 or older, or a directive the go command does not know
    /// yet (`toolchain` from Go 1.21, `godebug` from 1.23, `tool` from 1.24, `ignore` from
    /// 1.25; Go 1.21 and 1.22 refuse `godebug` even when the go line asks for a newer Go).
    ///
    /// ## Why it breaks
    /// Before Go 1.21 the `go` line had to be exactly `1.N` and the go.mod parser knew a
    /// fixed set of directives. `go mod tidy` with Go 1.21 or newer writes `go 1.21.0` and
    /// often `toolchain go1.22.4`, so a module touched by a newer Go no longer parses: the
    /// old go command stops before compiling anything with `go: errors parsing go.mod:`
    /// and `invalid go version '1.22.0': must match format 1.23` or `unknown directive:
    /// toolchain`, one line per problem. The parse comes before the go line is compared
    /// with the toolchain, so this error also hides BUILD001's.
    ///
    /// ## Example
    /// ```text
    /// BUILD002 blocks build  Go 1.19 cannot parse go.mod: invalid go version '1.22.0': must match format 1.23
    ///   · invalid go version '1.22.0': must match format 1.23  [app/go.mod:3:1]
    ///   · go build stops with "invalid go version '1.22.0': must match format 1.23"  [go build]
    ///   fix Build with Go 1.21 or newer, or write the go.mod Go 1.19 can read
    ///       go mod edit -go=1.22
    /// ```
    ///
    /// ## Fix
    /// Build with a Go that knows the go.mod's syntax (1.21 for a three-part go line or
    /// `toolchain`, 1.23 for `godebug`, 1.24 for `tool`). If the old toolchain must stay,
    /// make the go line two-part and drop the new directives: `go mod edit -go=1.22
    /// -toolchain=none`, `go mod edit -dropgodebug=…`.
    ///
    /// ## References
    /// - Go 1.21 release notes, "Tools": the go line as a minimum, the toolchain line.
    /// - `golang.org/x/mod/modfile` (`GoVersionRE`, the directives each release parses).
    pub struct GoModTooNewForToolchain {
        code: "BUILD002",
        name: "go-mod-too-new-for-toolchain",
        family: Family::Build,
        subject: Subject::BuildInputs,
        severity: Severity::BlocksBuild,
        stage: Stage::Build,
        summary: "The toolchain cannot parse the go.mod (a three-part go line before Go 1.21, newer directives)",
    }
}

impl GoModTooNewForToolchain {
    pub fn run(s: &BuildSubject) -> Vec<Finding> {
        if s.mode() != Mode::Modules {
            return Vec::new();
        }
        let errors = s.parse_errors();
        let (Some(tc), Some((_, first))) = (&s.toolchain, errors.first()) else {
            return Vec::new();
        };
        let path = s.gomod_path();
        let mut f = Self::META.finding(format!("Go {tc} cannot parse go.mod: {first}"));
        for (line, message) in &errors {
            f = f.evidence(message.clone(), at_line(&path, *line, 1));
        }
        let (said, at) = go_says(first);
        let mut edit = vec!["go mod edit".to_string()];
        if let Some((go, _, _)) = s.go_line().filter(|(g, _, _)| !g.is_two_part()) {
            edit.push(format!("-go={}", go.language()));
        }
        if s.gomod
            .as_ref()
            .is_some_and(|m| m.parsed.toolchain.is_some())
        {
            edit.push("-toolchain=none".into());
        }
        let m = s.gomod.as_ref().map(|m| &m.parsed);
        let needs = m
            .into_iter()
            .flat_map(|m| &m.verbs)
            .filter_map(|v| crate::build::directive_since(&v.value))
            .chain(
                errors
                    .iter()
                    .any(|(_, e)| e.starts_with("invalid go"))
                    .then_some(21),
            )
            .max()
            .unwrap_or(21);
        vec![f.evidence(said, at).fix(
            format!(
                "Build with Go 1.{needs} or newer, or write the go.mod Go {} can read",
                tc.language()
            ),
            vec![edit.join(" ")],
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::testing::subject;

    #[test]
    fn fires_on_a_three_part_go_line_and_a_toolchain_line() {
        let s = subject(
            "module example.com/app\n\ngo 1.22.0\n\ntoolchain go1.22.4\n",
            Some("1.19.8"),
        );
        let f = GoModTooNewForToolchain::run(&s);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "Go 1.19.8 cannot parse go.mod: invalid go version '1.22.0': must match format 1.23"
        );
        assert_eq!(f[0].evidence[1].what, "unknown directive: toolchain");
        assert_eq!(
            f[0].fix.as_ref().unwrap().commands,
            ["go mod edit -go=1.22 -toolchain=none"]
        );
    }

    #[test]
    fn does_not_fire_for_a_two_part_line_or_a_new_toolchain() {
        let s = subject("module example.com/app\n\ngo 1.22\n", Some("1.19"));
        assert!(GoModTooNewForToolchain::run(&s).is_empty());
        let s = subject(
            "module example.com/app\n\ngo 1.22.0\ntoolchain go1.22.4\n",
            Some("1.21.0"),
        );
        assert!(GoModTooNewForToolchain::run(&s).is_empty());
    }

    #[test]
    fn godebug_is_refused_before_the_go_line_is_compared() {
        let gomod = "module example.com/app\n\ngo 1.23.0\n\ngodebug default=go1.21\n";
        let s = subject(gomod, Some("1.22.1"));
        let f = GoModTooNewForToolchain::run(&s);
        assert_eq!(
            f[0].message,
            "Go 1.22.1 cannot parse go.mod: unknown directive: godebug"
        );
        assert!(f[0]
            .fix
            .as_ref()
            .unwrap()
            .summary
            .starts_with("Build with Go 1.23"));
        assert!(crate::rules::GoVersionNewerThanToolchain::run(&s).is_empty());
        let s = subject(gomod, Some("1.23.0"));
        assert!(GoModTooNewForToolchain::run(&s).is_empty());
    }
}
