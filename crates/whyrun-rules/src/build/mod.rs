//! Build inputs as a subject: a Go source tree (its go.mod, the imports of the packages
//! built) judged against a Go toolchain and the build's environment, read into plain data
//! by the pipeline (`whyrun_check::build`). The rules `BUILD…` judge it; `go_std` knows
//! which release added each standard-library package. What the go command does before it
//! compiles anything (refuse the go.mod, switch toolchains) is decided once here, so every
//! rule agrees on which failure comes first.

pub mod docker;
pub mod go_std;
mod std_since;

use whyrun_facts::gosrc::{GoMod, GoSum, GoVersion, Import, VendorModules};

/// A Go source tree to be built: `whyrun check DIR`.
#[derive(Debug, Clone, Default)]
pub struct BuildSubject {
    /// The directory named, as shown.
    pub dir: String,
    /// The go.mod that governs it (in DIR or a parent), `None` when there is none.
    pub gomod: Option<GoModFile>,
    /// The toolchain named with `--go`; `None` when none was.
    pub toolchain: Option<GoVersion>,
    pub env: BuildEnv,
    /// The imports of the packages built, with their files relative to `dir`.
    pub imports: Vec<Import>,
    /// Directory replacements, each with whether its directory exists.
    pub replace_dirs: Vec<ReplaceDir>,
    /// The GOPATH searched in GOPATH mode, and the non-standard imports found in its `src`.
    pub gopath: String,
    pub in_gopath: Vec<String>,
    /// The machine the go command runs on, `linux/amd64`: the platform of a toolchain it
    /// downloads.
    pub host: String,
    /// DIR relative to the module root (`""` when DIR is the root): with the module path,
    /// the import path of the package a file of DIR belongs to.
    pub dir_in_module: String,
    /// Whether the module root has a `vendor` directory, and its `modules.txt`.
    pub vendor_dir: bool,
    pub vendor_modules: Option<VendorModules>,
    /// The module's go.sum; `None` when it has none.
    pub gosum: Option<GoSum>,
    /// The go.work the build runs in, `None` outside a workspace.
    pub gowork: Option<GoWorkFile>,
    /// `whyrun check BINARY --source DIR`: the binary's build info, judged against the
    /// source tree it is said to come from.
    pub built_from: Option<BuiltBinary>,
    /// Imports that name one of the module's own directories under another module path
    /// (`github.com/me/app/internal/x` in module `example.com/app` with `internal/x`):
    /// each import and that directory.
    pub own_dir_elsewhere: Vec<(String, String)>,
}

/// A Go binary and what its build info records.
#[derive(Debug, Clone)]
pub struct BuiltBinary {
    /// As shown.
    pub path: String,
    pub build_info: whyrun_facts::go::BuildInfo,
    /// The commit the source tree's repository is at (`.git/HEAD` resolved), and the
    /// file it was read from; `None` outside a git repository.
    pub head: Option<(String, String)>,
}

/// A go.work as read.
#[derive(Debug, Clone, Default)]
pub struct GoWorkFile {
    /// As shown.
    pub path: String,
    /// Each `use` directory, its line, and whether it holds a go.mod.
    pub uses: Vec<WorkUse>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkUse {
    pub dir: String,
    /// The directory as an absolute, cleaned path (Go 1.20 and older print it).
    pub absolute: String,
    pub line: usize,
    pub has_gomod: bool,
}

/// How the go command loads modules: `-mod=` as GOFLAGS gives it, else its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModMode {
    /// From `vendor/`, after checking `vendor/modules.txt` against the go.mod.
    Vendor,
    /// From the module cache, go.mod and go.sum as they are (the default since Go 1.16).
    Readonly,
    /// From the module cache, updating go.mod and go.sum as needed.
    Mod,
}

/// A go.mod as read.
#[derive(Debug, Clone, Default)]
pub struct GoModFile {
    /// As shown (`app/go.mod`).
    pub path: String,
    pub parsed: GoMod,
}

/// A `replace … => ./dir` and whether the directory is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplaceDir {
    /// Index into the go.mod's `replace` list.
    pub index: usize,
    /// Whether the directory holds what the go command needs (it and its go.mod).
    pub exists: bool,
    /// When the directory is there but has no go.mod: its path as the go command opens
    /// it (`/lib` for `../lib` from `/src` in a container, where `/lib` is the system's).
    pub no_go_mod_at: Option<String>,
}

/// The go command's environment for the build: each value as given with `--env`, `None`
/// when not given (the go command's default then applies).
#[derive(Debug, Clone, Default)]
pub struct BuildEnv {
    pub gotoolchain: Option<String>,
    pub go111module: Option<String>,
    pub goflags: Option<String>,
    pub cgo_enabled: Option<String>,
    pub goos: Option<String>,
    pub goarch: Option<String>,
    pub goproxy: Option<String>,
    pub gowork: Option<String>,
}

