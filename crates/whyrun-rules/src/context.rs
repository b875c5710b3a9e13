//! What a rule sees: the binary's facts and where it sits in the target, the target model,
//! and the result of resolving the binary's libraries in that target. Everything here was
//! read before the rules run; rules do no I/O. The library resolution is the loader's typed
//! result: rules match on its values, never on text.

use whyrun_facts::Facts;
use whyrun_target::model::TargetModel;
pub use whyrun_target::resolution::{
    FoundBy, LibraryResolution, Method, MissingVersion, Outcome, ResolvedLibrary, UndefinedSymbol,
};

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

/// Options from the command line that rules read.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The user the binary will run as (`--user`), overriding the target's default.
    pub run_as: Option<String>,
    /// `run_as` comes from a launch whyrun judges with its own rules (a unit's `User=`,
    /// a container's user, a Dockerfile's `USER`), which say when it is missing
    /// (LAUNCH002, LAUNCH013); LAUNCH016 judges only a plain `--user`.
    pub user_from_launch: bool,
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
