//! How a binary's libraries resolve in a target, typed, in the shape the rules read: one
//! entry per needed library with its outcome (found by which step, not found after which
//! places and with which hints, or found and unloadable), the candidates passed over and
//! why, and the symbol versions it lacks. Built from the loader's tree when the target has
//! files to search, or from a profile's or snapshot's library list (by SONAME, direct
//! dependencies only) when it has not. Nothing here is text to be parsed again: every
//! reason is a value.

use std::collections::BTreeSet;

use serde::Serialize;
use whyrun_facts::Facts;

use crate::loader::{Hint, LoadTree, NeedResult, Skipped, Step, Tried};
use crate::model::TargetModel;

/// How the libraries were resolved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// The target's files were searched exactly as its loader would.
    #[default]
    Loader,
    /// Only a profile's or snapshot's list of libraries was available: direct needs,
    /// matched by SONAME and machine.
    LibraryList,
}

/// How the binary's libraries resolve in the target.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LibraryResolution {
    pub method: Method,
    /// Whether the program interpreter exists in the target (`None`: static binary).
    pub interpreter_found: Option<bool>,
    /// Every library the loader needs, in load order (direct and indirect).
    pub libraries: Vec<ResolvedLibrary>,
    /// Symbols imported and defined by no loaded object (looked up only when every
    /// library loads).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_symbols: Vec<UndefinedSymbol>,
}

/// A symbol an object imports that nothing in its link map defines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UndefinedSymbol {
    pub name: String,
    pub version: Option<String>,
    /// The object importing it.
    pub required_by: String,
    /// A function bound lazily: the program starts and fails at the first call.
    pub lazy: bool,
}

/// One DT_NEEDED entry and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedLibrary {
    /// As written in DT_NEEDED: `libsqlite3.so.0`.
    pub name: String,
    /// The object that needs it (the binary, or a library path).
    pub needed_by: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Files with the name that the loader passed over, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    /// Versions required from it that it does not define.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_versions: Vec<MissingVersion>,
}

/// What became of one needed library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// Found: the canonical path, and how.
    Found { path: String, by: FoundBy },
    /// Not found anywhere searched.
    NotFound {
        /// Every place searched, with the step of the search order that searched it
        /// (empty for a library list).
        tried: Vec<Tried>,
        /// Where it does exist without the loader looking there.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        hints: Vec<Hint>,
    },
    /// A file found under the name that cannot be loaded at all (`invalid ELF header`):
    /// glibc stops the program there.
    Unloadable { path: String, message: String },
}

/// How a library was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum FoundBy {
    /// A step of the loader's search order, in `dir` (a glibc-hwcaps subdirectory of it
    /// when `hwcaps` is set).
    Loader {
        step: Step,
        dir: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        hwcaps: Option<String>,
    },
    /// An object already in the link map matched the name (its own name or SONAME).
    AlreadyLoaded,
    /// The target's list of libraries (a profile or snapshot).
    LibraryList,
}

impl std::fmt::Display for FoundBy {
    /// `DT_RUNPATH of /app/server (/app/lib/)`, `ld.so.cache`, `default path (/lib/)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FoundBy::Loader { step, dir, .. } => match step {
                Step::Rpath { of } => write!(f, "DT_RPATH of {of} ({dir})"),
                Step::Runpath { of } => write!(f, "DT_RUNPATH of {of} ({dir})"),
                Step::LdLibraryPath => write!(f, "LD_LIBRARY_PATH ({dir})"),
                Step::DefaultPath => write!(f, "default path ({dir})"),
                other => f.write_str(other.label()),
            },
            FoundBy::AlreadyLoaded => f.write_str("an object already loaded"),
            FoundBy::LibraryList => f.write_str("the target's library list"),
        }
    }
}

/// A symbol version required and not defined by the library that provides it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MissingVersion {
    pub version: String,
    /// A weak requirement (VER_FLG_WEAK): glibc only warns when it is missing.
    pub weak: bool,
    /// The object requiring it.
    pub required_by: String,
    pub symbols: Vec<String>,
}

impl ResolvedLibrary {
    /// A library not found, with nothing tried: the start of a hand-built resolution.
    pub fn not_found(name: impl Into<String>, needed_by: impl Into<String>) -> ResolvedLibrary {
        ResolvedLibrary {
            name: name.into(),
            needed_by: needed_by.into(),
            outcome: Outcome::NotFound {
                tried: Vec::new(),
                hints: Vec::new(),
            },
            skipped: Vec::new(),
            missing_versions: Vec::new(),
        }
    }

    /// Where it was found, when it was.
    pub fn found(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Found { path, .. } => Some(path),
            _ => None,
        }
    }

    /// How it was found, when the loader found it.
    pub fn found_by(&self) -> Option<&FoundBy> {
        match &self.outcome {
            Outcome::Found { by, .. } => Some(by),
            _ => None,
        }
    }

    /// The places searched, when it was not found.
    pub fn tried(&self) -> &[Tried] {
        match &self.outcome {
            Outcome::NotFound { tried, .. } => tried,
            _ => &[],
        }
    }

    /// What would make the loader find it, when it was not found.
    pub fn hints(&self) -> &[Hint] {
        match &self.outcome {
            Outcome::NotFound { hints, .. } => hints,
            _ => &[],
        }
    }

    /// The file found under the name that cannot be loaded, and the loader's message.
    pub fn unloadable(&self) -> Option<(&str, &str)> {
        match &self.outcome {
            Outcome::Unloadable { path, message } => Some((path, message)),
            _ => None,
        }
    }

    /// The candidates passed over because of their class or machine.
    pub fn wrong_kind_candidates(&self) -> Vec<(&Skipped, crate::loader::WrongKind)> {
        self.skipped
            .iter()
            .filter_map(|s| s.wrong_kind().map(|k| (s, k)))
            .collect()
    }
}

