//! `whyrun tree`: resolves each file's shared-library tree in the chosen target (this
//! machine or `--root DIR`) with the loader emulation of `whyrun-target`, and prints it
//! libtree-style (why each library was found where it was, where a missing one was looked
//! for, missing symbol versions) or as `whyrun.tree/1` JSON. Rendering only: the search
//! and every file read happen in the target crate. Trees are resolved and rendered on
//! worker threads sharing one loader, and written in order through one buffered writer
//! with colour decided once, so a run over hundreds of files costs a few writes.

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
/// Room for one tree's text (most take well under this).
const TEXT_CAPACITY: usize = 2048;

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

/// A style's escape sequences, rendered once: the lines every tree has are written as
/// pieces, without formatting.
struct Ink {
    on: String,
    off: String,
}

impl Ink {
    fn new(style: Style) -> Ink {
        Ink {
            on: format!("{style}"),
            off: format!("{style:#}"),
        }
    }
}

/// Writes `pieces` one after the other.
fn put(out: &mut impl Write, pieces: &[&str]) -> io::Result<()> {
    pieces.iter().try_for_each(|p| out.write_all(p.as_bytes()))
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
    if args.json {
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
        whyrun_report::pretty::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
        // The process ends next: freeing every tree one by one would only cost time.
        std::mem::forget(results);
    } else {
        // Each tree is resolved and rendered on a worker thread (and freed there); the
        // texts are written here in order as soon as each and all before it are ready,
        // so memory stays bounded and writing overlaps the work.
        let pal = Palette::for_stdout();
        let root = args.root.is_some().then_some(describe.as_str());
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let render = |f: &std::path::PathBuf| {
            let (path, r) = resolve(f);
            let rendered = r.map(|t| {
                let mut text = Vec::with_capacity(TEXT_CAPACITY);
                print_tree(&mut text, &pal, &t, args.verbose, root).map(|()| (text, t.ok()))
            });
            (path, rendered)
        };
        let mut first = true;
        in_order(&args.files, threads, render, |(path, r)| {
            match r {
                Err(e) => {
                    // The trees before it first, so a terminal shows both in order.
                    out.flush()?;
                    note(&path, Err(&e));
                }
                Ok(rendered) => {
                    let (text, ok) = rendered?;
                    note(&path, Ok(ok));
                    if !first {
                        writeln!(out)?;
                    }
                    first = false;
                    out.write_all(&text)?;
                }
            }
            Ok(())
        })?;
    }
    out.flush()?;
    // As for the trees: the caches go with the process.
    std::mem::forget(loader);
    Ok(code)
}

