//! `whyrun tree`: resolves each file's shared-library tree in the chosen target (this
//! machine or `--root DIR`) with the loader emulation of `whyrun-target`, and prints it
//! libtree-style (why each library was found where it was, where a missing one was looked
//! for, missing symbol versions) or as `whyrun.tree/1` JSON. Rendering only: the search
//! and every file read happen in the target crate. Output is formatted into one buffered
//! writer with colour decided once, so a run over hundreds of files costs a few writes.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use anstream::eprintln;
use anstyle::Style;
use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Serialize;
use whyrun_target::loader::{LoadTree, NeedResult, Step};
use whyrun_target::{Loader, Target};

use crate::cli::TreeArgs;
use crate::exit;
use crate::style::{ACCENT, BAD, GOOD, LABEL, PATH, WARN};

/// Bytes buffered before a write to stdout.
const OUT_BUFFER: usize = 1 << 16;
/// Files resolved (in parallel) before their trees are printed.
const TEXT_CHUNK: usize = 128;

/// The styles of one run: the terminal styles when stdout takes colour (as `anstream`
/// decides it: a terminal, `NO_COLOR`, `CLICOLOR_FORCE`), plain ones otherwise.
#[derive(Clone, Copy)]
struct Palette {
    path: Style,
    label: Style,
    good: Style,
    warn: Style,
    bad: Style,
    accent: Style,
}

impl Palette {
    fn for_stdout() -> Palette {
        let plain = Style::new();
        if anstream::AutoStream::choice(&io::stdout()) == anstream::ColorChoice::Never {
            Palette {
                path: plain,
                label: plain,
                good: plain,
                warn: plain,
                bad: plain,
                accent: plain,
            }
        } else {
            Palette {
                path: PATH,
                label: LABEL,
                good: GOOD,
                warn: WARN,
                bad: BAD,
                accent: ACCENT,
            }
        }
    }
}

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
    let resolve = |f: &std::path::PathBuf| {
        (
            f.display().to_string(),
            loader.resolve(Path::new(f)).map_err(|e| e.to_string()),
        )
    };
    let mut code = exit::OK;
    let mut note = |path: &str, r: &Result<LoadTree, String>| match r {
        Err(e) => {
            eprintln!("whyrun: {path}: {e}");
            code = exit::INPUT_ERROR;
        }
        Ok(t) if !t.ok() && code == exit::OK => code = MISSING,
        Ok(_) => {}
    };

    let mut out = BufWriter::with_capacity(OUT_BUFFER, io::stdout().lock());
    if args.json {
        let results: Vec<(String, Result<LoadTree, String>)> =
            args.files.par_iter().map(resolve).collect();
        for (path, r) in &results {
            note(path, r);
        }
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
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
        // The process ends next: freeing every tree one by one would only cost time.
        std::mem::forget(results);
    } else {
        // Resolved a chunk at a time and printed in order, so memory stays bounded.
        let pal = Palette::for_stdout();
        let root = args.root.is_some().then_some(describe.as_str());
        let mut first = true;
        for chunk in args.files.chunks(TEXT_CHUNK) {
            let results: Vec<(String, Result<LoadTree, String>)> =
                chunk.par_iter().map(resolve).collect();
            for (path, r) in &results {
                note(path, r);
                if let Ok(t) = r {
                    if !first {
                        writeln!(out)?;
                    }
                    first = false;
                    print_tree(&mut out, &pal, t, args.verbose, root)?;
                }
            }
        }
    }
    out.flush()?;
    // As for the trees: the caches go with the process.
    std::mem::forget(loader);
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

