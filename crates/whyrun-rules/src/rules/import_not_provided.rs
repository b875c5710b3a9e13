//! BUILD012: an import that no requirement of the go.mod provides.

use crate::build::{at_line, go_says, BuildSubject, Gate, ModMode, Mode};
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A package the build imports that is not in the standard library, not in the
    /// module itself and not in any module its go.mod requires, when the go command will
    /// not add a requirement by itself: in its default `-mod=readonly` mode, in vendor
    /// mode, or with `-mod=mod` and `GOPROXY=off`. Outside a workspace only. When the
    /// import ends in one of the module's own directories (`github.com/me/app/internal/x`
    /// in module `example.com/app`, which has `internal/x`), the code and the go.mod
    /// disagree on the module path: the classic rename or copied code.
    ///
    /// ## Why it breaks
    /// Every imported package must come from a module of the build list. Without one the
    /// go command stops: `main.go:3:8: no required module provides package
    /// github.com/me/app/internal/x; to add it: go get github.com/me/app/internal/x`; in
    /// vendor mode `cannot find module providing package …: import lookup disabled by
    /// -mod=vendor`; with `-mod=mod` offline `…: module lookup disabled by GOPROXY=off`.
    ///
    /// ## Example
    /// ```text
    /// BUILD012 blocks build  no module provides github.com/me/app/internal/x: it is the module's own internal/x under another module path (go.mod says example.com/app)
    ///   · import "github.com/me/app/internal/x"  [app/main.go:3:8]
    ///   · module example.com/app  [app/go.mod:1:1]
    ///   · go build stops with "no required module provides package github.com/me/app/internal/x"  [go build]
    ///   fix Import the package by the module path of go.mod (or change the module line to the path the code uses)
    ///       import "example.com/app/internal/x"
    ///       go mod edit -module=github.com/me/app
    /// ```
    ///
    /// ## Fix
    /// For the module's own packages, make the `module` line and the imports agree. For
    /// another module, `go get` it where it can be downloaded and commit go.mod and
    /// go.sum (and `go mod vendor` if the module vendors).
    ///
    /// ## References
    /// - Go modules reference, "Resolving a package to a module":
    ///   <https://go.dev/ref/mod#resolve-pkg-mod>.
    /// - `cmd/go/internal/modload/import.go` (`no required module provides package`,
    ///   `import lookup disabled by -mod=vendor`).
    pub struct ImportNotProvided {
        code: "BUILD012",
        name: "import-not-provided",
        family: Family::Build,
        subject: Subject::BuildInputs,
        severity: Severity::BlocksBuild,
        stage: Stage::Build,
        summary: "An import no required module provides (no required module provides package)",
    }
}

impl ImportNotProvided {
    pub fn run(s: &BuildSubject) -> Vec<Finding> {
        if s.mode() != Mode::Modules
            || s.gowork.is_some()
            || matches!(s.gate(), Gate::Unparsable | Gate::NeedsNewer)
        {
            return Vec::new();
        }
        let Some(m) = &s.gomod else {
            return Vec::new();
        };
        let mode = s.mod_mode();
        if mode == ModMode::Mod && !s.offline() {
            // The go command looks the package up and adds a requirement.
            return Vec::new();
        }
        let path = s.gomod_path();
        for i in &s.imports {
            if whyrun_facts::gosrc::is_std_path(&i.path)
                || i.path == "C"
                || s.is_own_package(&i.path)
            {
                continue;
            }
            let provided = m
                .parsed
                .require
                .iter()
                .any(|r| i.path == r.path || i.path.starts_with(&format!("{}/", r.path)));
            if provided {
                continue;
            }
            let words = match mode {
                ModMode::Readonly => format!("no required module provides package {}", i.path),
                ModMode::Vendor => format!(
                    "cannot find module providing package {}: import lookup disabled by -mod=vendor",
                    i.path
                ),
                ModMode::Mod => format!(
                    "cannot find module providing package {}: module lookup disabled by GOPROXY=off",
                    i.path
                ),
            };
            let module = s.module_path().unwrap_or_default();
            let own = s
                .own_dir_elsewhere
                .iter()
                .find(|(imp, _)| *imp == i.path)
                .map(|(_, dir)| dir.clone());
            let file = std::path::Path::new(&s.dir).join(&i.file);
            let message = match &own {
                Some(dir) => format!(
                    "no module provides {}: it is the module's own {dir} under another module path (go.mod says {module})",
                    i.path
                ),
                None => format!("no module the go.mod requires provides {}", i.path),
            };
            let mut f = Self::META.finding(message).evidence(
                format!("import \"{}\"", i.path),
                at_line(&file.display().to_string(), i.line, i.column),
            );
            if let Some(mline) = m.parsed.module.as_ref() {
                f = f.evidence(format!("module {module}"), at_line(&path, mline.line, 1));
            }
            let (said, at) = go_says(&words);
            f = f.evidence(said, at);
            let fix = match &own {
                Some(dir) => {
                    let wanted = i.path.strip_suffix(&format!("/{dir}")).unwrap_or(&i.path);
                    f.fix(
                        "Import the package by the module path of go.mod (or change the module line to the path the code uses)",
                        vec![
                            format!("import \"{module}/{dir}\""),
                            format!("go mod edit -module={wanted}"),
                        ],
                    )
                }
                None => f.fix(
                    "Require the module (where it can be downloaded), then commit go.mod and go.sum",
                    vec![format!("go get {}", i.path)],
                ),
            };
            return vec![fix];
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::testing::{import, subject};

    const GOMOD: &str = "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v1.0.0\n";

    #[test]
    fn an_own_package_under_another_path() {
        let mut s = subject(GOMOD, Some("1.22.1"));
        s.imports = vec![import("github.com/me/app/internal/x", 3)];
        s.own_dir_elsewhere = vec![("github.com/me/app/internal/x".into(), "internal/x".into())];
        let f = ImportNotProvided::run(&s);
        assert!(f[0].message.contains("own internal/x"), "{}", f[0].message);
        assert_eq!(
            f[0].fix.as_ref().unwrap().commands[1],
            "go mod edit -module=github.com/me/app"
        );
    }

    #[test]
    fn provided_own_std_or_online_mod_mode_are_fine() {
        let mut s = subject(GOMOD, Some("1.22.1"));
        s.imports = vec![
            import("example.com/lib/sub", 3),
            import("example.com/app/internal/x", 4),
            import("net/http", 5),
        ];
        assert!(ImportNotProvided::run(&s).is_empty());
        let mut s = subject(GOMOD, Some("1.22.1"));
        s.imports = vec![import("example.com/other", 3)];
        assert_eq!(ImportNotProvided::run(&s).len(), 1);
        s.env.goflags = Some("-mod=mod".into());
        assert!(ImportNotProvided::run(&s).is_empty());
        s.env.goproxy = Some("off".into());
        assert_eq!(ImportNotProvided::run(&s).len(), 1);
    }
}