/// Whether the go command works with modules or with GOPATH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Modules,
    Gopath,
}

/// What the go command does with the go.mod before it compiles anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// It reads it and goes on to compile.
    Compiles,
    /// The toolchain cannot parse it (BUILD002).
    Unparsable,
    /// Go 1.21 or newer with a go line above it: refuses with GOTOOLCHAIN=local, or
    /// switches to a newer toolchain (BUILD001).
    NeedsNewer,
    /// No toolchain named: nothing about versions can be decided.
    Unknown,
}

impl BuildSubject {
    /// Modules or GOPATH, by GO111MODULE and the toolchain's default (modules unless
    /// GO111MODULE=off; `auto` needs a go.mod, and so does the default before Go 1.16).
    pub fn mode(&self) -> Mode {
        let v = self.env.go111module.as_deref().unwrap_or("");
        let default_auto = self.toolchain.as_ref().is_some_and(|t| !t.at_least(1, 16));
        match v {
            "off" => Mode::Gopath,
            "on" => Mode::Modules,
            "auto" if self.gomod.is_none() => Mode::Gopath,
            "" if default_auto && self.gomod.is_none() => Mode::Gopath,
            _ => Mode::Modules,
        }
    }

    /// `-mod=` from GOFLAGS, else `vendor` when the module root has a `vendor` directory
    /// and the go line is 1.14 or newer, else `readonly` (cmd/go/internal/modload,
    /// init.go `setDefaultBuildMod`).
    pub fn mod_mode(&self) -> ModMode {
        let flags = self.env.goflags.as_deref().unwrap_or("");
        match flags
            .split_whitespace()
            .filter_map(|f| f.strip_prefix("-mod="))
            .next_back()
        {
            Some("vendor") => ModMode::Vendor,
            Some("mod") => ModMode::Mod,
            Some(_) => ModMode::Readonly,
            None => {
                let new_enough = self.go_line().is_some_and(|(g, _, _)| g.at_least(1, 14));
                if self.vendor_dir && new_enough {
                    ModMode::Vendor
                } else {
                    ModMode::Readonly
                }
            }
        }
    }

    /// The import path of the package a file (relative to DIR) belongs to.
    pub fn package_of(&self, file: &std::path::Path) -> Option<String> {
        let module = self.module_path()?;
        let mut p = std::path::PathBuf::from(&self.dir_in_module);
        if let Some(parent) = file.parent() {
            p.push(parent);
        }
        let rel = p.to_string_lossy().trim_matches('/').to_string();
        Some(if rel.is_empty() {
            module.to_string()
        } else {
            format!("{module}/{rel}")
        })
    }

    /// The errors the go.mod parser reports for a `require` whose version's major does
    /// not match its path (`golang.org/x/mod/module`, `CheckPathMajor`): a path without
    /// a `/vN` suffix takes only v0 and v1 (or `+incompatible`), a `/vN` path only vN;
    /// `gopkg.in/…vN` paths carry their major in their own way and are left out.
    pub fn major_version_errors(&self) -> Vec<(usize, String)> {
        let Some(m) = &self.gomod else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for r in &m.parsed.require {
            if r.path.starts_with("gopkg.in/") || r.version.ends_with("+incompatible") {
                continue;
            }
            let Some(major) = r
                .version
                .strip_prefix('v')
                .and_then(|v| v.split(['.', '-', '+']).next())
                .and_then(|v| v.parse::<u64>().ok())
            else {
                continue;
            };
            let suffix = r
                .path
                .rsplit_once("/v")
                .and_then(|(_, n)| n.parse::<u64>().ok().filter(|n| *n >= 2));
            let should = match suffix {
                Some(n) if n != major => format!("should be v{n}, not v{major}"),
                None if major >= 2 => format!("should be v0 or v1, not v{major}"),
                _ => continue,
            };
            out.push((
                r.line,
                format!(
                    "require {}: version \"{}\" invalid: {should}",
                    r.path, r.version
                ),
            ));
        }
        out
    }

    /// The go line, parsed, with its line.
    pub fn go_line(&self) -> Option<(GoVersion, usize, &str)> {
        let g = self.gomod.as_ref()?.parsed.go.as_ref()?;
        GoVersion::parse(&g.value).map(|v| (v, g.line, g.value.as_str()))
    }

    /// GOTOOLCHAIN as in force: `auto` unless given (the default of Go's own go.env).
    pub fn gotoolchain(&self) -> &str {
        self.env.gotoolchain.as_deref().unwrap_or("auto")
    }

