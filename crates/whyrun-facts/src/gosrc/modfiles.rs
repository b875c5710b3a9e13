//! The two files beside a go.mod that the go command checks before it compiles:
//! `vendor/modules.txt` (what `go mod vendor` recorded) and `go.sum` (the hashes of
//! downloaded modules). Read as the go command reads them (`cmd/go/internal/modload`,
//! vendor.go `readVendorList`; `modfetch` go.sum lines `path version[/go.mod] h1:hash`);
//! what their contents mean for a build is the rules' business.

use std::collections::BTreeSet;

/// A module version: `(path, version)`; the version is empty for a wildcard replacement.
pub type ModuleVersion = (String, String);

/// `vendor/modules.txt`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorModules {
    /// Modules marked `## explicit`.
    pub explicit: BTreeSet<ModuleVersion>,
    /// Modules with at least one package line, in order (the vendored build list).
    pub with_packages: Vec<ModuleVersion>,
    /// `# path [version] => new [new_version]`: each replaced module and its replacement
    /// as written (`./lib`, `example.com/fork v1.2.0`).
    pub replaced: Vec<(ModuleVersion, String)>,
}

fn is_semver(v: &str) -> bool {
    v.starts_with('v') && v[1..].chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// Reads `vendor/modules.txt` the way `readVendorList` does: `# path version` starts a
/// module, `# path version => new [v]` (or `# path => new [v]`) records a replacement,
/// `## explicit; go 1.21` annotates the module, any other single-word line is a package.
pub fn parse_vendor_modules(text: &str) -> VendorModules {
    let mut out = VendorModules::default();
    let mut current: Option<ModuleVersion> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# ") {
            let f: Vec<&str> = rest.split_whitespace().collect();
            if f.len() < 2 {
                continue;
            }
            let (m, tail): (ModuleVersion, &[&str]) = if is_semver(f[1]) {
                ((f[0].to_string(), f[1].to_string()), &f[2..])
            } else if f[1] == "=>" {
                ((f[0].to_string(), String::new()), &f[1..])
            } else {
                current = None;
                continue;
            };
            if tail.len() >= 2 && tail[0] == "=>" {
                let new = match tail.len() {
                    2 => Some(tail[1].to_string()),
                    3 if is_semver(tail[2]) => Some(format!("{} {}", tail[1], tail[2])),
                    _ => None,
                };
                if let Some(new) = new {
                    out.replaced.push((m.clone(), new));
                }
            }
            current = Some(m);
            continue;
        }
        let Some(m) = &current else {
            continue;
        };
        if let Some(ann) = line.strip_prefix("## ") {
            if ann.split(';').any(|e| e.trim() == "explicit") {
                out.explicit.insert(m.clone());
            }
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() == 1 && !m.1.is_empty() && !out.with_packages.contains(m) {
            out.with_packages.push(m.clone());
        }
    }
    out
}

/// `go.sum`: the module versions it holds a hash of, for the module's files (`h1:` of
/// the zip) and for its go.mod alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoSum {
    pub zips: BTreeSet<ModuleVersion>,
    pub gomods: BTreeSet<ModuleVersion>,
}

/// Reads go.sum lines `path version h1:…` and `path version/go.mod h1:…`; others are
/// skipped (the go command reports malformed lines itself).
pub fn parse_go_sum(text: &str) -> GoSum {
    let mut out = GoSum::default();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let [path, version, hash] = f.as_slice() else {
            continue;
        };
        if !hash.starts_with("h1:") {
            continue;
        }
        match version.strip_suffix("/go.mod") {
            Some(v) => out.gomods.insert((path.to_string(), v.to_string())),
            None => out.zips.insert((path.to_string(), version.to_string())),
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `go mod vendor` (Go 1.22) wrote for a directory replacement.
    #[test]
    fn modules_txt_as_go_mod_vendor_writes_it() {
        let v = parse_vendor_modules(
            "# example.com/lib v1.0.0 => ./lib\n## explicit; go 1.21\nexample.com/lib\n# example.com/lib => ./lib\n# example.com/old v0.1.0\nexample.com/old/x\n",
        );
        let lib = ("example.com/lib".to_string(), "v1.0.0".to_string());
        assert!(v.explicit.contains(&lib));
        assert_eq!(
            v.with_packages,
            [lib.clone(), ("example.com/old".into(), "v0.1.0".into())]
        );
        assert_eq!(v.replaced[0], (lib, "./lib".to_string()));
        assert_eq!(
            v.replaced[1],
            (("example.com/lib".into(), String::new()), "./lib".into())
        );
    }

    #[test]
    fn go_sum_lines() {
        let s = parse_go_sum(
            "example.com/lib v1.0.0 h1:abc=\nexample.com/lib v1.0.0/go.mod h1:def=\nbad line\n",
        );
        assert!(s
            .zips
            .contains(&("example.com/lib".into(), "v1.0.0".into())));
        assert!(s
            .gomods
            .contains(&("example.com/lib".into(), "v1.0.0".into())));
        assert_eq!(s.zips.len(), 1);
    }
}