/// Maps `items` with `f` on up to `threads` threads (the calling one among them) and hands
/// the results to `sink`, on the calling thread, in the items' order, each as soon as it
/// and all before it are ready. A failing `sink` stops the work; its error is returned.
fn in_order<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
    mut sink: impl FnMut(R) -> io::Result<()>,
) -> io::Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = threads.min(items.len());
    if threads <= 1 {
        return items.iter().try_for_each(|it| sink(f(it)));
    }
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, R)>();
    std::thread::scope(|scope| {
        for _ in 1..threads {
            let tx = tx.clone();
            let (next, f) = (&next, &f);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(it) = items.get(i) else { break };
                if tx.send((i, f(it))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut waiting = std::collections::BTreeMap::new();
        let mut due = 0;
        let mut result = Ok(());
        let mut deliver = |waiting: &mut std::collections::BTreeMap<usize, R>| {
            while let Some(r) = waiting.remove(&due) {
                due += 1;
                if result.is_ok() {
                    result = sink(r);
                    if result.is_err() {
                        next.store(items.len(), Ordering::Relaxed);
                    }
                }
            }
        };
        // This thread works too, and delivers whatever is due between its own items.
        loop {
            waiting.extend(rx.try_iter());
            deliver(&mut waiting);
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(it) = items.get(i) else { break };
            waiting.insert(i, f(it));
        }
        for (i, r) in rx {
            waiting.insert(i, r);
            deliver(&mut waiting);
        }
        deliver(&mut waiting);
        result
    })
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

/// [`step_text`] written out directly.
fn write_step(
    out: &mut impl Write,
    step: &Step,
    dir: &str,
    hwcaps: Option<&str>,
) -> io::Result<()> {
    match step {
        Step::Rpath { of } => put(out, &["rpath of ", of])?,
        Step::Runpath { of } => put(out, &["runpath of ", of])?,
        Step::DefaultPath => put(out, &["default path ", dir])?,
        Step::LdLibraryPath => put(out, &["LD_LIBRARY_PATH ", dir])?,
        other => put(out, &[other.label()])?,
    }
    if let Some(h) = hwcaps {
        put(out, &[", glibc-hwcaps/", h])?;
    }
    Ok(())
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
    let (path_ink, label_ink) = (Ink::new(path), Ink::new(label));
    put(out, &[&path_ink.on, &t.file, &path_ink.off])?;
    if let Some(r) = root {
        put(out, &[" ", &label_ink.on, "(in ", r, ")", &label_ink.off])?;
    }
    put(out, &["\n"])?;
    if let Some(i) = &t.interpreter {
        match &i.found {
            Some(_) => put(
                out,
                &[
                    &label_ink.on,
                    "interpreter",
                    &label_ink.off,
                    " ",
                    &i.path,
                    "\n",
                ],
            )?,
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
    let inks = [Ink::new(pal.accent), label_ink];
    print_children(out, pal, &inks, t, 0, "", verbose, &mut expanded)?;
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
        let good_ink = Ink::new(good);
        let n = t.objects.len() - 1;
        put(
            out,
            &[
                &good_ink.on,
                &n.to_string(),
                if n == 1 { " object" } else { " objects" },
                " loaded, every symbol version defined",
                &good_ink.off,
                "\n",
            ],
        )?;
    }
    Ok(())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The accent and label inks, in that order.
type Inks = [Ink; 2];

#[allow(clippy::too_many_arguments)]
fn print_children(
    out: &mut impl Write,
    pal: &Palette,
    inks: &Inks,
    t: &LoadTree,
    idx: usize,
    prefix: &str,
    verbose: bool,
    expanded: &mut [bool],
) -> io::Result<()> {
    let Palette {
        label, warn, bad, ..
    } = *pal;
    let [accent_ink, label_ink] = inks;
    let obj = &t.objects[idx];
    let versions = || t.missing_versions.iter().filter(|m| m.required_by == idx);
    let shown = || {
        obj.needs
            .iter()
            .filter(|n| verbose || !matches!(n.result, NeedResult::Reused { .. }))
    };
    let shown_count = shown().count();
    let total = shown_count + versions().count();
    for (k, need) in shown().enumerate() {
        let last = k + 1 == total;
        let (branch, cont) = if last {
            ("└── ", "    ")
        } else {
            ("├── ", "│   ")
        };
        let child_prefix = || format!("{prefix}{cont}");
        match &need.result {
            NeedResult::Loaded {
                object,
                step,
                dir,
                hwcaps,
                skipped,
            } => {
                let o = &t.objects[*object];
                put(
                    out,
                    &[
                        prefix,
                        branch,
                        &accent_ink.on,
                        &need.name,
                        &accent_ink.off,
                        " => ",
                        &o.path,
                        " ",
                        &label_ink.on,
                        "[",
                    ],
                )?;
                write_step(out, step, dir, hwcaps.as_deref())?;
                put(out, &["]", &label_ink.off, "\n"])?;
                if skipped.is_empty() && expanded[*object] {
                    continue;
                }
                let child_prefix = child_prefix();
                for s in skipped {
                    writeln!(
                        out,
                        "{child_prefix}{warn}skipped{warn:#} {}: {}",
                        s.path,
                        s.why()
                    )?;
                }
                if !expanded[*object] {
                    expanded[*object] = true;
                    print_children(out, pal, inks, t, *object, &child_prefix, verbose, expanded)?;
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
                let child_prefix = child_prefix();
                for s in skipped {
                    writeln!(
                        out,
                        "{child_prefix}{warn}skipped{warn:#} {}: {}",
                        s.path,
                        s.why()
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
    for (k, m) in versions().enumerate() {
        let last = shown_count + k + 1 == total;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_delivers_in_order_on_any_number_of_threads() {
        let items: Vec<u64> = (0..500).collect();
        for threads in [1, 2, 4, 16] {
            let mut seen = Vec::new();
            in_order(
                &items,
                threads,
                |&i| {
                    // Uneven work, so results arrive out of order.
                    std::thread::sleep(std::time::Duration::from_micros((i * 7919) % 50));
                    i * 2
                },
                |r| {
                    seen.push(r);
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(seen, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        }
    }

    #[test]
    fn in_order_stops_at_the_first_failing_delivery() {
        let items: Vec<u32> = (0..1000).collect();
        let mut delivered = 0;
        let err = in_order(
            &items,
            2,
            |&i| i,
            |i| {
                delivered += 1;
                if i == 10 {
                    Err(io::Error::from(io::ErrorKind::BrokenPipe))
                } else {
                    Ok(())
                }
            },
        )
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(delivered, 11);
    }
}
