//! `whyrun tree`: resolves each file's shared-library tree in the chosen target (this
//! machine or `--root DIR`) with the loader emulation of `whyrun-target`, and prints it
//! libtree-style (why each library was found where it was, where a missing one was looked
//! for, missing symbol versions) or as `whyrun.tree/1` JSON. Rendering only: the search
//! and every file read happen in the target crate.

use std::io::Write;
use std::path::Path;

use anstream::{eprintln, println};
use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Serialize;
use whyrun_target::loader::{LoadTree, NeedResult, Step};
use whyrun_target::{Loader, Target};

use crate::cli::TreeArgs;
use crate::exit;
use crate::style::{ACCENT, BAD, GOOD, LABEL, PATH, WARN};

/// The JSON schema identifier; bumped on any incompatible change.
pub const SCHEMA: &str = "whyrun.tree/1";
/// Exit code when a library, the interpreter or a required symbol version is missing.
pub const MISSING: u8 = crate::exit::FAILS;

#[derive(Serialize)]
struct Report<'a> {
    schema: &'static str,
    whyrun_version: &'static str,
    target: String,
    files: Vec<FileReport<'a>>,
}

#[derive(Serialize)]
struct FileReport<'a> {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    ok: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tree: Option<&'a LoadTree>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub fn run(args: &TreeArgs) -> Result<u8> {
    let mut target = match &args.root {
        Some(dir) => Target::root(dir).with_context(|| format!("--root {}", dir.display()))?,
        None => Target::host(),
    };
    if let Some(lp) = &args.ld_library_path {
        target.ld_library_path = Some(lp.clone());
    }
    let describe = target.view().describe();
    let loader = Loader::new(target);
    let results: Vec<(String, Result<LoadTree, String>)> = args
        .files
        .par_iter()
        .map(|f| {
            (
                f.display().to_string(),
                loader.resolve(Path::new(f)).map_err(|e| e.to_string()),
            )
        })
        .collect();

    let mut code = exit::OK;
    for (path, r) in &results {
        match r {
            Err(e) => {
                eprintln!("whyrun: {path}: {e}");
                code = exit::INPUT_ERROR;
            }
            Ok(t) if !t.ok() && code == exit::OK => code = MISSING,
            Ok(_) => {}
        }
    }

    if args.json {
        let report = Report {
            schema: SCHEMA,
            whyrun_version: env!("CARGO_PKG_VERSION"),
            target: describe,
            files: results
                .iter()
                .map(|(path, r)| FileReport {
                    path: path.clone(),
                    ok: r.as_ref().ok().map(LoadTree::ok),
                    tree: r.as_ref().ok(),
                    error: r.as_ref().err().cloned(),
                })
                .collect(),
        };
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        let mut first = true;
        for (_, r) in &results {
            if let Ok(t) = r {
                if !first {
                    println!();
                }
                first = false;
                print_tree(
                    t,
                    args.verbose,
                    args.root.is_some().then_some(describe.as_str()),
                );
            }
        }
    }
    Ok(code)
}

fn step_text(step: &Step, dir: &str, hwcaps: Option<&str>) -> String {
    let mut s = match step {
        Step::Rpath { of } => format!("rpath of {of}"),
        Step::Runpath { of } => format!("runpath of {of}"),
        Step::DefaultPath => format!("default path {dir}"),
        Step::LdLibraryPath => format!("LD_LIBRARY_PATH {dir}"),
        other => other.label().to_string(),
    };
    if let Some(h) = hwcaps {
        s.push_str(&format!(", glibc-hwcaps/{h}"));
    }
    s
}

