//! BUILD003: a two-part go line newer than a Go 1.20 or older toolchain: it builds unless
//! the code uses what is newer.

use crate::build::{at_line, go_std, BuildSubject, Gate, Mode};
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A module whose go.mod says `go 1.22` (two parts, so an old go command parses it)
    /// built with Go 1.20 or older, when none of its imports shows what decides it.
    ///
    /// ## Why it breaks
    /// Before Go 1.21 the go line was advice: the old go command compiles the module
    /// anyway, and only when compiling fails does it add `note: module requires Go 1.22`.
    /// So the build succeeds unless the code uses a language feature (generic type
    /// aliases, range over an integer or a function, `min`/`max`, `clear`) or a library
    /// API newer than the toolchain. Standard-library packages that are too new are found
    /// from the imports (BUILD004); new language features and new functions in old
    /// packages are not, so whyrun says "cannot tell".
    ///
    /// ## Example
    /// ```text
    /// BUILD003 cannot tell  go.mod asks for go 1.22; Go 1.19 builds it only if the code uses nothing newer than Go 1.19
    ///   · go 1.22  [app/go.mod:3:1]
    ///   · no imported standard-library package is newer than Go 1.19  [app]
    ///   fix Build with the Go the module asks for
    ///       go build ./...   (with Go 1.22 or newer)
    /// ```
    ///
    /// ## Fix
    /// Build with a Go at least as new as the go line; or, when the code really is
    /// compatible, lower the go line to the toolchain's release.
    ///
    /// ## References
    /// - Go 1.21 release notes, "Tools" (the go line as a requirement from 1.21).
    /// - Go modules reference, "go directive": <https://go.dev/ref/mod#go-mod-file-go>.
    pub struct GoLineNewerThanOldToolchain {
        code: "BUILD003",
        name: "go-line-newer-than-old-toolchain",
        family: Family::Build,
        subject: Subject::BuildInputs,
        severity: Severity::BlocksBuild,
        stage: Stage::Build,
        summary: "A Go 1.20 or older toolchain builds a module with a newer go line: only if the code allows",
    }
}

impl GoLineNewerThanOldToolchain {
    pub fn run(s: &BuildSubject) -> Vec<Finding> {
        if s.mode() != Mode::Modules || s.gate() != Gate::Compiles {
            return Vec::new();
        }
        let (Some(tc), Some((go, line, raw))) = (&s.toolchain, s.go_line()) else {
            return Vec::new();
        };
        if tc.at_least(1, 21) || !go.is_two_part() || !go.at_least(1, tc.minor + 1) {
            return Vec::new();
        }
        // A standard-library package newer than the toolchain decides it (BUILD004).
        let decided = s.imports.iter().any(|i| {
            !s.is_own_package(&i.path) && go_std::added_in(&i.path).is_some_and(|m| m > tc.minor)
        });
        if decided {
            return Vec::new();
        }
        let tl = tc.language();
        vec![Self::META
            .finding(format!(
                "go.mod asks for go {raw}; Go {tl} builds it only if the code uses nothing newer than Go {tl}"
            ))
            .evidence(format!("go {raw}"), at_line(&s.gomod_path(), line, 1))
            .evidence(
                format!("no imported standard-library package is newer than Go {tl}"),
                s.dir.as_str(),
            )
            .fix(
                "Build with the Go the module asks for",
                vec![format!("go build ./...   (with Go {raw} or newer)")],
            )
            .undecided()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::testing::{import, subject};

    #[test]
    fn cannot_tell_when_no_import_decides() {
        let mut s = subject("module example.com/app\n\ngo 1.22\n", Some("1.19"));
        s.imports = vec![import("fmt", 3)];
        let f = GoLineNewerThanOldToolchain::run(&s);
        assert_eq!(f.len(), 1);
        assert!(f[0].undecided);
        assert_eq!(crate::Verdict::of(&f), crate::Verdict::CannotTell);
    }

    #[test]
    fn silent_when_an_import_decides_or_the_line_is_old_enough() {
        let mut s = subject("module example.com/app\n\ngo 1.22\n", Some("1.19"));
        s.imports = vec![import("slices", 3)];
        assert!(GoLineNewerThanOldToolchain::run(&s).is_empty());
        let s = subject("module example.com/app\n\ngo 1.19\n", Some("1.19"));
        assert!(GoLineNewerThanOldToolchain::run(&s).is_empty());
        let s = subject("module example.com/app\n\ngo 1.22\n", Some("1.22.0"));
        assert!(GoLineNewerThanOldToolchain::run(&s).is_empty());
    }
}
