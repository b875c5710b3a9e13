//! What a rule can judge. Every rule declares one subject; the one table of rules covers
//! them all, and a rule is only ever run over its own kind of subject. Each non-binary
//! subject is read into plain data with the location of every value, so its findings
//! point at the file, line and column they are about.

use serde::Serialize;
use whyrun_target::model::SourceKind;

use crate::access::{FileMode, RunAs};

/// The kinds of subject rules judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Subject {
    /// A binary placed in a target: will it start and keep running there?
    BinaryOnTarget,
    /// A binary started a certain way on a target (user, groups, working directory,
    /// files, ports, capabilities, sandboxing).
    Launch,
    /// What builds the binary: go.mod, go.sum, go.work, vendor/, a Dockerfile.
    BuildInputs,
    /// A container image: its config and file system.
    Image,
    /// whyrun's own configuration file.
    Config,
}

impl Subject {
    pub fn label(self) -> &'static str {
        match self {
            Subject::BinaryOnTarget => "binary on target",
            Subject::Launch => "launch",
            Subject::BuildInputs => "build inputs",
            Subject::Image => "image",
            Subject::Config => "configuration",
        }
    }
}

/// A script started as a program: its `#!` line, and what the target has of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptSubject {
    /// The script's path in the target.
    pub path: String,
    /// The target's name.
    pub target: String,
    pub shebang: whyrun_facts::script::Shebang,
    /// Whether the interpreter exists there as an executable file.
    pub interpreter: Presence,
    /// For `#!/usr/bin/env NAME`: NAME looked up in the target's PATH.
    pub env_lookup: Option<(String, Presence)>,
    /// The script's mode and owner in the target, as far as known; `None` when neither the
    /// target nor a local file gives its mode (a profile checked with `--inside`).
    pub file: Option<FileMode>,
    /// Who runs it: `--user`, else the target's default user, else root.
    pub run_as: RunAs,
    /// The kind of target (an image's fix is a Dockerfile line, a root's a `chmod`).
    pub source: SourceKind,
}

/// Whether a file exists in the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence {
    /// At this path.
    Found(String),
    /// Nowhere it was looked for (these places).
    Missing(Vec<String>),
    /// The target has no files to look in (a profile, a snapshot).
    Unknown,
}

/// An image's command (Entrypoint and Cmd) that names no executable file in the image,
/// or that runs a shell script whyrun cannot follow to a program.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MissingCommand {
    /// The image, as named.
    pub image: String,
    /// The program the command starts (`/app/server`, `server`); empty when the image
    /// sets neither Entrypoint nor Cmd.
    pub program: String,
    /// Where it was looked for (the path itself, or each PATH directory).
    pub searched: Vec<String>,
    /// The shell form too complex to follow: the shell, and its `-c` script.
    pub script: Option<(String, String)>,
}

/// A configuration file as read: every rule code it names, where, and under which key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigSubject {
    /// The file, as it will be shown.
    pub path: String,
    pub codes: Vec<CodeReference>,
}

/// A rule code named in a configuration file or on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeReference {
    /// As written.
    pub code: String,
    /// The key it is under: `ignore`, `severity`, `per-path-ignores`.
    pub key: String,
    /// Line and column (from 1) of the code in the file.
    pub line: usize,
    pub column: usize,
}
