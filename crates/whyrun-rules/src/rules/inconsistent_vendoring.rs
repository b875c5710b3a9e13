//! BUILD008: `vendor/modules.txt` out of step with the go.mod, in vendor mode.

use crate::build::{at_line, go_says, BuildSubject, Gate, ModMode, Mode};
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A module built in vendor mode — `-mod=vendor` in GOFLAGS, or by default when the
    /// module has a `vendor` directory and its go line is 1.14 or newer — whose
    /// `vendor/modules.txt` does not match its go.mod: a requirement not marked
    /// `## explicit` at the same version (a `require` added or bumped after the last
    /// `go mod vendor`, or no `modules.txt` at all), a module marked explicit that the
    /// go.mod no longer requires, or a `replace` recorded differently.
    ///
    /// ## Why it breaks
    /// In vendor mode the go command builds only from `vendor/`, and first checks that it
    /// is what `go mod vendor` would write for this go.mod. Any difference stops it before
    /// compiling: `go: inconsistent vendoring in DIR:`, one line per module
    /// (`example.com/lib@v1.1.0: is explicitly required in go.mod, but not marked as
    /// explicit in vendor/modules.txt`), then "To sync the vendor directory, run: go mod
    /// vendor".
    ///
    /// ## Example
    /// ```text
    /// BUILD008 blocks build  vendor/modules.txt does not match go.mod: example.com/lib@v1.1.0 is explicitly required in go.mod, but not marked as explicit in vendor/modules.txt
    ///   · require example.com/lib v1.1.0  [app/go.mod:5:1]
    ///   · vendor mode: a vendor directory and go 1.21 (1.14 or newer)  [app/vendor]
    ///   · example.com/lib@v1.0.0: is marked as explicit in vendor/modules.txt, but not explicitly required in go.mod  [vendor/modules.txt]
    ///   · go build stops with "example.com/lib@v1.1.0: is explicitly required in go.mod, but not marked as explicit in vendor/modules.txt"  [go build]
    ///   fix Write the vendor directory again from the go.mod (and commit it), or build from the module cache
    ///       go mod vendor
    ///       go build -mod=readonly ./...
    /// ```
    ///
    /// ## Fix
    /// Run `go mod vendor` after every change to the go.mod and commit `vendor/`; or, if
    /// the vendor directory is stale and unwanted, delete it (or build with
    /// `-mod=readonly`).
    ///
    /// ## References
    /// - Go modules reference, "Vendoring": <https://go.dev/ref/mod#vendoring>.
    /// - `cmd/go/internal/modload/vendor.go`, `checkVendorConsistency`; init.go,
    ///   `setDefaultBuildMod` (vendor mode by default from go 1.14).
    pub struct InconsistentVendoring {
        code: "BUILD008",
        name: "inconsistent-vendoring",
        family: Family::Build,
        subject: Subject::BuildInputs,
        severity: Severity::BlocksBuild,
        stage: Stage::Build,
        summary: "vendor/modules.txt does not match go.mod in vendor mode (inconsistent vendoring)",
    }
}

