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
        hints: Vec<Hint>,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tried {
    pub step: Step,
    /// The directory searched (its glibc-hwcaps subdirectories too), or the cache.
    pub place: String,
}

/// A file with the wanted name that the loader passed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub reason: SkipReason,
    /// What the loader did next: searched on, gave up on this list, or (musl) stopped.
    pub then: AfterSkip,
}

impl Skipped {
    /// The candidate's wrong class or machine, when that is why it was passed over.
    pub fn wrong_kind(&self) -> Option<WrongKind> {
        match &self.reason {
            SkipReason::WrongClass { candidate_64, .. } => Some(WrongKind::Class {
                is_64: *candidate_64,
            }),
            SkipReason::WrongMachine { e_machine, .. } => Some(WrongKind::Machine {
                e_machine: *e_machine,
            }),
            _ => None,
        }
    }

    /// `ELF32, the binary is ELF64; musl stops here`: the reason and what followed.
    pub fn why(&self) -> String {
        match self.then {
            AfterSkip::SearchOn => self.reason.to_string(),
            AfterSkip::ListEnds => {
                format!("{}; the rest of this list is not searched", self.reason)
            }
            AfterSkip::MuslStops => format!("{}; musl stops here", self.reason),
        }
    }
}

impl Serialize for Skipped {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Skipped", 4)?;
        st.serialize_field("path", &self.path)?;
        st.serialize_field("why", &self.why())?;
        st.serialize_field("reason", &self.reason)?;
        st.serialize_field("then", &self.then)?;
        st.end()
    }
}

/// Why the loader passed over a file with the wanted name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SkipReason {
    /// Another ELF class than the binary's (glibc skips it and searches on).
    WrongClass { candidate_64: bool, binary_64: bool },
    /// Another machine than the binary's (glibc skips it and searches on).
    WrongMachine {
        e_machine: u16,
        /// The binary's machine: `x86_64`.
        binary: String,
    },
    /// ld.so.cache lists the path, but the file is gone: the cache is stale.
    StaleCacheEntry,
    /// A cache entry in a default directory, which DF_1_NODEFLIB refuses.
    RefusedByNodeflib,
    /// Too many levels of symbolic links (ELOOP).
    SymlinkLoop,
    /// The file cannot be opened or read (permissions, an I/O error): the loader's
    /// `open` fails and it searches on.
    Unreadable { message: String },
    /// A file that cannot be loaded at all (`invalid ELF header`): musl stops at it.
    Unloadable { message: String },
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let class = |is_64: bool| if is_64 { "ELF64" } else { "ELF32" };
        match self {
            SkipReason::WrongClass {
                candidate_64,
                binary_64,
            } => write!(
                f,
                "{}, the binary is {}",
                class(*candidate_64),
                class(*binary_64)
            ),
            SkipReason::WrongMachine { e_machine, binary } => {
                write!(f, "e_machine {e_machine}, the binary is {binary}")
            }
            SkipReason::StaleCacheEntry => {
                f.write_str("listed in ld.so.cache but missing (stale cache)")
            }
            SkipReason::RefusedByNodeflib => {
                f.write_str("in a default directory, refused by NODEFLIB")
            }
            SkipReason::SymlinkLoop => f.write_str("too many levels of symbolic links (ELOOP)"),
            SkipReason::Unreadable { message } => write!(f, "cannot be read: {message}"),
            SkipReason::Unloadable { message } => f.write_str(message),
        }
    }
}

/// What the loader does after passing over a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterSkip {
    /// Searches on (glibc, for a wrong class or machine).
    SearchOn,
    /// Gives up on the rest of this search list (glibc, ELOOP).
    ListEnds,
    /// musl takes the first file that opens, and fails on it.
    MuslStops,
}

/// A candidate's wrong class or machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrongKind {
    /// The candidate's class.
    Class { is_64: bool },
    /// The candidate's machine.
    Machine { e_machine: u16 },
}

impl WrongKind {
    /// `32-bit (ELFCLASS32)`, `built for aarch64`.
    pub fn describe(&self) -> String {
        match self {
            WrongKind::Class { is_64: false } => "32-bit (ELFCLASS32)".into(),
            WrongKind::Class { is_64: true } => "64-bit (ELFCLASS64)".into(),
            WrongKind::Machine { e_machine } => {
                let name = match e_machine {
                    3 => "i386",
                    8 => "mips",
                    20 => "ppc",
                    21 => "ppc64",
                    22 => "s390x",
                    40 => "arm",
                    62 => "x86_64",
                    183 => "aarch64",
                    243 => "riscv",
                    258 => "loongarch",
                    n => return format!("built for e_machine {n}"),
                };
                format!("built for {name}")
            }
        }
    }
}

/// Where a library that was not found does exist, and what would make the loader find it.
/// Serialised as its sentence (`whyrun.tree/1` has always carried hints as text).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Hint {
    /// The file is in a directory that ld.so.conf lists, but ld.so.cache was built before
    /// it arrived: running `ldconfig` makes the loader find it.
    RunLdconfig {
        /// The library's path in the target.
        path: String,
        /// The ld.so.conf file and line that list its directory.
        conf_file: String,
        conf_line: usize,
    },
    /// Another version of the library is there (`libssl.so.1.1` where `libssl.so.3` is
    /// needed): the binary was linked against a version the target does not have.
    OtherVersion {
        path: String,
        soname: String,
        /// The name the binary needs.
        wanted: String,
    },
}

impl Hint {
    /// The library's path in the target.
    pub fn path(&self) -> &str {
        match self {
            Hint::RunLdconfig { path, .. } | Hint::OtherVersion { path, .. } => path,
        }
    }
}

impl Serialize for Hint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl std::fmt::Display for Hint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Hint::RunLdconfig {
                path,
                conf_file,
                conf_line,
            } => write!(
                f,
                "{path} exists, in a directory listed by {conf_file}:{conf_line}, but \
                 ld.so.cache does not list it: run ldconfig"
            ),
            Hint::OtherVersion {
                path,
                soname,
                wanted,
            } => write!(
                f,
                "{path} is another version ({soname}): the binary was linked against \
                 {wanted}, which is not there"
            ),
        }
    }
}

/// A symbol an object imports that no object of the link map defines: `symbol lookup
/// error: … undefined symbol: NAME, version VERSION`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingSymbol {
    /// The object importing it (index into `objects`).
    pub required_by: usize,
    pub name: String,
    pub version: Option<String>,
    /// A function bound lazily: the program starts and fails at the first call. Otherwise
    /// (data, or BIND_NOW) the loader stops before the program runs.
    pub lazy: bool,
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