fn print_tree(
    out: &mut impl Write,
    pal: &Palette,
    t: &LoadTree,
    verbose: bool,
    root: Option<&str>,
) -> io::Result<()> {
    let Palette {
        path,
        label,
        good,
        warn,
        bad,
        ..
    } = *pal;
    let main = &t.objects[0];
    let mut head = format!("{path}{}{path:#}", t.file);
    if let Some(r) = root {
        head.push_str(&format!(" {label}(in {r}){label:#}"));
    }
    writeln!(out, "{head}")?;
    if let Some(i) = &t.interpreter {
        match &i.found {
            Some(_) => writeln!(out, "{label}interpreter{label:#} {}", i.path)?,
            None => writeln!(
                out,
                "{label}interpreter{label:#} {bad}{} not found: the program cannot start{bad:#}",
                i.path
            )?,
        }
    } else if main.needs.is_empty() {
        writeln!(
            out,
            "{label}statically linked: no interpreter, no libraries{label:#}"
        )?;
    }
    let mut expanded = vec![false; t.objects.len()];
    expanded[0] = true;
    print_children(out, pal, t, 0, "", verbose, &mut expanded)?;
    for w in &t.warnings {
        writeln!(out, "{warn}warning:{warn:#} {w}")?;
    }
    if verbose {
        let s = &t.search;
        writeln!(
            out,
            "{label}search:{label:#} {:?} via {}; default dirs {} ({})",
            s.libc,
            s.loader,
            s.system_dirs.join(":"),
            s.system_dirs_source
        )?;
        if !s.hwcaps.is_empty() {
            writeln!(out, "{label}glibc-hwcaps:{label:#} {}", s.hwcaps.join(", "))?;
        }
        if let Some(c) = &s.cache {
            match (&c.entries, &c.error) {
                (Some(n), _) => writeln!(out, "{label}cache:{label:#} {} ({n} entries)", c.path)?,
                (_, Some(e)) => writeln!(out, "{label}cache:{label:#} {} unusable: {e}", c.path)?,
                _ => {}
            }
        }
    }
    if let Some(f) = &t.fatal {
        writeln!(out, "{bad}error while loading shared libraries: {f}{bad:#}")?;
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
        writeln!(out, "{bad}{}{bad:#}", parts.join("; "))?;
    } else if t.ok() && t.objects.len() > 1 {
        writeln!(
            out,
            "{good}{} loaded, every symbol version defined{good:#}",
            plural(t.objects.len() - 1, "object", "objects")
        )?;
    }
    Ok(())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn print_children(
    out: &mut impl Write,
    pal: &Palette,
    t: &LoadTree,
    idx: usize,
    prefix: &str,
    verbose: bool,
    expanded: &mut [bool],
) -> io::Result<()> {
    let Palette {
        label,
        warn,
        bad,
        accent,
        ..
    } = *pal;
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
                writeln!(
                    out,
                    "{prefix}{branch}{accent}{}{accent:#} => {} {label}[{}]{label:#}",
                    need.name,
                    o.path,
                    step_text(step, dir, hwcaps.as_deref())
                )?;
                for s in skipped {
                    writeln!(
                        out,
                        "{child_prefix}{warn}skipped{warn:#} {}: {}",
                        s.path, s.why
                    )?;
                }
                if !expanded[*object] {
                    expanded[*object] = true;
                    print_children(out, pal, t, *object, &child_prefix, verbose, expanded)?;
                }
            }
            NeedResult::Reused { object, matched } => {
                let o = &t.objects[*object];
                let what = if o.interpreter {
                    "the interpreter"
                } else {
                    "already loaded"
                };
                writeln!(
                    out,
                    "{prefix}{branch}{label}{} => {} [{what}, by {matched}]{label:#}",
                    need.name, o.path
                )?;
            }
            NeedResult::NotFound {
                tried,
                skipped,
                hints,
            } => {
                writeln!(out, "{prefix}{branch}{bad}{} not found{bad:#}", need.name)?;
                for s in skipped {
                    writeln!(
                        out,
                        "{child_prefix}{warn}skipped{warn:#} {}: {}",
                        s.path, s.why
                    )?;
                }
                let mut last_label = String::new();
                for tr in tried {
                    let step_label = step_text(&tr.step, "", None);
                    let step_label = match &tr.step {
                        Step::DefaultPath => "default path".to_string(),
                        Step::LdLibraryPath => "LD_LIBRARY_PATH".to_string(),
                        _ => step_label,
                    };
                    if step_label != last_label {
                        writeln!(
                            out,
                            "{child_prefix}{label}tried {step_label}:{label:#} {}",
                            tr.place
                        )?;
                        last_label = step_label;
                    } else {
                        writeln!(
                            out,
                            "{child_prefix}{label}      {:width$} {}{label:#}",
                            "",
                            tr.place,
                            width = last_label.len() + 1
                        )?;
                    }
                }
                for h in hints {
                    writeln!(out, "{child_prefix}{warn}hint:{warn:#} {h}")?;
                }
            }
            NeedResult::Failed { path, message } => writeln!(
                out,
                "{prefix}{branch}{bad}{} => {path}: {message} (the loader gives up here){bad:#}",
                need.name
            )?,
            _ => writeln!(out, "{prefix}{branch}{}", need.name)?,
        }
    }
    for (k, m) in versions.iter().enumerate() {
        let last = shown.len() + k + 1 == total;
        let branch = if last { "└── " } else { "├── " };
        let style = if m.weak { warn } else { bad };
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
        writeln!(
 out,
            "{prefix}{branch}{style}version {} not found in {}{weak}{style:#}{label}{syms}{label:#}",
            m.version, m.library
        )?;
    }
    Ok(())
}
