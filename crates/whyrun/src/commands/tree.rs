//! `whyrun tree`: resolves each file's shared-library tree in the chosen target (this
//! machine or `--root DIR`) with the loader emulation of `whyrun-target`, and prints it
//! libtree-style (why each library was found where it was, where a missing one was looked
//! for, missing symbol versions) or as `whyrun.tree/1` JSON. Rendering only: the search
//! and every file read happen in the target crate. Trees are resolved and rendered on
//! the thread pool sharing one loader, and written in order through one buffered writer
//! with colour decided once, so a run over hundreds of files costs a few writes.

use std::io::{self, BufWriter, Write};

use anstream::eprintln;
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use whyrun_report::tree::{FileReport, Palette, Report, SCHEMA};
use whyrun_target::loader::LoadTree;
use whyrun_target::{Loader, Target};

use crate::cli::TreeArgs;
use crate::exit;

/// Exit code when a library, the interpreter or a required symbol version is missing.
pub const MISSING: u8 = crate::exit::FAILS;

/// Bytes buffered before a write to stdout.
const OUT_BUFFER: usize = 1 << 16;
/// Room for one tree's text (most take well under this).
const TEXT_CAPACITY: usize = 2048;

pub fn run(args: &TreeArgs) -> Result<u8> {
    let mut target = match &args.root {
        Some(dir) => Target::root(dir).with_context(|| format!("--root {}", dir.display()))?,
        None => Target::host(),
    };
    if let Some(lp) = &args.ld_library_path {
        target.ld_library_path = Some(lp.clone());
    }
    // `--as PATH`: the one local FILE, placed at PATH inside the root.
    let placed = match (&args.deploy_as, args.files.as_slice()) {
        (Some(at), [local]) => {
            if !at.is_absolute() {
                bail!("--as {}: an absolute path inside the root", at.display());
            }
            target = target.with_file_at(at.clone(), local.clone());
            Some((local.clone(), at.clone()))
        }
        (Some(_), _) => bail!("--as places one FILE: name exactly one"),
        (None, _) => None,
    };
    let describe = target.view().describe();
    let loader = Loader::new(target);
    // On this machine a relative FILE is taken from the current directory, as every other
    // tool takes it; inside a root it is taken from the root's `/`.
    let cwd = match &args.root {
        None => std::env::current_dir().ok(),
        Some(_) => None,
    };
    let resolve = |f: &std::path::PathBuf| {
        let (shown, path) = match (&placed, &cwd) {
            (Some((local, at)), _) if local == f => {
                (format!("{} (as {})", f.display(), at.display()), at.clone())
            }
            (_, Some(dir)) if f.is_relative() => (f.display().to_string(), dir.join(f)),
            _ => (f.display().to_string(), f.clone()),
        };
        (shown, loader.resolve(&path).map_err(|e| e.to_string()))
    };
    let mut code = exit::OK;
    // An unreadable file decides the exit code over a missing library.
    let mut note = |path: &str, ok: Result<bool, &str>| match ok {
        Err(e) => {
            eprintln!("whyrun: {path}: {e}");
            code = exit::INPUT_ERROR;
        }
        Ok(false) if code == exit::OK => code = MISSING,
        Ok(_) => {}
    };

    let mut out = BufWriter::with_capacity(OUT_BUFFER, io::stdout());
    if args.output.json() {
        let results: Vec<(String, Result<LoadTree, String>)> =
            args.files.par_iter().map(resolve).collect();
        for (path, r) in &results {
            note(path, r.as_ref().map(LoadTree::ok).map_err(String::as_str));
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
        // Each tree is resolved and rendered on the thread pool (and freed there); the
        // texts are written here in order.
        let pal = Palette::new(crate::style::colour());
        let root = args.root.is_some().then_some(describe.as_str());
        let rendered: Vec<_> = args
            .files
            .par_iter()
            .map(|f| {
                let (path, r) = resolve(f);
                let text = r.map(|t| {
                    let mut text = Vec::with_capacity(TEXT_CAPACITY);
                    whyrun_report::tree::write_text(&mut text, &pal, &t, args.verbose, root)
                        .map(|()| (text, t.ok()))
                });
                (path, text)
            })
            .collect();
        let mut first = true;
        for (path, r) in rendered {
            match r {
                Err(e) => {
                    // The trees before it first, so a terminal shows both in order.
                    out.flush()?;
                    note(&path, Err(&e));
                }
                Ok(text) => {
                    let (text, ok) = text?;
                    note(&path, Ok(ok));
                    if !first {
                        writeln!(out)?;
                    }
                    first = false;
                    out.write_all(&text)?;
                }
            }
        }
    }
    out.flush()?;
    // As for the trees: the caches go with the process.
    std::mem::forget(loader);
    Ok(code)
}