/// [`from_tree`], with the symbols no loaded object defines when every library loads
/// (read through `loader`, which resolved the tree).
pub fn from_tree_with_symbols(tree: &LoadTree, loader: &crate::Loader) -> LibraryResolution {
    let mut r = from_tree(tree);
    let loads = tree.interpreter.as_ref().is_none_or(|i| i.found.is_some())
        && tree.fatal.is_none()
        && tree.missing.is_empty();
    if loads {
        r.missing_symbols = loader
            .missing_symbols(tree)
            .into_iter()
            .map(|m| UndefinedSymbol {
                required_by: tree
                    .objects
                    .get(m.required_by)
                    .map(|o| o.path.clone())
                    .unwrap_or_default(),
                name: m.name,
                version: m.version,
                lazy: m.lazy,
            })
            .collect();
    }
    r
}

/// The loader's tree, flattened: one entry per DT_NEEDED of every loaded object that was
/// loaded, failed or not found (names reused from an earlier load are left out unless a
/// version is missing from them).
pub fn from_tree(tree: &LoadTree) -> LibraryResolution {
    let canonical = |object: usize| {
        tree.objects
            .get(object)
            .map(|o| o.canonical.clone())
            .unwrap_or_default()
    };
    let mut libraries = Vec::new();
    for (i, object) in tree.objects.iter().enumerate() {
        for need in &object.needs {
            let (outcome, skipped) = match &need.result {
                NeedResult::Loaded {
                    object: found,
                    step,
                    dir,
                    hwcaps,
                    skipped,
                } => (
                    Outcome::Found {
                        path: canonical(*found),
                        by: FoundBy::Loader {
                            step: step.clone(),
                            dir: dir.clone(),
                            hwcaps: hwcaps.clone(),
                        },
                    },
                    skipped.clone(),
                ),
                NeedResult::NotFound {
                    tried,
                    skipped,
                    hints,
                } => (
                    Outcome::NotFound {
                        tried: tried.clone(),
                        hints: hints.clone(),
                    },
                    skipped.clone(),
                ),
                NeedResult::Failed { path, message } => (
                    Outcome::Unloadable {
                        path: path.clone(),
                        message: message.clone(),
                    },
                    Vec::new(),
                ),
                NeedResult::Reused { object: found, .. } => (
                    Outcome::Found {
                        path: canonical(*found),
                        by: FoundBy::AlreadyLoaded,
                    },
                    Vec::new(),
                ),
            };
            let missing_versions: Vec<MissingVersion> = tree
                .missing_versions
                .iter()
                .filter(|m| m.required_by == i && m.library == need.name)
                .map(|m| MissingVersion {
                    version: m.version.clone(),
                    weak: m.weak,
                    required_by: object.path.clone(),
                    symbols: m.symbols.clone(),
                })
                .collect();
            if matches!(need.result, NeedResult::Reused { .. }) && missing_versions.is_empty() {
                continue;
            }
            libraries.push(ResolvedLibrary {
                name: need.name.clone(),
                needed_by: object.path.clone(),
                outcome,
                skipped,
                missing_versions,
            });
        }
    }
    LibraryResolution {
        method: Method::Loader,
        interpreter_found: tree.interpreter.as_ref().map(|i| i.found.is_some()),
        libraries,
        missing_symbols: Vec::new(),
    }
}

/// Resolution against a target that has no files, only a list of libraries: each direct
/// DT_NEEDED by SONAME and machine, its required versions checked against the list's.
pub fn from_index(facts: &Facts, model: &TargetModel, binary: &str) -> LibraryResolution {
    let arch = &facts.elf.machine.name;
    let interpreter_found = facts.elf.interpreter.as_ref().map(|interp| {
        model.interpreters.iter().any(|p| p == interp)
            || model.libc.as_ref().is_some_and(|l| &l.loader == interp)
    });
    let libraries = facts
        .elf
        .needed
        .iter()
        .map(|name| {
            let hit = model
                .libraries
                .iter()
                .find(|l| &l.soname == name && &l.arch == arch);
            let mut lib = ResolvedLibrary::not_found(name.clone(), binary);
            if let Some(l) = hit {
                lib.outcome = Outcome::Found {
                    path: l.path.clone(),
                    by: FoundBy::LibraryList,
                };
                let defined: BTreeSet<&str> = l.versions.iter().map(String::as_str).collect();
                lib.missing_versions = facts
                    .elf
                    .version_needs
                    .iter()
                    .filter(|n| &n.library == name)
                    .flat_map(|n| &n.versions)
                    .filter(|v| !v.weak && !defined.contains(v.name.as_str()))
                    .map(|v| MissingVersion {
                        version: v.name.clone(),
                        weak: v.weak,
                        required_by: binary.to_string(),
                        symbols: v.symbols.clone(),
                    })
                    .collect();
            }
            lib
        })
        .collect();
    LibraryResolution {
        method: Method::LibraryList,
        interpreter_found,
        libraries,
        missing_symbols: Vec::new(),
    }
}
