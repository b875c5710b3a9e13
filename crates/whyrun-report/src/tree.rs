//! `whyrun tree` rendered: one file's loader tree as text, libtree-style (why each library
//! was found where it was, where a missing one was looked for, missing symbol versions),
//! or the `whyrun.tree/1` JSON document. Rendering only; the tree comes from the loader
//! emulation of `whyrun-target`. Lines every tree has are written as pieces with their
//! styles rendered once.

use std::io::{self, Write};

use anstyle::Style;
use serde::Serialize;
use whyrun_target::loader::{LoadTree, NeedResult, Step};

use crate::style::{ACCENT, BAD, GOOD, LABEL, PATH, WARN};

/// The styles of one run: the terminal styles with colour, plain ones without.
#[derive(Clone, Copy)]
pub struct Palette {
    path: Style,
    label: Style,
    good: Style,
    warn: Style,
    bad: Style,
    accent: Style,
}

impl Palette {
    pub fn new(colour: bool) -> Palette {
        let plain = Style::new();
        if !colour {
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

/// The `whyrun.tree/1` document.
#[derive(Serialize)]
pub struct Report<'a> {
    pub schema: &'static str,
    pub whyrun_version: &'a str,
    /// The target, as its file view describes itself.
    pub target: String,
    pub files: Vec<FileReport<'a>>,
}

/// One file: its tree and whether everything was found, or why it could not be read.
#[derive(Serialize)]
pub struct FileReport<'a> {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ok: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree: Option<&'a LoadTree>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
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

/// Writes one file's tree as text, libtree-style.
pub fn write_text(
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
