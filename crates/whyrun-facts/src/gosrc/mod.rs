//! What a Go source tree asks of the toolchain that builds it, before any binary exists:
//! its `go.mod` (`gomod`), and the imports of the packages `go build DIR` compiles — the
//! package in DIR and, through their imports, the module's own packages it uses — read
//! from their `.go` files' headers (`source`), honouring `//go:build` lines and
//! `_GOOS`/`_GOARCH` file names, leaving out `_test.go`. Parsing only, no policy: which
//! toolchain fails on what is for the rules.
//!
//! Reads are bounded (`LIMITS`): an untrusted tree cannot make whyrun read without end,
//! and nothing here panics on what it reads.

pub mod git;
pub mod gomod;
pub mod modfiles;
pub mod source;
pub mod version;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

pub use gomod::{GoMod, GoModError, Replacement, Requirement, Spanned};
pub use modfiles::{GoSum, VendorModules};
pub use source::{BuildContext, FileHeader, ImportSpec};
pub use version::GoVersion;

/// Bounds on what is read from a source tree.
pub struct Limits {
    /// Bytes read of a `go.mod`.
    pub gomod_bytes: u64,
    /// Bytes read of each `.go` file (its header is at the start).
    pub file_bytes: u64,
    /// `.go` files read in all.
    pub files: usize,
    /// Packages followed.
    pub packages: usize,
}

pub const LIMITS: Limits = Limits {
    gomod_bytes: 4 << 20,
    file_bytes: 256 << 10,
    files: 4096,
    packages: 1024,
};

/// One import of a built file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub path: String,
    /// The file, as a path under the directory that was named.
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

/// The Go sources of a build: the go.mod that governs DIR (found in DIR or a parent, as
/// the go command looks for it), and the imports of the packages built.
#[derive(Debug, Clone, Default)]
pub struct GoSources {
    /// The directory holding the go.mod, when there is one.
    pub module_root: Option<PathBuf>,
    /// The go.mod, parsed, or why it could not be.
    pub gomod: Option<Result<GoMod, GoModError>>,
    /// Every import of every built file, in the order read.
    pub imports: Vec<Import>,
    /// Whether DIR holds at least one `.go` file that is built.
    pub has_go_files: bool,
    /// Whether the module root has a `vendor` directory, and its `modules.txt` when it
    /// has one.
    pub vendor_dir: bool,
    pub vendor_modules: Option<VendorModules>,
    /// The module's go.sum, `None` when there is none.
    pub gosum: Option<GoSum>,

    /// What could not be read, or was cut short by `LIMITS`; the rest stands.
    pub warnings: Vec<String>,
}

/// The nearest directory from `dir` upwards that holds a `go.mod`.
pub fn find_module_root(dir: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(dir).ok()?;
    abs.ancestors()
        .find(|d| d.join("go.mod").is_file())
        .map(Path::to_path_buf)
}

