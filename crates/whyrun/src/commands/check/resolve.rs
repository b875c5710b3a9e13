//! How the binary's libraries resolve in a target, in the shape rules read: from the
//! loader's emulation when the target has files to search, or from a profile's or
//! snapshot's library list (by SONAME, direct dependencies only) when it has not.

use std::collections::BTreeSet;

use whyrun_facts::Facts;
use whyrun_rules::{LibraryResolution, MissingVersion, ResolvedLibrary};
use whyrun_target::loader::{LoadTree, NeedResult, Step};
use whyrun_target::model::TargetModel;

fn reason(step: &Step, dir: &str) -> String {
    match step {
        Step::Rpath { of } => format!("DT_RPATH of {of} ({dir})"),
        Step::Runpath { of } => format!("DT_RUNPATH of {of} ({dir})"),
        Step::LdLibraryPath => format!("LD_LIBRARY_PATH ({dir})"),
        Step::LdSoCache => "ld.so.cache".to_string(),
        Step::DefaultPath => format!("default path ({dir})"),
        other => other.label().to_string(),
    }
}

/// The loader's tree, flattened: one entry per DT_NEEDED of every loaded object that was
/// loaded, failed or not found (names reused from an earlier load are left out).
pub fn from_tree(tree: &LoadTree) -> LibraryResolution {
    let mut libraries = Vec::new();
    for (i, object) in tree.objects.iter().enumerate() {
        for need in &object.needs {
            let mut lib = ResolvedLibrary {
                name: need.name.clone(),
                needed_by: object.path.clone(),
                ..Default::default()
            };
            match &need.result {
                NeedResult::Loaded {
                    object: found,
                    step,
                    dir,
                    skipped,
                    ..
                } => {
                    lib.found = tree.objects.get(*found).map(|o| o.canonical.clone());
                    lib.reason = Some(reason(step, dir));
                    lib.wrong_arch = skipped
                        .iter()
                        .map(|s| format!("{} ({})", s.path, s.why))
                        .collect();
                }
                NeedResult::NotFound { tried, skipped, .. } => {
                    lib.tried = tried
                        .iter()
                        .map(|t| format!("{} ({})", t.place, t.step.label()))
                        .collect();
                    lib.wrong_arch = skipped
                        .iter()
                        .map(|s| format!("{} ({})", s.path, s.why))
                        .collect();
                }
                NeedResult::Failed { path, message } => {
                    lib.tried = vec![format!("{path}: {message}")];
                }
                _ => continue,
            }
            lib.missing_versions = tree
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
            if matches!(need.result, NeedResult::Reused { .. }) && lib.missing_versions.is_empty() {
                continue;
            }
            libraries.push(lib);
        }
    }
    LibraryResolution {
        method: "loader".into(),
        interpreter_found: tree.interpreter.as_ref().map(|i| i.found.is_some()),
        libraries,
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
            let mut lib = ResolvedLibrary {
                name: name.clone(),
                needed_by: binary.to_string(),
                found: hit.map(|l| l.path.clone()),
                reason: hit.map(|_| format!("library list of {}", model.name)),
                ..Default::default()
            };
            match hit {
                Some(l) => {
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
                None => lib.tried = vec![format!("the library list of {}", model.name)],
            }
            lib
        })
        .collect();
    LibraryResolution {
        method: "index".into(),
        interpreter_found,
        libraries,
    }
}
