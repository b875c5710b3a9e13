//! BUILD009: a module that provides an imported package has no entry in go.sum.

use crate::build::{at_line, go_says, BuildSubject, Gate, ModMode, Mode};
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A package the build imports that comes from a required module (the requirement
    /// with the longest path that is a prefix of the import), when that module is not
    /// replaced by a directory and go.sum has no `h1:` hash of its files at that version
    /// (or there is no go.sum at all), in the go command's default `-mod=readonly` mode.
    /// Not in vendor mode (BUILD008's), and not with `-mod=mod`, where the go command adds
    /// the entry itself when it can download.
    ///
    /// ## Why it breaks
    /// Since Go 1.16 the go command does not change go.mod or go.sum during a build. A
    /// module without its hash cannot be verified, so loading the package stops:
    /// `main.go:3:8: missing go.sum entry for module providing package example.com/lib
    /// (imported by example.com/app); to add: go get example.com/app`. It is the classic
    /// Docker failure of `COPY go.mod ./` without go.sum, or a go.sum not committed.
    ///
    /// ## Example
    /// ```text
    /// BUILD009 blocks build  go.sum has no entry for example.com/lib v1.0.0, which provides example.com/lib (imported by example.com/app)
    ///   · import "example.com/lib"  [app/main.go:3:8]
    ///   · require example.com/lib v1.0.0  [app/go.mod:5:1]
    ///   · no go.sum beside the go.mod  [app/go.sum]
    ///   · go build stops with "missing go.sum entry for module providing package example.com/lib (imported by example.com/app)"  [go build]
    ///   fix Record the module's hashes in go.sum (with network or a GOPROXY), commit go.sum, and copy it with go.mod
    ///       go mod download example.com/lib
    ///       COPY go.mod go.sum ./
    /// ```
    ///
    /// ## Fix
    /// `go mod tidy` or `go mod download MODULE` where the module can be fetched, then
    /// commit go.sum, and in a Dockerfile copy it together with go.mod.
    ///
    /// ## References
    /// - Go 1.16 release notes, "Build commands now default to -mod=readonly".
    /// - Go modules reference, "go.sum files": <https://go.dev/ref/mod#go-sum-files>.
    /// - `cmd/go/internal/modload/import.go` (`missing go.sum entry for module providing
    ///   package`).
    pub struct MissingGoSumEntry {
        code: "BUILD009",
        name: "missing-go-sum-entry",
        family: Family::Build,
        subject: Subject::BuildInputs,
        severity: Severity::BlocksBuild,
        stage: Stage::Build,
        summary: "A module that provides an imported package has no go.sum entry (missing go.sum entry)",
    }
}

impl MissingGoSumEntry {
    pub fn run(s: &BuildSubject) -> Vec<Finding> {
        if s.mode() != Mode::Modules
            || s.mod_mode() != ModMode::Readonly
            || matches!(s.gate(), Gate::Unparsable | Gate::NeedsNewer)
        {
            return Vec::new();
        }
        let Some(m) = &s.gomod else {
            return Vec::new();
        };
        let path = s.gomod_path();
        for i in &s.imports {
            if whyrun_facts::gosrc::is_std_path(&i.path) || s.is_own_package(&i.path) {
                continue;
            }
            let provider = m
                .parsed
                .require
                .iter()
                .filter(|r| i.path == r.path || i.path.starts_with(&format!("{}/", r.path)))
                .max_by_key(|r| r.path.len());
            let Some(req) = provider else {
                continue;
            };
            // The module actually used: its replacement, if any.
            let replaced = m.parsed.replace.iter().find(|r| {
                r.path == req.path && r.version.as_ref().is_none_or(|v| *v == req.version)
            });
            let used = match replaced {
                Some(r) if r.is_directory() => continue,
                Some(r) => (
                    r.new_path.clone(),
                    r.new_version.clone().unwrap_or_default(),
                ),
                None => (req.path.clone(), req.version.clone()),
            };
            if s.gosum.as_ref().is_some_and(|g| g.zips.contains(&used)) {
                continue;
            }
            let importer = s.package_of(&i.file).unwrap_or_default();
            let words = format!(
                "missing go.sum entry for module providing package {} (imported by {importer})",
                i.path
            );
            let sum = std::path::Path::new(&path)
                .with_file_name("go.sum")
                .display()
                .to_string();
            let file = std::path::Path::new(&s.dir).join(&i.file);
            let (said, at) = go_says(&words);
            let no_entry = match &s.gosum {
                None => "no go.sum beside the go.mod".to_string(),
                Some(_) => format!("no \"{} {} h1:\" line", used.0, used.1),
            };
            return vec![Self::META
                .finding(format!(
                    "go.sum has no entry for {} {}, which provides {} (imported by {importer})",
                    used.0, used.1, i.path
                ))
                .evidence(
                    format!("import \"{}\"", i.path),
                    at_line(&file.display().to_string(), i.line, i.column),
                )
                .evidence(
                    format!("require {} {}", req.path, req.version),
                    at_line(&path, req.line, 1),
                )
                .evidence(no_entry, sum.as_str())
                .evidence(said, at)
                .fix(
                    "Record the module's hashes in go.sum (with network or a GOPROXY), commit go.sum, and copy it with go.mod",
                    vec![
                        format!("go mod download {}", used.0),
                        "COPY go.mod go.sum ./".into(),
                    ],
                )];
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::testing::{import, subject};
    use whyrun_facts::gosrc::modfiles::parse_go_sum;

    const GOMOD: &str = "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v1.0.0\n";

    #[test]
    fn no_go_sum_or_no_line_for_the_provider() {
        let mut s = subject(GOMOD, Some("1.22.1"));
        s.imports = vec![import("example.com/lib/sub", 3)];
        let f = MissingGoSumEntry::run(&s);
        assert!(
            f[0].evidence[3].what.contains(
                "missing go.sum entry for module providing package example.com/lib/sub (imported by example.com/app)"
            ),
            "{:?}",
            f[0].evidence
        );
        s.gosum = Some(parse_go_sum("example.com/lib v1.0.0/go.mod h1:x=\n"));
        assert_eq!(MissingGoSumEntry::run(&s).len(), 1);
    }

    #[test]
    fn an_entry_a_directory_replacement_or_vendor_mode_is_fine() {
        let mut s = subject(GOMOD, Some("1.22.1"));
        s.imports = vec![import("example.com/lib", 3)];
        s.gosum = Some(parse_go_sum("example.com/lib v1.0.0 h1:x=\n"));
        assert!(MissingGoSumEntry::run(&s).is_empty());
        let mut s = subject(
            &format!("{GOMOD}\nreplace example.com/lib => ./lib\n"),
            Some("1.22.1"),
        );
        s.imports = vec![import("example.com/lib", 3)];
        assert!(MissingGoSumEntry::run(&s).is_empty());
        let mut s = subject(GOMOD, Some("1.22.1"));
        s.imports = vec![import("example.com/lib", 3)];
        s.vendor_dir = true;
        assert!(MissingGoSumEntry::run(&s).is_empty());
    }
}
