//! What a rule sees: the binary's facts and where it sits in the target, the target model,
//! and the result of resolving the binary's libraries in that target. Everything here was
//! read before the rules run; rules do no I/O.

use serde::Serialize;
use whyrun_facts::Facts;
use whyrun_target::model::TargetModel;

/// The binary being checked, as the target will hold it.
#[derive(Debug, Clone)]
pub struct Binary<'a> {
    /// How the user named it (a local path, or a path inside the target).
    pub display_path: String,
    /// Where it lives (or will live) inside the target: `/app/server`.
    pub path_in_target: String,
    pub facts: &'a Facts,
    /// File mode bits as the target holds the file; `None` when not known (a local binary
    /// about to be copied keeps its own mode, which is what is given then).
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

/// How the binary's libraries resolve in the target.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LibraryResolution {
    /// `loader` when the target's files were searched exactly as ld.so would; `index` when
    /// only a profile's or snapshot's list of libraries was available.
    pub method: String,
    /// Whether the program interpreter exists in the target (`None`: static binary).
    pub interpreter_found: Option<bool>,
    /// Every library the loader needs, in load order (direct and indirect).
    pub libraries: Vec<ResolvedLibrary>,
}

/// One DT_NEEDED entry and what became of it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ResolvedLibrary {
    /// As written in DT_NEEDED: `libsqlite3.so.0`.
    pub name: String,
    /// The object that needs it (the binary, or a library path).
    pub needed_by: String,
    /// Where it was found, `None` if not.
    pub found: Option<String>,
    /// Why it was found there: `ld.so.cache`, `RUNPATH of /app/server`, `default path`.
    pub reason: Option<String>,
    /// Directories or files tried, when not found.
    pub tried: Vec<String>,
    /// Candidates skipped because of the wrong class or machine.
    pub wrong_arch: Vec<String>,
    /// Versions required from it that it does not define.
    pub missing_versions: Vec<MissingVersion>,
    /// A file with the name was found but cannot be loaded at all (`path: message`, e.g.
    /// `invalid ELF header`): glibc stops the program there.
    pub failed: Option<String>,
    /// Advice from the search (`run ldconfig`: the library sits in an ld.so.conf directory
    /// the cache does not list).
    pub hints: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct MissingVersion {
    pub version: String,
    /// A weak requirement (VER_FLG_WEAK): glibc only warns when it is missing.
    pub weak: bool,
    /// The object requiring it.
    pub required_by: String,
    pub symbols: Vec<String>,
}

/// Options from the command line that rules read.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The user the binary will run as (`--user`), overriding the target's default.
    pub run_as: Option<String>,
}

/// Everything a rule sees.
#[derive(Debug, Clone)]
pub struct CheckContext<'a> {
    pub binary: Binary<'a>,
    pub target: &'a TargetModel,
    pub libraries: &'a LibraryResolution,
    pub options: &'a CheckOptions,
}

impl<'a> CheckContext<'a> {
    pub fn facts(&self) -> &'a Facts {
        self.binary.facts
    }
}
