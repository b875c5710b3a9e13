//! The resolved dependency tree as data: the objects the loader maps (in its link-map
//! order), each one's needs with how each was satisfied, and what failed. Serializable
//! as is; rendering belongs to the caller.

use serde::Serialize;

use super::config::SearchConfig;

/// The outcome of resolving one binary.
#[derive(Debug, Clone, Serialize)]
pub struct LoadTree {
    /// The binary, as asked for.
    pub file: String,
    /// The search rules used.
    pub search: std::sync::Arc<SearchConfig>,
    /// The program interpreter the binary names, and whether it exists in the target.
    pub interpreter: Option<Interpreter>,
    /// Loaded objects in load order (breadth first); `objects[0]` is the binary.
    pub objects: Vec<LoadedObject>,
    /// Names not found by at least one requester, in the order first needed (another
    /// requester with other search paths may still have found the name).
    pub missing: Vec<String>,
    /// Required symbol versions no loaded library defines.
    pub missing_versions: Vec<MissingVersion>,
    /// The error that stops the load (glibc's `error while loading shared libraries`),
    /// as `path: message`; loading stopped there.
    pub fatal: Option<String>,
    /// Non-fatal notes (a provider without version information, a mismatched loader).
    pub warnings: Vec<String>,
}

/// PT_INTERP and what the target has there.
#[derive(Debug, Clone, Serialize)]
pub struct Interpreter {
    pub path: String,
    /// Canonical path in the target; `None` when missing (the binary cannot start).
    pub found: Option<String>,
}

/// One object in the link map.
#[derive(Debug, Clone, Serialize)]
pub struct LoadedObject {
    /// The path the loader opened it by (what `ldd` prints).
    pub path: String,
    /// With every symlink resolved, inside the target.
    pub canonical: String,
    pub soname: Option<String>,
    /// `ELF64 x86_64`.
    pub kind: String,
    /// The object whose DT_NEEDED first loaded it (index into `objects`).
    pub loaded_by: Option<usize>,
    /// True for the program interpreter.
    pub interpreter: bool,
    /// DT_NEEDED in order, each resolved.
    pub needs: Vec<Need>,
}

/// One DT_NEEDED entry and its outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Need {
    pub name: String,
    #[serde(flatten)]
    pub result: NeedResult,
}

/// How a needed name was satisfied.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum NeedResult {
    /// Found by a search step and loaded here for the first time.
    Loaded {
        object: usize,
        step: Step,
        /// The directory (or cache entry) that had it.
        dir: String,
        /// The glibc-hwcaps subdirectory it came from.
        #[serde(skip_serializing_if = "Option::is_none")]
        hwcaps: Option<String>,
        /// Files with the right name passed over on the way (wrong class, not ELF).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        skipped: Vec<Skipped>,
    },
    /// An object already loaded matched: by a name it was loaded as, by its SONAME, or
    /// the search reached the same file.
    Reused {
        object: usize,
        /// `name`, `soname`, `same file` or (musl) `libc itself`.
        matched: &'static str,
    },
    /// The file found cannot be loaded at all (`invalid ELF header`, `file too short`):
    /// glibc stops and the program does not start.
    Failed { path: String, message: String },
    /// Nothing usable anywhere searched.
    NotFound {
        tried: Vec<Tried>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        skipped: Vec<Skipped>,
        /// Where the library does exist without the loader looking there (a directory of
        /// ld.so.conf that the cache has not caught up with).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        hints: Vec<String>,
    },
}

/// Which step of the search order found (or tried) a library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Step {
    /// The name contains `/` and was opened as a path.
    Path,
    /// DT_RPATH of `of` (the needing object or one of its loaders).
    Rpath {
        of: String,
    },
    LdLibraryPath,
    /// DT_RUNPATH of the needing object.
    Runpath {
        of: String,
    },
    LdSoCache,
    /// The loader's built-in directories (glibc) or musl's path.
    DefaultPath,
    /// musl: the name is one of libc's own (libc, libpthread, libm, …).
    LibcItself,
}

impl Step {
    /// Short label for human output: `rpath`, `runpath`, `ld.so.cache`, …
    pub fn label(&self) -> &'static str {
        match self {
            Step::Path => "path",
            Step::Rpath { .. } => "rpath",
            Step::LdLibraryPath => "LD_LIBRARY_PATH",
            Step::Runpath { .. } => "runpath",
            Step::LdSoCache => "ld.so.cache",
            Step::DefaultPath => "default path",
            Step::LibcItself => "libc itself",
        }
    }
}

/// A place searched without success.
#[derive(Debug, Clone, Serialize)]
pub struct Tried {
    pub step: Step,
    /// The directory searched (its glibc-hwcaps subdirectories too), or the cache.
    pub place: String,
}

/// A file with the wanted name that the loader passed over.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub path: String,
    pub why: String,
}

/// A symbol version required and not defined by the library that provides the name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingVersion {
    /// The object requiring it (index into `objects`).
    pub required_by: usize,
    pub library: String,
    pub version: String,
    /// A weak requirement only warns.
    pub weak: bool,
    /// Up to a few symbols bound to that version.
    pub symbols: Vec<String>,
}

impl LoadTree {
    /// True when the binary would start as far as libraries go: interpreter present,
    /// every library found, every non-weak version defined.
    pub fn ok(&self) -> bool {
        self.interpreter.as_ref().is_none_or(|i| i.found.is_some())
            && self.fatal.is_none()
            && self.missing.is_empty()
            && self.missing_versions.iter().all(|m| m.weak)
    }
}
