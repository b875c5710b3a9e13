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
use anyhow::{Context, Result};
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
        let pal = Palette::new(crate::style::colour());
        let root = args.root.is_some().then_some(describe.as_str());
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let render = |f: &std::path::PathBuf| {
            let (path, r) = resolve(f);
            let rendered = r.map(|t| {
                let mut text = Vec::with_capacity(TEXT_CAPACITY);
                whyrun_report::tree::write_text(&mut text, &pal, &t, args.verbose, root)
                    .map(|()| (text, t.ok()))
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