impl InconsistentVendoring {
    pub fn run(s: &BuildSubject) -> Vec<Finding> {
        if s.mode() != Mode::Modules
            || s.mod_mode() != ModMode::Vendor
            || matches!(s.gate(), Gate::Unparsable | Gate::NeedsNewer)
        {
            return Vec::new();
        }
        let Some(m) = &s.gomod else {
            return Vec::new();
        };
        // Before go 1.14 modules.txt said too little to check (pre114 in vendor.go).
        if s.go_line().is_none_or(|(g, _, _)| !g.at_least(1, 14)) {
            return Vec::new();
        }
        let vendor = s.vendor_modules.clone().unwrap_or_default();
        let path = s.gomod_path();
        // (detail, go.mod line)
        let mut problems: Vec<(String, Option<usize>)> = Vec::new();
        for r in &m.parsed.require {
            if !vendor
                .explicit
                .contains(&(r.path.clone(), r.version.clone()))
            {
                problems.push((
                    format!(
                        "{}@{}: is explicitly required in go.mod, but not marked as explicit in vendor/modules.txt",
                        r.path, r.version
                    ),
                    Some(r.line),
                ));
            }
        }
        for r in &m.parsed.replace {
            let old = (r.path.clone(), r.version.clone().unwrap_or_default());
            let new = match &r.new_version {
                Some(v) => format!("{} {v}", r.new_path),
                None => r.new_path.clone(),
            };
            let recorded = vendor
                .replaced
                .iter()
                .find(|(o, _)| *o == old)
                .map(|(_, n)| n);
            let who = match &r.version {
                Some(v) => format!("{}@{v}", r.path),
                None => r.path.clone(),
            };
            match recorded {
                // A replacement of a module nothing requires is not recorded either way;
                // only one of a required module is checked.
                None if m.parsed.require.iter().any(|q| q.path == r.path) => problems.push((
                    format!("{who}: is replaced in go.mod, but not marked as replaced in vendor/modules.txt"),
                    Some(r.line),
                )),
                Some(n) if *n != new => problems.push((
                    format!(
                        "{who}: is replaced by {} in go.mod, but marked as replaced by {} in vendor/modules.txt",
                        new.replace(' ', "@"),
                        n.replace(' ', "@")
                    ),
                    Some(r.line),
                )),
                _ => {}
            }
        }
        for mv in &vendor.with_packages {
            if vendor.explicit.contains(mv)
                && !m
                    .parsed
                    .require
                    .iter()
                    .any(|r| r.path == mv.0 && r.version == mv.1)
            {
                problems.push((
                    format!(
                        "{}@{}: is marked as explicit in vendor/modules.txt, but not explicitly required in go.mod",
                        mv.0, mv.1
                    ),
                    None,
                ));
            }
        }
        let Some((first, line)) = problems.first().cloned() else {
            return Vec::new();
        };
        let vendor_dir = std::path::Path::new(&path)
            .with_file_name("vendor")
            .display()
            .to_string();
        let why = if s
            .env
            .goflags
            .as_deref()
            .unwrap_or("")
            .contains("-mod=vendor")
        {
            "vendor mode: GOFLAGS has -mod=vendor".to_string()
        } else {
            format!(
                "vendor mode: a vendor directory and go {} (1.14 or newer)",
                s.go_line().map(|(_, _, raw)| raw).unwrap_or("")
            )
        };
        let (what, at) = first.split_once(": ").unwrap_or((&first, ""));
        let mut f = Self::META.finding(format!(
            "vendor/modules.txt does not match go.mod: {what} {at}"
        ));
        if let Some(l) = line {
            let text = m
                .parsed
                .require
                .iter()
                .find(|r| r.line == l)
                .map(|r| format!("require {} {}", r.path, r.version))
                .or_else(|| {
                    m.parsed
                        .replace
                        .iter()
                        .find(|r| r.line == l)
                        .map(|r| format!("replace {} => {}", r.path, r.new_path))
                })
                .unwrap_or_default();
            f = f.evidence(text, at_line(&path, l, 1));
        }
        f = f.evidence(why, vendor_dir.as_str());
        for (p, _) in problems.iter().skip(1).take(4) {
            f = f.evidence(p.clone(), "vendor/modules.txt");
        }
        let (said, at) = go_says(&first);
        vec![f.evidence(said, at).fix(
            "Write the vendor directory again from the go.mod (and commit it), or build from the module cache",
            vec!["go mod vendor".into(), "go build -mod=readonly ./...".into()],
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::testing::subject;
    use whyrun_facts::gosrc::modfiles::parse_vendor_modules;

    const GOMOD: &str = "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v1.1.0\n";

    #[test]
    fn a_requirement_not_in_modules_txt() {
        let mut s = subject(GOMOD, Some("1.22.1"));
        s.vendor_dir = true;
        s.vendor_modules = Some(parse_vendor_modules(
            "# example.com/lib v1.0.0\n## explicit; go 1.21\nexample.com/lib\n",
        ));
        let f = InconsistentVendoring::run(&s);
        assert!(
            f[0].message
                .contains("example.com/lib@v1.1.0 is explicitly required"),
            "{}",
            f[0].message
        );
        assert!(f[0].evidence.iter().any(|e| e
            .what
            .contains("example.com/lib@v1.0.0: is marked as explicit")));
    }

    #[test]
    fn in_step_or_not_in_vendor_mode_is_fine() {
        let mut s = subject(GOMOD, Some("1.22.1"));
        s.vendor_dir = true;
        s.vendor_modules = Some(parse_vendor_modules(
            "# example.com/lib v1.1.0\n## explicit; go 1.21\nexample.com/lib\n",
        ));
        assert!(InconsistentVendoring::run(&s).is_empty());
        let mut s = subject(GOMOD, Some("1.22.1"));
        s.vendor_dir = false;
        assert!(InconsistentVendoring::run(&s).is_empty());
        let mut s = subject(GOMOD, Some("1.22.1"));
        s.vendor_dir = true;
        s.env.goflags = Some("-mod=mod".into());
        assert!(InconsistentVendoring::run(&s).is_empty());
    }
}