fn read_bounded(path: &Path, limit: u64) -> std::io::Result<String> {
    let f = crate::open_nonblocking(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut bytes = Vec::new();
    f.take(limit).read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The go.work the go command uses for `dir`: `GOWORK` when it names a file (`off`
/// disables workspaces), else the nearest `go.work` from `dir` upwards (cmd/go/internal/
/// modload, init.go `FindGoWork`).
pub fn find_go_work(dir: &Path, gowork: Option<&str>) -> Option<PathBuf> {
    match gowork {
        Some("off") => None,
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => {
            let abs = std::path::absolute(dir).ok()?;
            abs.ancestors()
                .map(|d| d.join("go.work"))
                .find(|f| f.is_file())
        }
    }
}

/// Reads and parses a go.mod.
pub fn read_gomod(path: &Path) -> std::io::Result<Result<GoMod, GoModError>> {
    Ok(gomod::parse(&read_bounded(path, LIMITS.gomod_bytes)?))
}

/// Reads the Go sources `go build` in `dir` would compile for `ctx`.
pub fn read(dir: &Path, ctx: &BuildContext) -> GoSources {
    let mut out = GoSources {
        module_root: find_module_root(dir),
        ..Default::default()
    };
    if let Some(root) = &out.module_root {
        let path = root.join("go.mod");
        match read_gomod(&path) {
            Ok(m) => out.gomod = Some(m),
            Err(e) => out.warnings.push(format!("{}: {e}", path.display())),
        }
        out.vendor_dir = root.join("vendor").is_dir();
        if out.vendor_dir {
            let txt = root.join("vendor/modules.txt");
            match read_bounded(&txt, LIMITS.gomod_bytes) {
                Ok(t) => out.vendor_modules = Some(modfiles::parse_vendor_modules(&t)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => out.warnings.push(format!("{}: {e}", txt.display())),
            }
        }
        let sum = root.join("go.sum");
        match read_bounded(&sum, LIMITS.gomod_bytes) {
            Ok(t) => out.gosum = Some(modfiles::parse_go_sum(&t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => out.warnings.push(format!("{}: {e}", sum.display())),
        }
    }
    let module_path = match &out.gomod {
        Some(Ok(m)) => m.module.as_ref().map(|m| m.value.clone()),
        _ => None,
    };
    let abs_dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut queue = vec![PathBuf::new()];
    let mut seen = BTreeSet::new();
    let mut files = 0usize;
    while let Some(rel) = queue.pop() {
        if !seen.insert(rel.clone()) {
            continue;
        }
        if seen.len() > LIMITS.packages {
            out.warnings.push(format!(
                "more than {} packages: the rest were not read",
                LIMITS.packages
            ));
            break;
        }
        let pkg_dir = dir.join(&rel);
        let Ok(entries) = std::fs::read_dir(&pkg_dir) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| ctx.file_name_matches(n))
            .collect();
        names.sort();
        for name in names {
            files += 1;
            if files > LIMITS.files {
                out.warnings.push(format!(
                    "more than {} Go files: the rest were not read",
                    LIMITS.files
                ));
                return out;
            }
            let path = pkg_dir.join(&name);
            let src = match read_bounded(&path, LIMITS.file_bytes) {
                Ok(s) => s,
                Err(e) => {
                    out.warnings.push(format!("{}: {e}", path.display()));
                    continue;
                }
            };
            let Some(h) = source::parse_header(&src) else {
                continue;
            };
            if h.build.as_deref().is_some_and(|b| !ctx.satisfies(b)) {
                continue;
            }
            if rel.as_os_str().is_empty() {
                out.has_go_files = true;
            }
            for i in h.imports {
                // A package of this module: followed to its directory (below the root).
                if let Some(sub) = module_path.as_deref().and_then(|m| local_dir(m, &i.path)) {
                    if let Some(root) = &out.module_root {
                        if let Ok(from_dir) = root.join(&sub).strip_prefix(&abs_dir) {
                            queue.push(from_dir.to_path_buf());
                        } else if let Some(back) = relative_from(&abs_dir, &root.join(&sub)) {
                            queue.push(back);
                        }
                    }
                }
                out.imports.push(Import {
                    path: i.path,
                    file: rel.join(&name),
                    line: i.line,
                    column: i.column,
                });
            }
        }
    }
    out
}

/// The directory (under the module root) of `import` when it is in module `module`.
fn local_dir(module: &str, import: &str) -> Option<PathBuf> {
    let rest = if import == module {
        ""
    } else {
        import.strip_prefix(module)?.strip_prefix('/')?
    };
    let p = PathBuf::from(rest);
    p.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then_some(p)
}

/// `to` as a path relative to `from` (both absolute), through `..` where needed.
fn relative_from(from: &Path, to: &Path) -> Option<PathBuf> {
    let common = from
        .components()
        .zip(to.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut p = PathBuf::new();
    for _ in from.components().skip(common) {
        p.push("..");
    }
    for c in to.components().skip(common) {
        p.push(c);
    }
    Some(p)
}

/// Whether an import path names a standard-library package: its first element has no
/// dot (`net/http`, not `example.com/x`), and it is not cgo's `C`.
pub fn is_std_path(import: &str) -> bool {
    let first = import.split('/').next().unwrap_or("");
    !first.is_empty() && !first.contains('.') && import != "C"
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// linux/amd64, cgo off, Go 1.22, no tags.
    pub(crate) fn ctx() -> BuildContext {
        BuildContext {
            goos: "linux".into(),
            goarch: "amd64".into(),
            cgo: false,
            go_minor: Some(22),
            tags: vec![],
        }
    }

    fn write(dir: &Path, name: &str, text: &str) {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn follows_the_modules_own_packages_and_skips_excluded_files() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        write(d, "go.mod", "module example.com/app\n\ngo 1.22\n");
        write(
            d,
            "cmd/app/main.go",
            "package main\nimport (\"fmt\"; \"example.com/app/internal/x\")\n",
        );
        write(
            d,
            "cmd/app/main_test.go",
            "package main\nimport \"testing\"\n",
        );
        write(
            d,
            "cmd/app/w_windows.go",
            "package main\nimport \"syscall\"\n",
        );
        write(d, "internal/x/x.go", "package x\nimport \"slices\"\n");
        write(
            d,
            "internal/x/ign.go",
            "//go:build ignore\n\npackage x\nimport \"iter\"\n",
        );
        write(d, "unused/u.go", "package u\nimport \"weak\"\n");
        let s = read(&d.join("cmd/app"), &ctx());
        assert_eq!(
            s.module_root.as_deref(),
            Some(std::path::absolute(d).unwrap().as_path())
        );
        assert!(s.gomod.as_ref().unwrap().is_ok());
        let paths: Vec<_> = s.imports.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, ["fmt", "example.com/app/internal/x", "slices"]);
        assert_eq!(s.imports[2].file, Path::new("../../internal/x/x.go"));
        assert!(s.has_go_files);
    }

    #[test]
    fn std_paths() {
        assert!(is_std_path("net/http") && is_std_path("iter"));
        assert!(!is_std_path("example.com/x") && !is_std_path("C") && !is_std_path(""));
    }

    /// Text made of the pieces these parsers look for, shuffled: every reader returns,
    /// none panics (the `gosrc` fuzz target does this without end).
    #[test]
    fn shuffled_syntax_never_panics() {
        const PIECES: &[&str] = &[
            "module",
            "go",
            "toolchain",
            "require",
            "replace",
            "exclude",
            "godebug",
            "=>",
            "(",
            ")",
            "\"",
            "`",
            "\\",
            "//",
            "/*",
            "*/",
            "\n",
            " ",
            "\t",
            "1.22",
            ".0",
            "rc1",
            "v1.0.0",
            "../lib",
            "package",
            "import",
            "main",
            "_",
            ".",
            ";",
            "//go:build ",
            "linux",
            "&&",
            "||",
            "!",
            "_test.go",
            "é",
            "\u{0}",
            "\r\n",
        ];
        let ctx = BuildContext {
            goos: "linux".into(),
            goarch: "amd64".into(),
            cgo: true,
            go_minor: None,
            tags: vec![],
        };
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(x % 40) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                text.push_str(PIECES[(x % PIECES.len() as u64) as usize]);
            }
            let _ = gomod::parse(&text);
            let _ = source::parse_header(&text);
            let _ = ctx.satisfies(&text);
            let _ = ctx.file_name_matches(&text);
            let _ = GoVersion::parse(&text);
        }
    }

    /// A FIFO named like a Go file, and a file larger than the bound: the read neither
    /// blocks nor reads past `LIMITS.file_bytes`, and the header at the start is read.
    #[test]
    fn a_fifo_and_a_huge_file_do_not_stop_the_read() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        write(d, "go.mod", "module example.com/app\n");
        let fifo = std::ffi::CString::new(d.join("pipe.go").to_str().unwrap()).unwrap();
        // SAFETY: `fifo` is a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        let mut big = String::from("package main\nimport \"fmt\"\n");
        big.push_str(&"// padding\n".repeat(100_000));
        write(d, "big.go", &big);
        let s = read(d, &ctx());
        assert_eq!(s.imports.len(), 1);
        // The FIFO is not a regular file: never opened.
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }
}