fn print_tree(t: &LoadTree, verbose: bool, root: Option<&str>) {
    let main = &t.objects[0];
    let mut head = format!("{PATH}{}{PATH:#}", t.file);
    if let Some(r) = root {
        head.push_str(&format!(" {LABEL}(in {r}){LABEL:#}"));
    }
    println!("{head}");
    if let Some(i) = &t.interpreter {
        match &i.found {
            Some(_) => println!("{LABEL}interpreter{LABEL:#} {}", i.path),
            None => println!(
                "{LABEL}interpreter{LABEL:#} {BAD}{} not found: the program cannot start{BAD:#}",
                i.path
            ),
        }
    } else if main.needs.is_empty() {
        println!("{LABEL}statically linked: no interpreter, no libraries{LABEL:#}");
    }
    let mut expanded = vec![false; t.objects.len()];
    expanded[0] = true;
    print_children(t, 0, "", verbose, &mut expanded);
    for w in &t.warnings {
        println!("{WARN}warning:{WARN:#} {w}");
    }
    if verbose {
        let s = &t.search;
        println!(
            "{LABEL}search:{LABEL:#} {:?} via {}; default dirs {} ({})",
            s.libc,
            s.loader,
            s.system_dirs.join(":"),
            s.system_dirs_source
        );
        if !s.hwcaps.is_empty() {
            println!("{LABEL}glibc-hwcaps:{LABEL:#} {}", s.hwcaps.join(", "));
        }
        if let Some(c) = &s.cache {
            match (&c.entries, &c.error) {
                (Some(n), _) => println!("{LABEL}cache:{LABEL:#} {} ({n} entries)", c.path),
                (_, Some(e)) => println!("{LABEL}cache:{LABEL:#} {} unusable: {e}", c.path),
                _ => {}
            }
        }
    }
    if let Some(f) = &t.fatal {
        println!("{BAD}error while loading shared libraries: {f}{BAD:#}");
    }
    let bad_versions = t.missing_versions.iter().filter(|m| !m.weak).count();
    if !t.missing.is_empty() || bad_versions > 0 {
        let mut parts = Vec::new();
        if !t.missing.is_empty() {
            parts.push(format!(
                "{} missing: {}",
                plural(t.missing.len(), "library", "libraries"),
                t.missing.join(", ")
            ));
        }
        if bad_versions > 0 {
            parts.push(format!(
                "{} missing",
                plural(bad_versions, "symbol version", "symbol versions")
            ));
        }
        println!("{BAD}{}{BAD:#}", parts.join("; "));
    } else if t.ok() && t.objects.len() > 1 {
        println!(
            "{GOOD}{} loaded, every symbol version defined{GOOD:#}",
            plural(t.objects.len() - 1, "object", "objects")
        );
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn print_children(t: &LoadTree, idx: usize, prefix: &str, verbose: bool, expanded: &mut [bool]) {
    let obj = &t.objects[idx];
    let versions: Vec<_> = t
        .missing_versions
        .iter()
        .filter(|m| m.required_by == idx)
        .collect();
    let shown: Vec<_> = obj
        .needs
        .iter()
        .filter(|n| verbose || !matches!(n.result, NeedResult::Reused { .. }))
        .collect();
    let total = shown.len() + versions.len();
    for (k, need) in shown.iter().enumerate() {
        let last = k + 1 == total;
        let (branch, cont) = if last {
            ("└── ", "    ")
        } else {
            ("├── ", "│   ")
        };
        let child_prefix = format!("{prefix}{cont}");
        match &need.result {
            NeedResult::Loaded {
                object,
                step,
                dir,
                hwcaps,
                skipped,
            } => {
                let o = &t.objects[*object];
                println!(
                    "{prefix}{branch}{ACCENT}{}{ACCENT:#} => {} {LABEL}[{}]{LABEL:#}",
                    need.name,
                    o.path,
                    step_text(step, dir, hwcaps.as_deref())
                );
                for s in skipped {
                    println!("{child_prefix}{WARN}skipped{WARN:#} {}: {}", s.path, s.why);
                }
                if !expanded[*object] {
                    expanded[*object] = true;
                    print_children(t, *object, &child_prefix, verbose, expanded);
                }
            }
            NeedResult::Reused { object, matched } => {
                let o = &t.objects[*object];
                let what = if o.interpreter {
                    "the interpreter"
                } else {
                    "already loaded"
                };
                println!(
                    "{prefix}{branch}{LABEL}{} => {} [{what}, by {matched}]{LABEL:#}",
                    need.name, o.path
                );
            }
            NeedResult::NotFound {
                tried,
                skipped,
                hints,
            } => {
                println!("{prefix}{branch}{BAD}{} not found{BAD:#}", need.name);
                for s in skipped {
                    println!("{child_prefix}{WARN}skipped{WARN:#} {}: {}", s.path, s.why);
                }
                let mut last_label = String::new();
                for tr in tried {
                    let label = step_text(&tr.step, "", None);
                    let label = match &tr.step {
                        Step::DefaultPath => "default path".to_string(),
                        Step::LdLibraryPath => "LD_LIBRARY_PATH".to_string(),
                        _ => label,
                    };
                    if label != last_label {
                        println!("{child_prefix}{LABEL}tried {label}:{LABEL:#} {}", tr.place);
                        last_label = label;
                    } else {
                        println!(
                            "{child_prefix}{LABEL}      {:width$} {}{LABEL:#}",
                            "",
                            tr.place,
                            width = last_label.len() + 1
                        );
                    }
                }
                for h in hints {
                    println!("{child_prefix}{WARN}hint:{WARN:#} {h}");
                }
            }
            NeedResult::Failed { path, message } => println!(
                "{prefix}{branch}{BAD}{} => {path}: {message} (the loader gives up here){BAD:#}",
                need.name
            ),
            _ => println!("{prefix}{branch}{}", need.name),
        }
    }
    for (k, m) in versions.iter().enumerate() {
        let last = shown.len() + k + 1 == total;
        let branch = if last { "└── " } else { "├── " };
        let style = if m.weak { WARN } else { BAD };
        let weak = if m.weak {
            " (weak: a warning only)"
        } else {
            ""
        };
        let syms = if m.symbols.is_empty() {
            String::new()
        } else {
            format!(" for {}", m.symbols.join(", "))
        };
        println!(
            "{prefix}{branch}{style}version {} not found in {}{weak}{style:#}{LABEL}{syms}{LABEL:#}",
            m.version, m.library
        );
    }
}
