//! BUILD005: Go sources without a go.mod, built in module mode.

use crate::build::{go_says, BuildSubject, Mode};
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

/// What the go command says.
const SAYS: &str =
    "go: go.mod file not found in current directory or any parent directory; see 'go help modules'";

crate::declare_rule! {
    /// ## What it finds
    /// A directory of Go sources with no go.mod in it or in any parent, built in module
    /// mode: Go 1.16 and newer by default, or any Go with `GO111MODULE=on`.
    ///
    /// ## Why it breaks
    /// Since Go 1.16 the go command works in module mode unless told otherwise, and a
    /// build needs a module: a GOPATH-era project (or a Dockerfile that copies the
    /// sources but not the go.mod) stops at once with `go: go.mod file not found in
    /// current directory or any parent directory; see 'go help modules'`.
    ///
    /// ## Example
    /// ```text
    /// BUILD005 blocks build  no go.mod in app or any parent directory, and the go command is in module mode
    ///   · no go.mod here or above  [app/go.mod]
    ///   · GO111MODULE is not set: module mode (the default since Go 1.16)  [environment]
    ///   · go build stops with "go: go.mod file not found in current directory or any parent directory; see 'go help modules'"  [go build]
    ///   fix Make the directory a module (or build it as a GOPATH project with GO111MODULE=off)
    ///       go mod init example.com/app && go mod tidy
    ///       GO111MODULE=off go build ./...
    /// ```
    ///
    /// ## Fix
    /// `go mod init MODULE-PATH` then `go mod tidy` to make it a module; or, for a GOPATH
    /// tree kept as it is, build with `GO111MODULE=off` inside `$GOPATH/src`.
    ///
    /// ## References
    /// - Go 1.16 release notes: module mode by default.
    /// - `go help modules`, `go help gopath`; the Go modules reference, "GO111MODULE".
    pub struct GoModNotFound {
        code: "BUILD005",
        name: "go-mod-not-found",
        family: Family::Build,
        subject: Subject::BuildInputs,
        severity: Severity::BlocksBuild,
        stage: Stage::Build,
        summary: "No go.mod, and the go command is in module mode",
    }
}

impl GoModNotFound {
    pub fn run(s: &BuildSubject) -> Vec<Finding> {
        if s.gomod.is_some() || s.mode() != Mode::Modules {
            return Vec::new();
        }
        let why = match s.env.go111module.as_deref() {
            Some("on") => "GO111MODULE=on: module mode".to_string(),
            Some(v) if !v.is_empty() => format!("GO111MODULE={v}: module mode"),
            _ => "GO111MODULE is not set: module mode (the default since Go 1.16)".to_string(),
        };
        let (said, at) = go_says(SAYS);
        let name = std::path::Path::new(&s.dir)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty() && n != ".")
            .unwrap_or_else(|| "app".into());
        vec![Self::META
            .finding(format!(
                "no go.mod in {} or any parent directory, and the go command is in module mode",
                s.dir
            ))
            .evidence("no go.mod here or above", s.gomod_path().as_str())
            .evidence(why, "environment")
            .evidence(said, at)
            .fix(
                "Make the directory a module (or build it as a GOPATH project with GO111MODULE=off)",
                vec![
                    format!("go mod init example.com/{name} && go mod tidy"),
                    s.go_build_line(&[("GO111MODULE", "off")]),
                ],
            )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::BuildSubject;

    fn no_gomod() -> BuildSubject {
        BuildSubject {
            dir: "app".into(),
            toolchain: whyrun_facts::gosrc::GoVersion::parse("1.22.1"),
            ..Default::default()
        }
    }

    #[test]
    fn fires_without_a_gomod_in_module_mode() {
        let f = GoModNotFound::run(&no_gomod());
        assert_eq!(f.len(), 1);
        assert!(f[0].evidence[2].what.contains(SAYS));
    }

    #[test]
    fn does_not_fire_in_gopath_mode_or_with_a_gomod() {
        let mut s = no_gomod();
        s.env.go111module = Some("off".into());
        assert!(GoModNotFound::run(&s).is_empty());
        s.env.go111module = Some("auto".into());
        assert!(GoModNotFound::run(&s).is_empty());
        let s = crate::build::testing::subject("module example.com/app\n", Some("1.22.1"));
        assert!(GoModNotFound::run(&s).is_empty());
    }
}