    /// The errors the toolchain's go.mod parser reports, in line order: (line, message).
    /// Go 1.20 and older take only a two-part go line; every release refuses a directive
    /// added after it (Go 1.21 and 1.22 refuse `godebug` even when the go line is newer
    /// than they are: the parse comes first).
    pub fn parse_errors(&self) -> Vec<(usize, String)> {
        let (Some(tc), Some(m)) = (&self.toolchain, &self.gomod) else {
            return Vec::new();
        };
        let mut errors = Vec::new();
        if let Some(g) = m.parsed.go.as_ref().filter(|_| !tc.at_least(1, 21)) {
            let two_part = GoVersion::parse(&g.value).is_some_and(|v| v.is_two_part());
            if !two_part {
                errors.push((
                    g.line,
                    format!("invalid go version '{}': must match format 1.23", g.value),
                ));
            }
        }
        for v in &m.parsed.verbs {
            if let Some(since) = directive_since(&v.value) {
                if !tc.at_least(1, since) {
                    errors.push((v.line, format!("unknown directive: {}", v.value)));
                }
            }
        }
        errors.sort();
        errors.dedup();
        errors
    }

    /// What happens before compiling, in module mode.
    pub fn gate(&self) -> Gate {
        let Some(tc) = &self.toolchain else {
            return Gate::Unknown;
        };
        if !self.parse_errors().is_empty() || !self.major_version_errors().is_empty() {
            return Gate::Unparsable;
        }
        match self.go_line() {
            Some((go, _, _)) if tc.at_least(1, 21) && go > *tc => Gate::NeedsNewer,
            _ => Gate::Compiles,
        }
    }

    /// The module's own path, from its go.mod.
    pub fn module_path(&self) -> Option<&str> {
        self.gomod
            .as_ref()?
            .parsed
            .module
            .as_ref()
            .map(|m| m.value.as_str())
    }

    /// Whether `import` is a package of this module.
    pub fn is_own_package(&self, import: &str) -> bool {
        self.module_path().is_some_and(|m| {
            import == m || import.strip_prefix(m).is_some_and(|r| r.starts_with('/'))
        })
    }

    /// GOPROXY=off: the go command cannot download anything (a toolchain included).
    pub fn offline(&self) -> bool {
        self.env.goproxy.as_deref() == Some("off")
    }

    /// The go.mod's path as shown.
    pub fn gomod_path(&self) -> String {
        self.gomod
            .as_ref()
            .map(|m| m.path.clone())
            .unwrap_or_else(|| format!("{}/go.mod", self.dir.trim_end_matches('/')))
    }

    /// `go build` with the environment as given: the line a fix starts from.
    pub fn go_build_line(&self, changed: &[(&str, &str)]) -> String {
        let mut parts: Vec<String> = Vec::new();
        let given = [
            ("GOTOOLCHAIN", &self.env.gotoolchain),
            ("GO111MODULE", &self.env.go111module),
            ("CGO_ENABLED", &self.env.cgo_enabled),
            ("GOOS", &self.env.goos),
            ("GOARCH", &self.env.goarch),
        ];
        for (k, v) in given {
            match changed.iter().find(|(c, _)| *c == k) {
                Some((_, nv)) if !nv.is_empty() => parts.push(format!("{k}={nv}")),
                Some(_) => {}
                None => {
                    if let Some(v) = v {
                        parts.push(format!("{k}={v}"));
                    }
                }
            }
        }
        for (k, v) in changed {
            if !given.iter().any(|(g, _)| g == k) && !v.is_empty() {
                parts.push(format!("{k}={v}"));
            }
        }
        parts.push("go build ./...".into());
        parts.join(" ")
    }
}

/// The minor release of Go 1 whose go command first accepts a go.mod directive, for the
/// directives added after Go 1.16's `retract`.
pub fn directive_since(verb: &str) -> Option<u32> {
    match verb {
        "module" | "go" | "require" | "exclude" | "replace" => Some(11),
        "retract" => Some(16),
        "toolchain" => Some(21),
        "godebug" => Some(23),
        "tool" => Some(24),
        "ignore" => Some(25),
        _ => None,
    }
}

/// The evidence that quotes the go command: `go build stops with "…"`.
pub(crate) fn go_says(words: &str) -> (String, crate::finding::Location) {
    (
        format!("go build stops with \"{words}\""),
        crate::finding::Location::Named {
            name: "go build".into(),
        },
    )
}

/// A line of a text file on this machine.
pub(crate) fn at_line(path: &str, line: usize, column: usize) -> crate::finding::Location {
    crate::finding::Location::FileLine {
        path: path.to_string(),
        line,
        column,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A module `example.com/app` with `go.mod` text, built by Go `toolchain`.
    pub fn subject(gomod: &str, toolchain: Option<&str>) -> BuildSubject {
        BuildSubject {
            dir: "app".into(),
            gomod: Some(GoModFile {
                path: "app/go.mod".into(),
                parsed: whyrun_facts::gosrc::gomod::parse(gomod).unwrap(),
            }),
            toolchain: toolchain.map(|t| GoVersion::parse(t).unwrap()),
            gopath: "/root/go".into(),
            ..Default::default()
        }
    }

    pub fn import(path: &str, line: usize) -> Import {
        Import {
            path: path.into(),
            file: "main.go".into(),
            line,
            column: 8,
        }
    }
}
