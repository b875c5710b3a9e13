//! BUILD006: a build in GOPATH mode importing packages that only modules provide.

use crate::build::{at_line, go_says, go_std, BuildSubject, Mode};
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A build in GOPATH mode (`GO111MODULE=off`, or `auto` without a go.mod) that imports
    /// packages outside the standard library which are not under `$GOPATH/src`: typically
    /// a module project (its own packages, its requirements) built with modules turned off.
    ///
    /// ## Why it breaks
    /// In GOPATH mode the go command ignores go.mod entirely: an import path is looked for
    /// only in `$GOROOT/src` and in each `$GOPATH/src`. A module's own packages
    /// (`example.com/app/internal/x`) and its requirements live elsewhere (in the module
    /// tree, in the module cache), so the build stops with `cannot find package
    /// "example.com/app/internal/x" in any of:` and the directories it tried. A module
    /// that imports only the standard library still builds, unless a standard-library
    /// package is newer than the toolchain: GOPATH mode says `cannot find package
    /// "slices"` for it (module mode says BUILD004's words).
    ///
    /// ## Example
    /// ```text
    /// BUILD006 blocks build  GOPATH mode cannot find package "example.com/app/lib": it is not under /root/go/src
    ///   · import "example.com/app/lib"  [app/main.go:3:8]
    ///   · GO111MODULE=off: GOPATH mode; go.mod is ignored  [environment]
    ///   · go build stops with "cannot find package "example.com/app/lib" in any of"  [go build]
    ///   fix Build in module mode (the module has a go.mod)
    ///       GO111MODULE=on go build ./...
    /// ```
    ///
    /// ## Fix
    /// Build in module mode: unset `GO111MODULE` (Go 1.16+) or set it to `on`. A project
    /// that has no go.mod needs `go mod init` first, or its dependencies under
    /// `$GOPATH/src`.
    ///
    /// ## References
    /// - `go help gopath`, `go help modules`; Go 1.16 release notes (module mode default).
    /// - `go/build` (`cannot find package … in any of`).
    pub struct GopathPackageNotFound {
        code: "BUILD006",
        name: "gopath-package-not-found",
        family: Family::Build,
        subject: Subject::BuildInputs,
        severity: Severity::BlocksBuild,
        stage: Stage::Build,
        summary: "GOPATH mode cannot find a package that only modules provide",
    }
}

impl GopathPackageNotFound {
    pub fn run(s: &BuildSubject) -> Vec<Finding> {
        if s.mode() != Mode::Gopath {
            return Vec::new();
        }
        let mut seen = std::collections::BTreeSet::new();
        let missing: Vec<_> = s
            .imports
            .iter()
            .filter(|i| i.path != "C")
            .filter(|i| {
                if whyrun_facts::gosrc::is_std_path(&i.path) {
                    // A standard-library package newer than the toolchain: not in GOROOT.
                    let tc = s.toolchain.as_ref().map(|t| t.minor);
                    go_std::added_in(&i.path)
                        .zip(tc)
                        .is_some_and(|(since, tc)| since > tc)
                } else {
                    !s.in_gopath.contains(&i.path)
                }
            })
            .filter(|i| seen.insert(i.path.clone()))
            .collect();
        let Some(first) = missing.first() else {
            return Vec::new();
        };
        let gopath_src = s
            .gopath
            .split(':')
            .map(|p| format!("{p}/src"))
            .collect::<Vec<_>>()
            .join(", ");
        let why_missing = match (go_std::added_in(&first.path), &s.toolchain) {
            (Some(since), Some(tc)) if whyrun_facts::gosrc::is_std_path(&first.path) => format!(
                "Go {} does not have it (new in Go 1.{since})",
                tc.language()
            ),
            _ => format!("it is not under {gopath_src}"),
        };
        let mut f = Self::META.finding(format!(
            "GOPATH mode cannot find package {:?}: {why_missing}",
            first.path
        ));
        for i in &missing {
            let file = std::path::Path::new(&s.dir).join(&i.file);
            f = f.evidence(
                format!("import {:?}", i.path),
                at_line(&file.display().to_string(), i.line, i.column),
            );
        }
        let why = match s.env.go111module.as_deref() {
            Some("off") if s.gomod.is_some() => {
                "GO111MODULE=off: GOPATH mode; go.mod is ignored".to_string()
            }
            Some(v) if !v.is_empty() => format!("GO111MODULE={v}: GOPATH mode"),
            _ => "no go.mod and a go command before 1.16: GOPATH mode".to_string(),
        };
        let (said, at) = go_says(&format!("cannot find package \"{}\" in any of", first.path));
        let fix = if s.gomod.is_some() {
            (
                "Build in module mode (the module has a go.mod)",
                vec![s.go_build_line(&[("GO111MODULE", "on")])],
            )
        } else {
            (
                "Make the directory a module, or put its dependencies under $GOPATH/src",
                vec!["go mod init example.com/app && go mod tidy".to_string()],
            )
        };
        vec![f
            .evidence(why, "environment")
            .evidence(said, at)
            .fix(fix.0, fix.1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::testing::{import, subject};

    #[test]
    fn fires_for_a_module_built_with_modules_off() {
        let mut s = subject("module example.com/app\n\ngo 1.19\n", Some("1.22.1"));
        s.env.go111module = Some("off".into());
        s.imports = vec![import("fmt", 3), import("example.com/app/lib", 4)];
        let f = GopathPackageNotFound::run(&s);
        assert_eq!(f.len(), 1);
        assert!(f[0].evidence[2]
            .what
            .contains("cannot find package \"example.com/app/lib\" in any of"));
    }

    #[test]
    fn a_standard_package_newer_than_the_toolchain_is_not_found_either() {
        let mut s = subject("module example.com/app\n\ngo 1.19\n", Some("1.19"));
        s.env.go111module = Some("off".into());
        s.imports = vec![import("fmt", 3), import("slices", 4)];
        let f = GopathPackageNotFound::run(&s);
        assert_eq!(
            f[0].message,
            "GOPATH mode cannot find package \"slices\": Go 1.19 does not have it (new in Go 1.21)"
        );
    }

    #[test]
    fn does_not_fire_for_std_only_found_packages_or_module_mode() {
        let mut s = subject("module example.com/app\n\ngo 1.19\n", Some("1.22.1"));
        s.env.go111module = Some("off".into());
        s.imports = vec![import("fmt", 3), import("example.com/dep", 4)];
        s.in_gopath = vec!["example.com/dep".into()];
        assert!(GopathPackageNotFound::run(&s).is_empty());
        s.env.go111module = None;
        s.in_gopath.clear();
        assert!(GopathPackageNotFound::run(&s).is_empty());
    }
}
