//! BUILD004: an import of a standard-library package newer than the toolchain.

use crate::build::{at_line, go_says, go_std, BuildSubject, Gate, Mode};
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A file that `go build` compiles (not a `_test.go` file, not one excluded by its
    /// `//go:build` line or its `_GOOS`/`_GOARCH` name) importing a standard-library
    /// package that the toolchain's release does not have: `slices`, `maps`, `log/slog`
    /// (Go 1.21), `math/rand/v2` (1.22), `iter`, `unique`, `structs` (1.23), `weak`,
    /// `crypto/mlkem` (1.24), and every other package by the release that added it.
    ///
    /// ## Why it breaks
    /// The standard library is the toolchain's own `GOROOT/src`: an older Go has no
    /// such directory, and resolving the import fails before anything compiles. Go 1.20
    /// and older say `package slices is not in GOROOT (/usr/lib/go-1.19/src/slices)`, Go
    /// 1.21 and newer `package weak is not in std (…)`. Go 1.22 ships `iter` behind
    /// `GOEXPERIMENT=rangefunc`, so it says `imports iter: build constraints exclude all Go
    /// files in …/src/iter`. The release of each package comes from Go's `api/go1.N.txt`
    /// files (packages without exported API, such as `time/tzdata`, are not judged).
    ///
    /// ## Example
    /// ```text
    /// BUILD004 blocks build  slices is in Go 1.21 and later; Go 1.19 does not have it
    ///   · import "slices" (Go 1.21)  [app/main.go:4:2]
    ///   · go build stops with "package slices is not in GOROOT"  [go build]
    ///   fix Build with Go 1.21 or newer (a golang:1.21 image), or replace the import with code Go 1.19 has
    ///       go build ./...   (with Go 1.21 or newer)
    /// ```
    ///
    /// ## Fix
    /// Build with a Go at least as new as the newest imported package (and raise the go
    /// line to it, so Go 1.21+ toolchains say so clearly); or use the older equivalent
    /// (`golang.org/x/exp/slices` for `slices`, `math/rand` for `math/rand/v2`).
    ///
    /// ## References
    /// - Go's API files: `api/go1.N.txt` in the Go distribution (`/usr/lib/go-1.24/api/`).
    /// - `cmd/go/internal/modload/import.go` (`is not in std`), `go/build` (`is not in GOROOT`).
    pub struct StdPackageNewerThanToolchain {
        code: "BUILD004",
        name: "std-package-newer-than-toolchain",
        family: Family::Build,
        subject: Subject::BuildInputs,
        severity: Severity::BlocksBuild,
        stage: Stage::Build,
        summary: "An imported standard-library package is newer than the toolchain",
    }
}

impl StdPackageNewerThanToolchain {
    pub fn run(s: &BuildSubject) -> Vec<Finding> {
        if s.mode() != Mode::Modules || s.gate() != Gate::Compiles {
            return Vec::new();
        }
        let Some(tc) = &s.toolchain else {
            return Vec::new();
        };
        let mut seen = std::collections::BTreeSet::new();
        let too_new: Vec<_> = s
            .imports
            .iter()
            .filter(|i| !s.is_own_package(&i.path))
            .filter_map(|i| Some((i, go_std::added_in(&i.path).filter(|m| *m > tc.minor)?)))
            .filter(|(i, _)| seen.insert(i.path.clone()))
            .collect();
        let Some(&(first, since)) = too_new.first() else {
            return Vec::new();
        };
        let newest = too_new.iter().map(|(_, m)| *m).max().unwrap_or(since);
        let tl = tc.language();
        let mut f = Self::META.finding(format!(
            "{} is in Go 1.{since} and later; Go {tl} does not have it",
            first.path
        ));
        for (i, m) in &too_new {
            let file = std::path::Path::new(&s.dir).join(&i.file);
            f = f.evidence(
                format!("import {:?} (Go 1.{m})", i.path),
                at_line(&file.display().to_string(), i.line, i.column),
            );
        }
        let (said, at) = go_says(&go_std::missing_words(&first.path, tc.minor));
        vec![f.evidence(said, at).fix(
            format!(
                "Build with Go 1.{newest} or newer (a golang:1.{newest} image), or replace the import with code Go {tl} has"
            ),
            vec![format!("go build ./...   (with Go 1.{newest} or newer)")],
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::testing::{import, subject};

    #[test]
    fn fires_with_the_wording_of_the_toolchain() {
        let mut s = subject("module example.com/app\n\ngo 1.19\n", Some("1.19"));
        s.imports = vec![import("fmt", 3), import("slices", 4), import("iter", 5)];
        let f = StdPackageNewerThanToolchain::run(&s);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "slices is in Go 1.21 and later; Go 1.19 does not have it"
        );
        assert_eq!(f[0].evidence.len(), 3);
        assert!(f[0].evidence[2]
            .what
            .contains("package slices is not in GOROOT"));
        assert!(f[0].fix.as_ref().unwrap().summary.contains("Go 1.23"));

        let mut s = subject("module example.com/app\n\ngo 1.21\n", Some("1.22.1"));
        s.imports = vec![import("weak", 3)];
        let f = StdPackageNewerThanToolchain::run(&s);
        assert!(f[0].evidence[1].what.contains("package weak is not in std"));
    }

    #[test]
    fn does_not_fire_for_old_packages_own_packages_or_when_go_refuses_first() {
        let mut s = subject("module slices\n\ngo 1.19\n", Some("1.19"));
        s.imports = vec![
            import("fmt", 3),
            import("slices", 4),
            import("example.com/x", 5),
        ];
        assert!(StdPackageNewerThanToolchain::run(&s).is_empty());
        // Go 1.22 with go 1.23: it refuses (or switches) before compiling: BUILD001.
        let mut s = subject("module example.com/app\n\ngo 1.23\n", Some("1.22.1"));
        s.imports = vec![import("iter", 3)];
        assert!(StdPackageNewerThanToolchain::run(&s).is_empty());
    }
}
